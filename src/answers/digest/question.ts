import { isDirectoryBucket, S3_SOURCE, S3EXPRESS_SOURCE } from '../../cloudtrail/buckets.js';
import type { CoverageGap } from '../../cloudtrail/coverage.js';
import type { Engine, EngineQuery, Row, TableLayout } from '../../engines/engine.js';
import {
  type SqlFragment,
  sql,
  sqlConstant,
  sqlIdentifier,
  sqlInstant,
  sqlJoin,
  sqlList,
  sqlNameList,
} from '../../engines/sql.js';
import { missingLogs, toLogReach } from '../../questions/log-reach.js';
import { EVENT_UID, inWindow, scopedEvents, toCount, uniqueEvents } from '../../questions/sql-pieces.js';
import { addDays, formatInstant, partitionRange, type TimeWindow } from '../../time/window.js';

/** Rows kept per bucket and kind; each bucket says how many groups each kind had before the cut. */
export const DIGEST_OPERATIONS_MAX = 20;
export const DIGEST_DELETERS_MAX = 50;
export const DIGEST_DENIED_MAX = 50;
export const DIGEST_NEW_MAX = 50;
/** Management events kept for the day; more is counted in `managementTotal`. */
export const DIGEST_MANAGEMENT_MAX = 1000;
/** Days before the digest day that make a principal, source IP or VPC endpoint not new. */
export const DIGEST_HISTORY_DAYS = 7;

/** Trail calls that can blind the logs; StopLogging, UpdateTrail, DeleteTrail are SigmaHQ's "AWS CloudTrail Important Change" list. */
export const TAMPERING_EVENTS: readonly string[] = ['StopLogging', 'DeleteTrail', 'PutEventSelectors', 'UpdateTrail'];
const TRAIL_EVENTS = ['StopLogging', 'DeleteTrail', 'PutEventSelectors', 'UpdateTrail', 'CreateTrail', 'StartLogging'];
const BUCKET_EVENTS = ['PutBucketPolicy', 'DeleteBucketPolicy', 'DeleteBucket', 'CreateBucket'];
const DELETE_EVENTS = ['DeleteObject', 'DeleteObjects'];
const CLOUDTRAIL_SOURCE = 'cloudtrail.amazonaws.com';

export interface DigestOperation {
  name: string;
  count: number;
}

export interface DigestDeleter {
  /** ARN, else `invokedBy`; null when the record names neither. */
  principal: string | null;
  count: number;
  /** S3 Lifecycle expirations, not a person. */
  lifecycle: boolean;
}

export interface DigestDenied {
  principal: string | null;
  count: number;
}

export interface DigestBucket {
  bucket: string;
  directory: boolean;
  /** Data events of the day, once each. */
  events: number;
  /** Most frequent first. */
  operations: DigestOperation[];
  deletes: DigestDeleter[];
  denied: DigestDenied[];
  /** Seen on the day, not in the DIGEST_HISTORY_DAYS before. */
  newPrincipals: string[];
  newSourceIps: string[];
  newVpcEndpoints: string[];
  bytesIn: number;
  bytesOut: number;
  /** Groups of each list before the caps. */
  totals: {
    operations: number;
    deletes: number;
    denied: number;
    newPrincipals: number;
    newSourceIps: number;
    newVpcEndpoints: number;
  };
}

export interface DigestManagementEvent {
  eventTime: string;
  eventName: string;
  eventSource: string;
  principal: string | null;
  /** The bucket or trail the call named. */
  target: string | null;
  errorCode: string | null;
  eventId: string;
  tampering: boolean;
}

export interface Digest {
  date: string;
  timeZone: string;
  window: TimeWindow;
  /** Busiest first; only buckets with data events on the day. */
  buckets: DigestBucket[];
  /** Oldest first, at most DIGEST_MANAGEMENT_MAX. */
  management: DigestManagementEvent[];
  managementTotal: number;
  /** Data events of the day, every bucket. */
  events: number;
  uncoveredBuckets: string[];
  /** Stretches of the day the logs hold nothing for, per Region: not a quiet time, an unknown one. */
  logGaps: CoverageGap[];
  /** The logs hold no event at all for the day (in the future, before the logs, or a broken delivery). */
  noLogs: boolean;
  pendingApprovals: number;
  /** Nothing worth a look: logs for the whole day, and no deletes, denials, newcomers, changes, gaps or pending approvals. */
  quiet: boolean;
  /** Engine queries run (at most 2). */
  queries: number;
  stats: { bytesScanned: number; costUsd?: number; elapsedMs: number };
}

