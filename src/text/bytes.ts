/** Byte sizes for people, in binary units. The one formatter every folder uses; imports nothing. */

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/**
 * 0 → "0 B", 1023 → "1023 B", 1024 → "1 KiB", 12_345 → "12.1 KiB", 268435456 → "256 MiB",
 * 3221225472 → "3 GiB". One decimal below 100 of a unit unless the value is whole; negative
 * sizes (a shrink) keep their sign; past EiB the number just grows.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return `${bytes} B`;
  if (bytes < 0) return `-${formatBytes(-bytes)}`;
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  // 1023.6 KiB would print as "1024 KiB": carry it to the next unit instead
  if (value >= 1023.5 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = value >= 100 || Number.isInteger(value) ? String(Math.round(value)) : trimZero(value.toFixed(1));
  return `${shown} ${UNITS[unit]}`;
}

/** "3.0" → "3": a whole number after rounding prints without a decimal. */
function trimZero(text: string): string {
  return text.endsWith('.0') ? text.slice(0, -2) : text;
}
