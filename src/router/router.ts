/**
 * The task router: which role should take a task. Three tiers, each with a confidence in 0–1:
 * 1. exact — the task contains a role's trigger phrase (`code review`, `单元测试`);
 * 2. keyword — weighted keyword hits per role, confidence from how many hits and how clearly one
 *    role leads;
 * 3. fuzzy — Jaccard similarity over tokens' character bigrams, so typos (`reviw`) still match.
 * Pure and synchronous; all role data is compiled into lookup tables once, so one route is a few
 * map lookups (the benchmark target is ≥ 100K tasks/s). Fallbacks below the confidence
 * threshold (ask the model, ask the developer) and recording are in routerService.ts.
 */
import { charGrams, hasCjk, STOPWORDS, tokenize } from '../text/terms';
import type { RoleDefinition } from './routerRoles';

/** The tier that decided a match; `none` when nothing matched at all. */
export type MatchTier = 'exact' | 'keyword' | 'fuzzy' | 'none';

/** A role and its score, for the candidates list. */
export interface RoleScore {
  role: string;
  score: number;
}

/** What the three tiers found. */
export interface RouteMatch {
  /** the best role (the default role when tier is `none`) */
  role: string;
  tier: MatchTier;
  /** 0–1, three decimals */
  confidence: number;
  /** which phrase, keywords or similar words decided, for people and logs */
  reason: string;
  /** roles with a non-zero score, best first */
  candidates: RoleScore[];
}

/** Router settings. */
export interface RouterConfig {
  /** the role given when nothing matches (default `coder`) */
  defaultRole: string;
  /** least character-bigram Jaccard for a fuzzy word match (default 0.5) */
  fuzzyMinSimilarity: number;
}

export const DEFAULT_ROUTER: RouterConfig = { defaultRole: 'coder', fuzzyMinSimilarity: 0.5 };

/** A keyword or phrase compiled to stems: the first stem is the lookup key, `rest` must follow. */
interface SeqEntry {
  role: number;
  rest: string[];
  weight: number;
  text: string;
}

/** A Chinese keyword or phrase, matched as a substring. */
interface CjkEntry {
  role: number;
  text: string;
  weight: number;
}

/** A keyword word for the fuzzy tier. */
interface FuzzyWord {
  role: number;
  word: string;
  grams: number;
}

const EXACT_BASE = 0.9;
const FUZZY_CAP = 0.7;

/**
 * Routes tasks to roles. Build once per set of roles (it compiles them); `route` is cheap.
 */
export class TaskRouter {
  readonly roles: readonly RoleDefinition[];
  private readonly config: RouterConfig;
  private readonly names: string[];
  private readonly phraseIndex = new Map<string, SeqEntry[]>();
  private readonly keywordIndex = new Map<string, SeqEntry[]>();
  private readonly cjkPhrases: CjkEntry[] = [];
  private readonly cjkKeywords: CjkEntry[] = [];
  private readonly fuzzyWords: FuzzyWord[] = [];
  /** character bigram → indexes into fuzzyWords (an inverted index, so fuzzy search touches only candidates) */
  private readonly gramIndex = new Map<string, number[]>();
  /** scratch space reused by every route (the router is synchronous) */
  private readonly scores: Float64Array;
  private readonly hits: string[][];

  constructor(roles: readonly RoleDefinition[], config: Partial<RouterConfig> = {}) {
    if (roles.length === 0) throw new Error('the router needs at least one role');
    this.roles = roles;
    this.config = { ...DEFAULT_ROUTER, ...config };
    this.names = roles.map((r) => r.name);
    if (!this.names.includes(this.config.defaultRole)) {
      throw new Error(`default role '${this.config.defaultRole}' is not one of the roles (${this.names.join(', ')})`);
    }
    roles.forEach((r, i) => {
      for (const p of r.phrases) this.compile(p, i, p.trim().split(/\s+/).length, this.phraseIndex, this.cjkPhrases);
      for (const k of r.keywords) this.compile(k, i, 1, this.keywordIndex, this.cjkKeywords);
    });
    // Longest Chinese entries first: a longer match hides the shorter ones inside it.
    this.cjkPhrases.sort((a, b) => b.text.length - a.text.length);
    this.cjkKeywords.sort((a, b) => b.text.length - a.text.length);
    this.scores = new Float64Array(roles.length);
    this.hits = roles.map(() => []);
  }

  /** The role names, in definition order. */
  get roleNames(): readonly string[] {
    return this.names;
  }

