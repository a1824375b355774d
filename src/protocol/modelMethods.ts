/**
 * Models between the extension and the kernel host: the model settings the host opens its
 * session with, the credentials it asks for, the configured-model list the Spawn picker shows,
 * and the bridge to VS Code's language models (vscode.lm), which only the extension host can
 * reach: the host asks the extension to select a chat model and stream a request with tools.
 * The llm layer reads the settings types from here (type-only), so each shape is written once.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';

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

// ---------------------------------------------------------------------------------------------
// vscode.lm bridge

/** A content part on the bridge (a plain-JSON mirror of LanguageModelChatMessage parts). */
export type LmPart =
  | { type: 'text'; text: string }
  | { type: 'toolCall'; callId: string; name: string; input: Record<string, unknown> }
  | { type: 'toolResult'; callId: string; text: string; isError: boolean };

/** A message on the bridge. vscode.lm has no system role: the host sends the system prompt first as user text. */
export interface LmMessage {
  role: 'user' | 'assistant';
  parts: LmPart[];
}

/** A chat model the editor offers. */
export interface LmModelView {
  id: string;
  vendor: string;
  family: string;
  name: string;
  maxInputTokens: number;
}

/** The editor's models, or why there are none. */
export type LmModelList = { available: true; models: LmModelView[] } | { available: false; reason: string };

/** One request to a vscode.lm chat model. */
export interface LmChatParams {
  /** correlates `lmText` notifications with this request */
  requestId: string;
  vendor: string;
  family: string;
  messages: LmMessage[];
  tools: Array<{ name: string; description: string; inputSchema: Record<string, unknown> }>;
  /** the system prompt, to prepend as a user message */
  system: string;
}

/** What the model answered; tokens come from the model's countTokens (vscode.lm reports no usage). */
export interface LmChatResult {
  /** the chat model's id (e.g. `copilot-gpt-4o`) */
  model: string;
  parts: Array<Extract<LmPart, { type: 'text' } | { type: 'toolCall' }>>;
  inputTokens: number;
  outputTokens: number;
}

/** Host → extension requests (model list, credentials, the lm bridge). */
export const toExtensionModels = {
  /** API keys and secret headers from SecretStorage; never logged */
  credentials: new RequestType0<Credentials, void>('aios/credentials'),
  /** the editor's chat models; `available: false` says why (an older editor, no provider) */
  lmModels: new RequestType0<LmModelList, void>('aios/lmModels'),
  /** one chat request; cancelling the JSON-RPC request cancels it in the editor */
  lmChat: new RequestType<LmChatParams, LmChatResult, void>('aios/lmChat'),
} as const;

/** Extension → host requests and notifications of the model layer. */
export const toHostModels = {
  /** models configured in the host's settings and keys, for the Spawn picker */
  models: new RequestType0<ConfiguredModel[], void>('aios/models'),
  /** streamed text of an `lmChat` request, as it arrives */
  lmText: new NotificationType<{ requestId: string; text: string }>('aios/lmText'),
} as const;
