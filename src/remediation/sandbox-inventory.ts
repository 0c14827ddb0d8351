import type { DirectoryBucketInfo } from '../cloudtrail/buckets.js';
import type { Trail } from '../cloudtrail/trail.js';
import type { AccountPort } from './types.js';

/** What status and coverage read of an account now: the same two calls TrailInventory makes in AWS. */
export interface AccountInventory {
  /** Whose account this is: AWS's (the default), or the local sandbox's. */
  readonly kind?: 'aws' | 'sandbox';
  directoryBuckets(): Promise<DirectoryBucketInfo[]>;
  trails(): Promise<Trail[]>;
}

/** The sandbox (or any AccountPort) seen as an inventory, so local status shows its buckets and trails. */
export function inventoryOf(account: AccountPort): AccountInventory {
  return {
    kind: 'sandbox',
    async directoryBuckets() {
      const state = await account.readState();
      return state.directoryBuckets.map((bucket) => ({ ...bucket, account: state.account }));
    },
    async trails() {
      return (await account.readState()).trails.map((trail) => ({
        name: trail.name,
        arn: trail.arn,
        homeRegion: trail.homeRegion,
        isMultiRegion: trail.isMultiRegion,
        isLogging: trail.isLogging,
        selectors: {
          ...(trail.advancedEventSelectors ? { advanced: trail.advancedEventSelectors } : {}),
          ...(trail.eventSelectors ? { basic: trail.eventSelectors } : {}),
        },
      }));
    },
  };
}
