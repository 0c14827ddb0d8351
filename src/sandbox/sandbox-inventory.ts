import type { AccountInventory } from '../cloudtrail/trail.js';
import type { AccountPort } from '../remediation/types.js';

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
