import { eventSourcesFor, S3EXPRESS_SOURCE } from '../../cloudtrail/buckets.js';
import type { ObjectQuestionName, ObjectQuestionRequest } from '../../commands/requests.js';
import type { Engine, EngineQuery, Row, ScanStats, TableLayout } from '../../engines/engine.js';
import { type SqlFragment, sql, sqlConstant, sqlIdentifier, sqlJoin, sqlList, sqlNameList } from '../../engines/sql.js';
import { runWithFreshness } from '../../questions/freshness.js';
import {
  ACCESS_POINT,
  BUCKET_NAME,
  EVENT_BUCKET,
  EVENT_COLUMNS,
  type EventFields,
  inWindow,
  MAX_ROWS,
  NAMES_ACCESS_POINT,
  SOURCE_BUCKET_AND_KEY,
  SOURCE_PATH,
  scanOf,
  scopedEvents,
  toEventFields,
} from '../../questions/sql-pieces.js';
import { formatInstant, partitionRange, type TimeWindow } from '../../time/window.js';

/** The access key id that ties a zonal call to the CreateSession that issued it (the index keeps it as a column). */
const SESSION_KEY = sql`CASE WHEN eventname = 'CreateSession'
      THEN json_extract_scalar(responseelements, '$.credentials.accessKeyId')
      ELSE useridentity.accesskeyid END`;
/** A session made: its CreateSession succeeded. */
const SESSION_CREATED = sql`eventsource = ${S3EXPRESS_SOURCE} AND eventname = 'CreateSession' AND errorcode IS NULL`;

/** The rows of one session key: its peers in key order (see `linked`). */
const SAME_SESSION = sql`ORDER BY session_key RANGE BETWEEN CURRENT ROW AND CURRENT ROW`;

/** The calls that copy an object: their source may be in another bucket than `bucketName`. */
const COPIES = ['CopyObject', 'UploadPartCopy'];

/** A session is valid for 5 minutes, so the CreateSession behind an event is at most this far back. */
const SESSION_LOOKBACK_MS = 10 * 60_000;

/** How the asked key figures in the event. */
export type KeyRole =
  /** The record names the key (`requestParameters.key`): the object written, read or deleted. */
  | 'target'
  /** The key is the source of a RenameObject (moved away) or CopyObject/UploadPartCopy (read). */
  | 'source';

/** One CloudTrail event on an object, as every object question answers it. */
export interface ObjectEvent extends EventFields {
  /** `userIdentity.principalId`: the caller's `aws:userid` (`AROA…:session` for a role session). */
  principalId: string | null;
  /** `sessionContext.attributes.mfaAuthenticated`; null when the record does not say. */
  mfaAuthenticated: boolean | null;
  invokedBy: string | null;
  /** The directory bucket, also for a call made through one of its access points. */
  bucket: string | null;
  key: string | null;
  /** The access point the call went through (`…--xa-s3`), from `bucketName` or an access-point ARN in `resources`. */
  accessPoint: string | null;
  keyRole: KeyRole;
  /** For a `source` event, where the key went or was copied to: `bucket/key`. */
  destination: string | null;
  sourceIp: string | null;
  userAgent: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** ReadWrite / ReadOnly, from the event or the CreateSession it was signed with. */
  sessionMode: string | null;
  /** The role behind the session, from the CreateSession event. */
  sessionIssuerArn: string | null;
  vpcEndpointId: string | null;
  /** `addendum.reason` (DELIVERY_DELAY, UPDATED_DATA, SERVICE_OUTAGE): the record was delivered late or amended. */
  addendumReason: string | null;
  /** `exact`: the record names the key. `candidate`: a DeleteObjects whose record lists no keys. */
  evidence: 'exact' | 'candidate';
  /** Deleted by S3 Lifecycle rather than a person or workload. */
  lifecycle: boolean;
}

/** Under a prefix: what happened to one key (exact matches only; candidates name no key). */
export interface PrefixKeyDeletes {
  key: string;
  /** Successful deletes and renames away. */
  deletes: number;
  /** Attempts that failed: they removed nothing. */
  failedAttempts: number;
  /** The newest successful one; null when every attempt failed. */
  last: ObjectEvent | null;
}

