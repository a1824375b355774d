import type { LlmBlock, TokenEstimator } from '../ports/llm';
import type { PageRow } from '../ports/store';
import type { ContextBudget, PageKind, Pid } from '../types';

/** A unit of an agent's context: a message, a tool result, a file excerpt, a summary, or a pinned system/task text. */
export interface Page {
  id: number;
  /** position in the agent's eviction heap, -1 when not evictable */
  heapIndex: number;
  pid: Pid;
  /** position in the agent's context */
  seq: number;
  kind: PageKind;
  role: 'user' | 'assistant';
  /** the content; null once a swapped page has been written to storage and dropped from memory */
  blocks: LlmBlock[] | null;
  tokens: number;
  /** true when `tokens` came from the API rather than the estimator */
  exact: boolean;
  importance: number;
  pinned: boolean;
  resident: boolean;
  /** logical access tick (higher = more recent) */
  lastAccess: number;
  createdAt: number;
  /** bytes of kernel memory the content holds */
  bytes: number;
  /** needs writing to storage */
  dirty: boolean;
  /** for tool_result pages: the ids of the tool calls answered (kept when swapped) */
  callIds: string[] | null;
  /** the first words, kept when swapped so the stub can say what the page was */
  preview: string | null;
}

/** Default importance per kind: pinned kinds aside, tool output is cheapest to lose and cheap to re-read. */
export const DEFAULT_IMPORTANCE: Record<PageKind, number> = {
  system: 1, task: 1, summary: 0.8, message: 0.5, file: 0.4, tool_result: 0.3,
};

/** chars / 4, rounded up: the usual rough estimate for English and code. */
export const charEstimator: TokenEstimator = { estimate: (text) => Math.ceil(text.length / 4) };

/** The plain text of blocks (for token estimates, search and stubs). */
export function blocksText(blocks: readonly LlmBlock[]): string {
  if (blocks.length === 1) {
    const b = blocks[0];
    if (b.type === 'text') return b.text;
  }
  let s = '';
  for (const b of blocks) {
    // thinking is kept for the API, never shown, searched or previewed
    if (b.type === 'thinking' || b.type === 'redacted_thinking') continue;
    if (s) s += '\n';
    if (b.type === 'text') s += b.text;
    else if (b.type === 'tool_use') s += `${b.name} ${JSON.stringify(b.input)}`;
    else s += b.content;
  }
  return s;
}

/** Serialises a page for storage. */
export function toRow(page: Page, blocks: LlmBlock[]): PageRow {
  return {
    id: page.id,
    pid: page.pid,
    seq: page.seq,
    kind: page.kind,
    content: JSON.stringify({ role: page.role, blocks, exact: page.exact }),
    text: blocksText(blocks),
    tokens: page.tokens,
    importance: page.importance,
    pinned: page.pinned,
    resident: page.resident,
    lastAccess: page.lastAccess,
    createdAt: page.createdAt,
  };
}

/** Rebuilds a page from storage; swapped pages keep no content in memory. */
export function fromRow(row: PageRow): Page {
  const body = JSON.parse(row.content) as { role: 'user' | 'assistant'; blocks: LlmBlock[]; exact?: boolean };
  return {
    id: row.id,
    heapIndex: -1,
    pid: row.pid,
    seq: row.seq,
    kind: row.kind,
    role: body.role,
    blocks: row.resident ? body.blocks : null,
    tokens: row.tokens,
    exact: body.exact ?? false,
    importance: row.importance,
    pinned: row.pinned,
    resident: row.resident,
    lastAccess: row.lastAccess,
    createdAt: row.createdAt,
    bytes: row.resident ? row.content.length * 2 : 0,
    dirty: false,
    callIds: row.kind === 'tool_result' ? toolResultIds(body.blocks) : null,
    preview: row.resident ? null : previewOf(row.text),
  };
}

/** The ids of the tool calls that tool_result blocks answer. */
export function toolResultIds(blocks: readonly LlmBlock[]): string[] {
  const ids: string[] = [];
  for (const b of blocks) if (b.type === 'tool_result') ids.push(b.toolUseId);
  return ids;
}

const PREVIEW_CHARS = 60;

/** The first words of a text on one line, for stubs. */
export function previewOf(text: string): string {
  const flat = text.slice(0, PREVIEW_CHARS * 4).replace(/\s+/g, ' ').trim();
  return flat.length > PREVIEW_CHARS ? `${flat.slice(0, PREVIEW_CHARS)}…` : flat;
}

/** A page as a compact array, for snapshots (arrays serialise and parse much faster than objects). */
export type PageTuple = [
  id: number, seq: number, kind: PageKind, role: 'user' | 'assistant', blocks: LlmBlock[] | null, tokens: number,
  exact: boolean, importance: number, pinned: boolean, resident: boolean, lastAccess: number, createdAt: number,
  bytes: number, callIds: string[] | null, preview: string | null,
];

export function toTuple(p: Page): PageTuple {
  return [p.id, p.seq, p.kind, p.role, p.blocks, p.tokens, p.exact, p.importance, p.pinned, p.resident, p.lastAccess, p.createdAt, p.bytes, p.callIds, p.preview];
}

export function fromTuple(pid: Pid, t: PageTuple): Page {
  return {
    id: t[0], heapIndex: -1, pid, seq: t[1], kind: t[2], role: t[3], blocks: t[4], tokens: t[5], exact: t[6], importance: t[7],
    pinned: t[8], resident: t[9], lastAccess: t[10], createdAt: t[11], bytes: t[12], dirty: false, callIds: t[13], preview: t[14],
  };
}

/** A snapshot as parsed from storage, kept with the text it came from. */
export interface ParsedSnapshot {
  data: string;
  budget: ContextBudget;
  /** the saved state as JSON, parsed again at each load so loads never share a mutable object */
  savedJson: string | null;
  pages: PageTuple[];
}

/** Binary search by id: an agent's pages are in id order. */
export function findPage(pages: readonly Page[], id: number): Page | undefined {
  let lo = 0;
  let hi = pages.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const p = pages[mid];
    if (p.id === id) return p;
    if (p.id < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** Victim order: lower importance tier first, then least recently used, then oldest. */
export function evictBefore(a: Page, b: Page): boolean {
  const ta = a.importance >= 1 ? 3 : (a.importance * 4) | 0;
  const tb = b.importance >= 1 ? 3 : (b.importance * 4) | 0;
  if (ta !== tb) return ta < tb;
  if (a.lastAccess !== b.lastAccess) return a.lastAccess < b.lastAccess;
  return a.seq < b.seq;
}
