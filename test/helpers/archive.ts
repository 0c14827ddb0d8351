import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const madeDirs: string[] = [];

/** A fresh temp folder, removed when the test file is done (test/helpers/remove-temp-dirs.ts). */
export async function tempDir(prefix = 's3x-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  madeDirs.push(dir);
  return dir;
}

/** Removes every folder tempDir() made so far in this test file. */
export async function removeTempDirs(): Promise<void> {
  await Promise.all(madeDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true, maxRetries: 3 })));
}

/** Write records as a CloudTrail delivery file in the trail layout, under the given delivery day. */
export async function writeDeliveryFile(
  root: string,
  day: string,
  name: string,
  records: object[],
  region = 'us-east-1',
  account = '111122223333',
): Promise<string> {
  const dir = path.join(root, 'AWSLogs', account, 'CloudTrail', region, ...day.split('/'));
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${account}_CloudTrail_${region}_${name}.json.gz`);
  await writeFile(file, gzipSync(JSON.stringify({ Records: records })));
  return file;
}

let counter = 0;

/** A minimal, realistic S3 Express data event. */
export function expressEvent(overrides: {
  eventName: string;
  eventTime: string;
  key?: string;
  bucket?: string;
  arn?: string;
  accessKeyId?: string;
  eventID?: string;
  errorCode?: string;
  extra?: Record<string, unknown>;
}): Record<string, unknown> {
  counter += 1;
  const bucket = overrides.bucket ?? 'hot--use1-az4--x-s3';
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      arn: overrides.arn ?? 'arn:aws:sts::111122223333:assumed-role/Writer/w1',
      accountId: '111122223333',
      accessKeyId: overrides.accessKeyId ?? 'ASIAEXAMPLESESSION1',
      sessionContext: { attributes: { creationDate: '2026-11-01T00:00:00Z' } },
    },
    eventTime: overrides.eventTime,
    eventSource: 's3express.amazonaws.com',
    eventName: overrides.eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: '10.0.0.1',
    userAgent: 'aws-sdk-js/3',
    requestParameters: { bucketName: bucket, ...(overrides.key === undefined ? {} : { key: overrides.key }) },
    responseElements: null,
    additionalEventData: { sessionModeApplied: 'ReadWrite' },
    ...(overrides.errorCode ? { errorCode: overrides.errorCode, errorMessage: 'Access Denied' } : {}),
    requestID: `REQ${counter}`,
    eventID: overrides.eventID ?? `evt-${counter}`,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: false,
    recipientAccountId: '111122223333',
    eventCategory: 'Data',
    ...overrides.extra,
  };
}