export interface ObjectAnswer {
  question: ObjectQuestionName;
  key: string;
  /** `key` is a prefix; then `keys` sums the events up per key, most recently deleted first. */
  matchPrefix?: true;
  keys?: PrefixKeyDeletes[];
  bucket?: string;
  sources: string[];
  window: TimeWindow;
  /** Exact matches, then candidates; each newest first, except `history` (oldest first). Capped at MAX_ROWS. */
  events: ObjectEvent[];
  /** All matches before the cap. */
  totalMatches: number;
  /** Of those, matches whose record names the key. */
  exactMatches: number;
  /** Of the exact matches, calls that succeeded (no errorCode): only these did what the question asks. */
  successfulMatches: number;
  /**
   * Batch deletes (DeleteObjects) left out of the list: in a bucket where the key was never seen,
   * or at a time the key did not exist (before its first write, after a delete, before the next write).
   */
  unlistedCandidates: number;
  stats: ScanStats;
}

export interface ObjectEventsSpec {
  /** Event names whose record names the key; undefined = any event naming the key. */
  eventNames?: readonly string[];
  /** Event names that count when the key is their source (RenameObject, CopyObject, UploadPartCopy). */
  sourceEventNames?: readonly string[];
  /** Include DeleteObjects records without keys as candidates (CloudTrail lists no keys for them). */
  batchDeleteCandidates: boolean;
  order: 'newest-first' | 'oldest-first';
}

/** A question about one key: which events count, and how to say it. */
export interface ObjectQuestion {
  name: ObjectQuestionName;
  /** Verb phrase for summaries: "deleted", "wrote", ... */
  verb: string;
  spec: ObjectEventsSpec;
}

/** The four object questions: each is a choice of events over the one object-events query below. */
export const OBJECT_QUESTION_TABLE: Record<ObjectQuestionName, ObjectQuestion> = {
  /**
   * DeleteObject names its key; RenameObject with the key as its source moves it away (directory
   * buckets rename atomically, with no DeleteObject record). DeleteObjects records list no keys (AWS's own example has
   * `"delete": ""`), so batch deletes in scope are candidates, never proof. Directory buckets have
   * no versioning: a delete is final.
   */
  'who-deleted': {
    name: 'who-deleted',
    verb: 'deleted',
    spec: {
      eventNames: ['DeleteObject', 'DeleteObjects'],
      sourceEventNames: ['RenameObject'],
      batchDeleteCandidates: true,
      order: 'newest-first',
    },
  },
  /** Every call that leaves new content at the key. For CopyObject and RenameObject the key is the destination. */
  'who-wrote': {
    name: 'who-wrote',
    verb: 'wrote',
    spec: {
      eventNames: ['PutObject', 'CopyObject', 'CompleteMultipartUpload', 'RenameObject'],
      batchDeleteCandidates: false,
      order: 'newest-first',
    },
  },
  /** Reads of the object or its metadata, and copies made from it (CopyObject/UploadPartCopy with the key as source). */
  'who-read': {
    name: 'who-read',
    verb: 'read',
    spec: {
      eventNames: ['GetObject', 'HeadObject', 'GetObjectAttributes'],
      sourceEventNames: ['CopyObject', 'UploadPartCopy'],
      batchDeleteCandidates: false,
      order: 'newest-first',
    },
  },
  /** Every event whose record names the key, and renames and copies with the key as source, oldest first. */
  history: {
    name: 'history',
    verb: 'touched',
    spec: {
      sourceEventNames: ['RenameObject', 'CopyObject', 'UploadPartCopy'],
      batchDeleteCandidates: false,
      order: 'oldest-first',
    },
  },
};

/**
 * Athena-dialect SQL for events on one key, written once and run unchanged by every engine.
 * One scan: the matching events, successful CreateSession calls (linked by access key id, AWS's
 * documented way to tie a zonal call to its session) and, for batch-delete candidates, the key's
 * own writes and deletes (its lifetime per bucket), de-duplicated on eventID. A candidate is listed
 * only in a bucket where the key was seen and while the key existed there; the rest are counted
 * on every row (and one marker row carries the counts when nothing else is listed).
 */
