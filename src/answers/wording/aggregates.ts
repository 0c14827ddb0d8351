import type { Markup } from '../../text/markup.js';
import { formatCount, formatNumber, formatUtc } from '../../text/numbers.js';
import { countColumn, type TextColumn } from '../../text/table.js';

// What the aggregate answers (activity, denied, principal) say alike, in Slack and in the terminal.

/** `from A to B`, or `at A` when both are the same instant. */
export function describeSpan(first: string, last: string, markup: Markup): string {
  const from = markup.text(formatUtc(first), 40);
  return first === last ? `at ${from}` : `from ${from} to ${markup.text(formatUtc(last), 40)}`;
}

/** `(3 failed)`, or nothing when every call succeeded. */
export function failedNote(errors: number): string {
  return errors > 0 ? ` (${formatNumber(errors)} failed)` : '';
}

/** Said when nothing matched: an empty answer is proof only where logging was on. `where` is already marked up. */
export function coverageCaveat(where: string): string {
  return (
    `No match means nothing happened only if CloudTrail data-event logging covered ${where} for the whole window; ` +
    's3x does not check logging coverage yet.'
  );
}

/** `…and 3 more operations (15 in all).` for a list shown in part; undefined when nothing is missing. */
export function describeMore(shown: number, total: number, one: string, many = `${one}s`): string | undefined {
  const hidden = total - shown;
  if (hidden <= 0) return undefined;
  return `…and ${formatCount(hidden, `more ${one}`, `more ${many}`)} (${formatNumber(total)} in all).`;
}

/** CALLS and FAILED: the counts of a row of operations or principals. */
export function callColumns<T extends { count: number; errors: number }>(): TextColumn<T>[] {
  return [countColumn('CALLS', (row) => row.count), countColumn('FAILED', (row) => row.errors)];
}
