/** The facts every answer ends with, in words and in JSON: what was searched, what the scan read, how fresh. */
import type { ScanStats } from '../../engines/engine.js';
import type { Markup } from '../../text/markup.js';
import { formatBytes, formatCount, formatDuration, formatNumber, formatUsd, formatUtc } from '../../text/numbers.js';
import { formatInstant, type TimeWindow } from '../../time/window.js';

/** Every answer says this next to its freshness: CloudTrail is never up to the minute. */
export const DELIVERY_NOTE = 'CloudTrail delivers about 5 minutes late.';
const UNREADABLE_LISTED = 3;
const WARNINGS_LISTED = 3;

/** What every aggregate answer shares: where it looked, when, and what the scan read. */
export interface AggregateScope {
  sources: readonly string[];
  window: TimeWindow;
  stats: ScanStats;
}

/** `2024-07-01 00:00:00 UTC – 2024-07-08 00:00:00 UTC`. */
export function describeWindow(window: TimeWindow): string {
  return `${formatUtc(formatInstant(window.since))} – ${formatUtc(formatInstant(window.until))}`;
}

/**
 * What a scan read and cost, by which engine, in how long: `Scanned 3 files, 12 events, 4.1 KB
 * read, cost $0.00001 by the athena engine in 1.2 s.` With `mentionReuse`, a reused Athena result says so.
 */
export function describeScanned(stats: ScanStats, options: { mentionReuse: boolean }): string {
  const read = [
    ...(stats.filesScanned === undefined ? [] : [formatCount(stats.filesScanned, 'file')]),
    ...(stats.eventsScanned === undefined ? [] : [formatCount(stats.eventsScanned, 'event')]),
    `${formatBytes(stats.bytesScanned)} read`,
  ];
  const cost = stats.costUsd === undefined ? '' : `, cost ${formatUsd(stats.costUsd)}`;
  const reused = options.mentionReuse && stats.reusedResult ? ' (a cached result of the same query, reused)' : '';
  return `Scanned ${read.join(', ')}${cost} by the ${stats.engine} engine in ${formatDuration(stats.elapsedMs)}${reused}.`;
}

/**
 * The footer facts of an aggregate answer: what was searched (`searched` is already marked up),
 * how, what could not be read, how fresh the logs are.
 */
export function describeAggregateScan(searched: string, scope: AggregateScope, markup: Markup): string[] {
  const { stats } = scope;
  const sources = scope.sources.map((source) => markup.code(source, 60)).join(' and ');
  const lines = [
    `Searched ${sources} ${searched}, ${describeWindow(scope.window)}. Duplicate deliveries are counted once.`,
    describeScanned(stats, { mentionReuse: true }),
    ...stats.warnings.slice(0, WARNINGS_LISTED).map((warning) => `Warning: ${markup.text(warning, 400)}`),
  ];
  if (stats.warnings.length > WARNINGS_LISTED) {
    lines.push(`…and ${formatCount(stats.warnings.length - WARNINGS_LISTED, 'more warning')}.`);
  }
  lines.push(...describeUnreadableAndFreshness(stats, markup));
  return lines;
}

/**
 * The end of every answer's footer: the files that could not be read (up to three named, with
 * why) and up to when the logs are complete.
 */
export function describeUnreadableAndFreshness(stats: ScanStats, markup: Markup): string[] {
  const lines: string[] = [];
  const unreadable = stats.unreadableFiles;
  if (unreadable.length > 0) {
    const listed = unreadable
      .slice(0, UNREADABLE_LISTED)
      .map((file) => `${markup.code(basename(file.path), 80)} (${markup.text(file.reason, 160)})`);
    const more = unreadable.length > UNREADABLE_LISTED ? ` and ${formatNumber(unreadable.length - UNREADABLE_LISTED)} more` : '';
    lines.push(`Skipped ${formatCount(unreadable.length, 'unreadable file')}: ${listed.join(', ')}${more}.`);
  }
  lines.push(
    stats.newestEventTime === undefined
      ? `Log freshness unknown: the engine reported no newest event time. ${DELIVERY_NOTE}`
      : `Logs complete up to ${markup.text(formatUtc(stats.newestEventTime), 40)}; ${DELIVERY_NOTE}`,
  );
  return lines;
}

function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1) || path;
}

/** The `scanned` object of every JSON answer. */
export function scannedJson(stats: ScanStats): Record<string, unknown> {
  return {
    engine: stats.engine,
    files: stats.filesScanned ?? null,
    events: stats.eventsScanned ?? null,
    bytes: stats.bytesScanned,
    costUsd: stats.costUsd ?? null,
    unreadableFiles: stats.unreadableFiles.map((file) => ({ path: file.path, reason: file.reason })),
    newestEventTime: stats.newestEventTime ?? null,
    elapsedMs: stats.elapsedMs,
    warnings: stats.warnings,
  };
}

/** The `searched` object of every JSON answer: the sources, what was asked about (`target`), the window. */
export function searchedJson(
  scope: { sources: readonly string[]; window: TimeWindow },
  target: Record<string, unknown>,
): Record<string, unknown> {
  return {
    sources: scope.sources,
    ...target,
    ...windowJson(scope.window),
  };
}

/** A window in JSON: CloudTrail instants. */
export function windowJson(window: TimeWindow): { since: string; until: string } {
  return { since: formatInstant(window.since), until: formatInstant(window.until) };
}
