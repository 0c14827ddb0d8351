import { UsageError } from '../errors.js';

/** A half-open UTC interval [since, until). */
export interface TimeWindow {
  since: Date;
  until: Date;
}

export const DEFAULT_WINDOW_MS = 7 * 24 * 3600_000;
const DAY_MS = 24 * 3600_000;
const UNIT_MS = { m: 60_000, h: 3600_000, d: DAY_MS, w: 7 * DAY_MS } as const;

const RELATIVE = /^(\d{1,5})([mhdw])$/;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
// 2024-07-01T12:00Z, 2024-07-01T12:00:30Z, 2024-07-01T12:00:30.123Z, 2024-07-01 12:00
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?Z?$/;

/**
 * Parse a WHEN value: relative (`30m`, `24h`, `7d`, `2w`, counted back from now) or an absolute
 * UTC date or date-time. `edge` decides what a bare date means: the start of that day for
 * `--since`, the end of that day for `--until` (so `--since 2024-07-01 --until 2024-07-01` is one day).
 */
export function parseWhen(text: string, now: Date, edge: 'since' | 'until'): Date {
  const value = text.trim();
  const relative = RELATIVE.exec(value);
  if (relative) {
    const amount = Number(relative[1]);
    const unit = relative[2] as keyof typeof UNIT_MS;
    return new Date(now.getTime() - amount * UNIT_MS[unit]);
  }
  const dateOnly = DATE_ONLY.exec(value);
  if (dateOnly) {
    const start = utcDate(Number(dateOnly[1]), Number(dateOnly[2]), Number(dateOnly[3]), 0, 0, 0, value);
    return edge === 'until' ? new Date(start.getTime() + DAY_MS) : start;
  }
  const dateTime = DATE_TIME.exec(value);
  if (dateTime) {
    return utcDate(
      Number(dateTime[1]),
      Number(dateTime[2]),
      Number(dateTime[3]),
      Number(dateTime[4]),
      Number(dateTime[5]),
      Number(dateTime[6] ?? 0),
      value,
    );
  }
  throw new UsageError(
    `\`${value}\` is not a time. Use a relative time like \`30m\`, \`24h\`, \`7d\` or a UTC date like \`2024-07-01\` or \`2024-07-01T12:00Z\`.`,
  );
}

function utcDate(y: number, mo: number, d: number, h: number, mi: number, s: number, original: string): Date {
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  const valid =
    date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
  if (!valid) throw new UsageError(`\`${original}\` is not a valid date.`);
  return date;
}

/** Build the window from optional --since/--until; default: the last 7 days up to now. */
export function resolveWindow(options: { since?: string; until?: string }, now: Date): TimeWindow {
  const until = options.until ? parseWhen(options.until, now, 'until') : now;
  const since = options.since ? parseWhen(options.since, now, 'since') : new Date(until.getTime() - DEFAULT_WINDOW_MS);
  if (since.getTime() >= until.getTime()) {
    throw new UsageError(`The window is empty: --since ${formatInstant(since)} is not before --until ${formatInstant(until)}.`);
  }
  return { since, until };
}

/** CloudTrail's eventTime format: `2024-07-02T00:22:11Z` (no milliseconds), which sorts as text. */
export function formatInstant(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The partition (delivery folder) value for a day: `yyyy/MM/dd`. */
export function partitionDay(date: Date): string {
  return date.toISOString().slice(0, 10).replaceAll('-', '/');
}

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}

/**
 * The delivery folders that can hold events of the window: CloudTrail files sit under the day
 * they were delivered (about 5 minutes, sometimes more, after the event), so the range runs one
 * day past the window's end; `daysBefore` widens the start (for the CreateSession lookback).
 */
export function partitionRange(window: TimeWindow, daysBefore = 0): { from: string; to: string } {
  const lastInstant = new Date(window.until.getTime() - 1);
  return { from: partitionDay(addDays(window.since, -daysBefore)), to: partitionDay(addDays(lastInstant, 1)) };
}

/** How many `yyyy/MM/dd` days from `from` to `to`, inclusive: arithmetic, never a list of them. */
export function dayCount(from: string, to: string): number {
  const start = Date.parse(`${from.replaceAll('/', '-')}T00:00:00Z`);
  const end = Date.parse(`${to.replaceAll('/', '-')}T00:00:00Z`);
  return end < start ? 0 : Math.round((end - start) / DAY_MS) + 1;
}