export function buildObjectEventsQuery(request: ObjectQuestionRequest, table: TableLayout, spec: ObjectEventsSpec): EngineQuery {
  const sources = eventSourcesFor(request.bucket);
  const lookback = { since: new Date(request.window.since.getTime() - SESSION_LOOKBACK_MS), until: request.window.until };
  // The lookback reaches only CreateSession calls; folders follow the window itself, because a
  // session made minutes before `since` is delivered after it (so in the same folders), and
  // missing one only loses the session annotation, never the event.
  const days = partitionRange(request.window);
  const since = formatInstant(request.window.since);
  const withSessions = sources.includes(S3EXPRESS_SOURCE);
  const sourceNames = spec.sourceEventNames ?? [];

  // A prefix matches with starts_with (Athena/Trino and DuckDB alike), so `%`, `_` and `\` in it are literal.
  const keyMatches = (column: SqlFragment): SqlFragment =>
    request.matchPrefix ? sql`starts_with(${column}, ${request.key})` : sql`${column} = ${request.key}`;
  const targetNames = spec.eventNames ? sql`eventname IN (${sqlList(spec.eventNames)})` : sql`TRUE`;
  // Athena takes `?` only in WHERE, so each row is paired with every role and the WHERE keeps the
  // roles it plays: the SELECTs above never compare with the asked key.
  const roles = [
    sql`(role = 'session' AND eventname = 'CreateSession')`,
    sql`(role = 'target' AND ${targetNames} AND ${keyMatches(sql`object_key`)})`,
    ...(sourceNames.length > 0
      ? [sql`(role = 'source' AND eventname IN (${sqlList(sourceNames)}) AND ${keyMatches(sql`source_key`)})`]
      : []),
    ...(spec.batchDeleteCandidates
      ? [
          sql`(role = 'candidate' AND eventname = 'DeleteObjects' AND object_key IS NULL)`,
          sql`(role = 'context' AND ${keyMatches(sql`object_key`)} AND NOT (${targetNames}))`,
        ]
      : []),
  ];
  const keyNamed = keyMatches(sql`json_extract_scalar(requestparameters, '$.key')`);
  const batchDelete = sql`(eventname = 'DeleteObjects' AND json_extract_scalar(requestparameters, '$.key') IS NULL)`;
  const prefilter = sqlJoin(
    [
      keyNamed,
      ...(sourceNames.length > 0 ? [sql`eventname IN (${sqlList(sourceNames)})`] : []),
      ...(spec.batchDeleteCandidates ? [batchDelete] : []),
    ],
    ' OR ',
  );
  // The same tests one by one, each name on its own (DuckDB skips row groups by an equality, not by an IN list).
  // A source key is part of its source path, so only the copies and renames whose path holds the key are read.
  // Each with the scope it needs (see inScopeOf): a kind of one operation other than a copy needs no copies.
  const matchKinds = [
    { test: keyNamed, copies: true },
    ...sourceNames.map((name) => ({
      test: sql`(eventname = ${name} AND strpos(${SOURCE_PATH}, ${request.key}) > 0)`,
      copies: COPIES.includes(name),
    })),
    ...(spec.batchDeleteCandidates ? [{ test: batchDelete, copies: false }] : []),
  ];
  const bucketMatch = request.bucket
    ? sql` AND ((CASE WHEN role = 'source' THEN source_bucket ELSE bucket END) = ${request.bucket}
    OR (role <> 'source' AND access_point = ${request.bucket}))`
    : sql``;
  // The scan keeps what can belong to the bucket: its own calls, calls naming an access point (the
  // bucket is then in `resources`), and copies (whose source bucket is not `bucketName`). A scan of
  // records that cannot be copies leaves that out: then the test is on `bucketName` alone, which
  // DuckDB applies as it reads, before the other columns.
  const inScopeOf = (copies: boolean) => {
    const copied = copies ? sql` OR eventname IN (${sqlNameList(COPIES)})` : sql``;
    const bucketScan = request.bucket
      ? sql`
    AND (${BUCKET_NAME} = ${request.bucket} OR ${NAMES_ACCESS_POINT}${copied})`
      : sql``;
    return sql`eventsource IN (${sqlList(sources)})${bucketScan}`;
  };
  const order = spec.order === 'newest-first' ? 'DESC' : 'ASC';
  // When a batch delete could have removed the key: after a write of it, or from before the window
  // until a removal. Under a prefix keys come and go independently, so any time in a bucket where one was seen.
  const keyExisted = request.matchPrefix
    ? sql`TRUE`
    : sql`(state_before LIKE '%w' OR (state_before IS NULL AND (state_after IS NULL OR state_after LIKE '%e')))`;

  const columns = sql`${EVENT_COLUMNS},
    useridentity.principalid AS principal_id,
    useridentity.sessioncontext.attributes.mfaauthenticated AS mfa_authenticated,
    useridentity.invokedby AS invoked_by,
    useridentity.sessioncontext.sessionissuer.arn AS issuer_arn,
    json_extract_scalar(requestparameters, '$.bucketName') AS bucket_name,
    ${EVENT_BUCKET} AS bucket,
    ${ACCESS_POINT} AS access_point,
    json_extract_scalar(requestparameters, '$.key') AS object_key,
    ${SOURCE_PATH} AS source_path,
    json_extract_scalar(requestparameters, '$["x-amz-create-session-mode"]') AS requested_mode,
    json_extract_scalar(additionaleventdata, '$.sessionModeApplied') AS applied_mode,
    sourceipaddress AS source_ip,
    useragent AS user_agent,
    nullif(errorcode, '') AS error_code,
    errormessage AS error_message,
    vpcendpointid AS vpc_endpoint_id,
    addendum.reason AS addendum_reason,
    ${SESSION_KEY} AS session_key`;
  const scan = { table, window: lookback, days };
  const inScope = inScopeOf(true);
  const matches = sql`eventtime >= ${since} AND (${prefilter})`;
  // Where a second scan is cheap, the sessions are read after the matches, only those that signed
  // one: the window's every CreateSession no longer goes through the windows below.
  // Each kind of match its own scan (a test ORed with others cannot skip row groups), a record
  // read by the first kind it matches.
  const matchedScans = matchKinds.map((kind, i) => {
    const earlier = matchKinds.slice(0, i).map((earlierKind) => earlierKind.test);
    const notEarlier = i > 0 ? sql`\n    AND NOT coalesce(${sqlJoin(earlier, ' OR ')}, FALSE)` : sql``;
    return scanOf(
      scan,
      columns,
      sql`${inScopeOf(kind.copies)}
    AND eventtime >= ${since} AND ${kind.test}${notEarlier}`,
    );
  });
  // The sessions that signed a match, as a semi join: DuckDB then filters the scan by the matched keys.
  const signedAMatch = scanOf(
    scan,
    columns,
    sql`${inScopeOf(false)}
    AND ${SESSION_CREATED} AND NOT coalesce(${matches}, FALSE)
    AND ${SESSION_KEY} IN (SELECT session_key FROM matched WHERE session_key IS NOT NULL)`,
  );
  const oneScan = sql`${inScope}
    AND ((${matches})${withSessions ? sql` OR (${SESSION_CREATED})` : sql``})`;
  const scoped =
    withSessions && table.rescanIsCheap
      ? sql`matched AS MATERIALIZED (
  ${sqlJoin(matchedScans, '\n  UNION ALL\n  ')}
),
scoped AS (
  SELECT * FROM matched
  UNION ALL
  ${signedAMatch}
)`
      : scopedEvents(scan, columns, oneScan);
  // Where the engine reads the files a question needs first, they are found with the filter's
  // columns alone: the files of the matches (by the tests one by one, narrower than the prefilter)
  // and of the CreateSession calls that signed them. The query over those files is the one below:
  // a row it would have read in another file plays no role, or is a session that signed no match.
  const isMatch = sql`eventtime >= ${since} AND (${sqlJoin(
    matchKinds.map((kind) => kind.test),
    ' OR ',
  )})`;
  const neededFiles = table.readsNeededFilesFirst
    ? sql`WITH kept AS MATERIALIZED (
  SELECT filename, coalesce(${isMatch}, FALSE) AS is_match, ${SESSION_KEY} AS session_key
  FROM ${sqlIdentifier(table.name)}
  WHERE ${inWindow(table, lookback, days)}
    AND ${inScope}
    AND ((${isMatch})${withSessions ? sql` OR (${SESSION_CREATED})` : sql``})
)
SELECT DISTINCT filename FROM kept
WHERE is_match
  OR session_key IN (SELECT session_key FROM kept WHERE is_match)`
    : undefined;
  const text = sql`WITH ${scoped},
sourced AS (
  SELECT scoped.*, ${SOURCE_BUCKET_AND_KEY}
  FROM scoped
),
placed AS (
  SELECT sourced.*, roles.role
  FROM sourced CROSS JOIN UNNEST(ARRAY['target', 'source', 'candidate', 'context', 'session']) AS roles (role)
  WHERE (${sqlJoin(roles, ' OR ')})${bucketMatch}
),
linked AS (
  SELECT placed.*,
    -- A call without an access key was signed by no session we can name (NULL keys are peers, not a link).
    -- A session's rows are found as the peers of its key in one ordered window: partitioned by key,
    -- DuckDB sets up each partition with every column (about 5 ms over an answer's few rows).
    CASE WHEN session_key IS NOT NULL THEN
      max(CASE WHEN eventname = 'CreateSession' THEN requested_mode END) OVER (${SAME_SESSION}) END AS session_mode,
    CASE WHEN session_key IS NOT NULL THEN
      max(CASE WHEN eventname = 'CreateSession' THEN issuer_arn END) OVER (${SAME_SESSION}) END AS session_issuer_arn,
    -- One row per event (a duplicate record, or a rename of the key onto itself, plays one role):
    -- the role that answers the question wins over context. A row is its event's first in that
    -- order when the row before it is another event's (again one ordered window, not a partition per event).
    lag(event_uid) OVER (ORDER BY event_uid,
        CASE role WHEN 'target' THEN 0 WHEN 'source' THEN 1 WHEN 'candidate' THEN 2 ELSE 3 END, eventtime, eventname)
      IS DISTINCT FROM event_uid AS first_copy
  FROM placed
),
-- Writes leave content at the key, DeleteObject and a rename away remove it (names as literals: parameters only in WHERE).
marked AS (
  SELECT linked.*,
    CASE WHEN error_code IS NOT NULL THEN NULL
      WHEN role IN ('target', 'context') AND eventname IN ('PutObject', 'CopyObject', 'CompleteMultipartUpload', 'RenameObject') THEN 'w'
      WHEN (role IN ('target', 'context') AND eventname = 'DeleteObject') OR (role = 'source' AND eventname = 'RenameObject') THEN 'e'
    END AS state_change
  FROM linked
  WHERE first_copy AND role <> 'session'
),
lifetimes AS (
  SELECT marked.*,
    -- Within one second, writes sort before a batch delete and removals after it: a doubt lists the candidate.
    max(CASE WHEN state_change IS NOT NULL THEN concat(eventtime, state_change) END) OVER (PARTITION BY bucket
      ORDER BY eventtime, CASE state_change WHEN 'w' THEN 0 WHEN 'e' THEN 2 ELSE 1 END, event_uid
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS state_before,
    min(CASE WHEN state_change IS NOT NULL THEN concat(eventtime, state_change) END) OVER (PARTITION BY bucket
      ORDER BY eventtime, CASE state_change WHEN 'w' THEN 0 WHEN 'e' THEN 2 ELSE 1 END, event_uid
      ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS state_after,
    count(CASE WHEN role IN ('target', 'source', 'context') THEN 1 END) OVER (PARTITION BY bucket) AS key_events_in_bucket
  FROM marked
),
judged AS (
  SELECT lifetimes.*,
    CASE WHEN role <> 'candidate' THEN 1
      WHEN key_events_in_bucket > 0 AND ${keyExisted} THEN 1
      ELSE 0 END AS listed
  FROM lifetimes
  WHERE role <> 'context'
),
counted AS (
  SELECT judged.*,
    sum(listed) OVER () AS total_matches,
    sum(CASE WHEN role <> 'candidate' THEN 1 ELSE 0 END) OVER () AS exact_matches,
    sum(CASE WHEN role <> 'candidate' AND error_code IS NULL THEN 1 ELSE 0 END) OVER () AS successful_matches,
    sum(1 - listed) OVER () AS unlisted_candidates,
    row_number() OVER (PARTITION BY listed ORDER BY eventtime, event_uid) AS position_in_kind
  FROM judged
)
SELECT eventid, eventtime, eventname, eventsource, awsregion, principal_arn, principal_type, principal_id, mfa_authenticated,
  invoked_by,
  bucket, object_key, access_point, source_ip, user_agent, error_code, error_message, vpc_endpoint_id, addendum_reason,
  coalesce(applied_mode, session_mode) AS session_mode, session_issuer_arn,
  CASE WHEN role = 'source' THEN 'source' ELSE 'target' END AS key_role,
  CASE WHEN role = 'source' THEN concat(bucket, '/', object_key) END AS destination,
  CASE WHEN role = 'source' THEN source_key END AS source_key,
  CASE WHEN listed = 0 THEN 'unlisted' WHEN role = 'candidate' THEN 'candidate' ELSE 'exact' END AS evidence,
  total_matches, exact_matches, successful_matches, unlisted_candidates
FROM counted
-- Unlisted candidates are only counted: one of them carries the counts when nothing else is listed.
WHERE listed = 1 OR position_in_kind = 1
-- Exact matches first, so candidates can never push them past the row cap.
ORDER BY CASE WHEN role = 'candidate' THEN 1 + (1 - listed) ELSE 0 END, eventtime ${sqlConstant(order)}, eventid
LIMIT ${sqlConstant(MAX_ROWS)}`;
  return { sql: text, days, ...(neededFiles ? { neededFiles } : {}) };
}

