/**
 * Tool inputs, written once. A built-in tool declares its input as one zod schema: the JSON Schema
 * the model is shown is generated from it, and the type `prepare` receives is inferred from it.
 * Every call's input — built-in tools and MCP servers' tools alike — is checked by one Ajv against
 * the JSON Schema the model saw, and every problem is told to the model by one formatter.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { z } from 'zod';
import { ToolInputError, type PreparedCall, type Tool, type ToolContext, type ToolSpec } from './tools';

/** Tool inputs nest at most this deep (objects and arrays). */
export const MAX_INPUT_DEPTH = 64;
// A model acts on the first few problems; a wall of errors only costs tokens.
const MAX_REPORTED_ERRORS = 8;

// The one Ajv. Our schemas are generated (no typos to catch), and MCP servers bring schemas we did
// not write: unknown keywords and formats are ignored instead of refusing the tool; a schema that
// breaks the meta-schema still does not compile. verbose gives the formatter parentSchema (to list
// the allowed properties when a model misspells one) and data (to say what it got).
const ajv = new Ajv({ allErrors: true, verbose: true, strict: false, validateFormats: false, logger: false });
// Compiled once per schema object; weakly held, so a disposed tool's schema goes with it.
const compiled = new WeakMap<object, ValidateFunction>();

/** What `prepare` receives for input schema `S`: what the JSON Schema accepts (no defaults filled in). */
export type ToolInput<S extends z.ZodType> = z.input<S>;

/**
 * The JSON Schema of a tool input for the model and the validator: `type: object` at the top, no
 * `$schema` (the Messages API reads tool schemas as draft 2020-12, Ajv as draft-07; what we emit
 * means the same in both, so it claims neither), and no ±2^53 bounds zod adds to every integer.
 */
export function inputJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...json } = z.toJSONSchema(schema, {
    target: 'draft-7',
    io: 'input',
    unrepresentable: 'throw',
    override: ({ jsonSchema }) => {
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
    },
  });
  if (json.type !== 'object') throw new Error(`a tool's input must be an object schema (z.strictObject), not ${JSON.stringify(json.type ?? 'untyped')}`);
  return json;
}

/** The validator of a JSON Schema, compiled by the one Ajv (once per schema object). Throws if the schema does not compile. */
export function inputValidator(schema: Record<string, unknown>): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    // The compiled function stands alone; Ajv's own cache would hold every schema forever (and
    // refuse a second schema with the same $id after a tool was disposed).
    ajv.removeSchema(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** A checked input, or the message for the model (what is wrong, where, what was expected). */
export type InputCheck<T> = { ok: true; input: T } | { ok: false; error: string };

/**
 * Checks a call's input for tool `name`. Input nested deeper than any schema needs is refused
 * before the recursive validator (and JSON.stringify) see it.
 */
export function checkInput<T>(name: string, validate: ValidateFunction<T>, input: unknown): InputCheck<T> {
  if (nestingDepth(input, MAX_INPUT_DEPTH) > MAX_INPUT_DEPTH) {
    return { ok: false, error: `invalid input for ${name}: nested more than ${MAX_INPUT_DEPTH} levels deep; send a flat JSON object as the schema describes` };
  }
  if (validate(input)) return { ok: true, input };
  return { ok: false, error: `invalid input for ${name}: ${describeErrors(validate.errors ?? [])}` };
}

/** A built-in tool as declared: its input as one zod schema, and a `prepare` that receives it typed. */
export interface ToolDefinition<S extends z.ZodType> extends Omit<ToolSpec, 'inputSchema'> {
  /** the input, a z.strictObject whose `.describe()` texts the model reads */
  input: S;
  /** Checks the (schema-valid) input against the world; see Tool.prepare. */
  prepare: (input: ToolInput<S>, context: ToolContext) => Promise<PreparedCall>;
}

/**
 * The kernel tool for a definition. Its `prepare` checks the input itself (with the same validator
 * and message as the registry) before the definition sees it, so the type holds also for a caller
 * that skips the registry.
 */
export function defineTool<S extends z.ZodType>(definition: ToolDefinition<S>): Tool {
  const { input, prepare: _, ...spec } = definition;
  const inputSchema = inputJsonSchema(input);
  // The one place the zod type meets the validator: the JSON Schema was generated from `input`.
  const validate = inputValidator(inputSchema) as ValidateFunction<ToolInput<S>>;
  return {
    ...spec,
    inputSchema,
    async prepare(raw, context) {
      const checked = checkInput(spec.name, validate, raw);
      if (!checked.ok) throw new ToolInputError(checked.error);
      return definition.prepare(checked.input, context);
    },
  };
}

/**
 * Turns Ajv errors into one line such as "input.path: must be string (got integer); input: unknown
 * property 'paht' (allowed: path, start_line)". `root` names the whole input.
 */
export function describeErrors(errors: readonly ErrorObject[], root = 'input'): string {
  const lines = [...new Set(errors.map((e) => describeError(e, root)))];
  const shown = lines.slice(0, MAX_REPORTED_ERRORS);
  if (lines.length > shown.length) shown.push(`and ${lines.length - shown.length} more problems`);
  return shown.join('; ');
}

function describeError(error: ErrorObject, root: string): string {
  const at = instancePathToText(error.instancePath, root);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${at}: missing required property '${String(params.missingProperty)}'`;
    case 'additionalProperties': {
      const allowed = Object.keys((error.parentSchema?.properties as Record<string, unknown> | undefined) ?? {});
      const hint = allowed.length ? ` (allowed: ${allowed.join(', ')})` : ' (it takes no properties)';
      return `${at}: unknown property '${String(params.additionalProperty)}'${hint}`;
    }
    case 'type':
      return `${at}: must be ${String(params.type)} (got ${jsonType(error.data)})`;
    case 'enum':
      return `${at}: must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${at}: must be ${JSON.stringify(params.allowedValue)}`;
    default:
      return `${at}: ${error.message ?? 'is invalid'}`;
  }
}

/** `/list/0/name` → `input.list[0].name` */
function instancePathToText(pointer: string, root: string): string {
  let text = root;
  if (!pointer) return text;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(key)) text += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(key)) text += `.${key}`;
    else text += `[${JSON.stringify(key)}]`;
  }
  return text;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isInteger(value)) return 'integer';
  return typeof value;
}

/** How deep a JSON value nests, counted without recursion and up to `limit + 1` at most. */
export function nestingDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    const depth = d + 1;
    if (depth > max) max = depth;
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, depth]);
  }
  return max;
}
