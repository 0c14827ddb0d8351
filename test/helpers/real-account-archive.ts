import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { REAL_DATASETS } from './paths.js';

/**
 * An archive shaped like a real account's, not like src/sample's: an organization trail's layout
 * (`AWSLogs/o-…/<account>/CloudTrail/<region>/YYYY/MM/DD/`), CloudTrail-Digest and
 * CloudTrail-Insight folders beside CloudTrail/, two Regions, deliveries a few minutes after their
 * events (so late events land in the next day's folder). The management traffic is real records
 * (Invictus IR, us-east-1, 2023) re-timed; the data events are AWS's documented S3 Express records
 * (aws-docs/) with bucket, key, time and caller set; the trail changes are real CloudTrail shapes.
 *
 * The story, 2026-11-01 00:00 – 2026-11-07 12:00 UTC (the newest delivery), asked on 2026-11-08:
 * - `org-trail`, an organization trail set up years before, logs every directory bucket's data
 *   events. It is never created, changed or named in the logs: only its deliveries show it.
 * - `team-trail` is created in us-east-1 on TEAM_TRAIL_DAY (the archive holds that one day of
 *   October, then nothing until November), selects only TEAM_BUCKET, starts logging, and at
 *   REDIRECTED_AT is pointed by mallory at `elsewhere-logs` (UpdateTrail).
 * - HOT_BUCKET (us-east-1) is written, read and deleted from every day; COLD_BUCKET (us-west-2)
 *   is only read. TEAM_BUCKET has no activity at all.
 * - us-east-1 has no logs for MISSING_DAY (a broken delivery); us-west-2 has.
 * - One failed DeleteObject (AccessDenied) of FAILED_KEY; one PutObject at each edge of EDGE_DAY.
 */
export const ACCOUNT = '111122223333';
export const ORG = 'o-exampleorg1';
export const HOT_BUCKET = 'hot--use1-az4--x-s3';
export const COLD_BUCKET = 'cold--usw2-az1--x-s3';
export const TEAM_BUCKET = 'team--use1-az4--x-s3';
export const REGIONS = ['us-east-1', 'us-west-2'] as const;
export const FIRST_DAY = '2026-11-01';
export const TEAM_TRAIL_DAY = '2026-10-25';
export const MISSING_DAY = '2026-11-04';
export const NEWEST_EVENT = '2026-11-07T12:00:00Z';
export const ASKED_AT = new Date('2026-11-08T00:00:00Z');
export const REDIRECTED_AT = '2026-11-05T10:00:00Z';
export const MALLORY = `arn:aws:sts::${ACCOUNT}:assumed-role/Ops/mallory`;
export const KEPT_KEY = 'data/keep.parquet';
export const FAILED_KEY = 'reports/q3.csv';
export const EDGE_KEY = 'edge/at-midnight.bin';
export const EDGE_DAY = { since: '2026-11-02T00:00:00Z', until: '2026-11-03T00:00:00Z' };

type CloudTrailRecord = Record<string, unknown>;

const MINUTE = 60_000;
const HEARTBEAT_MS = 20 * MINUTE;
/** Each delivery file holds this many hours of events, delivered 5 minutes after. */
const FILE_HOURS = 6;

function loadJsonLines(file: string): CloudTrailRecord[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as CloudTrailRecord);
}

/** Successful management calls from the real Invictus IR delivery files (kms, sts, ec2): ordinary account noise. */
function realManagementRecords(): CloudTrailRecord[] {
  const dir = path.join(REAL_DATASETS, 'invictus-ir_aws_dataset', 'CloudTrail');
  const records: CloudTrailRecord[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.json')) continue;
    const file = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as { Records: CloudTrailRecord[] };
    for (const record of file.Records) {
      const source = String(record.eventSource);
      if (record.errorCode === undefined && record.eventCategory === 'Management' && /^(kms|sts|ec2)\./.test(source)) {
        records.push(record);
      }
    }
  }
  return records.slice(0, 50);
}

/** AWS's documented S3 Express records (aws-docs/, repaired to valid JSON): GetObject, CreateSession, DeleteObjects. */
export function documentedExpressRecord(eventName: 'GetObject' | 'DeleteObjects'): CloudTrailRecord {
  const records = loadJsonLines(path.join(REAL_DATASETS, 'aws-docs', 's3-express-log-files.examples.repaired.jsonl'));
  const found = records.find((record) => record.eventName === eventName);
  if (!found) throw new Error(`no documented ${eventName} record`);
  return found;
}

