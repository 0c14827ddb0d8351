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
  sqlNameList,
  sqlPartitionDay,
} from '../../engines/sql.js';
import { missingLogs, toLogReach } from '../../questions/log-reach.js';
import { BUCKET_NAME, scopedEvents, toCount } from '../../questions/sql-pieces.js';
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
  /** Engine queries run (one). */
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

/** S3 Express and S3, as literals: the digest's SELECT list tests them, where Athena takes no `?`. */
const S3_SOURCES = sqlNameList([S3EXPRESS_SOURCE, S3_SOURCE]);
/** The day's bucket and trail changes: a Management event (or one without category) of these names. */
const IS_CHANGE = sql`(eventcategory = 'Management' OR eventcategory IS NULL)
      AND ((eventsource IN (${S3_SOURCES}) AND eventname IN (${sqlNameList(BUCKET_EVENTS)}))
        OR (eventsource = ${sqlNameList([CLOUDTRAIL_SOURCE])} AND eventname IN (${sqlNameList(TRAIL_EVENTS)})))`;
/** The object calls the bucket lists count: S3 and S3 Express data events. */
const IS_DATA_EVENT = sql`(eventsource IN (${S3_SOURCES}) AND eventcategory = 'Data')`;

/** What the logs hold is read from the day before: a Region silent all day is still one the logs know. */
function reachWindow(window: TimeWindow): TimeWindow {
  return { since: addDays(window.since, -1), until: window.until };
}

/** The columns of the query's result: each kind of row fills its own, the rest are NULL. */
const DIGEST_COLUMNS = [
  'row_kind',
  'position',
  // bucket lists ('bucket', 'operation', 'delete', 'denied', 'new-*')
  'bucket',
  'eventname',
  'delete_principal',
  'delete_kind',
  'denied_principal',
  'new_principal',
  'new_source_ip',
  'new_vpc_endpoint',
  'events',
  'bytes_in',
  'bytes_out',
  'kind_groups',
  // what the logs hold ('hour')
  'region',
  'hour',
  'first_event',
  'last_event',
  // changes ('change'; eventname too)
  'eventid',
  'eventtime',
  'eventsource',
  'principal',
  'target',
  'error_code',
  'kind_rows',
] as const;

/** A SELECT list of DIGEST_COLUMNS: these values, NULL for every other column. */
function digestRow(values: Partial<Record<(typeof DIGEST_COLUMNS)[number], SqlFragment>>): SqlFragment {
  return sqlJoin(
    DIGEST_COLUMNS.map((name) => sql`${values[name] ?? sql`NULL`} AS ${sqlIdentifier(name)}`),
    ', ',
  );
}

/**
 * The whole digest in one scan of the day, the DIGEST_HISTORY_DAYS before it and a day of delivery
 * slack (Athena bills the partitions once; the file engine reads each file once):
 * - every bucket's data events of the day, once each, by list: operations, deletes (human or
 *   Lifecycle), denials, and the principals, source IPs and VPC endpoints first seen on the day
 *   (a first sighting is a group minimum over the history); one grouping set per list;
 * - what the logs hold of the day per Region and UTC hour, first and last event, from the day
 *   before (a Region with no logs at all on the day is still a Region the logs know; read with
 *   toLogReach);
 * - the day's bucket and trail changes, failed attempts included, once each, oldest first, at most
 *   DIGEST_MANAGEMENT_MAX.
 * Rows are told apart by `row_kind`. The records are reduced first by one hash aggregation
 * (`sightings`): a data event of the day is one group per identity and content, so duplicate
 * deliveries fold into one group before any window runs; data events before the day fold into their
 * (bucket, principal, source IP, endpoint) with the first time seen, which is all the lists need of
 * them. Copies of one identity that differ (never from CloudTrail) keep the oldest, among the
 * day's. Literals, not parameters, outside WHERE: Athena takes `?` only there.
 */
