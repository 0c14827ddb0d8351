import { eventSourcesFor, S3EXPRESS_SOURCE } from '../cloudtrail/buckets.js';
import type { ObjectQuestionName, ObjectQuestionRequest } from '../commands/requests.js';
import type { EngineQuery, Row, ScanStats, TableLayout } from '../engines/engine.js';
import { type SqlFragment, sql, sqlConstant, sqlIdentifier, sqlJoin, sqlList } from '../engines/sql.js';
import { formatInstant, partitionRange, type TimeWindow } from '../time/window.js';

/** At most this many rows come back; the answer says how many more matched. */
export const MAX_ROWS = 10_000;

/** A session is valid for 5 minutes, so the CreateSession behind an event is at most this far back. */
const SESSION_LOOKBACK_MS = 10 * 60_000;

/** One CloudTrail event on an object, as every object question answers it. */
export interface ObjectEvent {
  eventId: string;
  eventTime: string;
  eventName: string;
  eventSource: string;
  region: string | null;
  /** `userIdentity.arn`; null for AWS services (then `invokedBy` names the caller). */
  principalArn: string | null;
  principalType: string | null;
  invokedBy: string | null;
  bucket: string | null;
  key: string | null;
  sourceIp: string | null;
  userAgent: string | null;
  errorCode: string | null;
  /** ReadWrite / ReadOnly, from the event or the CreateSession it was signed with. */
  sessionMode: string | null;
  /** The role behind the session, from the CreateSession event. */
  sessionIssuerArn: string | null;
  vpcEndpointId: string | null;
  /** `exact`: the record names the key. `candidate`: a DeleteObjects whose record lists no keys. */
  evidence: 'exact' | 'candidate';
  /** Deleted by S3 Lifecycle rather than a person or workload. */
  lifecycle: boolean;
}

export interface ObjectAnswer {
  question: ObjectQuestionName;
  key: string;
  bucket?: string;
  sources: string[];
  window: TimeWindow;
  /** Exact matches, then candidates; each newest first, except `history` (oldest first). Capped at MAX_ROWS. */
  events: ObjectEvent[];
  /** All matches before the cap. */
  totalMatches: number;
  /** Of those, matches whose record names the key. */
  exactMatches: number;
  stats: ScanStats;
}

export interface ObjectEventsSpec {
  /** Event names to match; undefined = any event naming the key. */
  eventNames?: readonly string[];
  /** Include DeleteObjects records without keys as candidates (CloudTrail lists no keys for them). */
  batchDeleteCandidates: boolean;
  order: 'newest-first' | 'oldest-first';
}

/** The partition predicates for the table: every partition column it has, always. */
export function partitionPredicate(table: TableLayout, days: { from: string; to: string }): SqlFragment {
  const parts: SqlFragment[] = [];
  if (table.partitionedByDay) parts.push(sql`"timestamp" BETWEEN ${days.from} AND ${days.to}`);
  if (table.regions && table.regions.length > 0) parts.push(sql`region IN (${sqlList(table.regions)})`);
  return parts.length ? sqlJoin(parts, ' AND ') : sql`TRUE`;
}

/**
 * Athena-dialect SQL for events on one key, written once and run unchanged by every engine.
 * One scan: the matching events plus successful CreateSession calls, linked by access key id
 * (AWS's documented way to tie a zonal call to its session), de-duplicated on eventID.
 */
