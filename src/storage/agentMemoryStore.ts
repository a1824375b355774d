/**
 * Agents' long-term memories in SQLite: one row per memory, an FTS5 index over its terms
 * (stemmed words, Chinese bigrams, tags) ranked by BM25. Lives in the kernel's database file
 * (tables from migration step 2), on the store's connection.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { memoryBytes, type LongTermMemoryStore, type MemoryHit, type MemoryQuery, type MemoryRecord, type NewMemory } from '../memories/memoryPort';
import type { Pid } from '../kernel/types';
import { STOPWORDS, tokenList } from '../text/terms';

interface MemoryDbRow {
  id: number;
  scope: string;
  owner: number | null;
  key: string | null;
  text: string;
  value: string | null;
  tags: string;
  bytes: number;
  createdAt: number;
  updatedAt: number;
}

const COLUMNS = 'm.id, m.scope, m.owner, m.key, m.text, m.value, m.tags, m.bytes, m.created_at AS createdAt, m.updated_at AS updatedAt';
const SNIPPET_CHARS = 240;
/**
 * BM25 in FTS5 costs about a microsecond per matching row, so the number of rows ranked is
 * bounded: a query whose rarest word is in more than RANK_WINDOW of the owner's memories ranks
 * only the newest RANK_WINDOW matches, and the any-word fallback uses only the rarest words
 * whose memories add up to at most OR_BUDGET (BM25 would rank memories with only the common
 * words last anyway). This keeps a search within a few milliseconds at 100K memories.
 */
const RANK_WINDOW = 3000;
const OR_BUDGET = 3000;
/** words of a query that are looked at (a pasted paragraph is not a query) */
const MAX_QUERY_TERMS = 12;

/**
 * Tokens worth indexing and searching: stemmed words and Chinese bigrams without English
 * stopwords (`the`, `how`, `is` match nearly every memory: they cost time and rank nothing),
 * unless the text is nothing but stopwords.
 */
function searchTokens(text: string): string[] {
  const all = tokenList(text);
  const kept = all.filter((t) => !STOPWORDS.has(t));
  return kept.length > 0 ? kept : all;
}

/**
 * Who may find a memory, as a token suffix: scope (hashed) and owner (`o12`, or `sh` for shared).
 * Search tokens never contain `_`, so `word_suffix` cannot be mistaken for another word.
 */
export function ownerSuffix(scope: string, owner: Pid | null): string {
  const space = createHash('sha1').update(scope).digest('hex').slice(0, 10);
  return owner === null ? `_m${space}sh` : `_m${space}o${owner}`;
}

/** The indexed terms of a memory: the tokens of its text and tags, each with the owner suffix. */
export function memoryTerms(text: string, tags: readonly string[], suffix: string): string {
  return searchTokens(tags.length ? `${text} ${tags.join(' ')}` : text).map((t) => t + suffix).join(' ');
}

function quote(term: string): string {
  return `"${term.replaceAll('"', '""')}"`;
}

/** `LongTermMemoryStore` on the kernel's SQLite connection. */
export class SqliteMemoryStore implements LongTermMemoryStore {
  private readonly sql;

