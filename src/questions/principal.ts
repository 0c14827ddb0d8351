import { eventSourcesFor } from '../cloudtrail/buckets.js';
import type { PrincipalRequest } from '../commands/requests.js';
import type { Engine, EngineQuery, Row, ScanStats, TableLayout } from '../engines/engine.js';
import { type SqlFragment, sql, sqlConstant, sqlIdentifier, sqlList } from '../engines/sql.js';
import { UsageError } from '../errors.js';
import { formatInstant, partitionRange, type TimeWindow } from '../time/window.js';
import { toCount } from './activity.js';
import { runWithFreshness } from './freshness.js';
import { partitionPredicate } from './object-events.js';

/** Longest lists fetched; the answer says how many groups there are in all. */
export const PRINCIPAL_ROWS_MAX = 200;
export const PRINCIPAL_SESSIONS_MAX = 10;

/**
 * How the principal was matched. `arn`: `userIdentity.arn` exactly. `role`: every session of an
 * IAM role given by its ARN. `name`: a bare role or user name, every session or key of it.
 */
export type PrincipalMatchKind = 'arn' | 'role' | 'name';

export interface PrincipalMatch {
  matchedAs: PrincipalMatchKind;
  /** A WHERE predicate over the trail table; the principal is only ever a parameter. */
  predicate: SqlFragment;
}

// Role paths never reach assumed-role ARNs: `role/team/Name` is assumed as `assumed-role/Name/...`.
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[^/]+\/)*([^/]+)$/;

/**
 * The matching rules, as SQL. A role ARN matches its sessions both by `sessionIssuer` and by the
 * role name inside `assumed-role` ARNs: zonal S3 Express calls are signed with session
 * credentials and carry no sessionIssuer, so only the ARN names their role. The LIKE patterns
 * are our constants; the user's text is always a parameter.
 */
export function matchPrincipal(principal: string): PrincipalMatch {
  if (principal.trim() === '') throw new UsageError('Name a principal: an ARN, a role name or a user name.');
  const role = ROLE_ARN.exec(principal);
  if (role) {
    const [, account = '', name = ''] = role;
    return {
      matchedAs: 'role',
      predicate: sql`(useridentity.sessioncontext.sessionissuer.arn = ${principal}
      OR (useridentity.arn LIKE 'arn:%:sts::%:assumed-role/%'
        AND split_part(useridentity.arn, ':', 5) = ${account} AND split_part(useridentity.arn, '/', 2) = ${name}))`,
    };
  }
  if (principal.startsWith('arn:')) return { matchedAs: 'arn', predicate: sql`useridentity.arn = ${principal}` };
  return {
    matchedAs: 'name',
    predicate: sql`(useridentity.sessioncontext.sessionissuer.username = ${principal}
      OR (useridentity.arn LIKE 'arn:%:sts::%:assumed-role/%' AND split_part(useridentity.arn, '/', 2) = ${principal})
      OR useridentity.username = ${principal}
      OR (useridentity.arn LIKE 'arn:%:iam::%:user/%' AND split_part(useridentity.arn, ':user/', 2) = ${principal}))`,
  };
}

export interface PrincipalActivityRow {
  /** `requestParameters.bucketName`; null for calls on no bucket (ListBuckets, ListDirectoryBuckets). */
  bucket: string | null;
  operation: string;
  count: number;
  errors: number;
  firstEvent: string;
  lastEvent: string;
}

export interface SessionCount {
  /** `userIdentity.arn`: one assumed-role session, or the user itself. */
  arn: string;
  count: number;
}

export interface PrincipalTotals {
  events: number;
  errors: number;
  buckets: number;
  firstEvent: string | null;
  lastEvent: string | null;
}

export interface PrincipalAnswer {
  question: 'principal';
  principal: string;
  matchedAs: PrincipalMatchKind;
  sources: string[];
  window: TimeWindow;
  /** One row per bucket and operation, busiest first, at most PRINCIPAL_ROWS_MAX. */
  rows: PrincipalActivityRow[];
  /** Bucket and operation groups before the cap. */
  totalRows: number;
  totals: PrincipalTotals;
  /** Distinct `userIdentity.arn` seen. */
  sessions: number;
  /** Busiest first, at most PRINCIPAL_SESSIONS_MAX. */
  topSessions: SessionCount[];
  stats: ScanStats;
}

/**
 * Athena-dialect SQL for everything one principal did in S3 Express and S3, in one scan: the
 * grouping sets give the bucket-and-operation rows, the sessions and the totals at once.
 */
