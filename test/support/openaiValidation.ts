/**
 * Request validation of the local Chat Completions server, as strict as the real service on what
 * AIOS sends: roles, a `tool` message must answer a `tool_calls` id of the assistant message
 * before it (and every call must be answered before the conversation goes on), an assistant
 * message needs content or tool calls, tools need valid names and an object JSON Schema,
 * arguments are JSON text, stream_options only with stream, not both token caps.
 * Messages follow the real API's wording where we know it.
 */

const TOP_LEVEL = new Set([
  'model', 'messages', 'stream', 'stream_options', 'max_tokens', 'max_completion_tokens', 'tools', 'tool_choice',
  'temperature', 'top_p', 'parallel_tool_calls', 'stop', 'n', 'user', 'seed', 'response_format',
]);
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The error message the API would answer with (400), or null when the body is acceptable. */
export function validateChatBody(body: Json): string | null {
  for (const key of Object.keys(body)) if (!TOP_LEVEL.has(key)) return `Unrecognized request argument supplied: ${key}`;
  if (typeof body['model'] !== 'string' || !body['model']) return "you must provide a model parameter";
  if (body['stream_options'] !== undefined && body['stream'] !== true) return "The 'stream_options' parameter is only allowed when 'stream' is enabled.";
  if (body['max_tokens'] !== undefined && body['max_completion_tokens'] !== undefined) return "max_tokens and max_completion_tokens cannot both be set: use max_completion_tokens";
  for (const cap of ['max_tokens', 'max_completion_tokens']) {
    const v = body[cap];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1)) return `Invalid '${cap}': expected an integer greater than 0`;
  }
  const tools = body['tools'];
  if (tools !== undefined) {
    if (!Array.isArray(tools) || tools.length === 0) return "Invalid 'tools': empty array. Expected an array with minimum length 1";
    const names = new Set<string>();
    for (const [i, tool] of tools.entries()) {
      const problem = validateTool(tool, i);
      if (problem) return problem;
      const name = ((tool as Json)['function'] as Json)['name'] as string;
      if (names.has(name)) return `Invalid 'tools': duplicate function name '${name}'`;
      names.add(name);
    }
  }
  const messages = body['messages'];
  if (!Array.isArray(messages) || messages.length === 0) return "Invalid 'messages': empty array. Expected an array with minimum length 1";
  return validateMessages(messages);
}

function validateTool(tool: unknown, i: number): string | null {
  if (!isObject(tool) || tool['type'] !== 'function' || !isObject(tool['function'])) return `Invalid 'tools[${i}]': expected {type: 'function', function: {...}}`;
  const fn = tool['function'];
  if (typeof fn['name'] !== 'string' || !TOOL_NAME.test(fn['name'])) return `Invalid 'tools[${i}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`;
  if (fn['description'] !== undefined && typeof fn['description'] !== 'string') return `Invalid 'tools[${i}].function.description': expected a string`;
  const params = fn['parameters'];
  if (params !== undefined) {
    if (!isObject(params)) return `Invalid schema for function '${fn['name']}': schema must be a JSON Schema object`;
    if (params['type'] !== 'object') return `Invalid schema for function '${fn['name']}': schema must be a JSON Schema of 'type: "object"', got 'type: "${String(params['type'])}"'.`;
    if (params['properties'] !== undefined && !isObject(params['properties'])) return `Invalid schema for function '${fn['name']}': 'properties' must be an object`;
    if (params['required'] !== undefined && !Array.isArray(params['required'])) return `Invalid schema for function '${fn['name']}': 'required' must be an array`;
  }
  return null;
}

function validateMessages(messages: unknown[]): string | null {
  let open: Set<string> | null = null; // tool_call ids of the last assistant message not yet answered
  for (const [i, m] of messages.entries()) {
    if (!isObject(m)) return `Invalid type for 'messages[${i}]': expected an object`;
    const role = m['role'];
    if (role !== 'tool' && open && open.size) {
      return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open].join(', ')}`;
    }
    if (role !== 'tool') open = null;
    switch (role) {
      case 'system': case 'developer': case 'user':
        if (!isContent(m['content'])) return `Invalid 'messages[${i}].content': expected a string or an array of content parts`;
        break;
      case 'assistant': {
        const calls = m['tool_calls'];
        const hasCalls = Array.isArray(calls) && calls.length > 0;
        if (calls !== undefined && !hasCalls) return `Invalid 'messages[${i}].tool_calls': empty array. Expected an array with minimum length 1`;
        if (!hasCalls && (m['content'] === null || m['content'] === undefined)) return `Invalid value for 'messages[${i}].content': expected a string, got null.`;
        if (m['content'] !== null && m['content'] !== undefined && !isContent(m['content'])) return `Invalid 'messages[${i}].content': expected a string`;
        open = new Set();
        for (const [j, call] of (hasCalls ? (calls as unknown[]) : []).entries()) {
          if (!isObject(call) || typeof call['id'] !== 'string' || call['type'] !== 'function' || !isObject(call['function'])) return `Invalid 'messages[${i}].tool_calls[${j}]': expected {id, type: 'function', function: {name, arguments}}`;
          const fn = call['function'];
          if (typeof fn['name'] !== 'string' || typeof fn['arguments'] !== 'string') return `Invalid 'messages[${i}].tool_calls[${j}].function': name and arguments must be strings`;
          try {
            JSON.parse(fn['arguments']);
          } catch {
            return `Invalid 'messages[${i}].tool_calls[${j}].function.arguments': not valid JSON`;
          }
          open.add(call['id']);
        }
        break;
      }
      case 'tool': {
        const id = m['tool_call_id'];
        if (typeof id !== 'string') return `Missing required parameter: 'messages[${i}].tool_call_id'.`;
        if (!open || !open.has(id)) return `Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'. ('messages[${i}].tool_call_id' = '${id}')`;
        open.delete(id);
        if (typeof m['content'] !== 'string' && !Array.isArray(m['content'])) return `Invalid 'messages[${i}].content': expected a string`;
        break;
      }
      default:
        return `Invalid value: '${String(role)}'. Supported values are: 'system', 'assistant', 'user', 'tool', 'function', and 'developer'.`;
    }
  }
  if (open && open.size) return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open].join(', ')}`;
  return null;
}

function isContent(v: unknown): boolean {
  return typeof v === 'string' || (Array.isArray(v) && v.every((p) => isObject(p) && p['type'] === 'text' && typeof p['text'] === 'string'));
}