/** Map one result row (all values as text, as Athena returns them) to an ObjectEvent. */
export function toObjectEvent(row: Row): ObjectEvent {
  const invokedBy = row.invoked_by ?? null;
  return {
    ...toEventFields(row),
    principalId: row.principal_id ?? null,
    mfaAuthenticated: row.mfa_authenticated === 'true' ? true : row.mfa_authenticated === 'false' ? false : null,
    invokedBy,
    bucket: row.bucket ?? null,
    key: row.object_key ?? null,
    accessPoint: row.access_point || null,
    keyRole: row.key_role === 'source' ? 'source' : 'target',
    destination: row.destination ?? null,
    sourceIp: row.source_ip ?? null,
    userAgent: row.user_agent ?? null,
    errorCode: row.error_code ?? null,
    errorMessage: row.error_message ?? null,
    sessionMode: row.session_mode ?? null,
    sessionIssuerArn: row.session_issuer_arn ?? null,
    vpcEndpointId: row.vpc_endpoint_id ?? null,
    addendumReason: row.addendum_reason ?? null,
    evidence: row.evidence === 'candidate' ? 'candidate' : 'exact',
    lifecycle: invokedBy !== null && /(^|\.)lifecycle\.s3\.amazonaws\.com$/.test(invokedBy),
  };
}