export function buildObjectEventsQuery(request: ObjectQuestionRequest, table: TableLayout, spec: ObjectEventsSpec): EngineQuery {
  const sources = eventSourcesFor(request.bucket);
  const lookback = { since: new Date(request.window.since.getTime() - SESSION_LOOKBACK_MS), until: request.window.until };
  // The lookback reaches only CreateSession calls; folders follow the window itself, because a
  // session made minutes before `since` is delivered after it (so in the same folders), and
  // missing one only loses the session annotation, never the event.
  const days = partitionRange(request.window);
  const since = formatInstant(request.window.since);
  const until = formatInstant(request.window.until);
  const sessionSince = formatInstant(lookback.since);
  const withSessions = sources.includes(S3EXPRESS_SOURCE);

  const keyMatch = spec.batchDeleteCandidates
    ? sql`(json_extract_scalar(requestparameters, '$.key') = ${request.key} OR (eventname = 'DeleteObjects' AND json_extract_scalar(requestparameters, '$.key') IS NULL))`
    : sql`json_extract_scalar(requestparameters, '$.key') = ${request.key}`;
  const nameMatch = spec.eventNames ? sql` AND eventname IN (${sqlList(spec.eventNames)})` : sql``;
  const bucketMatch = request.bucket
    ? sql` AND json_extract_scalar(requestparameters, '$.bucketName') = ${request.bucket}`
    : sql``;
  const sessionBranch = withSessions
    ? sql` OR (eventsource = ${S3EXPRESS_SOURCE} AND eventname = 'CreateSession' AND errorcode IS NULL)`
    : sql``;
  const order = spec.order === 'newest-first' ? 'DESC' : 'ASC';

  const text = sql`WITH scoped AS (
  SELECT
    -- Real records always carry eventID; the fallback only keeps hand-made fixtures apart.
    coalesce(eventid, concat(coalesce(eventtime, ''), '|', coalesce(eventname, ''), '|', coalesce(requestid, ''), '|',
      coalesce(errorcode, ''), '|', coalesce(sourceipaddress, ''))) AS event_uid,
    eventid, eventtime, eventname, eventsource, awsregion,
    useridentity.arn AS principal_arn,
    useridentity.type AS principal_type,
    useridentity.invokedby AS invoked_by,
    useridentity.sessioncontext.sessionissuer.arn AS issuer_arn,
    json_extract_scalar(requestparameters, '$.bucketName') AS bucket,
    json_extract_scalar(requestparameters, '$.key') AS object_key,
    json_extract_scalar(requestparameters, '$["x-amz-create-session-mode"]') AS requested_mode,
    json_extract_scalar(additionaleventdata, '$.sessionModeApplied') AS applied_mode,
    sourceipaddress AS source_ip,
    useragent AS user_agent,
    errorcode AS error_code,
    vpcendpointid AS vpc_endpoint_id,
    CASE WHEN eventname = 'CreateSession'
      THEN json_extract_scalar(responseelements, '$.credentials.accessKeyId')
      ELSE useridentity.accesskeyid END AS session_key
  FROM ${sqlIdentifier(table.name)}
  WHERE ${partitionPredicate(table, days)}
    AND eventtime >= ${sessionSince} AND eventtime < ${until}
    AND eventsource IN (${sqlList(sources)})${bucketMatch}
    AND ((eventtime >= ${since}${nameMatch} AND ${keyMatch})${sessionBranch})
),
linked AS (
  SELECT scoped.*,
    max(CASE WHEN eventname = 'CreateSession' THEN requested_mode END) OVER (PARTITION BY session_key) AS session_mode,
    max(CASE WHEN eventname = 'CreateSession' THEN issuer_arn END) OVER (PARTITION BY session_key) AS session_issuer_arn,
    row_number() OVER (PARTITION BY event_uid ORDER BY eventtime, eventname) AS copy_number
  FROM scoped
)
SELECT eventid, eventtime, eventname, eventsource, awsregion, principal_arn, principal_type, invoked_by,
  bucket, object_key, source_ip, user_agent, error_code, vpc_endpoint_id,
  coalesce(applied_mode, session_mode) AS session_mode, session_issuer_arn,
  CASE WHEN object_key IS NULL THEN 'candidate' ELSE 'exact' END AS evidence,
  count(*) OVER () AS total_matches,
  sum(CASE WHEN object_key IS NULL THEN 0 ELSE 1 END) OVER () AS exact_matches
FROM linked
WHERE copy_number = 1 AND eventname <> 'CreateSession'
-- Exact matches first, so candidates can never push them past the row cap.
ORDER BY CASE WHEN object_key IS NULL THEN 1 ELSE 0 END, eventtime ${sqlConstant(order)}, eventid
LIMIT ${sqlConstant(MAX_ROWS)}`;
  return { sql: text, days };
}

/** Map one result row (all values as text, as Athena returns them) to an ObjectEvent. */
export function toObjectEvent(row: Row): ObjectEvent {
  const invokedBy = row.invoked_by ?? null;
  return {
    eventId: row.eventid ?? '',
    eventTime: row.eventtime ?? '',
    eventName: row.eventname ?? '',
    eventSource: row.eventsource ?? '',
    region: row.awsregion ?? null,
    principalArn: row.principal_arn ?? null,
    principalType: row.principal_type ?? null,
    invokedBy,
    bucket: row.bucket ?? null,
    key: row.object_key ?? null,
    sourceIp: row.source_ip ?? null,
    userAgent: row.user_agent ?? null,
    errorCode: row.error_code ?? null,
    sessionMode: row.session_mode ?? null,
    sessionIssuerArn: row.session_issuer_arn ?? null,
    vpcEndpointId: row.vpc_endpoint_id ?? null,
    evidence: row.evidence === 'candidate' ? 'candidate' : 'exact',
    lifecycle: invokedBy !== null && /(^|\.)lifecycle\.s3\.amazonaws\.com$/.test(invokedBy),
  };
}

/** Build an answer from engine output. */
export function toObjectAnswer(request: ObjectQuestionRequest, rows: Row[], stats: ScanStats): ObjectAnswer {
  const first = rows[0];
  return {
    question: request.command,
    key: request.key,
    bucket: request.bucket,
    sources: eventSourcesFor(request.bucket),
    window: request.window,
    events: rows.map(toObjectEvent),
    totalMatches: first ? Number(first.total_matches ?? rows.length) : 0,
    exactMatches: first ? Number(first.exact_matches ?? 0) : 0,
    stats,
  };
}
