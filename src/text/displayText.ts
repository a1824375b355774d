/**
 * Text that came from a model (or from files a model wrote) is shown to the developer only
 * through these functions, so newlines, ANSI escape codes, bidirectional overrides and other
 * control characters cannot disguise what is asked (a file name with a newline faking diff lines,
 * `\e[2K\r` erasing `rm -rf` from a terminal line). Used by the CLI, the extension and the webviews.
 */

// C0 and C1 controls, DEL, and the Unicode format characters that reorder or hide text.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

function escapeOne(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** One line of display text: every control or format character escaped (`\n`, `\e`, `\x07`, `\u{202e}`). */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/**
 * Multi-line display text: lines stay lines (a diff, command output), but every other control or
 * format character (ANSI escapes, carriage returns, bidi overrides) is escaped. Tabs are kept.
 */
export function escapeControlKeepLines(text: string): string {
  return text.replace(UNSAFE, (ch) => (ch === '\n' || ch === '\t' ? ch : escapeOne(ch)));
}
