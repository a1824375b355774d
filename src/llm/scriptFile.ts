/**
 * The offline model's script: its JSON format, its schema, and loading it with errors that name
 * the file, the turn and what is wrong.
 */
import { readFileSync } from 'node:fs';
import Ajv, { type ErrorObject } from 'ajv';

/** One scripted tool call; `raw_input` (text that need not be JSON) simulates malformed model output. */
export interface ScriptToolCall {
  name: string;
  input?: Record<string, unknown>;
  raw_input?: string;
}

/** One scripted model answer. */
export interface ScriptTurn {
  text?: string;
  tool_calls?: ScriptToolCall[];
  usage?: {
    input_tokens: number;
    output_tokens: number;
    cache_read_input_tokens?: number;
    cache_creation_input_tokens?: number;
  };
  /** how long the "model" takes to answer */
  latency_ms?: number;
}

/** A whole script: the answers every session replays in order. */
export interface Script {
  turns: ScriptTurn[];
}

const count = { type: 'integer', minimum: 0 } as const;

const SCRIPT_SCHEMA = {
  type: 'object',
  required: ['turns'],
  additionalProperties: false,
  properties: {
    turns: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          text: { type: 'string' },
          tool_calls: {
            type: 'array',
            items: {
              type: 'object',
              required: ['name'],
              additionalProperties: false,
              properties: {
                name: { type: 'string', minLength: 1 },
                input: { type: 'object' },
                raw_input: { type: 'string' },
              },
              not: { required: ['input', 'raw_input'] },
            },
          },
          usage: {
            type: 'object',
            required: ['input_tokens', 'output_tokens'],
            additionalProperties: false,
            properties: {
              input_tokens: count,
              output_tokens: count,
              cache_read_input_tokens: count,
              cache_creation_input_tokens: count,
            },
          },
          latency_ms: count,
        },
      },
    },
  },
} as const;

// strictRequired off: the `not: { required }` rule names properties declared one level up.
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, logger: false });
const validate = ajv.compile<Script>(SCRIPT_SCHEMA);

/** Checks `value` against the script format; throws one Error listing every problem, per turn. */
export function parseScript(value: unknown, source: string): Script {
  if (validate(value)) return value;
  const problems = (validate.errors ?? []).map(describe);
  throw new Error(`Invalid model script ${source}:\n  ${[...new Set(problems)].join('\n  ')}`);
}

/** Reads and validates a script file. */
export function loadScript(path: string): Script {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read model script ${path}: ${(error as Error).message}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`Invalid model script ${path}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  return parseScript(value, path);
}

/** "turn 3 (turns[2]): tool_calls[0].name must be string" from an ajv error. */
function describe(error: ErrorObject): string {
  const parts = error.instancePath.split('/').slice(1);
  let where = 'the script';
  let rest = parts;
  if (parts[0] === 'turns' && parts.length >= 2) {
    const index = Number(parts[1]);
    where = `turn ${index + 1} (turns[${index}])`;
    rest = parts.slice(2);
  } else if (parts[0] === 'turns') {
    where = "'turns'";
    rest = [];
  }
  const field = rest.map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : `${i ? '.' : ''}${part}`)).join('');
  const what = explain(error);
  return `${where}: ${field ? `${field} ` : ''}${what}`;
}

function explain(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperty' || error.keyword === 'additionalProperties') {
    return `has unknown property '${String(params['additionalProperty'])}'`;
  }
  if (error.keyword === 'required') return `is missing '${String(params['missingProperty'])}'`;
  if (error.keyword === 'not') return 'has both input and raw_input: give one';
  return error.message ?? 'is invalid';
}