  constructor(private readonly db: Database.Database) {
    this.sql = {
      insert: db.prepare<[string, number | null, string | null, string, string | null, string, string, string, number, number, number]>(
        'INSERT INTO memories (scope, owner, key, text, value, tags, terms, digest, bytes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      update: db.prepare<[string, string | null, string, string, string, number, number, number]>(
        'UPDATE memories SET text = ?, value = ?, tags = ?, terms = ?, digest = ?, bytes = ?, updated_at = ? WHERE id = ?'),
      byKey: db.prepare<[string, number | null, string], MemoryDbRow>(
        `SELECT ${COLUMNS} FROM memories m WHERE m.scope = ? AND m.owner IS ? AND m.key = ?`),
      byText: db.prepare<[string, number | null, string, string], MemoryDbRow>(
        `SELECT ${COLUMNS} FROM memories m WHERE m.scope = ? AND m.owner IS ? AND m.digest = ? AND m.key IS NULL AND m.text = ? LIMIT 1`),
      byId: db.prepare<[number], MemoryDbRow>(`SELECT ${COLUMNS} FROM memories m WHERE m.id = ?`),
      // in how many of one owner's memories a term occurs
      df: db.prepare<[string], number>('SELECT count(*) FROM memories_fts WHERE memories_fts MATCH ?').pluck(),
      // the rowid of the RANK_WINDOW-th newest match, when there are more matches than that
      windowStart: db.prepare<[{ match: string; offset: number }], number>(
        'SELECT rowid FROM memories_fts WHERE memories_fts MATCH $match ORDER BY rowid DESC LIMIT 1 OFFSET $offset').pluck(),
      // alias `score`, not `rank`: ORDER BY rank would make FTS5 rank every match, ignoring the rowid bound
      rank: db.prepare<[{ match: string; from: number; limit: number }], { id: number; score: number }>(`
        SELECT rowid AS id, bm25(memories_fts) AS score FROM memories_fts
        WHERE memories_fts MATCH $match AND rowid >= $from
        ORDER BY score, rowid DESC LIMIT $limit`),
      byIds: db.prepare<[string], MemoryDbRow>(`SELECT ${COLUMNS} FROM memories m WHERE m.id IN (SELECT value FROM json_each(?))`),
      bytes: db.prepare<[string, number | null], number>('SELECT coalesce(sum(bytes), 0) FROM memories WHERE scope = ? AND owner IS ?').pluck(),
      delete: db.prepare<[number]>('DELETE FROM memories WHERE id = ?'),
      count: db.prepare<[], number>('SELECT count(*) FROM memories').pluck(),
      countScope: db.prepare<[string], number>('SELECT count(*) FROM memories WHERE scope = ?').pluck(),
    };
  }

  put(entry: NewMemory): MemoryRecord {
    const value = entry.value === undefined ? null : JSON.stringify(entry.value);
    const tags = JSON.stringify(entry.tags);
    const terms = memoryTerms(entry.text, entry.tags, ownerSuffix(entry.scope, entry.owner));
    const bytes = memoryBytes(entry.text, entry.value, entry.tags);
    const hash = digest(entry.text);
    const existing = entry.key !== null
      ? this.sql.byKey.get(entry.scope, entry.owner, entry.key)
      : this.sql.byText.get(entry.scope, entry.owner, hash, entry.text);
    if (existing) {
      this.sql.update.run(entry.text, value, tags, terms, hash, bytes, entry.at, existing.id);
      return this.byId(existing.id)!;
    }
    const id = Number(this.sql.insert.run(entry.scope, entry.owner, entry.key, entry.text, value, tags, terms, hash, bytes, entry.at, entry.at).lastInsertRowid);
    return this.byId(id)!;
  }

  get(scope: string, owner: Pid | null, key: string): MemoryRecord | undefined {
    const row = this.sql.byKey.get(scope, owner, key);
    return row && fromRow(row);
  }

  byId(id: number): MemoryRecord | undefined {
    const row = this.sql.byId.get(id);
    return row && fromRow(row);
  }

  findText(scope: string, owner: Pid | null, text: string): MemoryRecord | undefined {
    const row = this.sql.byText.get(scope, owner, digest(text), text);
    return row && fromRow(row);
  }

