import { S3EXPRESS_SOURCE } from '../../cloudtrail/buckets.js';
import { type BucketCoverage, coverageOf, type TrailHistory, trailsAt } from '../../cloudtrail/coverage.js';
import { S3EXPRESS_OBJECT_READS, S3EXPRESS_OBJECT_WRITES } from '../../cloudtrail/selectors.js';
import type { AccountInventory } from '../../cloudtrail/trail.js';
import type { Engine, EngineQuery, Row, ScanStats, TableLayout } from '../../engines/engine.js';
import { sql, sqlConstant, sqlIdentifier, sqlNameList } from '../../engines/sql.js';
import { askLogReach, evidenceIn, type LogReach, missingLogs, newestByRegion } from '../../questions/log-reach.js';
import { inWindow } from '../../questions/sql-pieces.js';
import { askTrailHistory, type TrailHistoryAnswer } from '../../questions/trail-history.js';
import { formatInstant, partitionRange, type TimeWindow } from '../../time/window.js';

/** How far back `status` looks for trail changes and bucket activity. */
export const STATUS_WINDOW_DAYS = 90;
/** Buckets listed at most (100 per Region by default; this allows many Regions). */
export const STATUS_MAX_BUCKETS = 1000;

export interface BucketStatus {
  bucket: string;
  region: string;
  account?: string;
  coverage: BucketCoverage;
  /** The newest event naming the bucket in the logs searched (local mode). */
  lastActivity?: string;
  createdAt?: string;
}

export interface StatusTrail {
  name: string;
  region?: string;
  /** Undefined when the logs do not say. */
  isLogging?: boolean;
  /** Logging since (the last StartLogging). */
  since?: string;
  multiRegion?: boolean;
  /** AWS mode: when the trail last delivered a log file, and why its last delivery failed. */
  latestDelivery?: string;
  deliveryError?: string;
}

export interface StatusAnswer {
  question: 'status';
  /** `logs`: buckets and trails as the logs show them. `aws` (or the local `sandbox` account): as it reports them now. */
  source: 'logs' | 'aws' | 'sandbox';
  /** Coverage is judged over this window; since = until means "now" only (no log history). */
  window: TimeWindow;
  /** Sorted by name. */
  buckets: BucketStatus[];
  /** Buckets found before the STATUS_MAX_BUCKETS cap. */
  totalBuckets: number;
  /** Trails that exist at the end of the window. */
  trails: StatusTrail[];
  /** What the log scans read; absent when no log table was searched. */
  stats?: ScanStats;
  /** Per Region, the newest event the logs hold for the window (local mode): when deliveries stopped. */
  newestByRegion?: Array<{ region: string; newest: string }>;
  warnings: string[];
}

/** The default status window: the last STATUS_WINDOW_DAYS days up to now. */
export function statusWindow(now: Date): TimeWindow {
  return { since: new Date(now.getTime() - STATUS_WINDOW_DAYS * 24 * 3600_000), until: now };
}

/** A bucket an Enable logging button is for: not logged, or not reads and writes, at the end of the window. */
export function needsLogging(coverage: BucketCoverage): boolean {
  return !(coverage.atEnd === 'covered' && coverage.reads && coverage.writes);
}

/**
 * Athena-dialect SQL for the directory buckets the logs know: every bucket an S3 Express event
 * names, minus those whose last successful CreateBucket (if any) is older than a successful
 * DeleteBucket. Aggregated in SQL, so duplicate deliveries change nothing.
 */