  /** Routes one task through the three tiers. */
  route(task: string): RouteMatch {
    const { words, cjk } = tokenize(task);
    const lower = cjk.length > 0 ? task.toLowerCase() : '';

    // Tier 1: exact phrase. One role's phrase decides; phrases of several roles are only strong keywords.
    const phrased = this.matchSequences(words, this.phraseIndex);
    const cjkPhrased = lower ? matchCjk(lower, this.cjkPhrases) : NO_CJK;
    const phraseRoles = new Set<number>();
    for (const m of phrased) phraseRoles.add(m.role);
    for (const m of cjkPhrased) phraseRoles.add(m.role);
    if (phraseRoles.size === 1) {
      const role = phraseRoles.values().next().value as number;
      const all = [...phrased.map((m) => m.text), ...cjkPhrased.map((m) => m.text)];
      const covered = phrased.reduce((n, m) => n + m.rest.length + 1, 0) + cjkPhrased.reduce((n, m) => n + m.text.length - 1, 0);
      const size = Math.max(1, words.length + cjk.length);
      return {
        role: this.names[role],
        tier: 'exact',
        confidence: round(EXACT_BASE + (1 - EXACT_BASE) * Math.min(1, covered / size)),
        reason: `phrase ${all.map((t) => `"${t}"`).join(', ')}`,
        candidates: [{ role: this.names[role], score: round(all.length * 3) }],
      };
    }

    // Tier 2: keywords (and phrases of competing roles, weighted 3).
    const scores = this.scores;
    const hits = this.hits;
    scores.fill(0);
    for (const h of hits) h.length = 0;
    for (const m of phrased) { scores[m.role] += 3; hits[m.role].push(m.text); }
    for (const m of cjkPhrased) { scores[m.role] += 3; hits[m.role].push(m.text); }
    for (const m of this.matchSequences(words, this.keywordIndex)) { scores[m.role] += m.weight; hits[m.role].push(m.text); }
    if (lower) for (const m of matchCjk(lower, this.cjkKeywords)) { scores[m.role] += m.weight; hits[m.role].push(m.text); }
    const keyword = this.best('keyword', scores, hits);
    if (keyword && keyword.confidence >= 0.6) return keyword;

    // Tier 3: fuzzy. Words the keyword tier did not know, compared by character-bigram Jaccard.
    const fuzzy = this.fuzzy(words, scores, hits);
    if (fuzzy && (!keyword || fuzzy.confidence > keyword.confidence)) return fuzzy;
    if (keyword) return keyword;
    return {
      role: this.config.defaultRole, tier: 'none', confidence: 0,
      reason: `no phrase or keyword of any role matched; ${this.config.defaultRole} is the default role`, candidates: [],
    };
  }

  private compile(text: string, role: number, weight: number, index: Map<string, SeqEntry[]>, cjkList: CjkEntry[]): void {
    if (hasCjk(text)) {
      // Chinese (or mixed, like 修复bug) matches as a substring of the lower-cased task, spaces removed.
      cjkList.push({ role, text: text.toLowerCase().replace(/\s+/g, ''), weight: Math.max(1, weight) });
      return;
    }
    const stems = tokenize(text).words;
    if (stems.length === 0) return;
    const entry: SeqEntry = { role, rest: stems.slice(1), weight: stems.length > 1 ? Math.max(weight, 1.5) : weight, text };
    const list = index.get(stems[0]);
    // `test` and `testing` stem alike: one role counts a stem sequence once.
    if (list?.some((e) => e.role === role && e.rest.join(' ') === entry.rest.join(' '))) return;
    if (list) list.push(entry);
    else index.set(stems[0], [entry]);
    if (index === this.keywordIndex && stems.length === 1 && stems[0].length >= 4) {
      const grams = charGrams(stems[0]);
      const at = this.fuzzyWords.length;
      this.fuzzyWords.push({ role, word: stems[0], grams: grams.length });
      for (const g of grams) {
        const posting = this.gramIndex.get(g);
        if (posting) posting.push(at);
        else this.gramIndex.set(g, [at]);
      }
    }
  }

  /** Every entry whose stems occur in order at some position; each entry counts once. */
  private matchSequences(words: readonly string[], index: Map<string, SeqEntry[]>): SeqEntry[] {
    let found: SeqEntry[] | null = null;
    for (let i = 0; i < words.length; i++) {
      const list = index.get(words[i]);
      if (list === undefined) continue;
      for (const e of list) {
        let ok = true;
        for (let j = 0; j < e.rest.length; j++) {
          if (words[i + 1 + j] !== e.rest[j]) { ok = false; break; }
        }
        if (!ok) continue;
        found ??= [];
        if (!found.includes(e)) found.push(e);
      }
    }
    return found ?? NO_SEQ;
  }

