import { S3EXPRESS_SOURCE } from '../cloudtrail/buckets.js';
import { type BucketEvidence, type CoverageGap, type EvidenceCount, plusSecond, readable } from '../cloudtrail/coverage.js';
import { S3EXPRESS_OBJECT_READS, S3EXPRESS_OBJECT_WRITES } from '../cloudtrail/selectors.js';
import type { Engine, EngineQuery, Row, ScanStats, TableLayout } from '../engines/engine.js';
import { sql, sqlIdentifier, sqlNameList } from '../engines/sql.js';
import { addDays, formatInstant, partitionRange, type TimeWindow } from '../time/window.js';
import { inWindow } from './sql-pieces.js';

/**
 * CloudTrail delivers a Region's events about every 5 minutes: an hour with none at the start or
 * the end of a window is read as logs missing there (or not delivered yet), never as a quiet hour.
 */
export const MAX_SILENCE_MS = 3600_000;

/** What the logs hold of one Region for one UTC hour of the window. */
interface RegionHour {
  region: string;
  /** `2026-11-05T13`. */
  hour: string;
  first: string;
  last: string;
}

/** What the logs hold for a window: per Region and hour, and the bucket's own data events. */
export interface LogReach {
  window: TimeWindow;
  hours: RegionHour[];
  /** The bucket's reads and writes in the window (when a bucket was asked about). */
  evidence?: BucketEvidence;
  stats: ScanStats;
}

/**
 * Athena-dialect SQL, run unchanged by every engine: per Region and UTC hour of the window
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
  WHERE ${inWindow(table, window, days)}${onlyThisBucket}
)
SELECT
  coalesce(awsregion, '') AS region,
  substr(eventtime, 1, 13) AS hour,
  min(eventtime) AS first_event,
  max(eventtime) AS last_event,
  count(read_time) AS reads,
  min(read_time) AS first_read,
  max(read_time) AS last_read,
  count(write_time) AS writes,
  min(write_time) AS first_write,
  max(write_time) AS last_write
FROM scoped
GROUP BY coalesce(awsregion, ''), substr(eventtime, 1, 13)
ORDER BY region, hour`;
  return { sql: text, days };
}

function evidenceCount(rows: readonly Row[], kind: 'read' | 'write'): EvidenceCount {
  const count = rows.reduce((sum, row) => sum + Number(row[`${kind}s`] ?? 0), 0);
  if (count === 0) return { count };
  // One range per row (an hour, or the whole window): its first and last events are logged for sure.
  const ranges = rows.flatMap((row) => {
    const from = row[`first_${kind}`];
    const to = row[`last_${kind}`];
    return typeof from === 'string' && typeof to === 'string' ? [{ from, to }] : [];
  });
  ranges.sort((a, b) => a.from.localeCompare(b.from));
  const last = ranges
    .map((range) => range.to)
    .sort()
    .at(-1);
  return { count, first: ranges[0]?.from as string, last: last as string, ranges };
}

/** A bucket's reads and writes from rows with `reads`, `first_read`, `last_read` and the same for writes, summed. */
export function evidenceIn(rows: readonly Row[]): BucketEvidence {
  return { reads: evidenceCount(rows, 'read'), writes: evidenceCount(rows, 'write') };
}

export function toLogReach(window: TimeWindow, rows: Row[], stats: ScanStats, bucket?: string): LogReach {
  const hours = rows
    .filter((row) => row.first_event && row.last_event && row.hour)
    .map((row) => ({
      region: row.region ?? '',
      hour: row.hour as string,
      first: row.first_event as string,
      last: row.last_event as string,
    }));
  return {
    window,
    hours,
    ...(bucket === undefined ? {} : { evidence: evidenceIn(rows) }),
    stats,
  };
}

export async function askLogReach(window: TimeWindow, engine: Engine, bucket?: string): Promise<LogReach> {
  const result = await engine.run(buildLogReachQuery(window, engine.table, bucket));
  return toLogReach(window, result.rows, result.stats, bucket);
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
  const hours = reach.hours.filter((hour) => region === undefined || hour.region === region);
  if (hours.length === 0) return [{ from: since, to: until, reason: `the logs hold no events${where} in the window` }];
  const first = hours.map((hour) => hour.first).sort()[0] as string;
  const last = hours
    .map((hour) => hour.last)
    .sort()
    .at(-1) as string;
  const gaps: CoverageGap[] = [];
  if (new Date(first).getTime() - reach.window.since.getTime() > MAX_SILENCE_MS) {
    gaps.push({ from: since, to: first, reason: `the logs hold no events${where} before ${readable(first)}` });
  }
  const withEvents = new Set(hours.map((hour) => hour.hour.slice(0, 10)));
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
      from: plusSecond(last),
      to: until,
      reason: `the newest event${where} in the logs for the window is from ${readable(last)}`,
    });
  }
  return gaps;
}

/** Per Region (by name), the newest event the logs hold for the window: where deliveries stopped. */
export function newestByRegion(reach: LogReach): Array<{ region: string; newest: string }> {
  const newest = new Map<string, string>();
  for (const hour of reach.hours) if (hour.last > (newest.get(hour.region) ?? '')) newest.set(hour.region, hour.last);
  return [...newest].sort(([a], [b]) => a.localeCompare(b)).map(([region, last]) => ({ region, newest: last }));
}

/** The newest event the logs hold for the window: the footer's "logs complete up to", about the window asked. */
export function newestInWindow(reach: LogReach): string | undefined {
  return reach.hours
    .map((hour) => hour.last)
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
