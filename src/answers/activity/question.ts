import { eventSourcesFor } from '../../cloudtrail/buckets.js';
import type { ActivityRequest } from '../../commands/requests.js';
import type { Engine, EngineQuery, Row, ScanStats, TableLayout } from '../../engines/engine.js';
import { type SqlFragment, sql, sqlConstant, sqlIdentifier, sqlList } from '../../engines/sql.js';
import { runWithFreshness } from '../../questions/freshness.js';
import {
  partitionPredicate,
  type Scan,
  scanOf,
  scopedEvents,
  searched,
  toCount,
  uniqueEvents,
} from '../../questions/sql-pieces.js';
import { addDays, partitionRange, type TimeWindow } from '../../time/window.js';

/** Longest lists fetched; the answer says how many groups each list has in all. */
export const ACTIVITY_OPERATIONS_MAX = 50;
export const ACTIVITY_PRINCIPALS_MAX = 10;
export const ACTIVITY_ERRORS_MAX = 20;

export interface OperationCount {
  name: string;
  count: number;
  /** Of those, calls that failed (any errorCode). */
  errors: number;
}

export interface PrincipalCount {
  /** `userIdentity.arn`, else `invokedBy` (an AWS service); null when the record names neither. */
  principal: string | null;
  count: number;
  errors: number;
}

export interface ErrorCount {
  code: string;
  count: number;
}

export interface ActivityTotals {
  events: number;
  errors: number;
  /** `additionalEventData.bytesTransferredIn`/`Out`, summed over the calls that report them. */
  bytesIn: number;
  bytesOut: number;
  firstEvent: string | null;
  lastEvent: string | null;
}

export interface ActivityAnswer {
  question: 'activity';
  bucket: string;
  sources: string[];
  window: TimeWindow;
  totals: ActivityTotals;
  /** Most frequent first, at most ACTIVITY_OPERATIONS_MAX. */
  operations: OperationCount[];
  /** Busiest first, at most ACTIVITY_PRINCIPALS_MAX. */
  principals: PrincipalCount[];
  /** Most frequent first, at most ACTIVITY_ERRORS_MAX. */
  errors: ErrorCount[];
  /** Groups of each kind before the caps. */
  groupCounts: { operations: number; principals: number; errors: number };
  stats: ScanStats;
}

/**
 * Athena-dialect SQL for one bucket's data events, aggregated in one scan: the grouping sets
 * give per-operation, per-principal, per-error and overall rows (a CTE read twice would be
 * scanned and billed twice on Athena), de-duplicated on eventID first. On a table that keeps the
 * activity roll-up (a local index), the window's whole days are read from it and only the rest
 * (its partial days, and records maybe delivered twice) from the records.
 */
export function buildActivityQuery(request: ActivityRequest, table: TableLayout): EngineQuery {
  const days = partitionRange(request.window);
  const sources = eventSourcesFor(request.bucket);
  const columns = sql`eventtime, eventname,
    nullif(errorcode, '') AS error_code,
    coalesce(useridentity.arn, useridentity.invokedby) AS principal,
    -- Through double, so text such as 2048.0 gives the same bigint on Trino (which refuses it as bigint) and DuckDB.
    try_cast(try_cast(json_extract_scalar(additionaleventdata, '$.bytesTransferredIn') AS double) AS bigint) AS bytes_in,
    try_cast(try_cast(json_extract_scalar(additionaleventdata, '$.bytesTransferredOut') AS double) AS bigint) AS bytes_out`;
  const filter = sql`eventsource IN (${sqlList(sources)})
    AND eventcategory = 'Data'
    AND json_extract_scalar(requestparameters, '$.bucketName') = ${request.bucket}`;
  const scan = { table, window: request.window, days };
  const counted = table.activityRollup
    ? rolledUpEvents(table.activityRollup, scan, columns, filter, sources, request.bucket)
    : sql`${scopedEvents(scan, columns, filter)},
${uniqueEvents({ table })},
counted AS (
  SELECT eventname, principal, error_code, 1 AS events, CASE WHEN error_code IS NULL THEN 0 ELSE 1 END AS errors,
    bytes_in, bytes_out, eventtime AS first_event, eventtime AS last_event
  FROM unique_events
  WHERE copy_number = 1
)`;
  const text = sql`WITH ${counted},
grouped AS (
  SELECT
    CASE WHEN grouping(eventname) = 0 THEN 'operation'
      WHEN grouping(principal) = 0 THEN 'principal'
      WHEN grouping(error_code) = 0 THEN 'error'
      ELSE 'total' END AS row_kind,
    eventname, principal, error_code,
    coalesce(sum(events), 0) AS events,
    coalesce(sum(errors), 0) AS errors,
    sum(bytes_in) AS bytes_in,
    sum(bytes_out) AS bytes_out,
    min(first_event) AS first_event,
    max(last_event) AS last_event
  FROM counted
  GROUP BY GROUPING SETS ((eventname), (principal), (error_code), ())
),
ranked AS (
  SELECT grouped.*,
    row_number() OVER (PARTITION BY row_kind ORDER BY events DESC, coalesce(eventname, principal, error_code, '')) AS position,
    count(*) OVER (PARTITION BY row_kind) AS kind_groups
  FROM grouped
  -- Calls that succeeded form the NULL group of the error set: not an error.
  WHERE row_kind <> 'error' OR error_code IS NOT NULL
)
SELECT row_kind, eventname, principal, error_code, events, errors, bytes_in, bytes_out, first_event, last_event, kind_groups
FROM ranked
WHERE row_kind = 'total'
  OR (row_kind = 'operation' AND position <= ${sqlConstant(ACTIVITY_OPERATIONS_MAX)})
  OR (row_kind = 'principal' AND position <= ${sqlConstant(ACTIVITY_PRINCIPALS_MAX)})
  OR (row_kind = 'error' AND position <= ${sqlConstant(ACTIVITY_ERRORS_MAX)})
ORDER BY CASE row_kind WHEN 'total' THEN 0 WHEN 'operation' THEN 1 WHEN 'principal' THEN 2 ELSE 3 END, position`;
  return { sql: text, days };
}

