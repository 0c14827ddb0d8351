import { csvDocument } from '../../text/csv.js';
import { jsonDocument } from '../../text/json.js';
import { BUCKET_MAX, CODE_MAX, type Markup, PLAIN_MARKUP } from '../../text/markup.js';
import { formatBytes, formatCount } from '../../text/numbers.js';
import { countColumn, formatTable, type TextColumn } from '../../text/table.js';
import { callColumns, coverageCaveat, describeMore, describeSpan } from '../wording/aggregates.js';
import { describeCaller } from '../wording/callers.js';
import { describeAggregateScan, scannedJson, searchedJson } from '../wording/scan-facts.js';
import type { ActivityAnswer, ErrorCount, OperationCount, PrincipalCount } from './question.js';

/** The one-line answer: how busy the bucket was. */
export function describeActivity(answer: ActivityAnswer, markup: Markup): string {
  const bucket = markup.code(answer.bucket, BUCKET_MAX);
  const { totals } = answer;
  if (totals.events === 0) return `No data events on ${bucket} in the logs searched.`;
  const details = [
    formatCount(totals.errors, 'failed call'),
    `${formatBytes(totals.bytesIn)} in`,
    `${formatBytes(totals.bytesOut)} out`,
    formatCount(answer.groupCounts.principals, 'principal'),
  ];
  const span = describeSpan(totals.firstEvent ?? '', totals.lastEvent ?? '', markup);
  return `${markup.strong(`${formatCount(totals.events, 'data event')} on ${bucket}`)} ${span}: ${details.join(', ')}.`;
}

export function describeActivityScan(answer: ActivityAnswer, markup: Markup): string[] {
  return describeAggregateScan(`data events of bucket ${markup.code(answer.bucket, BUCKET_MAX)}`, answer, markup);
}

/** The answer as JSON: the documented fields only, in a fixed order, absent values as null. */
export function toJson(answer: ActivityAnswer): string {
  return jsonDocument({
    question: answer.question,
    searched: searchedJson(answer, { bucket: answer.bucket }),
    totals: answer.totals,
    operations: answer.operations.map((o) => ({ name: o.name, count: o.count, errors: o.errors })),
    principals: answer.principals.map((p) => ({ principal: p.principal, count: p.count, errors: p.errors })),
    errors: answer.errors.map((e) => ({ code: e.code, count: e.count })),
    groupCounts: answer.groupCounts,
    scanned: scannedJson(answer.stats),
  });
}

const CSV_COLUMNS = ['kind', 'name', 'count', 'errors', 'bytesIn', 'bytesOut', 'firstEvent', 'lastEvent'] as const;

/**
 * RFC 4180 CSV (CRLF line ends): one `total` row, then one row per operation, principal and
 * error code, told apart by `kind`. Fields made inert as in the object answers.
 */
export function toCsv(answer: ActivityAnswer): string {
  const { totals } = answer;
  return csvDocument(CSV_COLUMNS, [
    ['total', null, totals.events, totals.errors, totals.bytesIn, totals.bytesOut, totals.firstEvent, totals.lastEvent],
    ...answer.operations.map((o) => ['operation', o.name, o.count, o.errors, null, null, null, null]),
    ...answer.principals.map((p) => ['principal', p.principal, p.count, p.errors, null, null, null, null]),
    ...answer.errors.map((e) => ['error', e.code, e.count, null, null, null, null, null]),
  ]);
}

/** A readable report for a terminal: the answer, one table per list, and the footer facts. */
export function toText(answer: ActivityAnswer): string {
  const lines = [describeActivity(answer, PLAIN_MARKUP)];
  if (answer.totals.events === 0) lines.push(coverageCaveat(`bucket ${PLAIN_MARKUP.code(answer.bucket, BUCKET_MAX)}`));
  // Each list: its table, then how many were left out.
  const section = <T>(rows: readonly T[], columns: readonly TextColumn<T>[], total: number, one: string): void => {
    if (rows.length === 0) return;
    const more = describeMore(rows.length, total, one);
    lines.push('', ...formatTable(columns, rows), ...(more ? [more] : []));
  };
  const { groupCounts } = answer;
  section<OperationCount>(
    answer.operations,
    [{ title: 'OPERATION', max: 60, cell: (o) => o.name }, ...callColumns<OperationCount>()],
    groupCounts.operations,
    'operation',
  );
  section<PrincipalCount>(
    answer.principals,
    [{ title: 'PRINCIPAL', max: 120, cell: (p) => describeCaller(p.principal, PLAIN_MARKUP) }, ...callColumns<PrincipalCount>()],
    groupCounts.principals,
    'principal',
  );
  section<ErrorCount>(
    answer.errors,
    [{ title: 'ERROR', max: CODE_MAX, cell: (e) => e.code }, countColumn('CALLS', (e) => e.count)],
    groupCounts.errors,
    'error code',
  );
  lines.push('', ...describeActivityScan(answer, PLAIN_MARKUP));
  return `${lines.join('\n')}\n`;
}