  /**
   * Memories containing every word first (BM25 order); when fewer than `limit` do, the rest are
   * filled with memories containing any of the query's rarer words, still by BM25. Words are
   * searched literally (quotes, `AND`, `-`, `*` are text, not syntax); words no memory has are
   * left out instead of making the search come back empty.
   */
  search(query: MemoryQuery): MemoryHit[] {
    if (query.limit <= 0) return [];
    const owners = [
      ...(query.owner !== null ? [ownerSuffix(query.scope, query.owner)] : []),
      ...(query.shared !== false ? [ownerSuffix(query.scope, null)] : []),
    ];
    const words = [...new Set(searchTokens(query.text))].slice(0, MAX_QUERY_TERMS);
    const hits = owners.flatMap((suffix) => this.searchOwner(words, suffix, query.limit));
    // BM25 scores of the two owners compare: both use the table's statistics
    hits.sort((a, b) => a.tier - b.tier || a.score - b.score || b.id - a.id);
    const ranked = hits.slice(0, query.limit);
    if (ranked.length === 0) return [];
    const rows = new Map(this.sql.byIds.all(JSON.stringify(ranked.map((r) => r.id))).map((r) => [r.id, r]));
    return ranked.flatMap((r) => {
      const row = rows.get(r.id);
      return row ? [{ memory: fromRow(row), rank: r.score, snippet: snippet(row.text) }] : [];
    });
  }

  /** One owner's best matches: every word (tier 0), then any of the rarer words (tier 1). */
  private searchOwner(words: readonly string[], suffix: string, limit: number): Array<{ id: number; score: number; tier: number }> {
    const terms = words
      .map((w) => ({ term: quote(w + suffix), df: this.sql.df.get(quote(w + suffix)) ?? 0 }))
      .filter((t) => t.df > 0)
      .sort((a, b) => a.df - b.df);
    if (terms.length === 0) return [];
    const ranked = this.ranked(terms.map((t) => t.term).join(' '), terms[0].df, limit).map((r) => ({ ...r, tier: 0 }));
    if (ranked.length < limit && terms.length > 1) {
      const rare = [terms[0]];
      for (let i = 1, sum = terms[0].df; i < terms.length && sum + terms[i].df <= OR_BUDGET; i++) {
        rare.push(terms[i]);
        sum += terms[i].df;
      }
      const seen = new Set(ranked.map((r) => r.id));
      for (const r of this.ranked(rare.map((t) => t.term).join(' OR '), rare.reduce((n, t) => n + t.df, 0), limit)) {
        if (ranked.length >= limit) break;
        if (!seen.has(r.id)) ranked.push({ ...r, tier: 1 });
      }
    }
    return ranked;
  }

  /** The best `limit` matches by BM25; over RANK_WINDOW possible matches, only the newest RANK_WINDOW are ranked. */
  private ranked(match: string, estimate: number, limit: number): Array<{ id: number; score: number }> {
    const from = estimate > RANK_WINDOW ? this.sql.windowStart.get({ match, offset: RANK_WINDOW }) ?? 0 : 0;
    return this.sql.rank.all({ match, from, limit });
  }

  bytes(scope: string, owner: Pid | null): number {
    return this.sql.bytes.get(scope, owner) ?? 0;
  }

  delete(id: number): boolean {
    return this.sql.delete.run(id).changes > 0;
  }

  count(scope?: string): number {
    return (scope === undefined ? this.sql.count.get() : this.sql.countScope.get(scope)) ?? 0;
  }

  /** Inserts many memories in one transaction (imports, benchmarks). */
  putMany(entries: readonly NewMemory[]): void {
    this.db.transaction(() => { for (const e of entries) this.put(e); })();
  }
}

function fromRow(r: MemoryDbRow): MemoryRecord {
  return {
    id: r.id,
    scope: r.scope,
    owner: r.owner,
    key: r.key,
    text: r.text,
    value: r.value === null ? r.text : JSON.parse(r.value) as unknown,
    tags: JSON.parse(r.tags) as string[],
    bytes: r.bytes,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

function digest(text: string): string {
  return createHash('sha1').update(text).digest('base64url').slice(0, 16);
}

function snippet(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length <= SNIPPET_CHARS ? one : `${one.slice(0, SNIPPET_CHARS)}…`;
}