export function buildStatusBucketsQuery(window: TimeWindow, table: TableLayout): EngineQuery {
  const days = partitionRange(window);
  const text = sql`WITH scoped AS (
  SELECT
    json_extract_scalar(requestparameters, '$.bucketName') AS bucket,
    eventname, eventtime, awsregion, recipientaccountid, errorcode
  FROM ${sqlIdentifier(table.name)}
  WHERE ${inWindow(table, window, days)}
    AND eventsource = ${S3EXPRESS_SOURCE}
),
per_bucket AS (
  SELECT bucket,
    max(awsregion) AS region,
    max(recipientaccountid) AS account_id,
    max(eventtime) AS last_activity,
    max(CASE WHEN eventname = 'CreateBucket' AND coalesce(errorcode, '') = '' THEN eventtime END) AS created_at,
    max(CASE WHEN eventname = 'DeleteBucket' AND coalesce(errorcode, '') = '' THEN eventtime END) AS deleted_at,
    count(CASE WHEN eventname IN (${sqlNameList(S3EXPRESS_OBJECT_READS)}) THEN 1 END) AS reads,
    min(CASE WHEN eventname IN (${sqlNameList(S3EXPRESS_OBJECT_READS)}) THEN eventtime END) AS first_read,
    max(CASE WHEN eventname IN (${sqlNameList(S3EXPRESS_OBJECT_READS)}) THEN eventtime END) AS last_read,
    count(CASE WHEN eventname IN (${sqlNameList(S3EXPRESS_OBJECT_WRITES)}) THEN 1 END) AS writes,
    min(CASE WHEN eventname IN (${sqlNameList(S3EXPRESS_OBJECT_WRITES)}) THEN eventtime END) AS first_write,
    max(CASE WHEN eventname IN (${sqlNameList(S3EXPRESS_OBJECT_WRITES)}) THEN eventtime END) AS last_write
  FROM scoped
  WHERE coalesce(bucket, '') <> ''
  GROUP BY bucket
)
SELECT bucket, region, account_id, last_activity, created_at,
  reads, first_read, last_read, writes, first_write, last_write, count(*) OVER () AS total_buckets
FROM per_bucket
WHERE deleted_at IS NULL OR created_at > deleted_at
ORDER BY bucket
LIMIT ${sqlConstant(STATUS_MAX_BUCKETS)}`;
  return { sql: text, days };
}

/** Two scans reported as one: both are paid for, so bytes and cost add up. */
function mergeStats(a: ScanStats, b: ScanStats): ScanStats {
  const newest = [a.newestEventTime, b.newestEventTime].filter((time): time is string => time !== undefined).sort();
  const cost = a.costUsd === undefined && b.costUsd === undefined ? undefined : (a.costUsd ?? 0) + (b.costUsd ?? 0);
  const unreadable = new Map([...a.unreadableFiles, ...b.unreadableFiles].map((file) => [file.path, file]));
  const most = (x: number | undefined, y: number | undefined): number | undefined =>
    x === undefined && y === undefined ? undefined : Math.max(x ?? 0, y ?? 0);
  const files = most(a.filesScanned, b.filesScanned);
  const events = most(a.eventsScanned, b.eventsScanned);
  return {
    engine: a.engine,
    ...(files === undefined ? {} : { filesScanned: files }),
    unreadableFiles: [...unreadable.values()],
    ...(events === undefined ? {} : { eventsScanned: events }),
    bytesScanned: a.bytesScanned + b.bytesScanned,
    ...(cost === undefined ? {} : { costUsd: cost }),
    ...(a.reusedResult && b.reusedResult ? { reusedResult: true } : {}),
    ...(newest.length > 0 ? { newestEventTime: newest.at(-1) } : {}),
    // The two queries run side by side.
    elapsedMs: Math.max(a.elapsedMs, b.elapsedMs),
    warnings: [...new Set([...a.warnings, ...b.warnings])],
  };
}

function toBucketStatus(row: Row, history: TrailHistory, reach: LogReach): BucketStatus | undefined {
  const name = row.bucket;
  if (!name) return undefined;
  const region = row.region ?? '';
  const account = row.account_id ?? undefined;
  // "Now" is about the trails: logs that stop coming before the end are told per Region in the footer.
  const until = formatInstant(reach.window.until);
  const missing = missingLogs(reach, region).filter((gap) => gap.to < until);
  const options = { evidence: evidenceIn([row]), missingLogs: missing };
  return {
    bucket: name,
    region,
    ...(account === undefined ? {} : { account }),
    coverage: coverageOf(history, { name, region, account: account ?? '' }, reach.window, options),
    ...(row.last_activity ? { lastActivity: row.last_activity } : {}),
    ...(row.created_at ? { createdAt: row.created_at } : {}),
  };
}

/**
 * Local mode (or Athena without AWS access): the directory buckets the logs name, each with its
 * coverage replayed from the trails' own changes in the same logs. Two queries, run side by side.
 */