export function buildDigestQuery(window: TimeWindow, table: TableLayout): EngineQuery {
  const days = partitionRange(window, DIGEST_HISTORY_DAYS);
  const historyStart = addDays(window.since, -DIGEST_HISTORY_DAYS);
  const reach = reachWindow(window);
  const reachDays = partitionRange(reach);
  const reachSince = sqlInstant(reach.since);
  // The partition is tested only where the time passes: the file engine reads a record's day from
  // its file's path with a regular expression, which on every record of the 9 days cost about 9% of the scan.
  const inReach = table.partitionedByDay
    ? sql`CASE WHEN eventtime >= ${reachSince} THEN "timestamp" >= ${sqlPartitionDay(reachDays.from)} ELSE FALSE END`
    : sql`eventtime >= ${reachSince}`;
  const since = sqlInstant(window.since);
  const columns = sql`eventtime, eventname, eventid, eventsource, awsregion,
    CASE WHEN ${IS_DATA_EVENT} THEN ${BUCKET_NAME} END AS bucket,
    eventtime >= ${since} AS on_day,
    ${inReach} AS in_reach,
    ${IS_CHANGE} AS is_change,
    nullif(errorcode, '') AS error_code,
    coalesce(useridentity.arn, useridentity.invokedby) AS principal,
    useridentity.invokedby AS invoked_by,
    nullif(sourceipaddress, '') AS source_ip,
    nullif(vpcendpointid, '') AS vpc_endpoint,
    -- Summed for the day only, so rows of the history skip parsing the JSON.
    CASE WHEN eventtime >= ${since} AND ${IS_DATA_EVENT} THEN
      try_cast(try_cast(json_extract_scalar(additionaleventdata, '$.bytesTransferredIn') AS double) AS bigint) END AS bytes_in,
    CASE WHEN eventtime >= ${since} AND ${IS_DATA_EVENT} THEN
      try_cast(try_cast(json_extract_scalar(additionaleventdata, '$.bytesTransferredOut') AS double) AS bigint) END AS bytes_out,
    CASE WHEN ${IS_CHANGE} THEN coalesce(${BUCKET_NAME}, json_extract_scalar(requestparameters, '$.name'),
      json_extract_scalar(requestparameters, '$.trailName')) END AS target`;
  const filter = sql`(${IS_DATA_EVENT} OR ${inReach})`;
  const dayData = sql`bucket IS NOT NULL AND on_day`;
  const isDelete = sql`eventname IN (${sqlNameList(DELETE_EVENTS)})`;
  const isChangeOfDay = sql`in_reach AND is_change AND on_day`;
  const text = sql`WITH ${scopedEvents({ table, window: { since: historyStart, until: window.until }, days }, columns, filter)},
marked AS (
  SELECT eventtime, bucket,
    CASE WHEN ${dayData} THEN event_uid END AS day_uid,
    CASE WHEN ${dayData} THEN eventname END AS day_eventname,
    CASE WHEN bucket IS NOT NULL THEN principal END AS data_principal,
    CASE WHEN bucket IS NOT NULL THEN source_ip END AS data_source_ip,
    CASE WHEN bucket IS NOT NULL THEN vpc_endpoint END AS data_vpc_endpoint,
    CASE WHEN NOT (${dayData} AND ${isDelete}) THEN NULL
      -- S3 Lifecycle expirations: the service, as a literal.
      WHEN coalesce(invoked_by, '') = 'lifecycle.s3.amazonaws.com' THEN 'lifecycle' ELSE 'human' END AS delete_kind,
    CASE WHEN ${dayData} AND error_code LIKE '%AccessDenied%' THEN 'denied' END AS denied_flag,
    CASE WHEN ${dayData} THEN bytes_in END AS day_bytes_in,
    CASE WHEN ${dayData} THEN bytes_out END AS day_bytes_out,
    CASE WHEN in_reach THEN coalesce(awsregion, '') END AS region,
    CASE WHEN in_reach THEN substr(eventtime, 1, 13) END AS hour,
    CASE WHEN ${isChangeOfDay} THEN event_uid END AS change_uid,
    CASE WHEN ${isChangeOfDay} THEN eventid END AS change_id,
    CASE WHEN ${isChangeOfDay} THEN eventtime END AS change_time,
    CASE WHEN ${isChangeOfDay} THEN eventname END AS change_name,
    CASE WHEN ${isChangeOfDay} THEN eventsource END AS change_source,
    CASE WHEN ${isChangeOfDay} THEN principal END AS change_principal,
    CASE WHEN ${isChangeOfDay} THEN target END AS change_target,
    CASE WHEN ${isChangeOfDay} THEN error_code END AS change_error
  FROM scoped
),
-- The NULL group of each set holds the records that are not of it.
sightings AS (
  SELECT CASE WHEN grouping(region) = 0 THEN 'hour' WHEN grouping(change_uid) = 0 THEN 'change' ELSE 'data' END AS set_kind,
    day_uid, bucket, day_eventname, data_principal, data_source_ip, data_vpc_endpoint, delete_kind, denied_flag,
    day_bytes_in, day_bytes_out, region, hour,
    change_uid, change_id, change_time, change_name, change_source, change_principal, change_target, change_error,
    min(eventtime) AS first_event, max(eventtime) AS last_event
  FROM marked
  GROUP BY GROUPING SETS (
    (day_uid, bucket, day_eventname, data_principal, data_source_ip, data_vpc_endpoint, delete_kind, denied_flag, day_bytes_in, day_bytes_out),
    (region, hour),
    (change_uid, change_id, change_time, change_name, change_source, change_principal, change_target, change_error))
),
unique_events AS (
  SELECT sightings.*, row_number() OVER (PARTITION BY day_uid ORDER BY first_event, day_eventname) AS copy_number
  FROM sightings
  WHERE set_kind = 'data' AND bucket IS NOT NULL
),
events AS (
  SELECT bucket, data_principal AS principal, data_source_ip AS source_ip, data_vpc_endpoint AS vpc_endpoint,
    first_event AS eventtime, day_bytes_in AS bytes_in, day_bytes_out AS bytes_out, delete_kind, denied_flag,
    CASE WHEN day_uid IS NOT NULL THEN 1 END AS day_event,
    day_eventname,
    CASE WHEN delete_kind IS NOT NULL THEN data_principal END AS delete_principal,
    CASE WHEN denied_flag IS NOT NULL THEN data_principal END AS denied_principal
  FROM unique_events
  -- Groups before the day have no identity: each is one (bucket, principal, IP, endpoint) seen.
  WHERE day_uid IS NULL OR copy_number = 1
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
),
-- A change delivered twice is one change.
unique_changes AS (
  SELECT sightings.*, row_number() OVER (PARTITION BY change_uid ORDER BY change_time, change_name) AS copy_number
  FROM sightings
  WHERE set_kind = 'change' AND change_uid IS NOT NULL
),
changes AS (
  SELECT unique_changes.*,
    row_number() OVER (ORDER BY change_time, change_name, change_id) AS position,
    count(*) OVER () AS kind_rows
  FROM unique_changes
  WHERE copy_number = 1
)
SELECT ${digestRow({
    row_kind: sql`row_kind`,
    position: sql`position`,
    bucket: sql`bucket`,
    eventname: sql`day_eventname`,
    delete_principal: sql`delete_principal`,
    delete_kind: sql`delete_kind`,
    denied_principal: sql`denied_principal`,
    new_principal: sql`principal`,
    new_source_ip: sql`source_ip`,
    new_vpc_endpoint: sql`vpc_endpoint`,
    events: sql`events`,
    bytes_in: sql`bytes_in`,
    bytes_out: sql`bytes_out`,
    kind_groups: sql`kind_groups`,
  })}
FROM ranked
WHERE row_kind = 'bucket'
  OR (row_kind = 'operation' AND position <= ${sqlConstant(DIGEST_OPERATIONS_MAX)})
  OR (row_kind = 'delete' AND position <= ${sqlConstant(DIGEST_DELETERS_MAX)})
  OR (row_kind = 'denied' AND position <= ${sqlConstant(DIGEST_DENIED_MAX)})
  OR (row_kind IN ('new-principal', 'new-source-ip', 'new-vpc-endpoint') AND position <= ${sqlConstant(DIGEST_NEW_MAX)})
UNION ALL
SELECT ${digestRow({ row_kind: sql`'hour'`, region: sql`region`, hour: sql`hour`, first_event: sql`first_event`, last_event: sql`last_event` })}
FROM sightings
WHERE set_kind = 'hour' AND hour IS NOT NULL
UNION ALL
SELECT ${digestRow({
    row_kind: sql`'change'`,
    position: sql`position`,
    eventname: sql`change_name`,
    eventid: sql`change_id`,
    eventtime: sql`change_time`,
    eventsource: sql`change_source`,
    principal: sql`change_principal`,
    target: sql`change_target`,
    error_code: sql`change_error`,
    kind_rows: sql`kind_rows`,
  })}
FROM changes
WHERE position <= ${sqlConstant(DIGEST_MANAGEMENT_MAX)}
ORDER BY row_kind, bucket, position, region, hour`;
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
 * What happened to the buckets on one day, in one query whatever the number of buckets: data
 * events, the day's changes, and what the logs hold of the day per Region and hour (so a day
 * without logs is never told as a quiet one). No separate freshness query.
 */
