import { csvRecords } from '../../text/csv.js';
import { jsonDocument } from '../../text/json.js';
import { type Markup, PLAIN_MARKUP } from '../../text/markup.js';
import { formatCount, formatNumber, formatUtc, formatUtcCell } from '../../text/numbers.js';
import { formatTable, type TableData, type TextColumn } from '../../text/table.js';
import type { ReplyOf } from '../answer-request.js';
import type { Format } from '../registry.js';
import { describeRecordedCaller } from '../wording/callers.js';
import {
  describeScanned,
  describeUnreadableAndFreshness,
  describeWindow,
  scannedJson,
  searchedJson,
} from '../wording/scan-facts.js';
import { OBJECT_QUESTION_TABLE, type ObjectAnswer, type ObjectEvent, type PrefixKeyDeletes } from './question.js';

/** Longest key shown; the JSON and CSV formats keep it whole. */
const SUMMARY_KEY_MAX = 600;

export const EXACT_HEADING = 'Exact matches (the CloudTrail record names the key)';
export const CANDIDATE_HEADING = 'Batch-delete candidates (DeleteObjects)';
export const CANDIDATE_NOTE =
  'CloudTrail does not record which keys a DeleteObjects call removed, so each of these batch deletes may or may not ' +
  'have removed the key: candidates, never proof. The caller’s own logs list the keys it sent.';
const LIFECYCLE_LABEL = 'S3 Lifecycle (expiration rule)';

/** The record's `mfaAuthenticated`, in words: "MFA", "no MFA", or nothing when the record does not say. */
export function mfaWords(mfa: boolean | null): string {
  return mfa === null ? '' : mfa ? 'MFA' : 'no MFA';
}

/** Who made the call: the ARN, the AWS service behind it, or S3 Lifecycle. */
export function describePrincipal(event: ObjectEvent, markup: Markup): string {
  return event.lifecycle ? LIFECYCLE_LABEL : describeRecordedCaller(event, markup);
}

function principalIdentity(event: ObjectEvent): string {
  return event.lifecycle ? LIFECYCLE_LABEL : (event.principalArn ?? event.invokedBy ?? '');
}

/** What an event did to the asked key: the question's verb, or where a rename or copy took it. */
export function describeEffect(event: ObjectEvent, participle: string, markup: Markup): string {
  if (event.keyRole !== 'source') return participle;
  const destination = markup.code(event.destination ?? '(destination not recorded)', SUMMARY_KEY_MAX);
  return event.eventName === 'RenameObject' ? `moved away to ${destination}` : `copied to ${destination}`;
}

interface Wording {
  /** "was deleted by" */
  participle: string;
  one: string;
  many: string;
  /** The counts of source events (renames away, copies): "rename away" / "copy". */
  sourceOne: string;
  sourceMany: string;
  /** What no match means: "DeleteObject on", "read (GetObject, …) of". */
  nothing: string;
  /** Said after "… in the logs searched" when nothing matched: what else was looked for. */
  nothingElse: string;
  /** The operation a failed attempt did not do: "DeleteObject", "write". */
  attempted: string;
}

function wordingFor(question: Exclude<ObjectAnswer['question'], 'history'>): Wording {
  const names = OBJECT_QUESTION_TABLE[question].spec.eventNames ?? [];
  const listed = `${names.slice(0, -1).join(', ')} or ${names.at(-1) ?? ''}`;
  switch (question) {
    case 'who-deleted':
      return {
        participle: 'deleted',
        one: 'delete',
        many: 'deletes',
        sourceOne: 'rename away',
        sourceMany: 'renames away',
        nothing: 'DeleteObject on',
        nothingElse: ', no rename (RenameObject) moved it away',
        attempted: 'DeleteObject',
      };
    case 'who-wrote':
      return {
        participle: 'written',
        one: 'write',
        many: 'writes',
        sourceOne: '',
        sourceMany: '',
        nothing: `write (${listed}) on`,
        nothingElse: '',
        attempted: 'write',
      };
    case 'who-read':
      return {
        participle: 'read',
        one: 'read',
        many: 'reads',
        sourceOne: 'copy',
        sourceMany: 'copies',
        nothing: `read (${listed}) of`,
        nothingElse: ', and no copy (CopyObject, UploadPartCopy) was made from it',
        attempted: 'read',
      };
  }
}

