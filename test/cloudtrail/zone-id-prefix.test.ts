import { describe, expect, it } from 'vitest';
import { regionOfDirectoryBucket, zoneIdPrefix } from '../../src/cloudtrail/buckets.js';
import { sampleSandboxSeed } from '../../src/sandbox/sandbox-account.js';

describe('zoneIdPrefix', () => {
  it.each([
    ['us-east-1', 'use1'],
    ['us-west-2', 'usw2'],
    ['ap-northeast-1', 'apne1'],
    ['ap-south-1', 'aps1'],
    ['eu-central-1', 'euc1'],
    ['us-gov-west-1', 'usgw1'],
  ])('spells %s as the zone ids in real bucket names do (%s)', (region, prefix) => {
    expect(zoneIdPrefix(region)).toBe(prefix);
  });

  it('reads back as the same Region from a directory bucket name', () => {
    for (const region of ['us-east-1', 'us-east-2', 'us-west-2', 'ap-northeast-1', 'eu-west-1', 'ap-southeast-2']) {
      expect(regionOfDirectoryBucket(`b--${zoneIdPrefix(region)}-az1--x-s3`)).toBe(region);
    }
  });

  it('refuses a name that is not a Region', () => {
    expect(() => zoneIdPrefix('local')).toThrow(RangeError);
  });

  it('names the sandbox buckets with the same zone ids as the sample archive', () => {
    const names = sampleSandboxSeed('111122223333', 'ap-northeast-1').directoryBuckets.map((bucket) => bucket.name);
    expect(names).toContain('analytics-hot--apne1-az4--x-s3');
  });
});