  /** The leading role from scores, with a confidence from its strength and its lead. */
  private best(tier: 'keyword' | 'fuzzy', scores: Float64Array, hits: string[][]): RouteMatch | null {
    let first = -1;
    let second = 0;
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i];
      if (s <= 0) continue;
      if (first < 0 || s > scores[first]) {
        if (first >= 0) second = Math.max(second, scores[first]);
        first = i;
      } else if (s > second) {
        second = s;
      }
    }
    if (first < 0) return null;
    const top = scores[first];
    // strength: 1 hit → 0.5, 2 → 0.75, 3 → 0.875 (a fuzzy hit of similarity 0.6 counts as one);
    // dominance: 1 when the role is alone, 0.5 on a tie
    const dominance = 0.5 + 0.5 * ((top - second) / top);
    const confidence = tier === 'keyword'
      ? 0.3 + 0.65 * (1 - 0.5 ** top) * dominance
      : Math.min(FUZZY_CAP, 0.25 + 0.6 * (1 - 0.5 ** (top / 0.6)) * dominance);
    const candidates: RoleScore[] = [];
    for (let i = 0; i < scores.length; i++) if (scores[i] > 0) candidates.push({ role: this.names[i], score: round(scores[i]) });
    candidates.sort((a, b) => b.score - a.score);
    const runnerUp = candidates[1];
    const lead = runnerUp ? ` (${this.names[first]} ${round(top)} vs ${runnerUp.role} ${runnerUp.score})` : '';
    const what = tier === 'keyword' ? 'keywords' : 'similar words';
    return { role: this.names[first], tier, confidence: round(confidence), reason: `${what} ${hits[first].join(', ')}${lead}`, candidates };
  }

  /**
   * Fuzzy tier: each task word (4+ letters, not a stopword, not already a keyword) is compared
   * with the keyword words sharing a character bigram with it; a Jaccard similarity ≥ the
   * minimum is a hit weighted by that similarity. Keyword hits count fully.
   */
  private fuzzy(words: readonly string[], scores: Float64Array, hits: string[][]): RouteMatch | null {
    let any = false;
    for (const w of words) {
      if (w.length < 4 || STOPWORDS.has(w) || this.keywordIndex.has(w)) continue;
      const grams = charGrams(w);
      const shared = new Map<number, number>();
      for (const g of grams) {
        const posting = this.gramIndex.get(g);
        if (posting) for (const k of posting) shared.set(k, (shared.get(k) ?? 0) + 1);
      }
      let bestSim = 0;
      let bestWord = -1;
      for (const [k, n] of shared) {
        const sim = n / (grams.length + this.fuzzyWords[k].grams - n);
        if (sim > bestSim) { bestSim = sim; bestWord = k; }
      }
      if (bestWord < 0 || bestSim < this.config.fuzzyMinSimilarity) continue;
      const f = this.fuzzyWords[bestWord];
      scores[f.role] += bestSim;
      hits[f.role].push(`"${w}"≈"${f.word}" ${round(bestSim, 2)}`);
      any = true;
    }
    return any ? this.best('fuzzy', scores, hits) : null;
  }
}

const NO_SEQ: SeqEntry[] = [];
const NO_CJK: CjkEntry[] = [];

/**
 * Chinese entries found in the text, longest first; an entry inside the span of a longer match
 * does not count again (`代码审查` hides the `代码` in it).
 */
function matchCjk(lower: string, entries: readonly CjkEntry[]): CjkEntry[] {
  let found: CjkEntry[] | null = null;
  let spans: number[] | null = null;
  for (const e of entries) {
    let at = lower.indexOf(e.text);
    if (at < 0) continue;
    let counted = false;
    while (at >= 0 && !counted) {
      const end = at + e.text.length;
      let inside = false;
      if (spans) for (let i = 0; i < spans.length; i += 2) if (at >= spans[i] && end <= spans[i + 1]) { inside = true; break; }
      if (!inside) {
        (found ??= []).push(e);
        (spans ??= []).push(at, end);
        counted = true;
      }
      at = lower.indexOf(e.text, at + 1);
    }
  }
  return found ?? NO_CJK;
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
