/**
 * Prices and context windows of models that are not Claude (Claude's prices are in prices.ts),
 * and the built-in OpenAI-compatible endpoints. USD per million tokens from each vendor's pricing
 * page, checked 2026-11; OpenRouter passes the vendor's price through. Local servers (Ollama,
 * LM Studio) cost nothing. Anything not here is unknown, never free: settings can add it.
 */
import type { ModelPrice } from './prices';

/** A model's known facts; `price` null means unknown. */
export interface TableFacts {
  price: ModelPrice | null;
  contextWindow: number | null;
}

/** A built-in OpenAI-compatible endpoint. */
export interface BuiltinEndpoint {
  baseUrl: string;
  /** environment variable overriding the base URL (the SDK's convention for openai) */
  baseUrlEnv: string | null;
  /** environment variable the CLI reads the key from; null for local servers without keys */
  keyEnv: string | null;
  /** local servers: every model costs $0 */
  free: boolean;
  /** shown in the picker */
  models: string[];
}

export const BUILTIN_ENDPOINT_TABLE: Record<string, BuiltinEndpoint> = {
  openai: { baseUrl: 'https://api.openai.com/v1', baseUrlEnv: 'OPENAI_BASE_URL', keyEnv: 'OPENAI_API_KEY', free: false, models: ['gpt-4.1', 'gpt-4.1-mini', 'gpt-5', 'o4-mini'] },
  openrouter: { baseUrl: 'https://openrouter.ai/api/v1', baseUrlEnv: null, keyEnv: 'OPENROUTER_API_KEY', free: false, models: ['anthropic/claude-sonnet-4.5', 'openai/gpt-4.1', 'google/gemini-2.5-pro'] },
  ollama: { baseUrl: 'http://127.0.0.1:11434/v1', baseUrlEnv: 'OLLAMA_BASE_URL', keyEnv: null, free: true, models: ['qwen3:8b'] },
  lmstudio: { baseUrl: 'http://127.0.0.1:1234/v1', baseUrlEnv: 'LMSTUDIO_BASE_URL', keyEnv: null, free: true, models: [] },
};

const p = (input: number, output: number, cacheRead: number, cacheWrite = input): ModelPrice => ({ input, output, cacheRead, cacheWrite });

/** OpenAI models (cached input is the cache-read price; OpenAI charges no cache writes). */
const OPENAI: Record<string, TableFacts> = {
  'gpt-4.1': { price: p(2, 8, 0.5), contextWindow: 1_047_576 },
  'gpt-4.1-mini': { price: p(0.4, 1.6, 0.1), contextWindow: 1_047_576 },
  'gpt-4.1-nano': { price: p(0.1, 0.4, 0.025), contextWindow: 1_047_576 },
  'gpt-4o': { price: p(2.5, 10, 1.25), contextWindow: 128_000 },
  'gpt-4o-mini': { price: p(0.15, 0.6, 0.075), contextWindow: 128_000 },
  'gpt-5': { price: p(1.25, 10, 0.125), contextWindow: 400_000 },
  'gpt-5-mini': { price: p(0.25, 2, 0.025), contextWindow: 400_000 },
  'o3': { price: p(2, 8, 0.5), contextWindow: 200_000 },
  'o4-mini': { price: p(1.1, 4.4, 0.275), contextWindow: 200_000 },
};

/** OpenRouter ids (`vendor/model`) with the vendor's price. */
const OPENROUTER: Record<string, TableFacts> = {
  'anthropic/claude-sonnet-4.5': { price: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 }, contextWindow: 1_000_000 },
  'anthropic/claude-opus-4.1': { price: { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 }, contextWindow: 200_000 },
  'anthropic/claude-haiku-4.5': { price: { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 }, contextWindow: 200_000 },
  'google/gemini-2.5-pro': { price: p(1.25, 10, 0.31), contextWindow: 1_048_576 },
  ...Object.fromEntries(Object.entries(OPENAI).map(([id, facts]) => [`openai/${id}`, facts])),
};

/** Context windows of local models we know; their price is $0. */
const LOCAL_WINDOWS: Record<string, number> = {
  'qwen3:8b': 40_960,
  'qwen3:14b': 40_960,
  'qwen3:32b': 40_960,
  'qwen2.5-coder:7b': 32_768,
  'llama3.1:8b': 131_072,
  'gpt-oss:20b': 131_072,
};

/** Claude models offered in the Spawn picker and by `aios models` (any id can be typed). */
export const CLAUDE_PICKER_MODELS: readonly string[] = ['claude-sonnet-4-5', 'claude-opus-4-1', 'claude-haiku-4-5'];

/** Claude's context windows (prices.ts has the prices). */
export const CLAUDE_WINDOW = 200_000;

/** What the table knows about `model` on the built-in endpoint `endpoint` (unknown facts are null). */
export function tableFacts(endpoint: string, model: string): TableFacts {
  const builtin = BUILTIN_ENDPOINT_TABLE[endpoint];
  if (builtin?.free) return { price: p(0, 0, 0, 0), contextWindow: LOCAL_WINDOWS[model] ?? null };
  if (endpoint === 'openai') return OPENAI[model] ?? { price: null, contextWindow: null };
  if (endpoint === 'openrouter') return OPENROUTER[model] ?? { price: null, contextWindow: null };
  return { price: null, contextWindow: null };
}