function fetchedNote(answer: ObjectAnswer): string {
  if (answer.totalMatches <= answer.events.length) return '';
  const which = answer.question === 'history' ? 'oldest' : 'newest';
  return `counts cover the ${which} ${formatNumber(answer.events.length)} of ${formatNumber(answer.totalMatches)} matches`;
}

/** "1 failed attempt by `arn`", "3 failed attempts by 2 principals, the last by `arn`". */
function describeFailedAttempts(failed: readonly ObjectEvent[], newestFirst: boolean, markup: Markup): string[] {
  const last = newestFirst ? failed[0] : failed.at(-1);
  if (last === undefined) return [];
  const count = formatCount(failed.length, 'failed attempt');
  const principals = new Set(failed.map(principalIdentity)).size;
  return principals === 1
    ? [`${count} by ${describePrincipal(last, markup)}`]
    : [`${count} by ${formatCount(principals, 'principal')}, the last by ${describePrincipal(last, markup)}`];
}

/** Batch deletes counted but not listed: in other buckets, or while the key did not exist. */
function describeUnlisted(answer: ObjectAnswer): string[] {
  if (answer.unlistedCandidates <= 0) return [];
  const where = answer.matchPrefix
    ? 'in buckets where no key under the prefix was seen'
    : 'in buckets where the key was not seen, or while it did not exist';
  return [`${formatCount(answer.unlistedCandidates, 'batch delete')} not listed: ${where}`];
}

export const PREFIX_KEYS_HEADING = 'Keys under the prefix (most recently deleted first)';

/**
 * A prefix answer in one line: how many keys under it were deleted, how often, the last by whom;
 * failed attempts and batch-delete candidates apart, as for one key.
 */
function describePrefixAnswer(answer: ObjectAnswer, markup: Markup): string {
  const prefix = `keys under ${markup.code(answer.key, SUMMARY_KEY_MAX)}`;
  const keys = answer.keys ?? [];
  const deleted = keys.filter((entry) => entry.last !== null);
  const deletes = deleted.reduce((sum, entry) => sum + entry.deletes, 0);
  const failed = keys.reduce((sum, entry) => sum + entry.failedAttempts, 0);
  const candidates = answer.events.filter((event) => event.evidence === 'candidate').length;
  const rest = [
    ...(failed > 0 ? [formatCount(failed, 'failed attempt')] : []),
    ...(candidates > 0 ? [formatCount(candidates, 'batch-delete candidate')] : []),
    ...describeUnlisted(answer),
    fetchedNote(answer),
  ].filter((part) => part !== '');
  const details = rest.length > 0 ? ` (${rest.join('; ')})` : '';
  const last = deleted[0]?.last;
  if (last === undefined || last === null) {
    return `${markup.strong(`No DeleteObject or rename away of ${prefix}`)} in the logs searched${details}.`;
  }
  const when = markup.text(formatUtc(last.eventTime), 40);
  const count = `${formatCount(deleted.length, 'key')} deleted or moved away under ${markup.code(answer.key, SUMMARY_KEY_MAX)}`;
  return `${markup.strong(count)}: ${formatCount(deletes, 'delete')}, the last at ${when} by ${describePrincipal(last, markup)}${details}.`;
}

/** The keys of a prefix answer as cells: key, deletes, failed attempts, last deleted, by whom. */
export function prefixKeysTable(answer: ObjectAnswer): TableData {
  return {
    header: ['Key', 'Deletes', 'Failed', 'Last deleted (UTC)', 'By'],
    rows: (answer.keys ?? []).map((entry) => [
      entry.key,
      entry.deletes,
      entry.failedAttempts,
      entry.last === null ? '' : formatUtc(entry.last.eventTime),
      entry.last === null ? '' : describePrincipal(entry.last, PLAIN_MARKUP),
    ]),
  };
}

const PREFIX_KEY_COLUMNS: readonly TextColumn<PrefixKeyDeletes>[] = [
  { title: 'KEY', max: 200, cell: (entry) => entry.key },
  { title: 'DELETES', max: 12, numeric: true, cell: (entry) => formatNumber(entry.deletes) },
  { title: 'FAILED', max: 12, numeric: true, cell: (entry) => formatNumber(entry.failedAttempts) },
  {
    title: 'LAST DELETED (UTC)',
    max: 30,
    cell: (entry) => (entry.last ? formatUtcCell(entry.last.eventTime) : ''),
  },
  { title: 'BY', max: 200, cell: (entry) => (entry.last ? describePrincipal(entry.last, PLAIN_MARKUP) : '') },
];

