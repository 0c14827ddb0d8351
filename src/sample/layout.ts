/**
 * The sample account: its buckets, its trail and what the trail logs. The archive generator writes
 * this account's history and the local sandbox account starts from it, so both name the same things.
 */
import { zoneIdPrefix } from '../cloudtrail/buckets.js';

export const SAMPLE_ACCOUNT = '111122223333';
export const SAMPLE_REGION = 'us-east-1';

export type BucketLabel = 'analytics' | 'ml' | 'scratch' | 'corp' | 'web';

export interface SampleBucket {
  label: BucketLabel;
  name: string;
  /** Availability Zone id of a directory bucket; '' for a general purpose bucket. */
  az: string;
  /** Random traffic may issue DeleteObjects here. */
  randomBatchDelete: boolean;
}

/** An advanced event selector in the CloudTrail API's shape (the SDK's, without importing it). */
export interface AdvancedSelector {
  Name: string;
  FieldSelectors: Array<{ Field: string; Equals?: string[]; StartsWith?: string[] }>;
}

export interface SampleLayout {
  account: string;
  region: string;
  /** Buckets with random traffic, directory buckets first. */
  trafficBuckets: SampleBucket[];
  /** Created a fifth of the way in, never used; it loses its policy and coverage later but stays. */
  tmpBucket: string;
  /** Created and deleted during the archive (the DeleteBucket story). */
  stagingBucket: string;
  /** The zone both buckets created during the archive live in. */
  newBucketZone: string;
  /** The directory buckets that exist at the archive's end: those with traffic, then tmpBucket. */
  directoryBuckets: string[];
  trail: { name: string; arn: string; logBucket: string };
}

/** The sample account's layout for an account and Region (directory buckets in its zones `use1-az4`, ...). */
export function sampleLayout(account: string, region: string): SampleLayout {
  const zone = (n: number): string => `${zoneIdPrefix(region)}-az${n}`;
  const trafficBuckets: SampleBucket[] = [
    { label: 'analytics', name: `analytics-hot--${zone(4)}--x-s3`, az: zone(4), randomBatchDelete: false },
    { label: 'ml', name: `ml-features--${zone(6)}--x-s3`, az: zone(6), randomBatchDelete: true },
    { label: 'scratch', name: `scratch--${zone(4)}--x-s3`, az: zone(4), randomBatchDelete: true },
    { label: 'corp', name: 'corp-reports', az: '', randomBatchDelete: false },
    { label: 'web', name: 'web-assets-prod', az: '', randomBatchDelete: true },
  ];
  const tmpBucket = `tmp-exports--${zone(5)}--x-s3`;
  const trailName = 's3x-data-events';
  return {
    account,
    region,
    trafficBuckets,
    tmpBucket,
    stagingBucket: `old-staging--${zone(5)}--x-s3`,
    newBucketZone: zone(5),
    directoryBuckets: [...trafficBuckets.filter((b) => b.az !== '').map((b) => b.name), tmpBucket],
    trail: {
      name: trailName,
      arn: `arn:aws:cloudtrail:${region}:${account}:trail/${trailName}`,
      logBucket: `corp-cloudtrail-logs-${account}`,
    },
  };
}

export function directoryBucketArn(layout: SampleLayout, name: string): string {
  return `arn:aws:s3express:${layout.region}:${layout.account}:bucket/${name}`;
}

/** A bucket of the layout by label. */
export function layoutBucket(layout: SampleLayout, label: BucketLabel): SampleBucket {
  const bucket = layout.trafficBuckets.find((b) => b.label === label);
  if (bucket === undefined) throw new Error(`unknown bucket ${label}`);
  return bucket;
}

/**
 * The trail's selectors: management events, S3 Express objects in the analytics, ML and scratch
 * buckets (plus `extraPrefixes`), and every general purpose object.
 */
export function dataEventSelectors(layout: SampleLayout, extraPrefixes: readonly string[] = []): AdvancedSelector[] {
  const covered = (['analytics', 'ml', 'scratch'] as const).map((label) => layoutBucket(layout, label).name);
  return [
    { Name: 'Management events', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
    {
      Name: 'S3 Express object activity',
      FieldSelectors: [
        { Field: 'eventCategory', Equals: ['Data'] },
        { Field: 'resources.type', Equals: ['AWS::S3Express::Object'] },
        {
          Field: 'resources.ARN',
          StartsWith: [...covered.map((name) => `${directoryBucketArn(layout, name)}/`), ...extraPrefixes],
        },
      ],
    },
    {
      Name: 'S3 general purpose objects',
      FieldSelectors: [
        { Field: 'eventCategory', Equals: ['Data'] },
        { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
      ],
    },
  ];
}
