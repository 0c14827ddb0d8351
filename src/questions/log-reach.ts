import { S3EXPRESS_SOURCE } from '../cloudtrail/buckets.js';
import type { BucketEvidence, CoverageGap, EvidenceCount } from '../cloudtrail/coverage.js';
import { S3EXPRESS_OBJECT_READS, S3EXPRESS_OBJECT_WRITES } from '../cloudtrail/selectors.js';
import type { Engine, EngineQuery, Row, ScanStats, TableLayout } from '../engines/engine.js';
import { sql, sqlIdentifier, sqlNameList } from '../engines/sql.js';
import { addDays, formatInstant, partitionRange, type TimeWindow } from '../time/window.js';
import { partitionPredicate } from './object-events.js';

/**
 * CloudTrail delivers a Region's events about every 5 minutes: an hour with none at the start or
 * the end of a window is read as logs missing there (or not delivered yet), never as a quiet hour.
 */
export const MAX_SILENCE_MS = 3600_000;

/** What the logs hold of one Region for one UTC day of the window. */
interface RegionDay {
  region: string;
  /** `2026-11-05`. */
  day: string;
  first: string;
  last: string;
}

/** What the logs hold for a window: per Region and day, and the bucket's own data events. */
export interface LogReach {
  window: TimeWindow;
  days: RegionDay[];
  /** The bucket's reads and writes in the window (when a bucket was asked about). */
  evidence?: BucketEvidence;
  stats: ScanStats;
}

/**
 * Athena-dialect SQL, run unchanged by every engine: per Region and UTC day of the window
 * ([since, until), like every question), the first and last event; with a bucket, also its
 * object reads and writes (each proves that kind was logged). One scan of the window's partitions.
 * Athena takes `?` only in WHERE, so the bucket is chosen there: with a bucket, other directory
 * buckets' events are left out and every S3 Express event kept is the bucket's own.
 */
export function buildLogReachQuery(window: TimeWindow, table: TableLayout, bucket?: string): EngineQuery {
  const days = partitionRange(window);
  const onlyThisBucket =
    bucket === undefined
      ? sql``
      : sql`
    AND (coalesce(eventsource, '') <> ${S3EXPRESS_SOURCE} OR json_extract_scalar(requestparameters, '$.bucketName') = ${bucket})`;
  const ofBucket = bucket === undefined ? sql`FALSE` : sql`eventsource = 's3express.amazonaws.com'`;
  const text = sql`WITH scoped AS (
  SELECT awsregion, eventtime,
    CASE WHEN ${ofBucket} AND eventname IN (${sqlNameList(S3EXPRESS_OBJECT_READS)}) THEN eventtime END AS read_time,
    CASE WHEN ${ofBucket} AND eventname IN (${sqlNameList(S3EXPRESS_OBJECT_WRITES)}) THEN eventtime END AS write_time
  FROM ${sqlIdentifier(table.name)}
  WHERE ${partitionPredicate(table, days)}
    AND eventtime >= ${formatInstant(window.since)} AND eventtime < ${formatInstant(window.until)}${onlyThisBucket}
)
SELECT
  coalesce(awsregion, '') AS region,
  substr(eventtime, 1, 10) AS day,
  min(eventtime) AS first_event,
  max(eventtime) AS last_event,
  count(read_time) AS reads,
  min(read_time) AS first_read,
  max(read_time) AS last_read,
  count(write_time) AS writes,
  min(write_time) AS first_write,
  max(write_time) AS last_write
FROM scoped
GROUP BY coalesce(awsregion, ''), substr(eventtime, 1, 10)
ORDER BY region, day`;
  return { sql: text, days };
}

function evidenceCount(rows: readonly Row[], kind: 'read' | 'write'): EvidenceCount {
  const count = rows.reduce((sum, row) => sum + Number(row[`${kind}s`] ?? 0), 0);
  if (count === 0) return { count };
  const firsts = rows.map((row) => row[`first_${kind}`]).filter((time): time is string => typeof time === 'string');
  const lasts = rows.map((row) => row[`last_${kind}`]).filter((time): time is string => typeof time === 'string');
  return { count, first: firsts.sort()[0] as string, last: lasts.sort().at(-1) as string };
}