/** The one-line answer: who did it, or plainly that nothing (or only a failed attempt) matched. */
export function describeAnswer(answer: ObjectAnswer, markup: Markup): string {
  if (answer.matchPrefix) return describePrefixAnswer(answer, markup);
  const key = markup.code(answer.key, SUMMARY_KEY_MAX);
  const exact = answer.events.filter((event) => event.evidence === 'exact');
  const succeeded = exact.filter((event) => event.errorCode === null);
  const failed = exact.filter((event) => event.errorCode !== null);
  const candidates = answer.events.length - exact.length;
  const candidatePart = candidates > 0 ? [formatCount(candidates, 'batch-delete candidate')] : [];
  const details = (parts: string[]): string => {
    const inner = [parts.join(', '), fetchedNote(answer)].filter((part) => part !== '').join('; ');
    return inner === '' ? '' : ` (${inner})`;
  };

  if (answer.question === 'history') {
    if (answer.events.length === 0) return `No event names ${key} in the logs searched.`;
    const first = markup.text(formatUtc(answer.events[0]?.eventTime ?? ''), 40);
    const last = markup.text(formatUtc(answer.events.at(-1)?.eventTime ?? ''), 40);
    const failedPart = failed.length > 0 ? [formatCount(failed.length, 'failed attempt')] : [];
    return `${markup.strong(`History of ${key}`)}: ${formatCount(answer.events.length, 'event')} from ${first} to ${last}${details(failedPart)}.`;
  }

  const wording = wordingFor(answer.question);
  if (answer.events.length === 0) {
    const batch = answer.question === 'who-deleted' ? ', and no batch delete (DeleteObjects) that could have removed it' : '';
    return `No ${wording.nothing} ${key} in the logs searched${wording.nothingElse}${batch}${details(describeUnlisted(answer))}.`;
  }
  const latest = succeeded[0];
  if (latest === undefined) {
    // Only who-deleted has candidates, so no exact match at all means "only batch deletes".
    if (failed.length > 0) {
      const headline = `No successful ${wording.attempted} of ${key}`;
      const rest = [...candidatePart, ...describeUnlisted(answer)];
      return `${markup.strong(headline)}; ${describeFailedAttempts(failed, true, markup).join('')}${details(rest)}.`;
    }
    return `${markup.strong(`No DeleteObject names ${key}`)}${details([...candidatePart, ...describeUnlisted(answer)])}.`;
  }
  const principals = new Set(succeeded.map(principalIdentity)).size;
  const effect = describeEffect(latest, wording.participle, markup);
  const verb = principals === 1 ? `was ${effect} by` : `was last ${effect} by`;
  const byWhom = principals === 1 ? '' : ` by ${formatCount(principals, 'principal')}`;
  const direct = succeeded.filter((event) => event.keyRole !== 'source').length;
  const fromSource = succeeded.length - direct;
  const successParts = [
    ...(direct > 0 ? [formatCount(direct, wording.one, wording.many)] : []),
    ...(fromSource > 0 ? [formatCount(fromSource, wording.sourceOne, wording.sourceMany)] : []),
  ];
  const successPart = `${successParts.join(' and ')}${byWhom}`;
  const failedPart = failed.length > 0 ? [formatCount(failed.length, 'failed attempt')] : [];
  return `${markup.strong(`${key} ${verb} ${describePrincipal(latest, markup)}`)}${details([successPart, ...failedPart, ...candidatePart, ...describeUnlisted(answer)])}.`;
}

/**
 * Shown when no call succeeded and no coverage verdict is at hand: no match is proof only where
 * logging was on, so it says so rather than implying coverage.
 */
export function describeCoverageCaveat(answer: ObjectAnswer, markup: Markup): string | undefined {
  if (answer.events.some((event) => event.evidence === 'exact' && event.errorCode === null)) return undefined;
  const subject = answer.matchPrefix ? 'the keys' : 'the key';
  const where = answer.bucket === undefined ? `every bucket ${subject} could be in` : `bucket ${markup.code(answer.bucket, 80)}`;
  return (
    `No match means nobody did it only if CloudTrail data-event logging covered ${where} for the whole window. ` +
    (answer.bucket === undefined || !answer.bucket.endsWith('--x-s3')
      ? 'Name a directory bucket with --bucket and s3x checks the trail history for you; otherwise confirm your trail logs S3 data events there.'
      : 's3x could not tell from the trail history in the logs; check /s3x status.')
  );
}