export interface DigestOptions {
  /** YYYY-MM-DD, in `timeZone`. */
  date: string;
  /** IANA name, e.g. `UTC`, `America/New_York`. */
  timeZone: string;
  pendingApprovals?: number;
  uncoveredBuckets?: string[];
}

/** Milliseconds `timeZone` is ahead of UTC at `instant`. */
function zoneOffset(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const part = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The UTC instant of local midnight starting `date` in `timeZone`. */
function zonedMidnight(date: string, timeZone: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) throw new Error(`not a YYYY-MM-DD date: ${date}`);
  const wall = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  // Twice: the offset at the guess may differ from the offset at the answer across a DST change.
  const first = wall - zoneOffset(wall, timeZone);
  return new Date(wall - zoneOffset(first, timeZone));
}

/** The day [00:00, 24:00) in `timeZone`, as UTC instants (23 or 25 hours on DST change days). */
export function dayWindow(date: string, timeZone: string): TimeWindow {
  const next = new Date(`${date}T12:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return { since: zonedMidnight(date, timeZone), until: zonedMidnight(next.toISOString().slice(0, 10), timeZone) };
}

/**
 * Every bucket's data events of the day in one scan. The scan reaches DIGEST_HISTORY_DAYS back so
 * the first sighting of a principal, IP or endpoint per bucket is a group minimum; a first
 * sighting on the day makes it new. One grouping set per list over every event read (hash
 * aggregation, no window per list), told apart by `row_kind`; the lists of the day's events see
 * history rows as NULL. Literals, not parameters, outside WHERE: Athena takes `?` only there.
 */
export function buildDigestDataQuery(window: TimeWindow, table: TableLayout): EngineQuery {
  const days = partitionRange(window, DIGEST_HISTORY_DAYS);
  const historyStart = new Date(window.since.getTime() - DIGEST_HISTORY_DAYS * 24 * 3600_000);
  const onDay = sql`eventtime >= ${sqlInstant(window.since)}`;
  const isDelete = sql`eventname IN (${sqlNameList(DELETE_EVENTS)})`;
  const columns = sql`eventtime, eventname,
    json_extract_scalar(requestparameters, '$.bucketName') AS bucket,
    nullif(errorcode, '') AS error_code,
    coalesce(useridentity.arn, useridentity.invokedby) AS principal,
    useridentity.invokedby AS invoked_by,
    nullif(sourceipaddress, '') AS source_ip,
    nullif(vpcendpointid, '') AS vpc_endpoint,
    -- Summed for the day only, so rows of the history skip parsing the JSON.
    CASE WHEN ${onDay} THEN try_cast(try_cast(json_extract_scalar(additionaleventdata, '$.bytesTransferredIn') AS double) AS bigint) END AS bytes_in,
    CASE WHEN ${onDay} THEN try_cast(try_cast(json_extract_scalar(additionaleventdata, '$.bytesTransferredOut') AS double) AS bigint) END AS bytes_out`;
  const filter = sql`eventsource IN (${sqlList([S3EXPRESS_SOURCE, S3_SOURCE])})
    AND eventcategory = 'Data'`;
  const text = sql`WITH ${scopedEvents({ table, window: { since: historyStart, until: window.until }, days }, columns, filter)},
${uniqueEvents({ where: sql`bucket IS NOT NULL` })},
events AS (
  SELECT bucket, principal, source_ip, vpc_endpoint, eventtime, bytes_in, bytes_out,
    CASE WHEN ${onDay} THEN 1 END AS day_event,
    CASE WHEN ${onDay} THEN eventname END AS day_eventname,
    CASE WHEN ${onDay} AND ${isDelete} THEN principal END AS delete_principal,
    CASE WHEN NOT (${onDay} AND ${isDelete}) THEN NULL
      -- S3 Lifecycle expirations: the service, as a literal.
      WHEN coalesce(invoked_by, '') = 'lifecycle.s3.amazonaws.com' THEN 'lifecycle' ELSE 'human' END AS delete_kind,
    CASE WHEN ${onDay} AND error_code LIKE '%AccessDenied%' THEN principal END AS denied_principal,
    CASE WHEN ${onDay} AND error_code LIKE '%AccessDenied%' THEN 'denied' END AS denied_flag
  FROM unique_events
  WHERE copy_number = 1
),
grouped AS (
  SELECT
    CASE WHEN grouping(day_eventname) = 0 THEN 'operation'
      WHEN grouping(delete_kind) = 0 THEN 'delete'
      WHEN grouping(denied_flag) = 0 THEN 'denied'
      WHEN grouping(principal) = 0 THEN 'new-principal'
      WHEN grouping(source_ip) = 0 THEN 'new-source-ip'
      WHEN grouping(vpc_endpoint) = 0 THEN 'new-vpc-endpoint'
      ELSE 'bucket' END AS row_kind,
    bucket, day_eventname, delete_principal, delete_kind, denied_principal, denied_flag,
    principal, source_ip, vpc_endpoint,
    count(day_event) AS events,
    sum(bytes_in) AS bytes_in,
    sum(bytes_out) AS bytes_out,
    min(eventtime) AS first_seen
  FROM events
  GROUP BY GROUPING SETS ((bucket), (bucket, day_eventname), (bucket, delete_principal, delete_kind),
    (bucket, denied_principal, denied_flag), (bucket, principal), (bucket, source_ip), (bucket, vpc_endpoint))
),
kept AS (
  SELECT grouped.*,
    coalesce(day_eventname, delete_principal, denied_principal, principal, source_ip, vpc_endpoint, '') AS name
  FROM grouped
  -- Only what the day holds: the NULL group of each set holds the events not in that list (and
  -- those of the history); a principal, IP or endpoint is new when first seen on the day.
  WHERE events > 0 AND (
    (row_kind = 'bucket')
    OR (row_kind = 'operation' AND day_eventname IS NOT NULL)
    OR (row_kind = 'delete' AND delete_kind IS NOT NULL)
    OR (row_kind = 'denied' AND denied_flag IS NOT NULL)
    OR (row_kind = 'new-principal' AND principal IS NOT NULL AND first_seen >= ${formatInstant(window.since)})
    OR (row_kind = 'new-source-ip' AND source_ip IS NOT NULL AND first_seen >= ${formatInstant(window.since)})
    OR (row_kind = 'new-vpc-endpoint' AND vpc_endpoint IS NOT NULL AND first_seen >= ${formatInstant(window.since)}))
),
ranked AS (
  SELECT kept.*,
    row_number() OVER (PARTITION BY row_kind, bucket ORDER BY events DESC, name, delete_kind) AS position,
    count(*) OVER (PARTITION BY row_kind, bucket) AS kind_groups
  FROM kept
)
SELECT row_kind, bucket, day_eventname AS eventname, delete_principal, delete_kind, denied_principal,
  principal AS new_principal, source_ip AS new_source_ip, vpc_endpoint AS new_vpc_endpoint,
  events, bytes_in, bytes_out, kind_groups
FROM ranked
WHERE row_kind = 'bucket'
  OR (row_kind = 'operation' AND position <= ${sqlConstant(DIGEST_OPERATIONS_MAX)})
  OR (row_kind = 'delete' AND position <= ${sqlConstant(DIGEST_DELETERS_MAX)})
  OR (row_kind = 'denied' AND position <= ${sqlConstant(DIGEST_DENIED_MAX)})
  OR (row_kind IN ('new-principal', 'new-source-ip', 'new-vpc-endpoint') AND position <= ${sqlConstant(DIGEST_NEW_MAX)})
ORDER BY bucket, row_kind, position`;
  return { sql: text, days };
}

/** The day's bucket and trail changes, as columns of `scoped` in buildDigestDayQuery: NULL on every other event. */
const CHANGE_COLUMNS: ReadonlyArray<[string, SqlFragment]> = [
  ['change_uid', EVENT_UID],
  ['change_id', sql`eventid`],
  ['change_time', sql`eventtime`],
  ['change_name', sql`eventname`],
  ['change_source', sql`eventsource`],
  ['change_principal', sql`coalesce(useridentity.arn, useridentity.invokedby)`],
  [
    'change_target',
    sql`coalesce(json_extract_scalar(requestparameters, '$.bucketName'), json_extract_scalar(requestparameters, '$.name'),
      json_extract_scalar(requestparameters, '$.trailName'))`,
  ],
  ['change_error', sql`nullif(errorcode, '')`],
];

/**
 * What the logs hold of the day, in one scan: per Region and UTC hour, the first and last event
 * (from the day before: a Region with no logs at all on the day is still a Region the logs know;
 * read with toLogReach), and the day's bucket and trail changes, failed attempts included, once
 * each (`row_kind` 'change', oldest first, at most DIGEST_MANAGEMENT_MAX). One grouping set per
 * purpose over one read of the table: Athena bills the partitions once.
 */
export function buildDigestDayQuery(window: TimeWindow, table: TableLayout): EngineQuery {
  const reach = { since: addDays(window.since, -1), until: window.until };
  const days = partitionRange(reach);
  // Literals, not parameters: Athena takes `?` only in WHERE. The day is chosen there, in `firsts`.
  const isChange = sql`(eventcategory = 'Management' OR eventcategory IS NULL)
      AND ((eventsource IN ('s3express.amazonaws.com', 's3.amazonaws.com') AND eventname IN (${sqlNameList(BUCKET_EVENTS)}))
        OR (eventsource = 'cloudtrail.amazonaws.com' AND eventname IN (${sqlNameList(TRAIL_EVENTS)})))`;
  const changeColumns = sqlJoin(
    CHANGE_COLUMNS.map(([name, value]) => sql`CASE WHEN ${isChange} THEN ${value} END AS ${sqlIdentifier(name)}`),
    ',\n    ',
  );
  const changeNames = sqlJoin(
    CHANGE_COLUMNS.map(([name]) => sqlIdentifier(name)),
    ', ',
  );
  const text = sql`WITH scoped AS (
  SELECT coalesce(awsregion, '') AS region, substr(eventtime, 1, 13) AS hour, eventtime,
    ${changeColumns}
  FROM ${sqlIdentifier(table.name)}
  WHERE ${inWindow(table, reach, days)}
),
grouped AS (
  SELECT CASE WHEN grouping(change_uid) = 0 THEN 'change' ELSE 'hour' END AS row_kind,
    region, hour, min(eventtime) AS first_event, max(eventtime) AS last_event, ${changeNames}
  FROM scoped
  GROUP BY GROUPING SETS ((region, hour), (${changeNames}))
),
-- The NULL group of the set of changes holds every other event. A record delivered twice is one change.
firsts AS (
  SELECT grouped.*, row_number() OVER (PARTITION BY row_kind, change_uid ORDER BY change_time, change_name) AS copy_number
  FROM grouped
  WHERE row_kind = 'hour' OR (change_uid IS NOT NULL AND change_time >= ${formatInstant(window.since)})
),
ranked AS (
  SELECT firsts.*,
    row_number() OVER (PARTITION BY row_kind ORDER BY change_time, change_name, change_id, region, hour) AS position,
    count(*) OVER (PARTITION BY row_kind) AS kind_rows
  FROM firsts
  WHERE copy_number = 1 OR row_kind = 'hour'
)
SELECT row_kind, region, hour, first_event, last_event,
  change_id AS eventid, change_time AS eventtime, change_name AS eventname, change_source AS eventsource,
  change_principal AS principal, change_target AS target, change_error AS error_code, kind_rows
FROM ranked
WHERE row_kind = 'hour' OR position <= ${sqlConstant(DIGEST_MANAGEMENT_MAX)}
ORDER BY row_kind, position`;
  return { sql: text, days };
}

type DigestList = keyof DigestBucket['totals'];

/** Each list of a bucket: the `row_kind` of its rows, and the item one row reads as. */
const DIGEST_LISTS: { [L in DigestList]: { rowKind: string; item: (row: Row) => DigestBucket[L][number] } } = {
  operations: { rowKind: 'operation', item: (row) => ({ name: row.eventname ?? '', count: toCount(row.events) }) },
  deletes: {
    rowKind: 'delete',
    item: (row) => ({
      principal: row.delete_principal ?? null,
      count: toCount(row.events),
      lifecycle: row.delete_kind === 'lifecycle',
    }),
  },
  denied: { rowKind: 'denied', item: (row) => ({ principal: row.denied_principal ?? null, count: toCount(row.events) }) },
  newPrincipals: { rowKind: 'new-principal', item: (row) => row.new_principal ?? '' },
  newSourceIps: { rowKind: 'new-source-ip', item: (row) => row.new_source_ip ?? '' },
  newVpcEndpoints: { rowKind: 'new-vpc-endpoint', item: (row) => row.new_vpc_endpoint ?? '' },
};

function addToList<L extends DigestList>(entry: DigestBucket, list: L, row: Row): void {
  (entry[list] as DigestBucket[L][number][]).push(DIGEST_LISTS[list].item(row));
  entry.totals[list] = toCount(row.kind_groups);
}

function toBuckets(rows: Row[]): DigestBucket[] {
  const byBucket = new Map<string, DigestBucket>();
  const bucketOf = (name: string): DigestBucket => {
    let entry = byBucket.get(name);
    if (!entry) {
      entry = {
        bucket: name,
        directory: isDirectoryBucket(name),
        events: 0,
        operations: [],
        deletes: [],
        denied: [],
        newPrincipals: [],
        newSourceIps: [],
        newVpcEndpoints: [],
        bytesIn: 0,
        bytesOut: 0,
        totals: { operations: 0, deletes: 0, denied: 0, newPrincipals: 0, newSourceIps: 0, newVpcEndpoints: 0 },
      };
      byBucket.set(name, entry);
    }
    return entry;
  };
  const listOf = new Map(Object.entries(DIGEST_LISTS).map(([list, { rowKind }]) => [rowKind, list as DigestList]));
  for (const row of rows) {
    const entry = bucketOf(row.bucket ?? '');
    const list = listOf.get(row.row_kind ?? '');
    if (list) addToList(entry, list, row);
    else if (row.row_kind === 'bucket') {
      entry.events = toCount(row.events);
      entry.bytesIn = toCount(row.bytes_in);
      entry.bytesOut = toCount(row.bytes_out);
    }
  }
  return [...byBucket.values()].sort((a, b) => b.events - a.events || (a.bucket < b.bucket ? -1 : 1));
}

function toManagement(row: Row): DigestManagementEvent {
  const eventName = row.eventname ?? '';
  return {
    eventTime: row.eventtime ?? '',
    eventName,
    eventSource: row.eventsource ?? '',
    principal: row.principal ?? null,
    target: row.target ?? null,
    errorCode: row.error_code ?? null,
    eventId: row.eventid ?? '',
    tampering: row.eventsource === CLOUDTRAIL_SOURCE && TAMPERING_EVENTS.includes(eventName),
  };
}

/** Does a bucket have anything beyond routine traffic? */
export function hasFindings(bucket: DigestBucket): boolean {
  return (
    bucket.deletes.length +
      bucket.denied.length +
      bucket.newPrincipals.length +
      bucket.newSourceIps.length +
      bucket.newVpcEndpoints.length >
    0
  );
}

/**
 * What happened to the buckets on one day, in two queries whatever the number of buckets: data
 * events, and the day's changes with what the logs hold of the day per Region and hour (so a day
 * without logs is never told as a quiet one). No separate freshness query.
 */
export async function buildDigest(engine: Engine, options: DigestOptions): Promise<Digest> {
  const window = dayWindow(options.date, options.timeZone);
  const dayQuery = buildDigestDayQuery(window, engine.table);
  const [data, day] = await Promise.all([engine.run(buildDigestDataQuery(window, engine.table)), engine.run(dayQuery)]);
  const changes = day.rows.filter((row) => row.row_kind === 'change');
  const reach = toLogReach(
    { since: addDays(window.since, -1), until: window.until },
    day.rows.filter((row) => row.row_kind === 'hour'),
    day.stats,
  );
  const since = formatInstant(window.since);
  const ofDay = { ...reach, window, hours: reach.hours.filter((hour) => hour.last >= since) };
  const noLogs = ofDay.hours.length === 0;
  const regions = [...new Set(reach.hours.map((hour) => hour.region))].sort();
  const logGaps = noLogs ? missingLogs(ofDay) : regions.flatMap((region) => missingLogs(ofDay, region));
  const buckets = toBuckets(data.rows);
  const events = changes.map(toManagement);
  const uncoveredBuckets = options.uncoveredBuckets ?? [];
  const pendingApprovals = options.pendingApprovals ?? 0;
  const scans = [data.stats, day.stats];
  const costs = scans.map((stats) => stats.costUsd).filter((cost): cost is number => cost !== undefined);
  return {
    date: options.date,
    timeZone: options.timeZone,
    window,
    buckets,
    management: events,
    managementTotal: toCount(changes[0]?.kind_rows),
    events: buckets.reduce((sum, bucket) => sum + bucket.events, 0),
    uncoveredBuckets,
    logGaps,
    noLogs,
    pendingApprovals,
    quiet:
      !buckets.some(hasFindings) &&
      events.length === 0 &&
      uncoveredBuckets.length === 0 &&
      logGaps.length === 0 &&
      pendingApprovals === 0,
    queries: 2,
    stats: {
      bytesScanned: scans.reduce((sum, stats) => sum + stats.bytesScanned, 0),
      ...(costs.length === 0 ? {} : { costUsd: costs.reduce((sum, cost) => sum + cost, 0) }),
      // Run side by side: the slowest one is the wait.
      elapsedMs: Math.max(...scans.map((stats) => stats.elapsedMs)),
    },
  };
}