/** A bucket's reads and writes from rows with `reads`, `first_read`, `last_read` and the same for writes, summed. */
export function evidenceIn(rows: readonly Row[]): BucketEvidence {
  return { reads: evidenceCount(rows, 'read'), writes: evidenceCount(rows, 'write') };
}

export function toLogReach(window: TimeWindow, rows: Row[], stats: ScanStats, bucket?: string): LogReach {
  const days = rows
    .filter((row) => row.first_event && row.last_event && row.day)
    .map((row) => ({
      region: row.region ?? '',
      day: row.day as string,
      first: row.first_event as string,
      last: row.last_event as string,
    }));
  return {
    window,
    days,
    ...(bucket === undefined ? {} : { evidence: evidenceIn(rows) }),
    stats,
  };
}

export async function askLogReach(window: TimeWindow, engine: Engine, bucket?: string): Promise<LogReach> {
  const result = await engine.run(buildLogReachQuery(window, engine.table, bucket));
  return toLogReach(window, result.rows, result.stats, bucket);
}

function readable(instant: string): string {
  return instant.replace('T', ' ').replace(/Z$/, ' UTC');
}

function plusMs(instant: string, ms: number): string {
  return formatInstant(new Date(new Date(instant).getTime() + ms));
}

/**
 * The stretches of the window the logs hold nothing for, in one Region (or in any, without one):
 * the whole window when they hold no event; before the first event and after the last when that
 * silence is longer than MAX_SILENCE_MS; and every UTC day in between without a single event.
 */
export function missingLogs(reach: LogReach, region?: string): CoverageGap[] {
  const since = formatInstant(reach.window.since);
  const until = formatInstant(reach.window.until);
  if (since >= until) return [];
  const where = region === undefined ? '' : ` of ${region}`;
  const days = reach.days.filter((day) => region === undefined || day.region === region);
  if (days.length === 0) return [{ from: since, to: until, reason: `the logs hold no events${where} in the window` }];
  const first = days.map((day) => day.first).sort()[0] as string;
  const last = days
    .map((day) => day.last)
    .sort()
    .at(-1) as string;
  const gaps: CoverageGap[] = [];
  if (new Date(first).getTime() - reach.window.since.getTime() > MAX_SILENCE_MS) {
    gaps.push({ from: since, to: first, reason: `the logs hold no events${where} before ${readable(first)}` });
  }
  const withEvents = new Set(days.map((day) => day.day));
  for (let day = new Date(`${first.slice(0, 10)}T00:00:00Z`); formatInstant(day) < last; day = addDays(day, 1)) {
    const name = formatInstant(day).slice(0, 10);
    if (!withEvents.has(name)) {
      gaps.push({
        from: formatInstant(day),
        to: formatInstant(addDays(day, 1)),
        reason: `the logs hold no events${where} on ${name}`,
      });
    }
  }
  if (reach.window.until.getTime() - new Date(last).getTime() > MAX_SILENCE_MS) {
    gaps.push({
      from: plusMs(last, 1000),
      to: until,
      reason: `the newest event${where} in the logs for the window is from ${readable(last)}`,
    });
  }
  return gaps;
}

/** The newest event the logs hold for the window: the footer's "logs complete up to", about the window asked. */
export function newestInWindow(reach: LogReach): string | undefined {
  return reach.days
    .map((day) => day.last)
    .sort()
    .at(-1);
}

/** One sentence naming what the logs miss of the window; undefined when they miss nothing. */
export function describeMissingLogs(gaps: readonly CoverageGap[]): string | undefined {
  if (gaps.length === 0) return undefined;
  const named = gaps.slice(0, 3).map((gap) => `${readable(gap.from)} – ${readable(gap.to)} (${gap.reason})`);
  const more = gaps.length > 3 ? ` and ${gaps.length - 3} more` : '';
  return (
    `No match here does not mean nobody did it: the logs are missing ${named.join(', ')}${more}. ` +
    's3x cannot tell what happened there.'
  );
}
