import type { ScanStats } from '../../engines/engine.js';
import { csvRecords } from '../../text/csv.js';
import { jsonDocument } from '../../text/json.js';
import { BUCKET_MAX, type Markup, PLAIN_MARKUP } from '../../text/markup.js';
import { formatCount, formatDuration, formatNumber, formatUtcCell } from '../../text/numbers.js';
import { formatTable, type TextColumn } from '../../text/table.js';
import { describeRecordedCaller } from '../wording/callers.js';
import {
  describeScanned,
  describeUnreadableAndFreshness,
  describeWindow,
  scannedJson,
  searchedJson,
} from '../wording/scan-facts.js';
import type { BucketEventsAnswer, ManagementEvent } from './question.js';

/** Calls that delete the bucket, open or drop its policy, or can expire its data: highlighted wherever shown. */
const SENSITIVE_EVENT_NAMES: ReadonlySet<string> = new Set([
  'DeleteBucket',
  'DeleteBucketPolicy',
  'PutBucketPolicy',
  'PutBucketAcl',
  'PutBucketLifecycle',
  'PutBucketLifecycleConfiguration',
  'DeleteBucketEncryption',
]);

export function isSensitive(event: ManagementEvent): boolean {
  return SENSITIVE_EVENT_NAMES.has(event.eventName);
}

function readOnlyNote(answer: BucketEventsAnswer): string {
  return answer.readOnlyHidden > 0 ? `${formatCount(answer.readOnlyHidden, 'read-only call')} not shown` : '';
}

/** The one-line answer: how many calls changed (or tried to change) the bucket. */
export function describeBucketEvents(answer: BucketEventsAnswer, markup: Markup): string {
  const bucket = markup.code(answer.bucket, BUCKET_MAX);
  const hidden = readOnlyNote(answer);
  if (answer.totalMatches === 0 && answer.events.length === 0) {
    return `No bucket-level changes to ${bucket} in the events searched${hidden === '' ? '' : ` (${hidden})`}.`;
  }
  const total = Math.max(answer.totalMatches, answer.events.length);
  const failed = answer.events.filter((event) => event.errorCode !== null).length;
  const sensitive = answer.events.filter((event) => event.errorCode === null && isSensitive(event)).length;
  const fetched =
    total > answer.events.length ? `counts cover the newest ${formatNumber(answer.events.length)} of ${formatNumber(total)}` : '';
  const details = [
    ...(sensitive > 0 ? [formatCount(sensitive, 'sensitive change')] : []),
    ...(failed > 0 ? [formatCount(failed, 'failed attempt')] : []),
    ...(fetched === '' ? [] : [fetched]),
    ...(hidden === '' ? [] : [hidden]),
  ];
  const headline = markup.strong(`${formatCount(total, 'bucket-level change')} to ${bucket}`);
  return `${headline}${details.length > 0 ? ` (${details.join('; ')})` : ''}.`;
}

/** The line for events not shown; undefined when every change is shown. */
export function describeHiddenEvents(answer: BucketEventsAnswer, shown: number): string | undefined {
  const total = Math.max(answer.totalMatches, answer.events.length);
  const hidden = total - shown;
  if (hidden <= 0) return undefined;
  let line = `…and ${formatCount(hidden, 'more change')} (${formatNumber(total)} in all).`;
  if (total > answer.events.length) {
    line += ` Only the newest ${formatNumber(answer.events.length)} were fetched: narrow --since/--until to see the rest.`;
  }
  return line;
}

/** The footer facts: what was searched, how, what could not be read, how fresh. */
export function describeBucketEventsScan(answer: BucketEventsAnswer, markup: Markup): string[] {
  const { stats } = answer;
  const sources = answer.sources.map((source) => markup.code(source, 60)).join(' and ');
  const lines = [
    `Searched ${sources} management events of bucket ${markup.code(answer.bucket, BUCKET_MAX)}, ${describeWindow(answer.window)}.`,
    describeHow(stats),
    ...stats.warnings.map((warning) => `Warning: ${markup.text(warning, 400)}`),
  ];
  lines.push(...describeUnreadableAndFreshness(stats, markup));
  return lines;
}

/** How the answer was read: LookupEvents calls, or a scan of the trail's files. */
function describeHow(stats: ScanStats): string {
  if (stats.engine === 'lookup-events') {
    const elapsed = formatDuration(stats.elapsedMs);
    return `Read ${formatCount(stats.eventsScanned ?? 0, 'event')} from CloudTrail event history (LookupEvents) in ${elapsed}.`;
  }
  return describeScanned(stats, { mentionReuse: true });
}

/** The answer as JSON: the documented fields only, in a fixed order, absent values as null. */
export function toJson(answer: BucketEventsAnswer): string {
  return jsonDocument({
    events: answer.events.map((event) => ({
      eventId: event.eventId,
      eventTime: event.eventTime,
      eventName: event.eventName,
      eventSource: event.eventSource,
      region: event.region,
      principalArn: event.principalArn,
      principalType: event.principalType,
      invokedBy: event.invokedBy,
      sourceIp: event.sourceIp,
      userAgent: event.userAgent,
      errorCode: event.errorCode,
      errorMessage: event.errorMessage,
      requestSummary: event.requestSummary,
    })),
    scanned: scannedJson(answer.stats),
    question: answer.question,
    searched: searchedJson(answer, { bucket: answer.bucket }),
    totalMatches: answer.totalMatches,
    readOnlyHidden: answer.readOnlyHidden,
  });
}

const CSV_COLUMNS = [
  'eventTime',
  'eventName',
  'principalArn',
  'principalType',
  'invokedBy',
  'sourceIp',
  'userAgent',
  'errorCode',
  'errorMessage',
  'requestSummary',
  'region',
  'eventSource',
  'eventId',
] as const satisfies readonly (keyof ManagementEvent)[];

/** RFC 4180 CSV (CRLF line ends), one row per event, fields made inert as in the object answers. */
export function toCsv(answer: BucketEventsAnswer): string {
  return csvRecords(CSV_COLUMNS, answer.events);
}

const TEXT_COLUMNS: readonly TextColumn<ManagementEvent>[] = [
  { title: 'TIME (UTC)', max: 30, cell: (e) => formatUtcCell(e.eventTime) },
  { title: 'OPERATION', max: 40, cell: (e) => e.eventName },
  { title: 'NOTE', max: 10, cell: (e) => (isSensitive(e) ? 'SENSITIVE' : '') },
  { title: 'PRINCIPAL', max: 120, cell: (e) => describeRecordedCaller(e, PLAIN_MARKUP) },
  { title: 'SOURCE IP', max: 45, cell: (e) => e.sourceIp ?? '' },
  { title: 'RESULT', max: 60, cell: (e) => (e.errorCode === null ? 'ok' : `FAILED ${e.errorCode}`) },
  { title: 'REQUEST', max: 120, cell: (e) => e.requestSummary ?? '' },
];

/** A readable report for a terminal: the answer, the events as a table, and the footer facts. */
export function toText(answer: BucketEventsAnswer): string {
  const lines = [describeBucketEvents(answer, PLAIN_MARKUP)];
  if (answer.events.length > 0) lines.push('', ...formatTable(TEXT_COLUMNS, answer.events, { hideEmptyColumns: true }));
  const hidden = describeHiddenEvents(answer, answer.events.length);
  if (hidden) lines.push('', hidden);
  lines.push('', ...describeBucketEventsScan(answer, PLAIN_MARKUP));
  return `${lines.join('\n')}\n`;
}
