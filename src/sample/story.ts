/**
 * The planted story the tests and the demo ask about, as data: on the anchor day a forecast file in
 * the analytics bucket is written twice, read, deleted by DataEngineer/mallory and read after the
 * delete, around batch deletes, a refused session and a late delivery; over the archive the trail
 * is created, widened, narrowed and stopped for a while, and buckets come and go.
 * Times are seconds since the epoch; the generator turns each step into records.
 */
import type { GpOp, ZonalOp } from './catalogue.js';
import { type BucketLabel, dataEventSelectors, directoryBucketArn, layoutBucket, type SampleLayout } from './layout.js';
import { loggedSelectors } from './record-shapes.js';
import { iso } from './timestamps.js';

/** The key whose history the story plants. */
export const PLANTED_KEY = 'reports/q3-forecast.parquet';
const LATE_KEY = 'landing/late-arrival.json';
const PAYROLL_KEY = 'finance/2026/payroll-export.csv';
/** Keys random traffic never touches (only planted events use them). */
export const RESERVED_KEYS: readonly string[] = [PLANTED_KEY, LATE_KEY, PAYROLL_KEY];

/** Where a planted step's ground truth goes in the facts; the two lists collect several steps. */
export type PlantedSlot =
  | 'plantedWrites'
  | 'plantedReads'
  | 'plantedDelete'
  | 'plantedReadAfterDelete'
  | 'plantedBatchDelete'
  | 'plantedLifecycleDelete'
  | 'plantedDeniedSession'
  | 'plantedLateDelivery'
  | 'plantedGeneralPurposeWrite'
  | 'plantedGeneralPurposeDelete';

export type PlantedStep = { t: number; slot: PlantedSlot } & (
  | {
      kind: 'zonal';
      who: string;
      op: ZonalOp;
      bucket: BucketLabel;
      key: string | null;
      /** A role session name other than the catalogue's. */
      session?: string;
      error?: [string, string];
    }
  | { kind: 'generalPurpose'; who: string; op: GpOp; bucket: BucketLabel; key: string }
  /** A ReadWrite CreateSession the bucket policy refuses. */
  | { kind: 'deniedSession'; who: string; bucket: BucketLabel }
  /** An S3 Lifecycle run of one DeleteObjects batch. */
  | { kind: 'lifecycle'; bucket: BucketLabel }
);

/** The planted data events of the anchor day (midnight UTC, seconds), in the order they are scheduled. */
export function plantedSteps(anchor: number): PlantedStep[] {
  const at = (hh: number, mm: number, ss: number): number => anchor + hh * 3600 + mm * 60 + ss;
  const onAnalytics = { kind: 'zonal', bucket: 'analytics', key: PLANTED_KEY } as const;
  return [
    // Lifecycle expiry in the planted bucket, early morning.
    { t: at(4, 31, 10), slot: 'plantedLifecycleDelete', kind: 'lifecycle', bucket: 'analytics' },
    { t: at(8, 5, 12), slot: 'plantedWrites', ...onAnalytics, who: 'etl', op: 'PutObject', session: 'etl-run-42' },
    { t: at(9, 12, 40), slot: 'plantedReads', ...onAnalytics, who: 'dashboard', op: 'GetObject' },
    {
      t: at(10, 2, 3),
      slot: 'plantedGeneralPurposeWrite',
      kind: 'generalPurpose',
      who: 'alice',
      op: 'PutObject',
      bucket: 'corp',
      key: PAYROLL_KEY,
    },
    { t: at(11, 47, 33), slot: 'plantedWrites', ...onAnalytics, who: 'bob', op: 'PutObject' },
    {
      t: at(13, 37, 21),
      slot: 'plantedGeneralPurposeDelete',
      kind: 'generalPurpose',
      who: 'ci',
      op: 'DeleteObject',
      bucket: 'corp',
      key: PAYROLL_KEY,
    },
    { t: at(14, 3, 5), slot: 'plantedReads', ...onAnalytics, who: 'mallory', op: 'GetObject' },
    // The intern asks for a ReadWrite session and is refused, then reads with a ReadOnly session.
    { t: at(15, 19, 58), slot: 'plantedDeniedSession', kind: 'deniedSession', who: 'intern', bucket: 'analytics' },
    { t: at(15, 20, 4), slot: 'plantedReads', ...onAnalytics, who: 'intern', op: 'GetObject' },
    { t: at(16, 42, 9), slot: 'plantedDelete', ...onAnalytics, who: 'mallory', op: 'DeleteObject' },
    {
      t: at(16, 50, 31),
      slot: 'plantedReadAfterDelete',
      ...onAnalytics,
      who: 'dashboard',
      op: 'GetObject',
      error: ['NoSuchKey', 'The specified key does not exist.'],
    },
    { t: at(17, 5, 44), slot: 'plantedBatchDelete', ...onAnalytics, who: 'bob', op: 'DeleteObjects', key: null },
    {
      t: at(23, 58, 30),
      slot: 'plantedLateDelivery',
      kind: 'zonal',
      who: 'sagemaker',
      op: 'PutObject',
      bucket: 'ml',
      key: LATE_KEY,
    },
  ];
}

/** A management call by the admin, on CloudTrail or on a directory bucket's control endpoint. */
export type ManagementCall =
  | { t: number; service: 'cloudtrail'; eventName: string; requestParameters: unknown; responseElements: unknown }
  | { t: number; service: 's3express'; eventName: string; bucket: string; extra: Record<string, unknown> };