export async function buildDigest(engine: Engine, options: DigestOptions): Promise<Digest> {
  const window = dayWindow(options.date, options.timeZone);
  const { rows, stats } = await engine.run(buildDigestQuery(window, engine.table));
  const rowsOf = (kind: string) => rows.filter((row) => row.row_kind === kind);
  const changes = rowsOf('change');
  const reach = toLogReach(reachWindow(window), rowsOf('hour'), stats);
  const since = formatInstant(window.since);
  const ofDay = { ...reach, window, hours: reach.hours.filter((hour) => hour.last >= since) };
  const noLogs = ofDay.hours.length === 0;
  const regions = [...new Set(reach.hours.map((hour) => hour.region))].sort();
  const logGaps = noLogs ? missingLogs(ofDay) : regions.flatMap((region) => missingLogs(ofDay, region));
  const buckets = toBuckets(rows.filter((row) => row.row_kind !== 'change' && row.row_kind !== 'hour'));
  const events = changes.map(toManagement);
  const uncoveredBuckets = options.uncoveredBuckets ?? [];
  const pendingApprovals = options.pendingApprovals ?? 0;
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
    queries: 1,
    stats: {
      bytesScanned: stats.bytesScanned,
      ...(stats.costUsd === undefined ? {} : { costUsd: stats.costUsd }),
      elapsedMs: stats.elapsedMs,
    },
  };
}
