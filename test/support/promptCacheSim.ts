/**
 * Prompt caching as the Messages API documents it, for the local test server: a cache entry per
 * breakpoint prefix (tools → system → messages, up to each `cache_control`), a minimum cacheable
 * length per model, a TTL refreshed on every hit, and a look-back of 20 blocks from each
 * breakpoint for an earlier cached prefix. Tokens are estimated as characters / 4.
 */
import { createHash } from 'node:crypto';
import { minCacheableTokens } from '../../src/llm/messagesRules';

/** The usage fields the cache decides. */
export interface CacheUsage {
  input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

/** The documented look-back: a breakpoint also hits prefixes that end up to 20 blocks before it. */
const LOOKBACK_BLOCKS = 20;
const TTL_MS: Record<string, number> = { '5m': 5 * 60_000, '1h': 60 * 60_000 };


interface FlatBlock {
  canonical: string;
  /** TTL in ms when this block carries cache_control */
  ttl: number | null;
}

type Json = Record<string, unknown>;

/** One organization's prompt cache. */
export class PromptCacheSim {
  private readonly entries = new Map<string, { expiresAt: number; ttl: number }>();

  constructor(
    private readonly now: () => number,
    private readonly minTokens: (model: string) => number = minCacheableTokens,
  ) {}

  /** Number of live entries (for tests of the simulation itself). */
  size(): number {
    this.expire();
    return this.entries.size;
  }

  /** Looks the request up, writes what it should, and returns the input side of its usage. */
  account(body: Json): CacheUsage {
    this.expire();
    const model = String(body['model']);
    const blocks = flatten(body);
    const hashes: string[] = [];
    const tokensTo: number[] = [];
    let hash = sha(`model:${model}`);
    let chars = 0;
    for (const block of blocks) {
      hash = sha(`${hash}\u0000${block.canonical}`);
      chars += block.canonical.length;
      hashes.push(hash);
      tokensTo.push(Math.ceil(chars / 4));
    }
    const total = tokensTo.at(-1) ?? 0;
    const breakpoints = blocks.flatMap((block, i) => (block.ttl === null ? [] : [i]));

    let hit = -1;
    for (const bp of breakpoints) {
      for (let j = bp; j >= Math.max(0, bp - LOOKBACK_BLOCKS + 1); j--) {
        if (this.entries.has(hashes[j]!)) {
          hit = Math.max(hit, j);
          break;
        }
      }
    }
    const read = hit >= 0 ? tokensTo[hit]! : 0;
    if (hit >= 0) {
      const entry = this.entries.get(hashes[hit]!)!;
      entry.expiresAt = this.now() + entry.ttl;
    }

    const min = this.minTokens(model);
    const writes = breakpoints.filter((bp) => bp > hit && tokensTo[bp]! >= min);
    for (const bp of writes) {
      const ttl = blocks[bp]!.ttl!;
      this.entries.set(hashes[bp]!, { expiresAt: this.now() + ttl, ttl });
    }
    const written = writes.length ? tokensTo[writes.at(-1)!]! - read : 0;
    return { input_tokens: total - read - written, cache_read_input_tokens: read, cache_creation_input_tokens: written };
  }

  private expire(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}

/** The prompt as the API renders it for caching: tools, then system, then each message block. */
function flatten(body: Json): FlatBlock[] {
  const out: FlatBlock[] = [];
  for (const tool of (body['tools'] as Json[] | undefined) ?? []) out.push(flat('tool', tool));
  const system = body['system'];
  if (typeof system === 'string' && system) out.push(flat('system', { type: 'text', text: system }));
  if (Array.isArray(system)) for (const block of system as Json[]) out.push(flat('system', block));
  for (const message of (body['messages'] as Json[] | undefined) ?? []) {
    const content = message['content'];
    const blocks = typeof content === 'string' ? [{ type: 'text', text: content }] : ((content as Json[]) ?? []);
    for (const block of blocks) out.push(flat(String(message['role']), block));
  }
  return out;
}

function flat(section: string, block: Json): FlatBlock {
  const { cache_control: control, ...rest } = block;
  const ttlName = (control as { ttl?: string } | undefined)?.ttl ?? '5m';
  return {
    canonical: `${section}:${JSON.stringify(rest)}`,
    ttl: control ? (TTL_MS[ttlName] ?? TTL_MS['5m']!) : null,
  };
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
