import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { REAL_DATASETS } from './paths.js';

/**
 * An archive shaped like a real account's trail bucket, for the S3 Express operations the answers
 * must tell truly: renames, copies (both copy-source spellings), access points, aggregated events,
 * ListMultipartUploads, failed calls, an addendum, batch deletes around a key's lifetime, in an
 * organization trail's layout (`AWSLogs/<org>/<account>/CloudTrail/…`) with a CloudTrail-Digest
 * folder beside it. Every record is one of the four AWS-documented S3 Express records
 * (../shared/datasets/cloudtrail-real/aws-docs), copied whole and changed only where the scenario
 * needs (time, ids, operation, caller, request parameters): the field names, casing and extra
 * fields (`Host`, `x-amz-id-2`, `ARNPrefix`, …) stay as AWS wrote them.
 */

const DOC_RECORDS = path.join(REAL_DATASETS, 'aws-docs', 's3-express-log-files.examples.repaired.jsonl');

type CloudTrailRecord = Record<string, unknown>;

function documentedRecords(): { createSession: CloudTrailRecord; getObject: CloudTrailRecord; deleteObjects: CloudTrailRecord } {
  const [createSession, getObject, deleteObjects] = readFileSync(DOC_RECORDS, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as CloudTrailRecord);
  if (!createSession || !getObject || !deleteObjects) throw new Error(`${DOC_RECORDS}: expected the AWS sample records`);
  return { createSession, getObject, deleteObjects };
}

export const ACCOUNT = '111122223333';
export const ORGANIZATION = 'o-abcde12345';
export const REGION = 'us-west-2';
/** The documented sample bucket. */
export const BUCKET = 'bucket-base-name--usw2-az1--x-s3';
export const OTHER_BUCKET = 'archive-base--usw2-az1--x-s3';
export const ACCESS_POINT = 'reports-ap--usw2-az1--xa-s3';
export const DAY = '2026/11/20';
/** The window every test asks about: the whole day. */
export const SINCE = '2026-11-20T00:00:00Z';
export const UNTIL = '2026-11-21T00:00:00Z';

export const ALICE_ROLE = 'DataEngineer';
export const ALICE = `arn:aws:sts::${ACCOUNT}:assumed-role/${ALICE_ROLE}/alice`;
export const WRITER = `arn:aws:sts::${ACCOUNT}:assumed-role/Writer/etl-7`;
export const BOB = `arn:aws:iam::${ACCOUNT}:user/bob`;
export const INTRUDER = `arn:aws:sts::${ACCOUNT}:assumed-role/Contractor/mallory`;

/** What the archive holds, for the tests' expectations. */
export const OPERATIONS = {
  /** Written, read (directly, through the access point, with an addendum), copied twice, a failed delete, then renamed away. */
  key: 'reports/q3.csv',
  renamedTo: 'reports/q3-final.csv',
  /** Renamed with the `renameSource` spelling and a URL-encoded `/bucket/key` value. */
  spacedKey: 'tmp/a b.txt',
  spacedRenamedTo: 'tmp/a-b.txt',
  /** Only a failed DeleteObject names it. */
  failedOnlyKey: 'secret/plan.txt',
  copyDestination: 'archive/q3.csv',
  partCopyDestination: 'big/q3.csv',
  ids: {
    put: 'ops-put-q3',
    readDirect: 'ops-get-q3',
    readThroughAccessPoint: 'ops-get-q3-ap',
    copy: 'ops-copy-q3',
    partCopy: 'ops-partcopy-q3',
    failedDelete: 'ops-delete-q3-denied',
    rename: 'ops-rename-q3',
    spacedPut: 'ops-put-spaced',
    spacedRename: 'ops-rename-spaced',
    failedOnlyDelete: 'ops-delete-plan-denied',
    candidateInLifetime: 'ops-batch-in-lifetime',
    candidateAfterRename: 'ops-batch-after-rename',
    candidateOtherBucket: 'ops-batch-other-bucket',
    bobPut: 'ops-put-bob',
    noSuchKey: 'ops-get-missing',
    deniedSession: 'ops-session-denied',
    listUploads: 'ops-list-uploads',
  },
} as const;

