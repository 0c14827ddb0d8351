import { isDirectoryBucket, regionOfDirectoryBucket } from '../cloudtrail/buckets.js';
import { type BucketCoverage, type CoverageGap, coverageOf } from '../cloudtrail/coverage.js';
import type { Trail } from '../cloudtrail/trail.js';
import type { Engine } from '../engines/engine.js';
import type { TimeWindow } from '../time/window.js';
import { askLogReach, missingLogs, newestInWindow } from './log-reach.js';
import { askTrailHistory } from './trail-history.js';

const DAY_MS = 24 * 3600_000;

/**
 * How far before a window every engine reads the trail history (README "Logging coverage"): one
 * rule, so the files, the index and Athena replay the same changes and give the same verdict.
 */
export const TRAIL_HISTORY_LOOKBACK_DAYS = 90;

export interface CoverageDeps {
  engine: Engine;
  /** AWS mode: the trails as they are now (GetEventSelectors, GetTrailStatus). */
  currentTrails?: () => Promise<Trail[]>;
  /** AWS mode (or the sandbox): the directory buckets the account has now. */
  directoryBuckets?: () => Promise<ReadonlyArray<{ name: string }>>;
  /** The account of the buckets, when configured; otherwise read from the trail ARNs in the history. */
  account?: string;
  now: () => Date;
}

/** What s3x can say about the window an answer searched. */
export interface WindowCoverage {
  /** A directory bucket's logging coverage over the window. */
  coverage?: BucketCoverage;
  /** No event names the bucket in the window and the account has no such directory bucket: nothing to enable logging for. */
  unknownBucket?: boolean;
  /** Stretches of the window the logs hold nothing for (the bucket's Region, or any without a directory bucket). */
  missingLogs: CoverageGap[];
  /** The newest event the logs hold for the window. */
  newestEventTime?: string;
}

/**
 * Asked when an object question finds no successful call, so that "no results" never passes for
 * "nobody did it": what the logs hold for the window (per Region and day), and for a directory
 * bucket whether its object activity was logged, from its own events and the trail history.
 */
export async function checkCoverage(
  bucket: string | undefined,
  window: TimeWindow,
  eventNames: readonly string[] | undefined,
  deps: CoverageDeps,
): Promise<WindowCoverage> {
  const region = bucket === undefined ? undefined : regionOfDirectoryBucket(bucket);
  const directory = bucket !== undefined && isDirectoryBucket(bucket) && region !== undefined;
  const lookback = { since: new Date(window.since.getTime() - TRAIL_HISTORY_LOOKBACK_DAYS * DAY_MS), until: window.until };
  const [reach, history] = await Promise.all([
    askLogReach(window, deps.engine, directory ? bucket : undefined),
    directory ? askTrailHistory(lookback, deps.engine) : undefined,
  ]);
  const missing = missingLogs(reach, directory ? region : undefined);
  const newest = newestInWindow(reach);
  const base = { missingLogs: missing, ...(newest === undefined ? {} : { newestEventTime: newest }) };
  if (history === undefined || bucket === undefined || region === undefined) return base;
  // The trails' present state only describes the window if the window ends now.
  const endsNow = deps.now().getTime() - window.until.getTime() < 3600_000;
  const current = endsNow && deps.currentTrails ? await deps.currentTrails() : undefined;
  const account =
    deps.account ??
    history.changes.map((c) => /^arn:[^:]+:cloudtrail:[^:]*:(\d{12}):/.exec(c.trailArn ?? '')?.[1]).find(Boolean) ??
    '';
  const coverage = coverageOf(
    // Without the present state, time before the first trail change in the logs stays unknown.
    {
      changes: history.changes,
      ...(current ? { current, ...(history.logsFrom ? { completeSince: history.logsFrom } : {}) } : {}),
    },
    { name: bucket, region, account },
    window,
    {
      ...(eventNames ? { eventNames } : {}),
      ...(reach.evidence ? { evidence: reach.evidence } : {}),
      missingLogs: missing,
    },
  );
  const seen = (reach.evidence?.reads.count ?? 0) + (reach.evidence?.writes.count ?? 0) > 0;
  const unknownBucket =
    !seen && deps.directoryBuckets !== undefined && !(await deps.directoryBuckets()).some((b) => b.name === bucket);
  if (!unknownBucket) return { ...base, coverage };
  const note = `Unknown bucket: no event in the logs names ${bucket} in the window, and the account has no directory bucket by that name. ${coverage.note}`;
  return { ...base, coverage: { ...coverage, note }, unknownBucket };
}
