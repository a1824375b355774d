/** The memory port: what agent memory stores and searches, and the store interface storage/memoryStore.ts implements. */
import { KernelError } from '../kernel/errors';
import type { Pid } from '../kernel/types';

/** The seed SDK's memory layers. */
export type MemoryLayer = 'working' | 'episodic' | 'long_term';

/** A long-term memory as stored. */
export interface MemoryRecord {
  id: number;
  /** the workspace it belongs to */
  scope: string;
  /** the agent that owns it; null when shared by every agent of the workspace */
  owner: Pid | null;
  /** the SDK key, or null for facts stored with `remember` */
  key: string | null;
  /** what a search matches and a recall shows */
  text: string;
  /** the stored value (the text itself for facts) */
  value: unknown;
  tags: string[];
  bytes: number;
  createdAt: number;
  updatedAt: number;
}

/** What is stored. */
export interface NewMemory {
  scope: string;
  owner: Pid | null;
  key: string | null;
  text: string;
  /** JSON-serialisable; omitted for plain facts */
  value?: unknown;
  tags: string[];
  at: number;
}

/** A search hit: BM25 rank (lower is better, SQLite's convention) and a snippet with `**` around matches. */
export interface MemoryHit {
  memory: MemoryRecord;
  rank: number;
  snippet: string;
}

/** Which memories a search covers. */
export interface MemoryQuery {
  scope: string;
  /** the searching agent: its own memories and the shared ones; null for shared ones only */
  owner: Pid | null;
  text: string;
  limit: number;
  /** include memories shared by the workspace (default true) */
  shared?: boolean;
}

/** Durable long-term memory (implemented in storage/memoryStore.ts). */
export interface LongTermMemoryStore {
  /** inserts, or replaces the memory with the same scope, owner and key */
  put(entry: NewMemory): MemoryRecord;
  get(scope: string, owner: Pid | null, key: string): MemoryRecord | undefined;
  byId(id: number): MemoryRecord | undefined;
  /** the same text stored by the same owner, if any (so `remember` does not store duplicates) */
  findText(scope: string, owner: Pid | null, text: string): MemoryRecord | undefined;
  /** best first (BM25); memories containing every word first, then any word */
  search(query: MemoryQuery): MemoryHit[];
  /** bytes held by one owner's memories (null: the shared ones) */
  bytes(scope: string, owner: Pid | null): number;
  delete(id: number): boolean;
  count(scope?: string): number;
}

/** Over a memory quota: the message says what is used, what was asked and what to do. */
export class MemoryQuotaError extends KernelError {
  constructor(message: string) {
    super('memory_quota', message);
    this.name = 'MemoryQuotaError';
  }
}

/** One thing that happened to an agent in this run. */
export interface Episode {
  seq: number;
  at: number;
  /** the event type, or `note` for a stored note */
  kind: string;
  text: string;
}

/** The searchable text of a value. */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  const json = JSON.stringify(value);
  return json === undefined ? String(value) : json;
}

/** Bytes a long-term memory counts against its quota (UTF-16, like the pager counts pages). */
export function memoryBytes(text: string, value: unknown, tags: string[]): number {
  const valueText = value === undefined || typeof value === 'string' ? '' : textOf(value);
  return (text.length + valueText.length + tags.join(' ').length) * 2;
}

