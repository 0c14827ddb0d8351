import { csvDocument } from '../../text/csv.js';
import { jsonDocument } from '../../text/json.js';
import { ARN_MAX, BUCKET_MAX, type Markup, PLAIN_MARKUP } from '../../text/markup.js';
import { formatCount, formatUtcCell } from '../../text/numbers.js';
import { countColumn, formatTable, type TextColumn, titledTable } from '../../text/table.js';
import { callColumns, coverageCaveat, describeMore, describeSpan } from '../wording/aggregates.js';
import { describeAggregateScan, scannedJson, searchedJson } from '../wording/scan-facts.js';
import type { NameKind, ObjectAction, PrincipalActivityRow, PrincipalAnswer, PrincipalObject, SessionCount } from './question.js';

/** Shown for calls that name no bucket (ListBuckets, ListDirectoryBuckets). */
export const NO_BUCKET = '(no bucket)';

/** Who was asked about, and how it was matched. */
export function describeWho(answer: PrincipalAnswer, markup: Markup): string {
  const who = markup.code(answer.principal, ARN_MAX);
  switch (answer.matchedAs) {
    case 'arn':
      return who;
    case 'role':
      return `role ${who} (every session)`;
    case 'name':
      return answer.nameMatchedAs.length === 0
        ? `${who} (every role, user and session of that name)`
        : `${who} (found as ${describeNameKinds(answer.nameMatchedAs)})`;
  }
}

const NAME_KIND_WORDS: Record<NameKind, string> = { role: 'a role name', user: 'a user name', session: 'a session name' };

/** "a session name", "a role name and a user name". */
export function describeNameKinds(kinds: readonly NameKind[]): string {
  const words = kinds.map((kind) => NAME_KIND_WORDS[kind]);
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/** Object lists in this order, with their headings. */
export const OBJECT_ACTIONS: ReadonlyArray<{ action: ObjectAction; title: string }> = [
  { action: 'wrote', title: 'Objects written' },
  { action: 'deleted', title: 'Objects deleted' },
  { action: 'moved', title: 'Objects moved away (renamed)' },
  { action: 'read', title: 'Objects read' },
];

/** The one-line answer: how much the principal did, where, and how much of it failed. */
export function describePrincipal(answer: PrincipalAnswer, markup: Markup): string {
  const who = describeWho(answer, markup);
  const { totals } = answer;
  if (totals.events === 0) return `No S3 or S3 Express calls by ${who} in the logs searched.`;
  const details = [
    formatCount(totals.errors, 'failed call'),
    ...(answer.matchedAs === 'arn' ? [] : [formatCount(answer.sessions, 'session')]),
  ];
  const headline = markup.strong(`${who} made ${formatCount(totals.events, 'call')}`);
  const where = formatCount(totals.buckets, 'bucket');
  return `${headline} on ${where} ${describeSpan(totals.firstEvent ?? '', totals.lastEvent ?? '', markup)}: ${details.join(', ')}.`;
}

export function describePrincipalScan(answer: PrincipalAnswer, markup: Markup): string[] {
  return describeAggregateScan('events of every bucket', answer, markup);
}

export function describeBucket(bucket: string | null, markup: Markup): string {
  return bucket === null ? NO_BUCKET : markup.code(bucket, BUCKET_MAX);
}

/** The answer as JSON: the documented fields only, in a fixed order, absent values as null. */
export function toJson(answer: PrincipalAnswer): string {
  return jsonDocument({
    question: answer.question,
    searched: searchedJson(answer, { principal: answer.principal, matchedAs: answer.matchedAs }),
    totals: answer.totals,
    rows: answer.rows.map((row) => ({
      bucket: row.bucket,
      operation: row.operation,
      count: row.count,
      errors: row.errors,
      firstEvent: row.firstEvent,
      lastEvent: row.lastEvent,
    })),
    totalRows: answer.totalRows,
    sessions: answer.sessions,
    topSessions: answer.topSessions.map((session) => ({ arn: session.arn, count: session.count })),
    principalTypes: answer.principalTypes,
    nameMatchedAs: answer.nameMatchedAs,
    objects: answer.objects.map((object) => ({
      action: object.action,
      bucket: object.bucket,
      key: object.key,
      count: object.count,
      firstEvent: object.firstEvent,
      lastEvent: object.lastEvent,
    })),
    totalObjects: answer.totalObjects,
    scanned: scannedJson(answer.stats),
  });
}

const CSV_COLUMNS = ['bucket', 'operation', 'key', 'count', 'errors', 'firstEvent', 'lastEvent'] as const;

/**
 * RFC 4180 CSV (CRLF line ends), fields made inert as in the object answers: one row per bucket
 * and operation (no key), then one per object written, deleted or read (`operation` is the action,
 * most recent first, every object fetched).
 */
export function toCsv(answer: PrincipalAnswer): string {
  return csvDocument(CSV_COLUMNS, [
    ...answer.rows.map((row) => [row.bucket, row.operation, null, row.count, row.errors, row.firstEvent, row.lastEvent]),
    ...answer.objects.map((object) => [
      object.bucket,
      object.action,
      object.key,
      object.count,
      0,
      object.firstEvent,
      object.lastEvent,
    ]),
  ]);
}

/** A readable report for a terminal: the answer, the bucket-and-operation table, the sessions, the footer facts. */
export function toText(answer: PrincipalAnswer): string {
  const lines = [describePrincipal(answer, PLAIN_MARKUP)];
  if (answer.totals.events === 0) lines.push(coverageCaveat('the buckets this principal uses'));
  if (answer.rows.length > 0) {
    lines.push(
      '',
      ...formatTable<PrincipalActivityRow>(
        [
          { title: 'BUCKET', max: 70, cell: (row) => describeBucket(row.bucket, PLAIN_MARKUP) },
          { title: 'OPERATION', max: 60, cell: (row) => row.operation },
          ...callColumns<PrincipalActivityRow>(),
          { title: 'FIRST (UTC)', max: 30, cell: (row) => formatUtcCell(row.firstEvent) },
          { title: 'LAST (UTC)', max: 30, cell: (row) => formatUtcCell(row.lastEvent) },
        ],
        answer.rows,
      ),
    );
    const more = describeMore(answer.rows.length, answer.totalRows, 'bucket-and-operation group');
    if (more) lines.push(more);
  }
  const objectColumns: readonly TextColumn<PrincipalObject>[] = [
    { title: 'LAST (UTC)', max: 30, cell: (object) => formatUtcCell(object.lastEvent) },
    { title: 'BUCKET', max: 70, cell: (object) => describeBucket(object.bucket, PLAIN_MARKUP) },
    { title: 'KEY', max: 200, cell: (object) => object.key },
    countColumn('CALLS', (object) => object.count),
  ];
  for (const { action, title } of OBJECT_ACTIONS) {
    const objects = answer.objects.filter((object) => object.action === action);
    lines.push(...titledTable(title, objectColumns, objects));
  }
  const moreObjects = describeMore(answer.objects.length, answer.totalObjects, 'object');
  if (moreObjects) lines.push(moreObjects);
  if (answer.matchedAs !== 'arn' && answer.topSessions.length > 0) {
    lines.push(
      '',
      ...formatTable<SessionCount>(
        [{ title: 'SESSION', max: 160, cell: (session) => session.arn }, countColumn('CALLS', (session) => session.count)],
        answer.topSessions,
      ),
    );
    const more = describeMore(answer.topSessions.length, answer.sessions, 'session');
    if (more) lines.push(more);
  }
  lines.push('', ...describePrincipalScan(answer, PLAIN_MARKUP));
  return `${lines.join('\n')}\n`;
}