let sequence = 0;
function nextId(prefix: string): string {
  sequence += 1;
  return `${prefix}-${String(sequence).padStart(8, '0')}-0000-4000-8000-000000000000`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A documented zonal record made into one call on `bucket`: PutObject, DeleteObject and friends take GetObject's shape. */
export function expressCall(options: {
  eventName: string;
  eventTime: string;
  bucket: string;
  key: string;
  region: string;
  principal?: string;
  errorCode?: string;
}): CloudTrailRecord {
  const template = documentedExpressRecord('GetObject');
  const zone = options.bucket.split('--')[1] ?? 'use1-az4';
  const readOnly = ['GetObject', 'HeadObject', 'GetObjectAttributes'].includes(options.eventName);
  const principal = options.principal ?? `arn:aws:sts::${ACCOUNT}:assumed-role/DataEngineer/alice`;
  return {
    ...template,
    userIdentity: {
      ...(template.userIdentity as CloudTrailRecord),
      arn: principal,
      accountId: ACCOUNT,
    },
    eventTime: options.eventTime,
    eventName: options.eventName,
    awsRegion: options.region,
    requestParameters: {
      bucketName: options.bucket,
      Host: `${options.bucket}.s3express-${zone}.${options.region}.amazonaws.com`,
      key: options.key,
    },
    ...(options.errorCode ? { errorCode: options.errorCode, errorMessage: 'Access Denied' } : {}),
    requestID: nextId('req'),
    eventID: nextId('evt'),
    readOnly,
    resources: [
      { type: 'AWS::S3Express::Object', ARNPrefix: `arn:aws:s3express:${options.region}:${ACCOUNT}:bucket/${options.bucket}/` },
      {
        accountId: ACCOUNT,
        type: 'AWS::S3Express::DirectoryBucket',
        ARN: `arn:aws:s3express:${options.region}:${ACCOUNT}:bucket/${options.bucket}`,
      },
    ],
    recipientAccountId: ACCOUNT,
  };
}

/** A trail call as CloudTrail records it (shapes from the real Invictus and Stratus records). */
function trailCall(
  eventName: string,
  eventTime: string,
  requestParameters: CloudTrailRecord,
  principal = `arn:aws:iam::${ACCOUNT}:user/platform-admin`,
): CloudTrailRecord {
  return {
    eventVersion: '1.09',
    userIdentity: { type: principal.includes(':assumed-role/') ? 'AssumedRole' : 'IAMUser', arn: principal, accountId: ACCOUNT },
    eventTime,
    eventSource: 'cloudtrail.amazonaws.com',
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: '192.168.10.20',
    userAgent: 'aws-cli/2.15.0',
    requestParameters,
    responseElements:
      eventName === 'CreateTrail'
        ? {
            ...requestParameters,
            isMultiRegionTrail: false,
            trailARN: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/team-trail`,
          }
        : null,
    requestID: nextId('req'),
    eventID: nextId('trail'),
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
  };
}

const TEAM_SELECTORS = {
  trailName: 'team-trail',
  advancedEventSelectors: [
    { name: 'management', fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }] },
    {
      name: 'team bucket',
      fieldSelectors: [
        { field: 'eventCategory', equals: ['Data'] },
        { field: 'resources.type', equals: ['AWS::S3Express::Object'] },
        { field: 'resources.ARN', startsWith: [`arn:aws:s3express:us-east-1:${ACCOUNT}:bucket/${TEAM_BUCKET}/`] },
      ],
    },
  ],
};

/**
 * The management calls every account makes all day (real records re-timed), every 20 minutes in
 * each Region from `from` to `to` inclusive: what tells logs that arrived from logs that are missing.
 */
export function accountNoise(from: string, to: string, regions: readonly string[] = ['us-east-1']): CloudTrailRecord[] {
  const noise = realManagementRecords();
  const records: CloudTrailRecord[] = [];
  for (let at = Date.parse(from), n = 0; at <= Date.parse(to); at += HEARTBEAT_MS) {
    for (const region of regions) {
      const template = noise[n % noise.length] as CloudTrailRecord;
      n += 1;
      records.push({ ...template, eventTime: iso(at), awsRegion: region, eventID: nextId('mgmt'), recipientAccountId: ACCOUNT });
    }
  }
  return records;
}

/** Every record of the story, before it is cut into delivery files. */
export function storyRecords(): CloudTrailRecord[] {
  const records: CloudTrailRecord[] = [];
  const start = Date.parse(`${FIRST_DAY}T00:00:00Z`);
  const end = Date.parse(NEWEST_EVENT);
  const heartbeat = (from: number, to: number) => records.push(...accountNoise(iso(from), iso(to), REGIONS));
  heartbeat(Date.parse(`${TEAM_TRAIL_DAY}T00:00:00Z`), Date.parse(`${TEAM_TRAIL_DAY}T23:59:59Z`));
  heartbeat(start, end);
  for (let day = 0; day < 7; day += 1) {
    const base = start + day * 24 * 60 * MINUTE;
    for (const [offset, eventName, key] of [
      [8 * 60, 'PutObject', KEPT_KEY],
      [9 * 60, 'GetObject', KEPT_KEY],
      [10 * 60, 'PutObject', `tmp/${day}.csv`],
      [11 * 60, 'DeleteObject', `tmp/${day}.csv`],
    ] as const) {
      records.push(
        expressCall({ eventName, eventTime: iso(base + offset * MINUTE), bucket: HOT_BUCKET, key, region: 'us-east-1' }),
      );
    }
    records.push(
      expressCall({
        eventName: 'GetObject',
        eventTime: iso(base + 13 * 60 * MINUTE),
        bucket: COLD_BUCKET,
        key: 'archive/a.bin',
        region: 'us-west-2',
      }),
    );
  }
  records.push(
    expressCall({
      eventName: 'DeleteObject',
      eventTime: '2026-11-06T15:30:00Z',
      bucket: HOT_BUCKET,
      key: FAILED_KEY,
      region: 'us-east-1',
      principal: MALLORY,
      errorCode: 'AccessDenied',
    }),
    expressCall({ eventName: 'PutObject', eventTime: EDGE_DAY.since, bucket: HOT_BUCKET, key: EDGE_KEY, region: 'us-east-1' }),
    expressCall({ eventName: 'PutObject', eventTime: EDGE_DAY.until, bucket: HOT_BUCKET, key: EDGE_KEY, region: 'us-east-1' }),
    trailCall('CreateTrail', `${TEAM_TRAIL_DAY}T06:00:00Z`, {
      name: 'team-trail',
      s3BucketName: 'team-logs',
      includeGlobalServiceEvents: true,
    }),
    trailCall('PutEventSelectors', `${TEAM_TRAIL_DAY}T06:01:00Z`, TEAM_SELECTORS),
    trailCall('StartLogging', `${TEAM_TRAIL_DAY}T06:02:00Z`, { name: 'team-trail' }),
    trailCall('UpdateTrail', REDIRECTED_AT, { name: 'team-trail', s3BucketName: 'elsewhere-logs' }, MALLORY),
  );
  // A broken delivery: nothing of us-east-1 for the missing day reaches the archive.
  return records.filter((record) => !(record.awsRegion === 'us-east-1' && String(record.eventTime).startsWith(MISSING_DAY)));
}

function compact(instant: string): string {
  return instant.replaceAll('-', '').replaceAll(':', '').slice(0, 13);
}

async function writeGzipJson(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, gzipSync(JSON.stringify(value)));
}

/** Write the story under `root` as an organization trail delivers it; returns the records written as events. */
export async function buildRealAccountArchive(root: string): Promise<CloudTrailRecord[]> {
  const records = storyRecords();
  const accountDir = path.join(root, 'AWSLogs', ORG, ACCOUNT);
  const files = new Map<string, CloudTrailRecord[]>();
  for (const record of records) {
    const at = Date.parse(String(record.eventTime));
    const chunkEnd = Math.floor(at / (FILE_HOURS * 3600_000)) * FILE_HOURS * 3600_000 + FILE_HOURS * 3600_000;
    const delivered = iso(chunkEnd + 5 * MINUTE);
    const region = String(record.awsRegion);
    const [year, month, day] = delivered.slice(0, 10).split('-') as [string, string, string];
    const file = path.join(
      accountDir,
      'CloudTrail',
      region,
      year,
      month,
      day,
      `${ACCOUNT}_CloudTrail_${region}_${compact(delivered)}Z_${Buffer.from(`${region}${delivered}`).toString('hex').slice(-16)}.json.gz`,
    );
    files.set(file, [...(files.get(file) ?? []), record]);
  }
  for (const [file, inFile] of files) await writeGzipJson(file, { Records: inFile });

  // Beside CloudTrail/: digest files (not events) and Insights events, neither of which is a call.
  // Both sit in the missing day, where reading them as events would hide the gap.
  const [year, month, day] = MISSING_DAY.split('-') as [string, string, string];
  await writeGzipJson(
    path.join(
      accountDir,
      'CloudTrail-Digest',
      'us-east-1',
      year,
      month,
      day,
      `${ACCOUNT}_CloudTrail-Digest_us-east-1_team-trail_us-east-1_${year}${month}${day}T120000Z.json.gz`,
    ),
    {
      awsAccountId: ACCOUNT,
      digestStartTime: `${MISSING_DAY}T11:00:00Z`,
      digestEndTime: `${MISSING_DAY}T12:00:00Z`,
      digestS3Bucket: 'team-logs',
      digestS3Object: 'AWSLogs/…',
      logFiles: [],
    },
  );
  await writeGzipJson(
    path.join(
      accountDir,
      'CloudTrail-Insight',
      'us-east-1',
      year,
      month,
      day,
      `${ACCOUNT}_CloudTrail-Insight_us-east-1_${year}${month}${day}T1200Z_insight0001.json.gz`,
    ),
    {
      Records: [
        {
          eventVersion: '1.08',
          eventTime: `${MISSING_DAY}T12:00:00Z`,
          awsRegion: 'us-east-1',
          eventID: nextId('insight'),
          eventType: 'AwsCloudTrailInsight',
          recipientAccountId: ACCOUNT,
          sharedEventID: nextId('shared'),
          insightDetails: {
            state: 'Start',
            eventSource: 's3express.amazonaws.com',
            eventName: 'DeleteObject',
            insightType: 'ApiCallRateInsight',
          },
          eventCategory: 'Insight',
        },
      ],
    },
  );
  return records;
}
