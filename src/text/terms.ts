/**
 * Text → tokens for the router and for memory search. Latin words are lower-cased and lightly
 * stemmed (`tests`, `testing` → `test`); Chinese (no spaces between words) becomes character
 * bigrams, so `单元测试` is `单元 元测 测试` and matches `测试` without a dictionary.
 *
 * Why bigrams and not `Intl.Segmenter('zh')`: Node 20 ships full ICU and the segmenter does
 * split Chinese into words, but it costs ~10 µs per short task against ~0.3 µs for bigrams, and
 * the router has a 100K tasks/s target. Bigrams are also what CJK full-text search commonly uses.
 */

/** Whether a UTF-16 code unit is a CJK ideograph (unified, extension A, compatibility). */
export function isCjk(code: number): boolean {
  return (code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3400 && code <= 0x4dbf) || (code >= 0xf900 && code <= 0xfaff);
}

/** Whether the text has any CJK ideograph. */
export function hasCjk(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (isCjk(text.charCodeAt(i))) return true;
  return false;
}

const NON_ASCII_WORD = /[\p{L}\p{N}]/u;

function isWordChar(code: number, ch: string): boolean {
  if (code < 128) return (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
  return !isCjk(code) && NON_ASCII_WORD.test(ch);
}

const DOUBLED = /([b-df-hj-km-np-rtv-y])\1$/;

/**
 * A light English stemmer: only consistency matters (keywords and tasks go through the same
 * function), not linguistic accuracy. `fixes, fixed, fixing → fix`, `tests → test`,
 * `debugging → debug`, `code, coding → cod`.
 */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (w.endsWith('ing') && w.length > 5) w = w.slice(0, -3);
  else if (w.endsWith('ed') && w.length > 4) w = w.slice(0, -2);
  else if (w.endsWith('es') && /(?:[sxz]|ch|sh)es$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);
  if (w !== word && DOUBLED.test(w)) w = w.slice(0, -1);
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

/** Tokens of a text: stemmed Latin words in order, and CJK bigrams (a lone CJK character stays one token). */
export interface TextTokens {
  /** stemmed words, in order */
  words: string[];
  /** CJK bigrams, in order */
  cjk: string[];
}

/** Splits text into stemmed words and CJK bigrams in one pass. */
export function tokenize(text: string): TextTokens {
  const lower = text.toLowerCase();
  const words: string[] = [];
  const cjk: string[] = [];
  let start = -1;
  let runStart = -1;
  const n = lower.length;
  for (let i = 0; i <= n; i++) {
    const code = i < n ? lower.charCodeAt(i) : 32;
    const cjkChar = i < n && isCjk(code);
    if (cjkChar) {
      if (runStart < 0) runStart = i;
    } else if (runStart >= 0) {
      if (i - runStart === 1) cjk.push(lower[runStart]);
      else for (let j = runStart; j + 1 < i; j++) cjk.push(lower.slice(j, j + 2));
      runStart = -1;
    }
    const wordChar = i < n && !cjkChar && isWordChar(code, lower[i]);
    if (wordChar) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      words.push(stem(lower.slice(start, i)));
      start = -1;
    }
  }
  return { words, cjk };
}

/** All tokens of a text as one list (words, then CJK bigrams). */
export function tokenList(text: string): string[] {
  const t = tokenize(text);
  return t.cjk.length === 0 ? t.words : t.words.concat(t.cjk);
}

/** Character bigrams of a word with boundary markers, for typo-tolerant comparison (`^r re ev … w$`). */
export function charGrams(word: string): string[] {
  const padded = `^${word}$`;
  const grams: string[] = [];
  for (let i = 0; i + 1 < padded.length; i++) grams.push(padded.slice(i, i + 2));
  return [...new Set(grams)];
}

/** Jaccard similarity of two sets given as arrays without duplicates. */
export function jaccard(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 && b.length === 0) return 0;
  const set = new Set(a);
  let shared = 0;
  for (const x of b) if (set.has(x)) shared++;
  return shared / (a.length + b.length - shared);
}

/** English words too common to say anything about a task (ignored by the fuzzy tier). */
export const STOPWORDS: ReadonlySet<string> = new Set([
  'the', 'a', 'an', 'to', 'of', 'in', 'on', 'for', 'and', 'or', 'with', 'this', 'that', 'these', 'those', 'it', 'its', 'is', 'are',
  'be', 'was', 'were', 'please', 'me', 'my', 'our', 'we', 'you', 'your', 'i', 'can', 'could', 'would', 'should', 'help', 'need',
  'want', 'make', 'do', 'doe', 'get', 'some', 'all', 'any', 'from', 'by', 'at', 'as', 'so', 'then', 'than', 'into', 'about', 'how',
  'what', 'which', 'there', 'here', 'just', 'also', 'us', 'them', 'they', 'he', 'she', 'one', 'new', 'let', 'now', 'not', 'no',
].map(stem));
