import { csvDocument } from '../../text/csv.js';
import { jsonDocument } from '../../text/json.js';
import { formatBytes, formatCount, formatNumber, formatUsd, formatUtc } from '../../text/numbers.js';
import { countColumn, formatTable } from '../../text/table.js';
import { formatInstant, type TimeWindow } from '../../time/window.js';
import { describeWindow, windowJson } from '../wording/scan-facts.js';
import type { Digest, DigestBucket, DigestManagementEvent } from './question.js';

export type FindingKind =
  | 'management'
  | 'delete'
  | 'denied'
  | 'new-principal'
  | 'new-source-ip'
  | 'new-vpc-endpoint'
  | 'uncovered-bucket'
  | 'logging-gap'
  | 'pending-approvals';

/** One thing in the digest worth a look, with the /s3x text that looks closer. */
export interface DigestFinding {
  kind: FindingKind;
  bucket: string | null;
  /** Principal, IP or endpoint; null when the record named nobody. */
  subject: string | null;
  count: number;
  lifecycle: boolean;
  event?: DigestManagementEvent;
  /** Slash text (without `/s3x`), at most MAX_DRILL_TEXT characters; undefined when no question fits. */
  drill: string | undefined;
}

/** SigmaHQ's rule behind the tampering marks; DRL 1.1 asks for the author wherever matches are shown. */
export const SIGMA_CITATION =
  'StopLogging, UpdateTrail and DeleteTrail are the SigmaHQ rule "AWS CloudTrail Important Change" (4db60cc0, by vitaliy0x1, DRL 1.1); s3x adds PutEventSelectors, which can turn data-event logging off.';

/**
 * Longest slash text a drill-down carries: it rides in a Slack button's `value`, which holds 2,000
 * characters (MAX_BUTTON_VALUE in slack/blocks/limits.ts, checked by assertBlockLimits). Defined
 * here so that the formats do not import the Slack folder.
 */
const MAX_DRILL_TEXT = 2000;

