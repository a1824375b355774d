/**
 * What Claude models cost, and the cost of one call from its usage.
 *
 * USD per million tokens, from Anthropic's published prices (platform.claude.com/docs "Pricing"
 * and each model's overview page), checked 2026-11. Cache writes are the 5-minute TTL rate, the
 * only TTL this project asks for. Batch and data-residency prices do not apply here.
 * When Anthropic changes a price, change it here and nowhere else.
 */
import type { LlmUsage } from '../kernel/ports/llm';

/** USD per million tokens for one model. */
export interface ModelPrice {
  input: number;
  output: number;
  /** 5-minute cache write */
  cacheWrite: number;
  cacheRead: number;
}

/** A price list entry: a model id (and its dated snapshots), optionally with a long-prompt tier. */
export interface PriceEntry {
  id: string;
  price: ModelPrice;
  /** prompts (input + cache read + cache write) above `overTokens` pay `price` on every token, output included */
  longPrompt?: { overTokens: number; price: ModelPrice };
}

/** The cost of one call; `priced` is false (and `usd` 0) when the model is not in the table. */
export interface CallCost {
  usd: number;
  priced: boolean;
  /** set when not priced: a sentence the UI can show */
  warning: string | null;
}

const p = (input: number, output: number, cacheWrite: number, cacheRead: number): ModelPrice => ({
  input,
  output,
  cacheWrite,
  cacheRead,
});

const OPUS_45 = p(5, 25, 6.25, 0.5);
const OPUS_4 = p(15, 75, 18.75, 1.5);
const SONNET_4 = p(3, 15, 3.75, 0.3);
const SONNET_5 = p(2, 10, 2.5, 0.2);
const FABLE_5 = p(10, 50, 12.5, 1);

/** The price list. Ids are API model ids; dated snapshots (`<id>-YYYYMMDD`) resolve to their id. */
export const PRICE_TABLE: readonly PriceEntry[] = [
  { id: 'claude-fable-5-1', price: p(10, 50, 12.5, 0.25) },
  { id: 'claude-mythos-5-1', price: p(10, 50, 12.5, 0.25) },
  { id: 'claude-fable-5', price: FABLE_5 },
  { id: 'claude-mythos-5', price: FABLE_5 },
  { id: 'claude-opus-5-5', price: p(4, 20, 5, 0.2) },
  { id: 'claude-opus-5', price: OPUS_45 },
  { id: 'claude-opus-4-8', price: OPUS_45 },
  { id: 'claude-opus-4-7', price: OPUS_45 },
  { id: 'claude-opus-4-6', price: OPUS_45 },
  { id: 'claude-opus-4-5', price: OPUS_45 },
  { id: 'claude-opus-4-1', price: OPUS_4 },
  { id: 'claude-opus-4-0', price: OPUS_4 },
  { id: 'claude-opus-4', price: OPUS_4 },
  // Sonnet 5.5's model page still showed a $0.20 cache read; Anthropic cut it to $0.10
  // (0.05x input) on 2026-10-07, which the price trackers we checked all applied.
  { id: 'claude-sonnet-5-5', price: p(2, 10, 2.5, 0.1) },
  { id: 'claude-sonnet-5', price: SONNET_5 },
  { id: 'claude-sonnet-4-6', price: SONNET_4 },
  { id: 'claude-sonnet-4-5', price: SONNET_4 },
  { id: 'claude-sonnet-4-0', price: SONNET_4 },
  { id: 'claude-sonnet-4', price: SONNET_4 },
  {
    id: 'claude-haiku-5-5',
    price: p(0.1, 0.5, 0.125, 0.01),
    longPrompt: { overTokens: 100_000, price: p(0.5, 2.5, 0.625, 0.05) },
  },
  { id: 'claude-haiku-4-5', price: p(1, 5, 1.25, 0.1) },
  { id: 'claude-3-5-haiku', price: p(0.8, 4, 1, 0.08) },
  { id: 'claude-3-haiku', price: p(0.25, 1.25, 0.3, 0.03) },
];

const DATED_SUFFIX = /^-(\d{8}|latest)$/;

/**
 * The price entry for a model id: the exact id, or an id followed by a date (`-20250929`) or
 * `-latest`. Anything else is unknown: `claude-sonnet-5-7` must not silently cost what Sonnet 5 does.
 */
export function priceFor(model: string): PriceEntry | undefined {
  const id = model.trim();
  return PRICE_TABLE.find((entry) => id === entry.id || (id.startsWith(entry.id) && DATED_SUFFIX.test(id.slice(entry.id.length))));
}

/** USD cost of one call from its usage; an unknown model costs 0 and says so in `warning`. */
export function costOf(model: string, usage: LlmUsage, override: ModelPrice | null = null): CallCost {
  const entry = priceFor(model);
  if (!entry && !override) {
    return {
      usd: 0,
      priced: false,
      warning: `No price known for model '${model}': its cost shows as —, and agents on it cannot have a dollar budget. Add its price under the aios.models setting.`,
    };
  }
  const prompt = usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
  const price = override ?? (entry!.longPrompt && prompt > entry!.longPrompt.overTokens ? entry!.longPrompt.price : entry!.price);
  return { usd: costWith(price, usage), priced: true, warning: null };
}

/** USD of `usage` at `price` (per million tokens). */
export function costWith(price: ModelPrice, usage: LlmUsage): number {
  const micro =
    usage.inputTokens * price.input +
    usage.outputTokens * price.output +
    usage.cacheWriteTokens * price.cacheWrite +
    usage.cacheReadTokens * price.cacheRead;
  return micro / 1_000_000;
}