/** Build an answer from engine output; the row that only carries counts (`unlisted`) is not an event. */
export function toObjectAnswer(request: ObjectQuestionRequest, rows: Row[], stats: ScanStats): ObjectAnswer {
  const first = rows[0];
  const count = (column: string): number => (first ? Number(first[column] ?? 0) : 0);
  const listed = rows.filter((row) => row.evidence !== 'unlisted');
  const events = listed.map(toObjectEvent);
  return {
    question: request.command,
    key: request.key,
    ...(request.matchPrefix ? { matchPrefix: true as const, keys: deletesPerKey(listed) } : {}),
    bucket: request.bucket,
    sources: eventSourcesFor(request.bucket),
    window: request.window,
    events,
    totalMatches: count('total_matches'),
    exactMatches: count('exact_matches'),
    successfulMatches: count('successful_matches'),
    unlistedCandidates: count('unlisted_candidates'),
    stats,
  };
}

/** Per key, from the exact events listed (newest first): the keys last deleted most recently first, then failed-only keys. */
function deletesPerKey(rows: readonly Row[]): PrefixKeyDeletes[] {
  const byKey = new Map<string, PrefixKeyDeletes>();
  for (const row of rows) {
    const event = toObjectEvent(row);
    // A rename away counts for its source key (the event's `key` is where it went).
    const key = event.keyRole === 'source' ? row.source_key : event.key;
    if (event.evidence !== 'exact' || key === null || key === undefined) continue;
    const entry = byKey.get(key) ?? { key, deletes: 0, failedAttempts: 0, last: null };
    if (event.errorCode === null) {
      entry.deletes++;
      entry.last ??= event;
    } else entry.failedAttempts++;
    byKey.set(key, entry);
  }
  const lastTime = (entry: PrefixKeyDeletes): string => entry.last?.eventTime ?? '';
  return [...byKey.values()].sort((a, b) => lastTime(b).localeCompare(lastTime(a)) || a.key.localeCompare(b.key));
}

export function buildQuery(question: ObjectQuestion, request: ObjectQuestionRequest, table: TableLayout): EngineQuery {
  return buildObjectEventsQuery(request, table, question.spec);
}

/** Run the question on an engine and shape the answer. */
export async function askObjectQuestion(
  question: ObjectQuestion,
  request: ObjectQuestionRequest,
  engine: Engine,
): Promise<ObjectAnswer> {
  const result = await runWithFreshness(engine, buildQuery(question, request, engine.table));
  return toObjectAnswer(request, result.rows, result.stats);
}
