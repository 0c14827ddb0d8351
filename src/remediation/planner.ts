import { regionOfDirectoryBucket } from '../cloudtrail/buckets.js';
import { UsageError } from '../errors.js';
import { planEnableLogging } from './enable-logging-plan.js';
import { planRevertPolicy, planTighten, type SeenOnBucket } from './tighten-plan.js';
import type { AccountPort, ChangeRequest, Plan } from './types.js';

export interface PlannerOptions {
  /** Principals a tighten must never lock out. */
  protectedPrincipals: readonly string[];
  /** For a trail s3x creates: its name and log bucket (defaults in the plan). */
  trailName?: string;
  logBucket?: string;
  /** Who called a bucket lately (from the logs), so a tighten says whom else it would block. */
  principalsSeen?: (bucket: string) => Promise<SeenOnBucket>;
}

/** `apply`: the re-plan just before applying, which compares calls only (no log reads). */
export type PlanChange = (change: ChangeRequest, purpose?: 'review' | 'apply') => Promise<Plan>;

/**
 * Plans a change against the account as it is right now: reads the state through the port, then
 * hands it to the pure planners. Used when the change is requested and again just before it is
 * applied, so an account that changed in between is noticed.
 */
export function createPlanner(account: AccountPort, options: PlannerOptions): PlanChange {
  return async (change, purpose = 'review') => {
    const state = await account.readState();
    switch (change.kind) {
      case 'enable-logging': {
        if (
          'bucket' in change.target &&
          !state.directoryBuckets.some((b) => b.name === (change.target as { bucket: string }).bucket)
        ) {
          throw new UsageError(`There is no directory bucket \`${change.target.bucket}\` in account ${state.account}.`);
        }
        return planEnableLogging(state, change.target, {
          ...(options.trailName ? { trailName: options.trailName } : {}),
          ...(options.logBucket ? { logBucket: options.logBucket } : {}),
        });
      }
      case 'tighten': {
        const region =
          state.directoryBuckets.find((b) => b.name === change.bucket)?.region ?? regionOfDirectoryBucket(change.bucket);
        if (!region || !state.directoryBuckets.some((b) => b.name === change.bucket)) {
          throw new UsageError(`There is no directory bucket \`${change.bucket}\` in account ${state.account}.`);
        }
        const [current, seen] = await Promise.all([
          account.getBucketPolicy(change.bucket, region),
          // Read for the people who judge the plan; the re-check before applying compares calls only.
          purpose === 'review' ? options.principalsSeen?.(change.bucket) : undefined,
        ]);
        return planTighten(
          current,
          {
            bucket: change.bucket,
            region,
            account: state.account,
            change: change.change,
            ...(change.revertAfterMs ? { revertAfterMs: change.revertAfterMs } : {}),
          },
          [...options.protectedPrincipals],
          seen,
        );
      }
      case 'revert-policy': {
        const current = await account.getBucketPolicy(change.bucket, change.region);
        return planRevertPolicy(current, change);
      }
    }
  };
}