/** The footer facts: what was searched, what was read, what could not be read, how fresh. */
export function describeScan(answer: ObjectAnswer, markup: Markup): string[] {
  const { stats } = answer;
  const sources = answer.sources.map((source) => markup.code(source, 60)).join(' and ');
  const bucket = answer.bucket === undefined ? 'all buckets' : `bucket ${markup.code(answer.bucket, 80)}`;
  const lines = [
    `Searched ${sources} events in ${bucket}, ${describeWindow(answer.window)}.`,
    describeScanned(stats, { mentionReuse: true }),
    ...stats.warnings.map((warning) => `Warning: ${markup.text(warning, 400)}`),
  ];
  lines.push(...describeUnreadableAndFreshness(stats, markup));
  return lines;
}

/**
 * The line for events not shown: `shown` of them made it into the output, and `hiddenExact`
 * exact matches among the fetched ones did not (the engine counts the unfetched ones). Undefined when nothing is missing.
 */
export function describeHidden(answer: ObjectAnswer, shown: number, hiddenExact: number): string | undefined {
  const total = Math.max(answer.totalMatches, answer.events.length);
  const hidden = total - shown;
  if (hidden <= 0) return undefined;
  let line = `…and ${formatCount(hidden, 'more event')} (${formatNumber(total)} matched in all).`;
  const unfetched = total > answer.events.length;
  const fetchedExact = answer.events.filter((event) => event.evidence === 'exact').length;
  const allHiddenExact = hiddenExact + Math.max(0, answer.exactMatches - fetchedExact);
  if (allHiddenExact > 0) {
    line += ` ${formatCount(allHiddenExact, 'of them is an exact match', 'of them are exact matches')}.`;
  }
  if (unfetched) {
    const which = answer.question === 'history' ? 'oldest' : 'newest';
    const narrow = answer.bucket === undefined ? '--since/--until or add --bucket' : '--since/--until';
    line += ` Only the ${which} ${formatNumber(answer.events.length)} were fetched: narrow ${narrow} to see the rest.`;
  }
  return line;
}

/** The answer as JSON: the documented fields only, in a fixed order, absent values as null. */
export function toJson(answer: ObjectAnswer): string {
  return jsonDocument({
    events: answer.events.map((event) => ({
      eventId: event.eventId,
      eventTime: event.eventTime,
      eventName: event.eventName,
      principalArn: event.principalArn,
      principalType: event.principalType,
      bucket: event.bucket,
      key: event.key,
      accessPoint: event.accessPoint,
      keyRole: event.keyRole,
      destination: event.destination,
      sourceIp: event.sourceIp,
      userAgent: event.userAgent,
      principalId: event.principalId,
      mfaAuthenticated: event.mfaAuthenticated,
      sessionMode: event.sessionMode,
      invokedBy: event.invokedBy,
      errorCode: event.errorCode,
      errorMessage: event.errorMessage,
      addendumReason: event.addendumReason,
      evidence: event.evidence,
    })),
    scanned: scannedJson(answer.stats),
    question: answer.question,
    /** `who-deleted --prefix`: the prefix, and `keys` sums the events up per key (null for a key question). */
    prefix: answer.matchPrefix ? answer.key : null,
    ...(answer.keys
      ? {
          keys: answer.keys.map((entry) => ({
            key: entry.key,
            deletes: entry.deletes,
            failedAttempts: entry.failedAttempts,
            lastDeletedAt: entry.last?.eventTime ?? null,
            lastDeletedBy: entry.last?.principalArn ?? entry.last?.invokedBy ?? null,
          })),
        }
      : {}),
    searched: searchedJson(answer, { bucket: answer.bucket ?? null }),
    totalMatches: answer.totalMatches,
    exactMatches: answer.exactMatches,
    /** Exact matches that succeeded: a failed call did nothing. */
    successfulMatches: answer.successfulMatches,
    unlistedCandidates: answer.unlistedCandidates,
  });
}

const CSV_COLUMNS = [
  'eventTime',
  'eventName',
  'principalArn',
  'principalType',
  'invokedBy',
  'bucket',
  'key',
  'accessPoint',
  'keyRole',
  'destination',
  'sourceIp',
  'sessionMode',
  'userAgent',
  'mfaAuthenticated',
  'errorCode',
  'errorMessage',
  'addendumReason',
  'evidence',
  'eventId',
] as const satisfies readonly (keyof ObjectEvent)[];

