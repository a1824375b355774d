/**
 * What an agent's `model` setting means. `PROVIDER:MODEL` picks a provider; a bare id is an
 * Anthropic model (the setting every earlier version of AIOS wrote):
 *   claude-sonnet-4-5 · anthropic:claude-sonnet-4-5 · scripted:./demo.json
 *   openai:gpt-4.1 · openrouter:anthropic/claude-sonnet-4.5 · ollama:qwen3:8b · lmstudio:qwen2.5-coder
 *   vscode-lm:copilot/gpt-4o (VS Code's language models: vendor/family) · copilot:gpt-4o (the same)
 *   NAME:MODEL for an endpoint named NAME in aios.endpoints
 */

/** A parsed model setting. */
export type ModelSpec =
  | { kind: 'scripted'; path: string }
  | { kind: 'anthropic'; model: string }
  /** an OpenAI Chat Completions endpoint: a built-in one (openai, openrouter, ollama, lmstudio) or a named one */
  | { kind: 'openai'; endpoint: string; model: string }
  /** a chat model of the editor (vscode.lm), selected by vendor and family */
  | { kind: 'vscode-lm'; vendor: string; family: string };

/** The OpenAI-compatible endpoints AIOS knows without settings. */
export const BUILTIN_ENDPOINTS = ['openai', 'openrouter', 'ollama', 'lmstudio'] as const;

const SCRIPTED = 'scripted:';
const FORMS = 'a Claude model id (claude-sonnet-4-5), openai:MODEL, openrouter:VENDOR/MODEL, ollama:MODEL, lmstudio:MODEL, vscode-lm:VENDOR/FAMILY, NAME:MODEL for an endpoint in aios.endpoints, or scripted:PATH';

/**
 * Parses a model setting. `endpoints` are the names defined in aios.endpoints; a name there wins
 * over a built-in one, so a company can point `openai:` at its own proxy.
 */
export function parseModelSpec(spec: string, endpoints: readonly string[] = []): ModelSpec {
  const text = spec.trim();
  if (!text) throw new Error(`Empty model setting: give ${FORMS}`);
  if (text.startsWith(SCRIPTED)) {
    const path = text.slice(SCRIPTED.length).trim();
    if (!path) throw new Error(`Model setting '${spec}' names no script: use scripted:PATH, e.g. scripted:./demo.json`);
    return { kind: 'scripted', path };
  }
  const colon = text.indexOf(':');
  if (colon < 0) return { kind: 'anthropic', model: text };
  const prefix = text.slice(0, colon).trim();
  const model = text.slice(colon + 1).trim();
  if (!model) throw new Error(`Model setting '${spec}' names no model after '${prefix}:': e.g. ${prefix}:${exampleFor(prefix)}`);
  if (endpoints.includes(prefix)) return { kind: 'openai', endpoint: prefix, model };
  if (prefix === 'anthropic') return { kind: 'anthropic', model };
  if ((BUILTIN_ENDPOINTS as readonly string[]).includes(prefix)) return { kind: 'openai', endpoint: prefix, model };
  if (prefix === 'vscode-lm' || prefix === 'copilot') {
    const slash = model.indexOf('/');
    if (prefix === 'copilot') return { kind: 'vscode-lm', vendor: 'copilot', family: model };
    if (slash <= 0 || slash === model.length - 1) throw new Error(`Model setting '${spec}' must be vscode-lm:VENDOR/FAMILY, e.g. vscode-lm:copilot/gpt-4o`);
    return { kind: 'vscode-lm', vendor: model.slice(0, slash), family: model.slice(slash + 1) };
  }
  throw new Error(`Unknown model provider '${prefix}' in '${spec}': give ${FORMS}`);
}

function exampleFor(prefix: string): string {
  if (prefix === 'ollama') return 'qwen3:8b';
  if (prefix === 'openrouter') return 'anthropic/claude-sonnet-4.5';
  if (prefix === 'vscode-lm') return 'copilot/gpt-4o';
  return 'gpt-4.1';
}

/** The provider name a spec belongs to, as the Spawn picker and `aios models` group them. */
export function providerName(spec: ModelSpec): string {
  switch (spec.kind) {
    case 'scripted': return 'scripted';
    case 'anthropic': return 'anthropic';
    case 'openai': return spec.endpoint;
    case 'vscode-lm': return 'vscode-lm';
  }
}