/**
 * The CTE `counted` from the roll-up (TableLayout.activityRollup): its rows of the window's whole
 * event days, and the records of the rest (partial days, and records left out of the roll-up),
 * de-duplicated, each counting one.
 */
function rolledUpEvents(
  rollup: string,
  scan: Scan,
  columns: SqlFragment,
  filter: SqlFragment,
  sources: string[],
  bucket: string,
): SqlFragment {
  const { first, last } = wholeDays(scan.window);
  // Three scans, each of tests DuckDB pushes into the scan (of an OR of them it reads every record
  // of the bucket's days): the records left out of the roll-up, then the others of the partial days
  // before and after the whole ones. A record in the roll-up has a well-formed eventTime, whose day
  // is followed by 'T': it sorts before `${first}` exactly when its day does, and from `${last}U` on
  // exactly when its day is after the last whole day. Its day is also the index's integer
  // `event_day_number`, tested first: integers compare far faster than text, and skip row groups.
  // The mark is compared with a constant: DuckDB skips row groups by a column's statistics for a
  // comparison, not for a bare boolean column (that read every row group of the bucket's days).
  const dayNumber = (day: string) => sql`CAST(${day.replaceAll('-', '')} AS INTEGER)`;
  const inRecords = (test: SqlFragment) =>
    scanOf(
      scan,
      columns,
      sql`${filter}
    AND ${test}`,
    );
  const scoped = sql`scoped AS (
  ${inRecords(sql`outside_rollup = TRUE`)}
  UNION ALL
  ${inRecords(sql`outside_rollup = FALSE AND event_day_number < ${dayNumber(first)} AND eventtime < ${first}`)}
  UNION ALL
  ${inRecords(sql`outside_rollup = FALSE AND event_day_number > ${dayNumber(last)} AND eventtime >= ${first} AND eventtime >= ${`${last}U`}`)}
)`;
  return sql`${scoped},
${uniqueEvents({ table: scan.table })},
counted AS (
  SELECT eventname, principal, error_code, events, errors, bytes_in, bytes_out, first_event, last_event
  FROM ${sqlIdentifier(rollup)}
  WHERE ${partitionPredicate(scan.table, scan.days ?? partitionRange(scan.window))}
    AND event_day BETWEEN ${first} AND ${last}
    AND eventsource IN (${sqlList(sources)})
    AND eventcategory = 'Data'
    AND request_bucket = ${bucket}
  UNION ALL
  SELECT eventname, principal, error_code, 1, CASE WHEN error_code IS NULL THEN 0 ELSE 1 END,
    bytes_in, bytes_out, eventtime, eventtime
  FROM unique_events
  WHERE copy_number = 1
)`;
}

/** The first and last `yyyy-MM-dd` event days wholly inside the window (first after last: none). */
function wholeDays(window: TimeWindow): { first: string; last: string } {
  const startOfDay = (date: Date) => new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const sinceDay = startOfDay(window.since);
  const first = sinceDay.getTime() === window.since.getTime() ? sinceDay : addDays(sinceDay, 1);
  const last = addDays(startOfDay(window.until), -1);
  return { first: first.toISOString().slice(0, 10), last: last.toISOString().slice(0, 10) };
}

/** Build an answer from engine output (all values as text, as Athena returns them). */
export function toActivityAnswer(request: ActivityRequest, rows: Row[], stats: ScanStats): ActivityAnswer {
  const ofKind = (kind: string): Row[] => rows.filter((row) => row.row_kind === kind);
  const groupsOf = (kind: string): number => toCount(ofKind(kind)[0]?.kind_groups);
  const total = ofKind('total')[0];
  return {
    question: 'activity',
    ...searched(request),
    totals: {
      events: toCount(total?.events),
      errors: toCount(total?.errors),
      bytesIn: toCount(total?.bytes_in),
      bytesOut: toCount(total?.bytes_out),
      firstEvent: total?.first_event ?? null,
      lastEvent: total?.last_event ?? null,
    },
    operations: ofKind('operation').map((row) => ({
      name: row.eventname ?? '',
      count: toCount(row.events),
      errors: toCount(row.errors),
    })),
    principals: ofKind('principal').map((row) => ({
      principal: row.principal ?? null,
      count: toCount(row.events),
      errors: toCount(row.errors),
    })),
    errors: ofKind('error').map((row) => ({ code: row.error_code ?? '', count: toCount(row.events) })),
    groupCounts: { operations: groupsOf('operation'), principals: groupsOf('principal'), errors: groupsOf('error') },
    stats,
  };
}

/** Run the question on an engine and shape the answer. */
export async function askActivity(request: ActivityRequest, engine: Engine): Promise<ActivityAnswer> {
  const result = await runWithFreshness(engine, buildActivityQuery(request, engine.table));
  return toActivityAnswer(request, result.rows, result.stats);
}
