import { isDirectoryBucket, regionOfDirectoryBucket } from '../cloudtrail/buckets.js';
import { type BucketCoverage, coverageOf, type TrailSnapshot } from '../cloudtrail/coverage.js';
import type { Engine } from '../engines/engine.js';
import type { TimeWindow } from '../time/window.js';
import { askTrailHistory } from './trail-history.js';

const DAY_MS = 24 * 3600_000;

export interface CoverageDeps {
  engine: Engine;
  /** AWS mode: the trails as they are now (GetEventSelectors, GetTrailStatus). */
  currentTrails?: () => Promise<TrailSnapshot[]>;
  /** The account of the buckets, when configured; otherwise read from the trail ARNs in the history. */
  account?: string;
  /** How far before the window the trail history is read (the local engine reads 90 days; Athena bills it). */
  lookbackDays: number;
  now: () => Date;
}

/**
 * Was this directory bucket's object activity logged over the whole window? Asked when an object
 * question finds nothing, so that "no results" never passes for "nobody did it".
 */
export async function checkCoverage(
  bucket: string,
  window: TimeWindow,
  eventNames: readonly string[] | undefined,
  deps: CoverageDeps,
): Promise<BucketCoverage | undefined> {
  const region = regionOfDirectoryBucket(bucket);
  if (!isDirectoryBucket(bucket) || !region) return undefined;
  const history = await askTrailHistory(
    { since: new Date(window.since.getTime() - deps.lookbackDays * DAY_MS), until: window.until },
    deps.engine,
  );
  // The trails' present state only describes the window if the window ends now.
  const endsNow = deps.now().getTime() - window.until.getTime() < 3600_000;
  const current = endsNow && deps.currentTrails ? await deps.currentTrails() : undefined;
  const account =
    deps.account ??
    history.changes.map((c) => /^arn:[^:]+:cloudtrail:[^:]*:(\d{12}):/.exec(c.trailArn ?? '')?.[1]).find(Boolean) ??
    '';
  return coverageOf(
    // Without the present state, time before the first trail change in the logs stays unknown.
    {
      changes: history.changes,
      ...(current ? { current, ...(history.logsFrom ? { completeSince: history.logsFrom } : {}) } : {}),
    },
    { name: bucket, region, account },
    window,
    eventNames ? { eventNames } : {},
  );
}
