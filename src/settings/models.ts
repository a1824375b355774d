/**
 * The developer's model settings as plain data: endpoints, prices and windows, the Anthropic
 * gateway, credentials, and the configured-model list. Written once here; the llm layer reads
 * them and the protocol carries them (src/protocol/modelMethods.ts re-exports them).
 */

/** USD per million tokens and the context window of one model; a field left out is unknown. */
export interface ModelFacts {
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
  /** tokens the model accepts in one prompt */
  contextWindow?: number;
}

/** An OpenAI-compatible endpoint named in aios.endpoints (vLLM, LiteLLM, a company proxy…). */
export interface EndpointSetting {
  /** e.g. http://127.0.0.1:8000/v1 */
  baseUrl: string;
  /**
   * Where its API key is: `secret` (set with "AIOS: Set API Key"), `env:NAME` (an environment
   * variable of the kernel host), or `none` (a local server without keys).
   */
  apiKey: 'secret' | 'none' | `env:${string}`;
  /** models offered in the Spawn picker (any model can still be typed as NAME:MODEL) */
  models: string[];
  /** false for models that cannot call tools: they are refused at spawn */
  supportsTools: boolean;
  /** prices and window for all of this endpoint's models (per-model overrides win) */
  facts: ModelFacts;
}

/** Model settings the host needs; none of them is a secret. */
export interface ModelSettings {
  /** '' : ANTHROPIC_BASE_URL, else https://api.anthropic.com */
  anthropicBaseUrl: string;
  /** non-secret extra headers for a gateway; secret ones come with `credentials` */
  anthropicHeaders: Record<string, string>;
  endpoints: Record<string, EndpointSetting>;
  /** per model spec (`openai:gpt-4.1`, `claude-sonnet-4-5`), overriding the built-in table */
  models: Record<string, ModelFacts>;
}

/** Everything secret the host may use: API keys by provider, and secret gateway headers. */
export interface Credentials {
  /** `anthropic`, `openai`, `openrouter`, or an endpoint name → key */
  keys: Record<string, string>;
  /** header name → value, sent to the Anthropic base URL */
  anthropicHeaders: Record<string, string>;
}

/** One model the Spawn picker and `aios models` can offer. */
export interface ConfiguredModel {
  /** what goes into the agent's model setting, e.g. `ollama:qwen3:8b` */
  spec: string;
  /** `anthropic`, `openai`, `openrouter`, `ollama`, `lmstudio`, an endpoint name, `vscode-lm` */
  provider: string;
  /** true when the key it needs is there (or it needs none) */
  ready: boolean;
  /** why it is not ready, or a note such as "no dollar cost: budgets count tokens and requests" */
  note: string | null;
  /** USD per million input / output tokens; null when unknown (shown as —) */
  price: { input: number; output: number } | null;
  contextWindow: number | null;
}