/** RFC 4180 CSV (CRLF line ends), one row per event. */
export function toCsv(answer: ObjectAnswer): string {
  return csvRecords(CSV_COLUMNS, answer.events);
}

const TEXT_COLUMNS: readonly TextColumn<ObjectEvent>[] = [
  { title: 'TIME (UTC)', max: 30, cell: (e) => formatUtcCell(e.eventTime) },
  { title: 'OPERATION', max: 40, cell: (e) => e.eventName },
  { title: 'PRINCIPAL', max: 120, cell: (e) => describePrincipal(e, PLAIN_MARKUP) },
  { title: 'BUCKET', max: 70, cell: (e) => e.bucket ?? '' },
  { title: 'ACCESS POINT', max: 70, cell: (e) => e.accessPoint ?? '' },
  { title: 'KEY', max: 80, cell: (e) => e.key ?? (e.evidence === 'candidate' ? '(not recorded)' : '') },
  { title: 'EFFECT ON THE KEY', max: 120, cell: (e) => (e.keyRole === 'source' ? describeEffect(e, '', PLAIN_MARKUP) : '') },
  { title: 'SOURCE IP', max: 45, cell: (e) => e.sourceIp ?? '' },
  { title: 'SESSION', max: 20, cell: (e) => e.sessionMode ?? '' },
  { title: 'SESSION ISSUER', max: 120, cell: (e) => e.sessionIssuerArn ?? '' },
  { title: 'MFA', max: 8, cell: (e) => mfaWords(e.mfaAuthenticated) },
  { title: 'USER AGENT', max: 120, cell: (e) => e.userAgent ?? '' },
  { title: 'VPC ENDPOINT', max: 40, cell: (e) => e.vpcEndpointId ?? '' },
  {
    title: 'RESULT',
    max: 160,
    cell: (e) => (e.errorCode === null ? 'ok' : `FAILED ${e.errorCode}${e.errorMessage === null ? '' : `: ${e.errorMessage}`}`),
  },
  { title: 'ADDENDUM', max: 40, cell: (e) => e.addendumReason ?? '' },
];

/** A readable report for a terminal: the answer, the events as a table, and the footer facts. */
export function toText(answer: ObjectAnswer, coverageNote?: string): string {
  const exact = answer.events.filter((event) => event.evidence === 'exact');
  const candidates = answer.events.filter((event) => event.evidence === 'candidate');
  const caveat = coverageNote ?? describeCoverageCaveat(answer, PLAIN_MARKUP);
  const lines = [describeAnswer(answer, PLAIN_MARKUP), ...(caveat ? [caveat] : [])];
  if (answer.keys && answer.keys.length > 0) lines.push('', PREFIX_KEYS_HEADING, ...formatTable(PREFIX_KEY_COLUMNS, answer.keys));
  if (exact.length > 0) {
    lines.push('');
    if (candidates.length > 0) lines.push(EXACT_HEADING);
    lines.push(...formatTable(TEXT_COLUMNS, exact, { hideEmptyColumns: true }));
  }
  if (candidates.length > 0)
    lines.push('', CANDIDATE_HEADING, CANDIDATE_NOTE, ...formatTable(TEXT_COLUMNS, candidates, { hideEmptyColumns: true }));
  const hidden = describeHidden(answer, answer.events.length, 0);
  if (hidden) lines.push('', hidden);
  lines.push('', ...describeScan(answer, PLAIN_MARKUP));
  return `${lines.join('\n')}\n`;
}

/** The object answer for the terminal, with the coverage verdict when s3x checked it (no match on a named directory bucket). */
export function printObjectAnswer(reply: ReplyOf<'object-answer'>, format: Format): string {
  const { answer, coverage, missingLogs } = reply;
  if (format === 'csv') return toCsv(answer);
  if (format === 'json') {
    const parsed = JSON.parse(toJson(answer)) as Record<string, unknown>;
    const checked = {
      ...(coverage
        ? {
            coverage: {
              state: coverage.state,
              gaps: coverage.gaps,
              unknown: coverage.unknown,
              ...(coverage.evidence ? { evidence: coverage.evidence } : {}),
              note: coverage.note,
            },
          }
        : {}),
      ...(missingLogs ? { missingLogs } : {}),
    };
    return `${JSON.stringify({ ...parsed, ...checked }, null, 2)}\n`;
  }
  const note = coverage ? `Logging coverage: ${coverage.note}` : missingLogs;
  return toText(answer, note);
}
