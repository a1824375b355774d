/**
 * The tool registry: the set of tools the kernel can offer to agents, and the schema check every
 * call goes through before the tool sees its input.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { Tool, ToolCatalog, ToolSpec, ToolValidation } from '../kernel/ports/tools';
import type { Disposable } from '../kernel/types';

// Tool names end up in LLM tool declarations; this is the shape the Anthropic API accepts.
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
// A model acts on the first few problems; a wall of errors only costs tokens.
const MAX_REPORTED_ERRORS = 8;

interface Entry {
  tool: Tool;
  validateInput: ValidateFunction;
}

/** Holds the registered tools and validates call inputs against their JSON schemas. */
export class ToolRegistry implements ToolCatalog {
  private readonly tools = new Map<string, Entry>();
  // strictSchema catches typos such as `require` for `required` at registration; strictTypes
  // would reject common, harmless schema shapes, so it stays off. verbose gives us parentSchema
  // to list the allowed properties when a model misspells one.
  private readonly ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false, strictTuples: false, logger: false });
  // Tools from outside (MCP servers) bring schemas we did not write: unknown keywords and formats
  // are ignored instead of refusing the tool; the checks that run are the same.
  private readonly lenientAjv = new Ajv({ allErrors: true, verbose: true, strict: false, validateFormats: false, logger: false });

  /**
   * Adds a tool; throws if the name is taken or invalid or the schema doesn't compile. Dispose to
   * remove it. `external` is for tools registered at run time from elsewhere (MCP servers).
   */
  register(tool: Tool, options: { external?: boolean } = {}): Disposable {
    if (!TOOL_NAME.test(tool.name)) {
      throw new Error(`cannot register tool '${tool.name}': names must be 1-64 letters, digits, '_' or '-'`);
    }
    if (this.tools.has(tool.name)) {
      throw new Error(`cannot register tool '${tool.name}': a tool with that name is already registered`);
    }
    if (tool.inputSchema.type !== 'object') {
      throw new Error(`cannot register tool '${tool.name}': its input schema must have type 'object'`);
    }
    const ajv = options.external ? this.lenientAjv : this.ajv;
    let validateInput: ValidateFunction;
    try {
      validateInput = ajv.compile(tool.inputSchema);
    } catch (err) {
      throw new Error(`cannot register tool '${tool.name}': its input schema does not compile: ${(err as Error).message}`, { cause: err });
    }
    const entry: Entry = { tool, validateInput };
    this.tools.set(tool.name, entry);
    return {
      dispose: () => {
        // Only remove what this registration added: the name may have been re-registered since.
        if (this.tools.get(tool.name) !== entry) return;
        this.tools.delete(tool.name);
        ajv.removeSchema(tool.inputSchema);
      },
    };
  }

  /** The tool with this name, if registered. */
  get(name: string): Tool | undefined {
    return this.tools.get(name)?.tool;
  }

  /** Declarations of all registered tools, sorted by name (a stable order keeps the prompt prefix cacheable). */
  list(): ToolSpec[] {
    return [...this.tools.values()]
      .map(({ tool }) => ({
        name: tool.name,
        description: tool.description,
        inputSchema: tool.inputSchema,
        risk: tool.risk,
        capabilities: [...tool.capabilities],
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Checks a call's input against the tool's schema; the error text is written for the model to fix its call. */
  validate(name: string, input: unknown): ToolValidation {
    const entry = this.tools.get(name);
    if (!entry) {
      const available = [...this.tools.keys()].sort().join(', ') || '(none)';
      return { ok: false, error: `unknown tool '${name}'; available tools: ${available}` };
    }
    // Deeper than any schema needs: refused before the recursive validator (and JSON.stringify) see it.
    const depth = nestingDepth(input, MAX_INPUT_DEPTH);
    if (depth > MAX_INPUT_DEPTH) return { ok: false, error: `invalid input for ${name}: nested more than ${MAX_INPUT_DEPTH} levels deep; send a flat JSON object as the schema describes` };
    if (entry.validateInput(input)) return { ok: true, tool: entry.tool, input };
    return { ok: false, error: `invalid input for ${name}: ${describeErrors(entry.validateInput.errors ?? [])}` };
  }
}

/** Turns ajv errors into one line such as "input.path: must be string; input: unknown property 'paht'". */
export function describeErrors(errors: readonly ErrorObject[]): string {
  const lines = [...new Set(errors.map(describeError))];
  const shown = lines.slice(0, MAX_REPORTED_ERRORS);
  if (lines.length > shown.length) shown.push(`and ${lines.length - shown.length} more problems`);
  return shown.join('; ');
}

function describeError(error: ErrorObject): string {
  const at = instancePathToText(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${at}: missing required property '${String(params.missingProperty)}'`;
    case 'additionalProperties': {
      const allowed = Object.keys((error.parentSchema?.properties as Record<string, unknown> | undefined) ?? {});
      const hint = allowed.length ? ` (allowed: ${allowed.join(', ')})` : '';
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
function instancePathToText(pointer: string): string {
  let text = 'input';
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

/** Tool inputs nest at most this deep (objects and arrays). */
export const MAX_INPUT_DEPTH = 64;

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