/** A word the command tokenizer reads back unchanged. */
function slashWord(word: string): string {
  return /[\s"'“”‘’\\]/u.test(word) || word === '' ? `"${word.replace(/["\\]/g, (c) => `\\${c}`)}"` : word;
}

/** `--since D --until D` for a UTC day (parsed as that day); exact instants otherwise. */
export function slashWindow(window: TimeWindow, date: string): string {
  const utcDay =
    formatInstant(window.since) === `${date}T00:00:00Z` && window.until.getTime() - window.since.getTime() === 86_400_000;
  return utcDay
    ? `--since ${date} --until ${date}`
    : `--since ${formatInstant(window.since)} --until ${formatInstant(window.until)}`;
}

/** The slash text of a question, or undefined when it would not fit in a button. */
export function slashCommand(words: readonly string[], range: string): string | undefined {
  const text = `${words.map(slashWord).join(' ')}${range === '' ? '' : ` ${range}`}`;
  return text.length <= MAX_DRILL_TEXT ? text : undefined;
}

function managementDrill(event: DigestManagementEvent, range: string): string | undefined {
  const bucketCall = event.eventSource !== 'cloudtrail.amazonaws.com' && event.target !== null;
  if (bucketCall && event.target !== null) return slashCommand(['bucket-events', event.target], range);
  return event.principal === null ? undefined : slashCommand(['principal', event.principal], range);
}

function bucketFindings(bucket: DigestBucket, range: string): DigestFinding[] {
  const activity = slashCommand(['activity', bucket.bucket], range);
  const base = { bucket: bucket.bucket, lifecycle: false };
  return [
    ...bucket.deletes.map((d) => ({
      ...base,
      kind: 'delete' as const,
      subject: d.principal,
      count: d.count,
      lifecycle: d.lifecycle,
      drill: (d.principal === null ? undefined : slashCommand(['principal', d.principal], range)) ?? activity,
    })),
    ...bucket.denied.map((d) => ({
      ...base,
      kind: 'denied' as const,
      subject: d.principal,
      count: d.count,
      drill: slashCommand(['denied', '--bucket', bucket.bucket], range),
    })),
    ...bucket.newPrincipals.map((p) => ({
      ...base,
      kind: 'new-principal' as const,
      subject: p,
      count: 1,
      drill: slashCommand(['principal', p], range) ?? activity,
    })),
    ...bucket.newSourceIps.map((ip) => ({ ...base, kind: 'new-source-ip' as const, subject: ip, count: 1, drill: activity })),
    ...bucket.newVpcEndpoints.map((v) => ({ ...base, kind: 'new-vpc-endpoint' as const, subject: v, count: 1, drill: activity })),
  ];
}

/** Every finding, most alarming first: tampering, other changes, then per bucket, then gaps and approvals. */
export function digestFindings(digest: Digest): DigestFinding[] {
  const range = slashWindow(digest.window, digest.date);
  const management = [...digest.management]
    .sort((a, b) => Number(b.tampering) - Number(a.tampering))
    .map((event) => ({
      kind: 'management' as const,
      bucket: event.eventSource === 'cloudtrail.amazonaws.com' ? null : event.target,
      subject: event.principal,
      count: 1,
      lifecycle: false,
      event,
      drill: managementDrill(event, range),
    }));
  return [
    ...management,
    ...digest.buckets.flatMap((bucket) => bucketFindings(bucket, range)),
    ...digest.uncoveredBuckets.map((bucket) => ({
      kind: 'uncovered-bucket' as const,
      bucket,
      subject: null,
      count: 1,
      lifecycle: false,
      drill: 'status',
    })),
    ...digest.logGaps.map((gap) => ({
      kind: 'logging-gap' as const,
      bucket: null,
      subject: `${formatUtc(gap.from)} – ${formatUtc(gap.to)}: ${gap.reason}`,
      count: 1,
      lifecycle: false,
      drill: 'status',
    })),
    ...(digest.pendingApprovals > 0
      ? [
          {
            kind: 'pending-approvals' as const,
            bucket: null,
            subject: null,
            count: digest.pendingApprovals,
            lifecycle: false,
            drill: 'approvals',
          },
        ]
      : []),
  ];
}

/** `A quiet day: …` only with logs for the whole day; a day the logs hold nothing of says so instead. */
export function describeQuietDay(digest: Digest): string {
  if (digest.noLogs) {
    return (
      `No logs for this day: the logs hold no events from ${formatUtc(formatInstant(digest.window.since))} to ` +
      `${formatUtc(formatInstant(digest.window.until))} (not delivered yet, before the logs begin, or a broken delivery), so s3x cannot say what happened.`
    );
  }
  return `A quiet day: ${formatCount(digest.events, 'event')}, no deletes, no policy or trail changes.`;
}

/** The digest's own scan: what its queries read and cost. */
export function describeDigestCost(digest: Digest): string {
  const cost = digest.stats.costUsd === undefined ? '' : `, cost ${formatUsd(digest.stats.costUsd)}`;
  return `This digest ran ${formatCount(digest.queries, 'query', 'queries')}: ${formatBytes(digest.stats.bytesScanned)} read${cost}.`;
}

export function describeDigestWindow(digest: Digest): string {
  return `${digest.date} (${digest.timeZone}): ${describeWindow(digest.window)}`;
}

/** The digest as JSON: every field, instants as CloudTrail text. */
export function toJson(digest: Digest): string {
  return jsonDocument({
    date: digest.date,
    timeZone: digest.timeZone,
    window: windowJson(digest.window),
    quiet: digest.quiet,
    events: digest.events,
    buckets: digest.buckets,
    management: digest.management,
    managementTotal: digest.managementTotal,
    uncoveredBuckets: digest.uncoveredBuckets,
    noLogs: digest.noLogs,
    logGaps: digest.logGaps,
    pendingApprovals: digest.pendingApprovals,
    queries: digest.queries,
    stats: { bytesScanned: digest.stats.bytesScanned, costUsd: digest.stats.costUsd ?? null, elapsedMs: digest.stats.elapsedMs },
  });
}

const CSV_COLUMNS = [
  'kind',
  'bucket',
  'principal',
  'count',
  'lifecycle',
  'eventTime',
  'eventName',
  'eventSource',
  'target',
  'errorCode',
  'eventId',
  'tampering',
  'drill',
] as const;

/** RFC 4180 CSV (CRLF): one row per finding, per bucket total and per operation; fields made inert. */
export function toCsv(digest: Digest): string {
  const totals = digest.buckets.flatMap((b) => [
    ['bucket', b.bucket, null, b.events, null, null, null, null, null, null, null, null, null],
    ...b.operations.map((o) => ['operation', b.bucket, null, o.count, null, null, o.name, null, null, null, null, null, null]),
  ]);
  const findings = digestFindings(digest).map((f) => [
    f.kind,
    f.bucket,
    f.subject,
    f.count,
    f.kind === 'delete' ? f.lifecycle : null,
    f.event?.eventTime,
    f.event?.eventName,
    f.event?.eventSource,
    f.event?.target,
    f.event?.errorCode,
    f.event?.eventId,
    f.event ? f.event.tampering : null,
    f.drill,
  ]);
  return csvDocument(CSV_COLUMNS, [...findings, ...totals]);
}

const KIND_TITLES: Record<FindingKind, string> = {
  management: 'CHANGE',
  delete: 'DELETES',
  denied: 'DENIED',
  'new-principal': 'NEW PRINCIPAL',
  'new-source-ip': 'NEW SOURCE IP',
  'new-vpc-endpoint': 'NEW VPC ENDPOINT',
  'uncovered-bucket': 'NOT LOGGED',
  'logging-gap': 'NO LOGS',
  'pending-approvals': 'PENDING APPROVALS',
};

/** A readable report for a terminal. */
export function toText(digest: Digest): string {
  const lines = [`s3x digest for ${describeDigestWindow(digest)}`];
  if (digest.quiet || digest.noLogs) {
    lines.push(describeQuietDay(digest));
  } else {
    lines.push(
      `${formatCount(digest.events, 'data event')} on ${formatCount(digest.buckets.length, 'bucket')}, ${formatCount(digest.managementTotal, 'bucket or trail change')}.`,
      '',
      ...formatTable(
        [
          { title: 'FINDING', max: 20, cell: (f: DigestFinding) => `${f.event?.tampering ? '! ' : ''}${KIND_TITLES[f.kind]}` },
          { title: 'BUCKET', max: 80, cell: (f: DigestFinding) => f.bucket ?? '' },
          { title: 'WHO / WHAT', max: 120, cell: (f: DigestFinding) => describeSubject(f) },
          countColumn('COUNT', (f: DigestFinding) => f.count),
        ],
        digestFindings(digest),
      ),
    );
    if (digest.management.some((e) => e.tampering)) lines.push('', `! ${SIGMA_CITATION}`);
  }
  lines.push('', describeDigestCost(digest));
  return `${lines.join('\n')}\n`;
}

function describeSubject(f: DigestFinding): string {
  if (f.event) {
    const failed = f.event.errorCode ? ` (failed: ${f.event.errorCode})` : '';
    return `${f.event.eventName} ${f.event.target ?? ''} by ${f.subject ?? 'an unidentified caller'} at ${formatUtc(f.event.eventTime)}${failed}`;
  }
  if (f.kind === 'delete' && f.lifecycle) return `S3 Lifecycle (${f.subject ?? ''})`;
  return f.subject ?? (f.kind === 'uncovered-bucket' || f.kind === 'pending-approvals' ? '' : 'an unidentified caller');
}

/** For the "…and N more" line: findings a Slack message could not show. */
export function hiddenFindingsNote(hidden: number, csvNote?: string): string {
  return `…and ${formatNumber(hidden)} more; ${csvNote ?? 'the full list is in the CSV'}.`;
}
