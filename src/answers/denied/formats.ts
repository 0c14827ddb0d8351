import { csvDocument } from '../../text/csv.js';
import { jsonDocument } from '../../text/json.js';
import { BUCKET_MAX, CODE_MAX, type Markup, PLAIN_MARKUP } from '../../text/markup.js';
import { formatCount, formatUtcCell } from '../../text/numbers.js';
import { countColumn, type TextColumn, titledTable } from '../../text/table.js';
import { coverageCaveat, describeMore, describeSpan } from '../wording/aggregates.js';
import { describeCaller } from '../wording/callers.js';
import { describeAggregateScan, scannedJson, searchedJson } from '../wording/scan-facts.js';
import type { DeniedAnswer, DeniedGroup } from './question.js';

/** The two lists of failed calls, in this order. */
export const DENIED_SECTIONS: ReadonlyArray<{ title: string; denials: boolean }> = [
  { title: 'Access denied (a policy refused the call)', denials: true },
  { title: 'Other errors (the call was allowed and failed: not denials)', denials: false },
];

/** The caller of a group: its ARN or service, else the account it called from. */
export function describeDeniedCaller(group: DeniedGroup, markup: Markup): string {
  if (group.principal === null && group.account !== null) {
    return `an unidentified caller in account ${markup.code(group.account, 40)}`;
  }
  return describeCaller(group.principal, markup);
}

function where(answer: DeniedAnswer, markup: Markup): string {
  return answer.bucket === undefined ? 'S3 or S3 Express' : `bucket ${markup.code(answer.bucket, BUCKET_MAX)}`;
}

/** Where logging must have been on for an empty answer to mean that nothing failed. */
export function deniedCoverage(answer: DeniedAnswer, markup: Markup): string {
  return answer.bucket === undefined ? 'every bucket' : `bucket ${markup.code(answer.bucket, BUCKET_MAX)}`;
}

/** The buckets of a group by name: "on `a`", "on `a` and `b`", "on 5 buckets, `a` … `e`". */
export function describeGroupBuckets(group: DeniedGroup, markup: Markup): string {
  const names = group.bucketNames.map((name) => markup.code(name, BUCKET_MAX));
  if (group.buckets === 0 || names.length === 0) return 'on no bucket';
  if (group.buckets <= names.length) return `on ${names.join(' and ')}`;
  return `on ${formatCount(group.buckets, 'bucket')}, ${names.join(' … ')}`;
}

/**
 * The one-line answer: access denials (a policy said no) apart from other failures (NoSuchKey and
 * the like: the call was allowed and failed), by whom and where.
 */
export function describeDenied(answer: DeniedAnswer, markup: Markup): string {
  const { totals } = answer;
  if (totals.events === 0) return `No failed calls in ${where(answer, markup)} in the logs searched.`;
  const parts = [
    formatCount(totals.accessDenied, 'access denial'),
    ...(totals.otherErrors > 0 ? [`${formatCount(totals.otherErrors, 'other failed call')} (not denials)`] : []),
  ];
  const headline = markup.strong(`${parts.join(' and ')} in ${where(answer, markup)}`);
  const who = [formatCount(totals.principals, 'principal'), formatCount(totals.buckets, 'bucket')].join(' on ');
  return `${headline} by ${who} ${describeSpan(totals.firstEvent ?? '', totals.lastEvent ?? '', markup)}.`;
}

export function describeDeniedScan(answer: DeniedAnswer, markup: Markup): string[] {
  return describeAggregateScan(`failed calls in ${deniedCoverage(answer, markup)}`, answer, markup);
}

/** The answer as JSON: the documented fields only, in a fixed order, absent values as null. */
export function toJson(answer: DeniedAnswer): string {
  return jsonDocument({
    question: answer.question,
    searched: searchedJson(answer, { bucket: answer.bucket ?? null }),
    totals: answer.totals,
    groups: answer.groups.map((group) => ({
      principal: group.principal,
      account: group.account,
      operation: group.operation,
      errorCode: group.errorCode,
      accessDenied: group.accessDenied,
      count: group.count,
      buckets: group.buckets,
      bucketNames: group.bucketNames,
      firstEvent: group.firstEvent,
      lastEvent: group.lastEvent,
    })),
    totalGroups: answer.totalGroups,
    scanned: scannedJson(answer.stats),
  });
}

const CSV_COLUMNS = [
  'principal',
  'account',
  'operation',
  'errorCode',
  'accessDenied',
  'count',
  'buckets',
  'bucketNames',
  'firstEvent',
  'lastEvent',
] as const;

/** RFC 4180 CSV (CRLF line ends), one row per group, fields made inert as in the object answers. */
export function toCsv(answer: DeniedAnswer): string {
  return csvDocument(
    CSV_COLUMNS,
    answer.groups.map((g) => [
      g.principal,
      g.account,
      g.operation,
      g.errorCode,
      g.accessDenied,
      g.count,
      g.buckets,
      g.bucketNames.join(' '),
      g.firstEvent,
      g.lastEvent,
    ]),
  );
}

/** A readable report for a terminal: the answer, the groups as a table, and the footer facts. */
export function toText(answer: DeniedAnswer): string {
  const lines = [describeDenied(answer, PLAIN_MARKUP)];
  if (answer.totals.events === 0) lines.push(coverageCaveat(deniedCoverage(answer, PLAIN_MARKUP)));
  const columns: readonly TextColumn<DeniedGroup>[] = [
    { title: 'PRINCIPAL', max: 120, cell: (g) => describeDeniedCaller(g, PLAIN_MARKUP) },
    { title: 'OPERATION', max: 60, cell: (g) => g.operation },
    { title: 'ERROR', max: CODE_MAX, cell: (g) => g.errorCode },
    countColumn('CALLS', (g) => g.count),
    { title: 'BUCKETS', max: 200, cell: (g) => describeGroupBuckets(g, PLAIN_MARKUP).replace(/^on /, '') },
    { title: 'LAST (UTC)', max: 30, cell: (g) => formatUtcCell(g.lastEvent) },
  ];
  for (const { title, denials } of DENIED_SECTIONS) {
    lines.push(
      ...titledTable(
        title,
        columns,
        answer.groups.filter((group) => group.accessDenied === denials),
      ),
    );
  }
  const more = describeMore(answer.groups.length, answer.totalGroups, 'group');
  if (more) lines.push(more);
  lines.push('', ...describeDeniedScan(answer, PLAIN_MARKUP));
  return `${lines.join('\n')}\n`;
}
