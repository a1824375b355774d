/**
 * Turns free text (from a developer or an agent) into an FTS5 MATCH expression that cannot be
 * a syntax error: every word becomes a quoted string, so `AND`, `-`, `"`, `*`, `:` or `NEAR(`
 * are searched for as text, never read as operators.
 */

/** The quoted words of `text`, or an empty list when it has nothing searchable. */
export function ftsWords(text: string): string[] {
  return text
    .split(/\s+/u)
    // A word with no letter or digit would be an empty phrase after tokenizing.
    .filter((word) => /[\p{L}\p{N}]/u.test(word))
    .map((word) => `"${word.replaceAll('"', '""')}"`);
}

/** All words must match (FTS5's implicit AND). */
export function allWords(words: readonly string[]): string {
  return words.join(' ');
}

/** Any word may match; bm25 still ranks pages with more of the words first. */
export function anyWord(words: readonly string[]): string {
  return words.join(' OR ');
}
