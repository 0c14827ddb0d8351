import { eventSourcesFor } from '../../cloudtrail/buckets.js';
import type { DeniedRequest } from '../../commands/requests.js';
import type { Engine, EngineQuery, Row, ScanStats, TableLayout } from '../../engines/engine.js';
import { sql, sqlConstant, sqlList } from '../../engines/sql.js';
import { runWithFreshness } from '../../questions/freshness.js';
import { scopedEvents, searched, toCount, uniqueEvents } from '../../questions/sql-pieces.js';
import { partitionRange, type TimeWindow } from '../../time/window.js';

/** Longest list fetched; the answer says how many groups there are in all. */
export const DENIED_GROUPS_MAX = 200;

/** An error code that is a refusal by a policy, not a failure of an allowed call (our SQL text, no parameters). */
const IS_ACCESS_DENIAL = sql`(error_code LIKE '%AccessDenied%' OR error_code IN ('AllAccessDisabled', 'UnauthorizedOperation', 'Client.UnauthorizedOperation'))`;

/** Failed calls of one caller, operation and error code. */
export interface DeniedGroup {
  /** `userIdentity.arn`, else `invokedBy` (an AWS service); null when the record names neither. */
  principal: string | null;
  /** The caller's account when the record names no principal (anonymous or cross-account callers), else null. */
  account: string | null;
  operation: string;
  errorCode: string;
  /** The code is an access denial (AccessDenied, VpceAccessDenied, ...), listed first. */
  accessDenied: boolean;
  count: number;
  /** Distinct buckets named by these calls. */
  buckets: number;
  /** Up to two of them by name (the first and last in name order): enough to say where. */
  bucketNames: string[];
  firstEvent: string;
  lastEvent: string;
}

export interface DeniedTotals {
  events: number;
  /** Refused by a policy: AccessDenied and its kin (VpceAccessDenied, AllAccessDisabled, UnauthorizedOperation). */
  accessDenied: number;
  /** Every other failure (NoSuchKey, NoSuchBucket, throttling, …): the call was allowed and failed anyway. */
  otherErrors: number;
  /** Distinct principals with an ARN or a service name. */
  principals: number;
  buckets: number;
  firstEvent: string | null;
  lastEvent: string | null;
}

export interface DeniedAnswer {
  question: 'denied';
  bucket?: string;
  sources: string[];
  window: TimeWindow;
  totals: DeniedTotals;
  /** Access denials first, then the most frequent; at most DENIED_GROUPS_MAX. */
  groups: DeniedGroup[];
  /** Groups before the cap. */
  totalGroups: number;
  stats: ScanStats;
}

/**
 * Athena-dialect SQL for failed calls, grouped by caller, operation and error code in one scan
 * (the empty grouping set gives the totals), de-duplicated on eventID first.
 */
export function buildDeniedQuery(request: DeniedRequest, table: TableLayout): EngineQuery {
  const days = partitionRange(request.window);
  const bucketMatch = request.bucket
    ? sql`
    AND json_extract_scalar(requestparameters, '$.bucketName') = ${request.bucket}`
    : sql``;
  const columns = sql`eventtime, eventname,
    errorcode AS error_code,
    json_extract_scalar(requestparameters, '$.bucketName') AS bucket,
    coalesce(useridentity.arn, useridentity.invokedby) AS principal,
    -- Callers with no ARN (anonymous, another account) are told apart by account.
    CASE WHEN useridentity.arn IS NULL AND useridentity.invokedby IS NULL THEN useridentity.accountid END AS caller_account`;
  const filter = sql`eventsource IN (${sqlList(eventSourcesFor(request.bucket))})${bucketMatch}
    AND errorcode IS NOT NULL AND errorcode <> ''`;
  const text = sql`WITH ${scopedEvents({ table, window: request.window, days }, columns, filter)},
${uniqueEvents({ table })},
grouped AS (
  SELECT
    CASE WHEN grouping(principal, caller_account, eventname, error_code) = 0 THEN 'group' ELSE 'total' END AS row_kind,
    principal, caller_account, eventname, error_code,
    count(*) AS events,
    sum(CASE WHEN ${IS_ACCESS_DENIAL} THEN 1 ELSE 0 END) AS access_denied,
    count(DISTINCT principal) AS principals,
    count(DISTINCT bucket) AS buckets,
    min(bucket) AS first_bucket,
    max(bucket) AS last_bucket,
    min(eventtime) AS first_event,
    max(eventtime) AS last_event
  FROM unique_events
  WHERE copy_number = 1
  GROUP BY GROUPING SETS ((principal, caller_account, eventname, error_code), ())
),
ranked AS (
  SELECT grouped.*,
    row_number() OVER (PARTITION BY row_kind
      ORDER BY CASE WHEN access_denied > 0 THEN 0 ELSE 1 END, events DESC, last_event DESC,
        coalesce(principal, ''), coalesce(caller_account, ''), coalesce(eventname, ''), error_code) AS position,
    count(*) OVER (PARTITION BY row_kind) AS kind_groups
  FROM grouped
)
SELECT row_kind, principal, caller_account, eventname, error_code, events, access_denied, principals, buckets,
  first_bucket, last_bucket, first_event, last_event, kind_groups
FROM ranked
WHERE row_kind = 'total' OR position <= ${sqlConstant(DENIED_GROUPS_MAX)}
ORDER BY CASE row_kind WHEN 'total' THEN 0 ELSE 1 END, position`;
  return { sql: text, days };
}

/** Build an answer from engine output (all values as text, as Athena returns them). */
export function toDeniedAnswer(request: DeniedRequest, rows: Row[], stats: ScanStats): DeniedAnswer {
  const total = rows.find((row) => row.row_kind === 'total');
  const groups = rows.filter((row) => row.row_kind === 'group');
  return {
    question: 'denied',
    ...searched(request),
    totals: {
      events: toCount(total?.events),
      accessDenied: toCount(total?.access_denied),
      otherErrors: toCount(total?.events) - toCount(total?.access_denied),
      principals: toCount(total?.principals),
      buckets: toCount(total?.buckets),
      firstEvent: total?.first_event ?? null,
      lastEvent: total?.last_event ?? null,
    },
    groups: groups.map((row) => ({
      principal: row.principal ?? null,
      account: row.caller_account ?? null,
      operation: row.eventname ?? '',
      errorCode: row.error_code ?? '',
      accessDenied: toCount(row.access_denied) > 0,
      count: toCount(row.events),
      buckets: toCount(row.buckets),
      bucketNames: [...new Set([row.first_bucket, row.last_bucket].filter((name): name is string => Boolean(name)))],
      firstEvent: row.first_event ?? '',
      lastEvent: row.last_event ?? '',
    })),
    totalGroups: toCount(groups[0]?.kind_groups),
    stats,
  };
}

/** Run the question on an engine and shape the answer. */
export async function askDenied(request: DeniedRequest, engine: Engine): Promise<DeniedAnswer> {
  const result = await runWithFreshness(engine, buildDeniedQuery(request, engine.table));
  return toDeniedAnswer(request, result.rows, result.stats);
}