const ALICE_KEY = 'ASIAALICESESSION0001';
const WRITER_KEY = 'ASIAWRITERSESSION001';

interface Call {
  id: string;
  time: string;
  name: string;
  arn?: string;
  accessKeyId?: string;
  bucket?: string;
  key?: string;
  extraParameters?: Record<string, unknown>;
  error?: { code: string; message: string };
  extra?: CloudTrailRecord;
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** A zonal call shaped like the documented GetObject record. */
function zonal(template: CloudTrailRecord, call: Call): CloudTrailRecord {
  const record = clone(template);
  const bucket = call.bucket ?? BUCKET;
  const identity = record.userIdentity as Record<string, unknown>;
  const arn = call.arn ?? ALICE;
  identity.arn = arn;
  identity.accessKeyId = call.accessKeyId ?? ALICE_KEY;
  if (arn.includes(':user/')) {
    identity.type = 'IAMUser';
    identity.userName = arn.slice(arn.lastIndexOf('/') + 1);
    identity.principalId = 'AIDAEXAMPLEBOB000001';
    delete identity.sessionContext;
  }
  const parameters: Record<string, unknown> = {
    bucketName: bucket,
    Host: `${bucket}.s3express-usw2-az1.us-west-2.amazonaws.com`,
    ...(call.key === undefined ? {} : { key: call.key }),
    ...call.extraParameters,
  };
  Object.assign(record, {
    eventTime: call.time,
    eventName: call.name,
    requestParameters: parameters,
    requestID: `req-${call.id}`,
    eventID: call.id,
    readOnly: ['GetObject', 'HeadObject', 'GetObjectAttributes'].includes(call.name),
    resources: [
      { type: 'AWS::S3Express::Object', ARNPrefix: `arn:aws:s3express:${REGION}:${ACCOUNT}:bucket/${bucket}/` },
      {
        accountId: ACCOUNT,
        type: 'AWS::S3Express::DirectoryBucket',
        ARN: `arn:aws:s3express:${REGION}:${ACCOUNT}:bucket/${bucket}`,
      },
    ],
    ...(call.error ? { errorCode: call.error.code, errorMessage: call.error.message } : {}),
    ...call.extra,
  });
  return record;
}

/** Every record of the archive, in delivery order. */
export function operationsRecords(): CloudTrailRecord[] {
  const docs = documentedRecords();
  const ids = OPERATIONS.ids;
  const key = OPERATIONS.key;
  const at = (hhmmss: string) => `2026-11-20T${hhmmss}Z`;
  const session = (id: string, time: string, accessKeyId: string, arn: string, role: string): CloudTrailRecord => {
    const record = clone(docs.createSession);
    const identity = record.userIdentity as Record<string, unknown>;
    identity.arn = arn;
    (identity.sessionContext as Record<string, Record<string, unknown>>).sessionIssuer = {
      type: 'Role',
      principalId: 'AROAEXAMPLEROLE00001',
      arn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
      accountId: ACCOUNT,
      userName: role,
    };
    Object.assign(record, {
      eventTime: time,
      eventID: id,
      requestID: `req-${id}`,
      requestParameters: { ...(record.requestParameters as object), bucketName: BUCKET },
      responseElements: {
        credentials: { accessKeyId, expiration: 'Nov 20, 2026, 9:05:00 AM', sessionToken: '<session token string>' },
      },
    });
    return record;
  };
  const get = (call: Call) => zonal(docs.getObject, call);
  const batchDelete = (id: string, time: string, bucket: string): CloudTrailRecord => {
    const record = clone(docs.deleteObjects);
    Object.assign(record, {
      eventTime: time,
      eventID: id,
      requestID: `req-${id}`,
      awsRegion: REGION,
      recipientAccountId: ACCOUNT,
      requestParameters: {
        ...(record.requestParameters as object),
        bucketName: bucket,
        Host: `${bucket}.s3express-usw2-az1.${REGION}.amazonaws.com`,
      },
      resources: [
        { type: 'AWS::S3Express::Object', ARNPrefix: `arn:aws:s3express:${REGION}:${ACCOUNT}:bucket/${bucket}/` },
        {
          accountId: ACCOUNT,
          type: 'AWS::S3Express::DirectoryBucket',
          ARN: `arn:aws:s3express:${REGION}:${ACCOUNT}:bucket/${bucket}`,
        },
      ],
    });
    return record;
  };
  const deniedSession = clone(docs.createSession);
  Object.assign(deniedSession, {
    eventTime: at('10:30:00'),
    eventID: ids.deniedSession,
    requestID: `req-${ids.deniedSession}`,
    userIdentity: { ...(deniedSession.userIdentity as object), arn: INTRUDER },
    errorCode: 'AccessDenied',
    errorMessage: 'Access Denied',
    responseElements: null,
  });

  return [
    session('ops-session-writer', at('08:59:00'), WRITER_KEY, WRITER, 'Writer'),
    get({ id: ids.put, time: at('09:00:00'), name: 'PutObject', key, arn: WRITER, accessKeyId: WRITER_KEY }),
    // A batch delete in the key's bucket while it exists: a candidate worth listing.
    batchDelete(ids.candidateInLifetime, at('09:01:00'), BUCKET),
    // A batch delete in a bucket where the key was never seen: counted, not listed.
    batchDelete(ids.candidateOtherBucket, at('09:02:00'), OTHER_BUCKET),
    session('ops-session-alice', at('09:04:00'), ALICE_KEY, ALICE, ALICE_ROLE),
    get({
      id: ids.readDirect,
      time: at('09:05:00'),
      name: 'GetObject',
      key,
      extra: {
        addendum: {
          reason: 'DELIVERY_DELAY',
          updatedFields: '',
          originalRequestID: `req-${ids.readDirect}`,
          originalEventID: ids.readDirect,
        },
      },
    }),
    // Through the access point: `bucketName` names the access point (one of the two UNCONFIRMED
    // spellings), `resources` adds the access point ARN as the AWS page on access points shows it.
    {
      ...get({ id: ids.readThroughAccessPoint, time: at('09:10:00'), name: 'GetObject', key, bucket: ACCESS_POINT }),
      resources: [
        { type: 'AWS::S3Express::Object', ARN: `arn:aws:s3express:${REGION}:${ACCOUNT}:bucket/${BUCKET}/${key}` },
        {
          accountId: ACCOUNT,
          type: 'AWS::S3Express::DirectoryBucket',
          ARN: `arn:aws:s3express:${REGION}:${ACCOUNT}:bucket/${BUCKET}`,
        },
        {
          accountId: ACCOUNT,
          type: 'AWS::S3::AccessPoint',
          ARN: `arn:aws:s3express:${REGION}:${ACCOUNT}:accesspoint/${ACCESS_POINT}`,
        },
      ],
    },
    // CopyObject is signed with IAM credentials; its source as `bucket/key`.
    get({
      id: ids.copy,
      time: at('09:15:00'),
      name: 'CopyObject',
      key: OPERATIONS.copyDestination,
      bucket: OTHER_BUCKET,
      accessKeyId: 'ASIAALICEIAMKEY00001',
      extraParameters: { 'x-amz-copy-source': `${BUCKET}/${key}` },
    }),
    // UploadPartCopy with the `/bucket/key` spelling, URL-encoded, with a versionId.
    get({
      id: ids.partCopy,
      time: at('09:20:00'),
      name: 'UploadPartCopy',
      key: OPERATIONS.partCopyDestination,
      extraParameters: { 'x-amz-copy-source': `/${BUCKET}/reports%2Fq3.csv?versionId=null`, partNumber: '1', uploadId: 'up-1' },
    }),
    get({
      id: ids.failedDelete,
      time: at('09:25:00'),
      name: 'DeleteObject',
      key,
      arn: INTRUDER,
      accessKeyId: 'ASIAMALLORY000000001',
      error: { code: 'AccessDenied', message: 'Access Denied' },
    }),
    get({
      id: ids.rename,
      time: at('09:30:00'),
      name: 'RenameObject',
      key: OPERATIONS.renamedTo,
      arn: WRITER,
      accessKeyId: WRITER_KEY,
      extraParameters: { 'x-amz-rename-source': key },
    }),
    // After the rename the key no longer exists: this batch delete cannot have removed it.
    batchDelete(ids.candidateAfterRename, at('09:40:00'), BUCKET),
    get({
      id: ids.spacedPut,
      time: at('09:45:00'),
      name: 'PutObject',
      key: OPERATIONS.spacedKey,
      arn: WRITER,
      accessKeyId: WRITER_KEY,
    }),
    get({
      id: ids.spacedRename,
      time: at('09:50:00'),
      name: 'RenameObject',
      key: OPERATIONS.spacedRenamedTo,
      arn: WRITER,
      accessKeyId: WRITER_KEY,
      extraParameters: { renameSource: `/${BUCKET}/tmp/a%20b.txt` },
    }),
    get({
      id: ids.failedOnlyDelete,
      time: at('10:00:00'),
      name: 'DeleteObject',
      key: OPERATIONS.failedOnlyKey,
      arn: INTRUDER,
      accessKeyId: 'ASIAMALLORY000000001',
      error: { code: 'AccessDenied', message: 'Access Denied' },
    }),
    get({
      id: ids.bobPut,
      time: at('10:05:00'),
      name: 'PutObject',
      key: 'bob/notes.txt',
      arn: BOB,
      accessKeyId: 'AKIAEXAMPLEBOB000001',
    }),
    get({
      id: ids.noSuchKey,
      time: at('10:10:00'),
      name: 'GetObject',
      key: 'missing.txt',
      error: { code: 'NoSuchKey', message: 'The specified key does not exist.' },
    }),
    deniedSession,
    // A zonal call logged as a management event (S3 UG): no key, must not count as an object event.
    {
      ...get({ id: ids.listUploads, time: at('10:35:00'), name: 'ListMultipartUploads' }),
      readOnly: true,
      managementEvent: true,
      eventCategory: 'Management',
    },
    // An aggregated-events summary: no eventName, no userIdentity (CloudTrail UG, aggregating data events).
    {
      eventVersion: '1.11',
      eventTime: at('10:40:00'),
      eventSource: 's3express.amazonaws.com',
      awsRegion: REGION,
      eventID: 'ops-aggregated-1',
      eventType: 'AwsAggregatedEvent',
      eventCategory: 'Aggregated',
      recipientAccountId: ACCOUNT,
      summary: { templateName: 'API_ACTIVITY', windowStart: at('10:35:00'), windowEnd: at('10:40:00') },
    },
  ];
}

/**
 * Write the archive under `root` (an organization trail's layout, two delivery files, one record
 * delivered twice, a digest file beside CloudTrail/) and return the logs directory to point s3x at.
 */
export async function writeOperationsArchive(root: string): Promise<string> {
  const records = operationsRecords();
  const base = path.join(root, 'AWSLogs', ORGANIZATION, ACCOUNT);
  const dayDir = path.join(base, 'CloudTrail', REGION, ...DAY.split('/'));
  const digestDir = path.join(base, 'CloudTrail-Digest', REGION, ...DAY.split('/'));
  await mkdir(dayDir, { recursive: true });
  await mkdir(digestDir, { recursive: true });
  const middle = Math.ceil(records.length / 2);
  const files: Array<[string, CloudTrailRecord[]]> = [
    ['20261120T0955Z_a1', records.slice(0, middle)],
    // CloudTrail may deliver a record twice: the last record of the first file again.
    ['20261120T1045Z_b2', [...records.slice(middle - 1)]],
  ];
  for (const [name, batch] of files) {
    await writeFile(
      path.join(dayDir, `${ACCOUNT}_CloudTrail_${REGION}_${name}.json.gz`),
      gzipSync(JSON.stringify({ Records: batch })),
    );
  }
  await writeFile(
    path.join(digestDir, `${ACCOUNT}_CloudTrail-Digest_${REGION}_trail_${REGION}_20261120T1100Z.json.gz`),
    gzipSync(JSON.stringify({ awsAccountId: ACCOUNT, digestStartTime: SINCE, logFiles: [] })),
  );
  return root;
}