export function buildPrincipalQuery(request: PrincipalRequest, table: TableLayout): EngineQuery {
  const days = partitionRange(request.window);
  const { predicate } = matchPrincipal(request.principal);
  const text = sql`WITH scoped AS (
  SELECT
    -- Real records always carry eventID; the fallback only keeps hand-made fixtures apart.
    coalesce(eventid, concat(coalesce(eventtime, ''), '|', coalesce(eventname, ''), '|', coalesce(requestid, ''), '|',
      coalesce(errorcode, ''), '|', coalesce(sourceipaddress, ''))) AS event_uid,
    eventtime, eventname,
    nullif(errorcode, '') AS error_code,
    json_extract_scalar(requestparameters, '$.bucketName') AS bucket,
    useridentity.arn AS session_arn
  FROM ${sqlIdentifier(table.name)}
  WHERE ${partitionPredicate(table, days)}
    AND eventtime >= ${formatInstant(request.window.since)} AND eventtime < ${formatInstant(request.window.until)}
    AND eventsource IN (${sqlList(eventSourcesFor())})
    AND ${predicate}
),
unique_events AS (
  SELECT scoped.*,
    row_number() OVER (PARTITION BY event_uid ORDER BY eventtime, eventname) AS copy_number
  FROM scoped
),
grouped AS (
  SELECT
    CASE WHEN grouping(bucket, eventname) = 0 THEN 'operation'
      WHEN grouping(session_arn) = 0 THEN 'session'
      ELSE 'total' END AS row_kind,
    bucket, eventname, session_arn,
    count(*) AS events,
    count(error_code) AS errors,
    count(DISTINCT bucket) AS buckets,
    min(eventtime) AS first_event,
    max(eventtime) AS last_event
  FROM unique_events
  WHERE copy_number = 1
  GROUP BY GROUPING SETS ((bucket, eventname), (session_arn), ())
),
ranked AS (
  SELECT grouped.*,
    row_number() OVER (PARTITION BY row_kind
      ORDER BY events DESC, coalesce(bucket, ''), coalesce(eventname, ''), coalesce(session_arn, '')) AS position,
    count(*) OVER (PARTITION BY row_kind) AS kind_groups
  FROM grouped
  WHERE row_kind <> 'session' OR session_arn IS NOT NULL
)
SELECT row_kind, bucket, eventname, session_arn, events, errors, buckets, first_event, last_event, kind_groups
FROM ranked
WHERE row_kind = 'total'
  OR (row_kind = 'operation' AND position <= ${sqlConstant(PRINCIPAL_ROWS_MAX)})
  OR (row_kind = 'session' AND position <= ${sqlConstant(PRINCIPAL_SESSIONS_MAX)})
ORDER BY CASE row_kind WHEN 'total' THEN 0 WHEN 'operation' THEN 1 ELSE 2 END, position`;
  return { sql: text, days };
}

/** Build an answer from engine output (all values as text, as Athena returns them). */
export function toPrincipalAnswer(request: PrincipalRequest, rows: Row[], stats: ScanStats): PrincipalAnswer {
  const ofKind = (kind: string): Row[] => rows.filter((row) => row.row_kind === kind);
  const total = ofKind('total')[0];
  const sessions = ofKind('session');
  const operations = ofKind('operation');
  return {
    question: 'principal',
    principal: request.principal,
    matchedAs: matchPrincipal(request.principal).matchedAs,
    sources: eventSourcesFor(),
    window: request.window,
    rows: operations.map((row) => ({
      bucket: row.bucket ?? null,
      operation: row.eventname ?? '',
      count: toCount(row.events),
      errors: toCount(row.errors),
      firstEvent: row.first_event ?? '',
      lastEvent: row.last_event ?? '',
    })),
    totalRows: toCount(operations[0]?.kind_groups),
    totals: {
      events: toCount(total?.events),
      errors: toCount(total?.errors),
      buckets: toCount(total?.buckets),
      firstEvent: total?.first_event ?? null,
      lastEvent: total?.last_event ?? null,
    },
    sessions: toCount(sessions[0]?.kind_groups),
    topSessions: sessions.map((row) => ({ arn: row.session_arn ?? '', count: toCount(row.events) })),
    stats,
  };
}

/** Run the question on an engine and shape the answer. */
export async function askPrincipal(request: PrincipalRequest, engine: Engine): Promise<PrincipalAnswer> {
  const result = await runWithFreshness(engine, buildPrincipalQuery(request, engine.table));
  return toPrincipalAnswer(request, result.rows, result.stats);
}