export interface ManagementStory {
  calls: ManagementCall[];
  /** Event-time ranges [from, to] (seconds, inclusive) without data events: before the trail logs and while it is stopped. */
  quiet: Array<[number, number]>;
  /** StopLogging..StartLogging on the anchor day. */
  loggingGap: { stoppedAt: string; restartedAt: string };
}

/** The trail's and the buckets' management history over [start, end), in the order it is scheduled. */
export function managementStory(layout: SampleLayout, start: number, end: number, anchor: number): ManagementStory {
  const { account, trail, tmpBucket: tmp, stagingBucket: staging } = layout;
  const range = end - start;
  const stop = anchor + 20 * 3600 + 10 * 60;
  const restart = anchor + 20 * 3600 + 35 * 60 + 7;
  // Calls that would fall in or near the logging gap move after it.
  const shift = (t: number): number => (t >= stop - 120 && t <= restart + 60 ? restart + 90 : t);
  const frac = (f: number): number => shift(start + Math.floor(range * f));
  const analytics = layoutBucket(layout, 'analytics').name;

  const selectors = (extra: string[]): unknown[] => loggedSelectors(dataEventSelectors(layout, extra));
  const trailResponse = (validation: boolean): Record<string, unknown> => ({
    name: trail.name,
    s3BucketName: trail.logBucket,
    includeGlobalServiceEvents: true,
    isMultiRegionTrail: false,
    trailARN: trail.arn,
    logFileValidationEnabled: validation,
    isOrganizationTrail: false,
  });
  const role = (name: string): string => `arn:aws:iam::${account}:role/${name}`;
  const tightPolicy = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'PipelineAndEngineersReadWrite',
        Effect: 'Allow',
        Principal: { AWS: [role('DataPipeline'), role('DataEngineer')] },
        Action: 's3express:CreateSession',
        Resource: directoryBucketArn(layout, analytics),
      },
      {
        Sid: 'AnalystsReadOnly',
        Effect: 'Allow',
        Principal: { AWS: [role('AnalyticsReadOnly'), role('Intern')] },
        Action: 's3express:CreateSession',
        Resource: directoryBucketArn(layout, analytics),
        Condition: { StringEquals: { 's3express:SessionMode': 'ReadOnly' } },
      },
    ],
  };
  const tmpPolicy = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AccountAccess',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: 's3express:CreateSession',
        Resource: directoryBucketArn(layout, tmp),
      },
    ],
  };
  const createBucketConfiguration = {
    CreateBucketConfiguration: {
      xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/',
      Location: { Type: 'AvailabilityZone', Name: layout.newBucketZone },
      Bucket: { DataRedundancy: 'SingleAvailabilityZone', Type: 'Directory' },
    },
  };

  const calls: ManagementCall[] = [];
  const cloudtrail = (t: number, eventName: string, requestParameters: unknown, responseElements: unknown): void => {
    calls.push({ t, service: 'cloudtrail', eventName, requestParameters, responseElements });
  };
  const control = (t: number, eventName: string, bucket: string, extra: Record<string, unknown>): void => {
    calls.push({ t, service: 's3express', eventName, bucket, extra });
  };
  const putSelectors = (t: number, extra: string[]): void => {
    cloudtrail(
      t,
      'PutEventSelectors',
      { trailName: trail.name, advancedEventSelectors: selectors(extra) },
      { trailARN: trail.arn, advancedEventSelectors: selectors(extra) },
    );
  };

  cloudtrail(
    start + 60,
    'CreateTrail',
    { name: trail.name, s3BucketName: trail.logBucket, includeGlobalServiceEvents: true, isMultiRegionTrail: false },
    trailResponse(false),
  );
  putSelectors(start + 100, []);
  cloudtrail(start + 130, 'StartLogging', { name: trail.name }, null);
  const created = frac(0.2);
  control(created, 'CreateBucket', tmp, createBucketConfiguration);
  control(created + 360, 'PutBucketPolicy', tmp, { bucketPolicy: tmpPolicy, policy: '' });
  putSelectors(created + 480, [`${directoryBucketArn(layout, tmp)}/`]);
  cloudtrail(frac(0.4), 'UpdateTrail', { name: trail.name, enableLogFileValidation: true }, trailResponse(true));
  control(frac(0.5), 'PutBucketPolicy', analytics, { bucketPolicy: tightPolicy, policy: '' });
  // tmp-exports loses its policy and its data-event coverage but stays: the sandbox account starts
  // from this state, so the demo has one directory bucket without logging to fix.
  const removed = frac(0.75);
  control(removed, 'DeleteBucketPolicy', tmp, { policy: '' });
  putSelectors(removed + 120, []);
  // A short-lived staging bucket is created and deleted, for the DeleteBucket story.
  control(frac(0.3), 'CreateBucket', staging, createBucketConfiguration);
  control(removed + 240, 'DeleteBucket', staging, {});
  cloudtrail(stop, 'StopLogging', { name: trail.name }, null);
  cloudtrail(restart, 'StartLogging', { name: trail.name }, null);

  return {
    calls,
    quiet: [
      [start - 10, start + 130],
      [stop - 5, restart],
    ],
    loggingGap: { stoppedAt: iso(stop), restartedAt: iso(restart) },
  };
}
