/**
 * Any value as text for a message or a card: strings as they are, everything else as JSON, so a
 * value of the wrong type (an object where a server or a model should have sent a string) shows
 * what it holds instead of `[object Object]`. Escaping control characters is the caller's job.
 */
export function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  if (typeof value === 'bigint' || typeof value === 'symbol' || typeof value === 'function') return String(value);
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '(a value that cannot be shown as JSON)';
  }
}