export async function askStatusFromLogs(engine: Engine, window: TimeWindow): Promise<StatusAnswer> {
  const [buckets, trailHistory, reach] = await Promise.all([
    engine.run(buildStatusBucketsQuery(window, engine.table)),
    askTrailHistory(window, engine),
    askLogReach(window, engine),
  ]);
  const history: TrailHistory = { changes: trailHistory.changes };
  // Before the logs begin there is nothing to judge: status covers what they hold, and says where they begin.
  const logsFrom = newestByRegion(reach).length > 0 ? reach.hours.map((hour) => hour.first).sort()[0] : undefined;
  const begins = logsFrom !== undefined && logsFrom > formatInstant(window.since) ? new Date(logsFrom) : undefined;
  const judged = begins ? { since: begins, until: window.until } : window;
  const statuses = buckets.rows
    .map((row) => toBucketStatus(row, history, { ...reach, window: judged }))
    .filter((status): status is BucketStatus => status !== undefined);
  return {
    question: 'status',
    source: 'logs',
    window: judged,
    buckets: statuses,
    totalBuckets: Number(buckets.rows[0]?.total_buckets ?? statuses.length),
    trails: trailsAt(history, window.until).map((trail) => ({
      name: trail.name,
      ...(trail.region === null ? {} : { region: trail.region }),
      ...(trail.isLogging === undefined ? {} : { isLogging: trail.isLogging }),
      ...(trail.since === undefined ? {} : { since: trail.since }),
      ...(trail.multiRegion === undefined ? {} : { multiRegion: trail.multiRegion }),
    })),
    stats: mergeStats(mergeStats(buckets.stats, trailHistory.stats), reach.stats),
    newestByRegion: newestByRegion(reach),
    warnings: begins ? [`The logs begin at ${formatInstant(begins)}: status covers the window from there.`] : [],
  };
}

export interface StatusFromAwsOptions {
  /** When AWS was asked: without a history, coverage is judged at this instant only. */
  now: Date;
  /** Trail changes from the log table, to say since when (its window becomes the status window). */
  history?: TrailHistoryAnswer;
  /** The account, for buckets whose ARN ListDirectoryBuckets does not return. */
  account?: string;
}

/**
 * AWS mode: the Region's directory buckets (ListDirectoryBuckets) and its trails as they are now;
 * with a history from the log table, coverage over its window and since when, else at this instant.
 */
export async function askStatusFromAws(inventory: AccountInventory, options: StatusFromAwsOptions): Promise<StatusAnswer> {
  const [buckets, trails] = await Promise.all([inventory.directoryBuckets(), inventory.trails()]);
  const window = options.history?.window ?? { since: options.now, until: options.now };
  const history: TrailHistory = {
    changes: options.history?.changes ?? [],
    current: trails,
    ...(options.history?.logsFrom === undefined ? {} : { completeSince: options.history.logsFrom }),
  };
  const warnings: string[] = [];
  if (buckets.some((bucket) => bucket.account === undefined) && options.account === undefined) {
    warnings.push(
      'The account id is unknown, so event selectors that name bucket ARNs were not matched: such buckets show as not covered.',
    );
  }
  const statuses = buckets
    .map((bucket): BucketStatus => {
      const account = bucket.account ?? options.account;
      return {
        bucket: bucket.name,
        region: bucket.region,
        ...(account === undefined ? {} : { account }),
        coverage: coverageOf(history, { name: bucket.name, region: bucket.region, account: account ?? '' }, window),
        ...(bucket.createdAt === undefined ? {} : { createdAt: bucket.createdAt }),
      };
    })
    .sort((a, b) => a.bucket.localeCompare(b.bucket));
  return {
    question: 'status',
    source: inventory.kind ?? 'aws',
    window,
    buckets: statuses.slice(0, STATUS_MAX_BUCKETS),
    totalBuckets: statuses.length,
    trails: trails.map((trail) => ({
      name: trail.name,
      region: trail.homeRegion,
      isLogging: trail.isLogging,
      ...(trail.loggingSince === undefined ? {} : { since: trail.loggingSince }),
      multiRegion: trail.isMultiRegion,
      ...(trail.latestDeliveryTime === undefined ? {} : { latestDelivery: trail.latestDeliveryTime }),
      ...(trail.latestDeliveryError === undefined ? {} : { deliveryError: trail.latestDeliveryError }),
    })),
    ...(options.history === undefined ? {} : { stats: options.history.stats }),
    warnings,
  };
}
