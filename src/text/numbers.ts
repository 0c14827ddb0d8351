/** Counts, money, sizes, durations and instants as every format writes them (en-US digits). */

export function formatNumber(n: number): string {
  // Integers grouped by hand, as en-US groups them: a process's first toLocaleString loads ICU's
  // locale data (about 18 ms of a terminal question, which formats only counts).
  if (Number.isSafeInteger(n)) return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
  return n.toLocaleString('en-US');
}

/** `1 file`, `2,048 files`; `many` for irregular plurals. */
export function formatCount(n: number, one: string, many = `${one}s`): string {
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}

/** Dollars with enough digits to show sub-cent Athena charges. */
export function formatUsd(amount: number): string {
  return amount >= 0.01 ? `$${amount.toFixed(2)}` : `$${amount.toFixed(5)}`;
}

/** Decimal units, as AWS bills data scanned. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** `2024-07-02T00:22:11Z` → `2024-07-02 00:22:11 UTC`; anything else is returned as is. */
export function formatUtc(instant: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(instant);
  return match ? `${match[1]} ${match[2]} UTC` : instant;
}

/** `2024-07-02 00:22:11`: formatUtc for a table column whose heading already says UTC. */
export function formatUtcCell(instant: string): string {
  return formatUtc(instant).replace(/ UTC$/, '');
}
