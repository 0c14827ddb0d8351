import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  askBucketEventsWithEngine,
  buildBucketEventsQuery,
  summarizeRequestParameters,
  toBucketEventsAnswer,
} from '../../../src/answers/bucket-events/question.js';
import { parseCommand } from '../../../src/commands/parse.js';
import type { BucketEventsRequest } from '../../../src/commands/requests.js';
import { LocalEngine } from '../../../src/engines/local/local-engine.js';
import { MAX_ROWS } from '../../../src/questions/sql-pieces.js';
import { tempDir, writeDeliveryFile } from '../../helpers/archive.js';
import { REAL_DATASETS } from '../../helpers/paths.js';

const NOW = new Date('2026-11-24T00:00:00Z');
const BERT_JAN = 'arn:aws:iam::123837392027:user/bert-jan';

function request(...words: string[]): BucketEventsRequest {
  return parseCommand(['bucket-events', ...words], NOW) as BucketEventsRequest;
}

describe('buildBucketEventsQuery', () => {
  const table = { name: 'cloudtrail_logs', partitionedByDay: true, regions: ['us-east-1'] };
  // Built by hand: the parser would refuse this name, the query must not depend on that.
  const query = buildBucketEventsQuery(
    {
      command: 'bucket-events',
      bucket: "x'--use1-az4--x-s3",
      window: { since: new Date('2026-11-01T00:00:00Z'), until: new Date('2026-11-03T00:00:00Z') },
    },
    table,
  );

  it('binds every value as a parameter and keeps the row cap a constant', () => {
    expect(query.sql.params).toEqual([
      '2026/11/01',
      '2026/11/03',
      'us-east-1',
      '2026-11-01T00:00:00Z',
      '2026-11-03T00:00:00Z',
      's3express.amazonaws.com',
      "x'--use1-az4--x-s3",
    ]);
    expect(query.sql.text).not.toContain("x'");
    expect(query.sql.text).toMatch(new RegExp(`LIMIT ${MAX_ROWS}$`));
    expect(query.days).toEqual({ from: '2026/11/01', to: '2026/11/03' });
  });

  it('puts ? only in the WHERE clause of the scan (Athena allows them nowhere else)', () => {
    const [beforeWhere = '', afterWhere = ''] = query.sql.text.split(/\bWHERE\b/, 2);
    expect(beforeWhere).not.toContain('?');
    expect(afterWhere.split('\n),')[0]).toContain('?');
    expect(afterWhere.split('\n),').slice(1).join()).not.toContain('?');
  });

  it('keeps management events only and counts read-only calls in the same query', () => {
    expect(query.sql.text).toContain("(eventcategory = 'Management' OR eventcategory IS NULL)");
    expect(query.sql.text).toContain("json_extract_scalar(requestparameters, '$.bucketName') = ?");
    expect(query.sql.text).toContain('AS read_only_hidden');
  });
});

describe('summarizeRequestParameters', () => {
  it('compacts a policy logged as an object or as a JSON string to the same text', () => {
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3express:CreateSession' }] };
    const compact = JSON.stringify(policy);
    expect(summarizeRequestParameters({ bucketName: 'b', bucketPolicy: policy })).toBe(compact);
    expect(summarizeRequestParameters({ bucketName: 'b', bucketPolicy: JSON.stringify(policy, null, 2) })).toBe(compact);
  });

  it('drops the bucket, the host and empty sub-resource markers, and cuts long text to 300 characters', () => {
    expect(summarizeRequestParameters({ bucketName: 'b', Host: 'b.s3.amazonaws.com', policy: '' })).toBeNull();
    expect(summarizeRequestParameters({ bucketName: 'b', 'x-amz-acl': 'private' })).toBe('{"x-amz-acl":"private"}');
    const long = summarizeRequestParameters({ bucketPolicy: { Statement: 'x'.repeat(1000) } });
    expect(long).toHaveLength(300);
    expect(long?.endsWith('…')).toBe(true);
    expect(summarizeRequestParameters(null)).toBeNull();
  });
});

describe('bucket-events over the real Invictus IR CloudTrail records (2023-07-10)', () => {
  let engine: LocalEngine;
  beforeAll(async () => {
    engine = await LocalEngine.open({ logsDir: REAL_DATASETS });
  });
  afterAll(async () => {
    await engine.close();
  });

  it('lists the five changes to the backdoored bucket newest first and hides its 25 read-only calls', async () => {
    const answer = await askBucketEventsWithEngine(
      request('stratus-red-team-bdbp-lhfzvgcamn', '--since', '2023-07-10', '--until', '2023-07-10'),
      engine,
    );
    expect(answer.sources).toEqual(['s3.amazonaws.com']);
    expect(answer.events.map((e) => [e.eventId, e.eventTime, e.eventName, e.principalArn, e.errorCode])).toEqual([
      ['1ff32724-bbee-4420-b152-00bf0df89e77', '2023-07-10T12:28:37Z', 'DeleteBucket', BERT_JAN, null],
      ['b921a62d-9241-42a2-bb3c-6821e55c20cd', '2023-07-10T12:28:24Z', 'DeleteBucketPolicy', BERT_JAN, null],
      ['d58cf935-0194-41d0-baa0-9efc030ce2e6', '2023-07-10T12:22:41Z', 'PutBucketPolicy', BERT_JAN, null],
      ['3062b11c-79df-4632-b794-8768581013e9', '2023-07-10T12:22:35Z', 'PutBucketTagging', BERT_JAN, null],
      ['ee75d695-6f74-4b72-bfa8-928409cef70e', '2023-07-10T12:22:34Z', 'CreateBucket', BERT_JAN, null],
    ]);
    expect(answer.totalMatches).toBe(5);
    expect(answer.readOnlyHidden).toBe(25);
    expect(answer.events.every((e) => e.readOnly === false && e.sourceIp === '192.168.10.20' && e.region === 'us-east-1')).toBe(
      true,
    );
    // The backdoor: read access for a foreign account's root.
    expect(answer.events[2]?.requestSummary).toBe(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::193672423079:root"},' +
        '"Action":["s3:GetObject","s3:GetBucketLocation","s3:ListBucket"],' +
        '"Resource":["arn:aws:s3:::stratus-red-team-bdbp-lhfzvgcamn/*","arn:aws:s3:::stratus-red-team-bdbp-lhfzvgcamn"]}]}',
    );
    expect(answer.events[4]?.requestSummary).toBe('{"x-amz-acl":"private"}');
    expect(answer.events[0]?.requestSummary).toBeNull();
  });

  it('keeps failed DeleteBucket calls with their error, next to the lifecycle rule that expires the logs', async () => {
    const answer = await askBucketEventsWithEngine(
      request('stratus-red-team-ctlr-bucket-zqfsvooxqj', '--since', '2023-07-10', '--until', '2023-07-10'),
      engine,
    );
    expect(answer.events.map((e) => [e.eventId, e.eventName, e.errorCode])).toEqual([
      ['0bf919d7-2cce-42ba-a1fa-96f6a21c780b', 'DeleteBucket', null],
      ['47eeb056-60c7-45ad-bbfd-d0f122a73b2e', 'DeleteBucket', 'BucketNotEmpty'],
      ['4b30a35a-5e70-49aa-99b9-6989cf0704bc', 'DeleteBucket', 'BucketNotEmpty'],
      ['8ec435c9-76d1-47d1-8eae-8a8864e3dff5', 'DeleteBucketLifecycle', null],
      ['7823c70d-f7f9-4a04-b4c0-baa8fbe09ea3', 'PutBucketLifecycle', null],
      ['dfcc072b-da6e-454c-b4bf-f7fbf9052e00', 'PutBucketPolicy', null],
      ['802075d5-9761-417d-a32a-3277cd1dfc12', 'PutBucketTagging', null],
      ['68c99c97-c191-4329-b210-82ca8631066d', 'CreateBucket', null],
    ]);
    expect(answer.events[1]?.errorMessage).toBe('The bucket you tried to delete is not empty');
    expect(answer.events[4]?.requestSummary).toContain('"ID":"nuke-cloudtrail-logs-after-1-day"');
  });

  it('finds nothing outside the window', async () => {
    const answer = await askBucketEventsWithEngine(
      request('stratus-red-team-bdbp-lhfzvgcamn', '--since', '2023-07-11', '--until', '2023-07-12'),
      engine,
    );
    expect(answer).toMatchObject({ events: [], totalMatches: 0, readOnlyHidden: 0 });
  });
});

describe('bucket-events over a trail-layout archive of a directory bucket', () => {
  const BUCKET = 'hot--use1-az4--x-s3';
  const ADMIN = 'arn:aws:sts::111122223333:assumed-role/Admin/alice';
  let root: string;
  let engine: LocalEngine;
  let counter = 0;

  function managementEvent(overrides: {
    eventName: string;
    eventTime: string;
    bucket?: string;
    eventID?: string;
    readOnly?: boolean;
    eventSource?: string;
    extra?: Record<string, unknown>;
    parameters?: Record<string, unknown>;
  }): Record<string, unknown> {
    counter += 1;
    return {
      eventVersion: '1.09',
      userIdentity: { type: 'AssumedRole', arn: ADMIN, accountId: '111122223333', accessKeyId: 'ASIAADMIN' },
      eventTime: overrides.eventTime,
      eventSource: overrides.eventSource ?? 's3express.amazonaws.com',
      eventName: overrides.eventName,
      awsRegion: 'us-east-1',
      sourceIPAddress: '198.51.100.4',
      userAgent: 'aws-cli/2.17.0',
      requestParameters: {
        bucketName: overrides.bucket ?? BUCKET,
        Host: 's3express-control.us-east-1.amazonaws.com',
        ...overrides.parameters,
      },
      responseElements: null,
      requestID: `MREQ${counter}`,
      eventID: overrides.eventID ?? `mgmt-${counter}`,
      readOnly: overrides.readOnly ?? false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: '111122223333',
      eventCategory: 'Management',
      ...overrides.extra,
    };
  }

  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3express:CreateSession' }] };

  beforeAll(async () => {
    root = await tempDir();
    const putPolicy = managementEvent({
      eventName: 'PutBucketPolicy',
      eventTime: '2026-11-04T09:00:00Z',
      eventID: 'put-policy',
      // Directory-bucket records log the policy as a JSON string.
      parameters: { bucketPolicy: JSON.stringify(policy), policy: '' },
    });
    await writeDeliveryFile(root, '2026/11/03', '20261103T1005Z_a', [
      managementEvent({ eventName: 'CreateBucket', eventTime: '2026-11-03T10:00:00Z', eventID: 'create' }),
    ]);
    await writeDeliveryFile(root, '2026/11/04', '20261104T0905Z_a', [
      putPolicy,
      managementEvent({ eventName: 'GetBucketPolicy', eventTime: '2026-11-04T09:01:00Z', readOnly: true }),
      managementEvent({ eventName: 'DeleteBucketPolicy', eventTime: '2026-11-04T09:02:00Z', bucket: 'other--use1-az4--x-s3' }),
      // The same name under the general-purpose source is another service's record, not this bucket's.
      managementEvent({ eventName: 'DeleteBucketPolicy', eventTime: '2026-11-04T09:03:00Z', eventSource: 's3.amazonaws.com' }),
      // A data event naming the bucket is not a bucket-level event.
      managementEvent({
        eventName: 'PutObject',
        eventTime: '2026-11-04T09:04:00Z',
        parameters: { key: 'a.txt' },
        extra: { managementEvent: false, eventCategory: 'Data' },
      }),
    ]);
    // The same PutBucketPolicy delivered a second time.
    await writeDeliveryFile(root, '2026/11/04', '20261104T0915Z_dup', [putPolicy]);
    await writeDeliveryFile(root, '2026/11/06', '20261106T1205Z_a', [
      managementEvent({
        eventName: 'DeleteBucket',
        eventTime: '2026-11-06T12:00:00Z',
        eventID: 'delete-failed',
        extra: { errorCode: 'BucketNotEmpty', errorMessage: 'The bucket you tried to delete is not empty' },
      }),
      managementEvent({
        eventName: 'ListDirectoryBuckets',
        eventTime: '2026-11-06T12:01:00Z',
        readOnly: true,
        bucket: 'quiet--use1-az4--x-s3',
      }),
      managementEvent({
        eventName: 'GetBucketPolicy',
        eventTime: '2026-11-06T12:02:00Z',
        readOnly: true,
        bucket: 'quiet--use1-az4--x-s3',
      }),
    ]);
    // Outside the window asked below.
    await writeDeliveryFile(root, '2026/10/20', '20261020T0005Z_a', [
      managementEvent({ eventName: 'PutBucketPolicy', eventTime: '2026-10-20T00:00:00Z', eventID: 'too-old' }),
    ]);
    engine = await LocalEngine.open({ logsDir: root });
  });
  afterAll(async () => {
    await engine.close();
  });

  it('lists the bucket’s changes once each, newest first, and counts the read-only call', async () => {
    const answer = await askBucketEventsWithEngine(request(BUCKET, '--since', '2026-11-01', '--until', '2026-11-07'), engine);
    expect(answer.sources).toEqual(['s3express.amazonaws.com']);
    expect(answer.events.map((e) => [e.eventId, e.eventName, e.errorCode])).toEqual([
      ['delete-failed', 'DeleteBucket', 'BucketNotEmpty'],
      ['put-policy', 'PutBucketPolicy', null],
      ['create', 'CreateBucket', null],
    ]);
    expect(answer.totalMatches).toBe(3);
    expect(answer.readOnlyHidden).toBe(1);
    expect(answer.events[1]).toEqual({
      eventId: 'put-policy',
      eventTime: '2026-11-04T09:00:00Z',
      eventName: 'PutBucketPolicy',
      eventSource: 's3express.amazonaws.com',
      region: 'us-east-1',
      principalArn: ADMIN,
      principalType: 'AssumedRole',
      invokedBy: null,
      sourceIp: '198.51.100.4',
      userAgent: 'aws-cli/2.17.0',
      errorCode: null,
      errorMessage: null,
      readOnly: false,
      requestSummary: JSON.stringify(policy),
    });
    expect(answer.stats.engine).toBe('local');
  });

  it('still reports the read-only count when every call was read-only', async () => {
    const answer = await askBucketEventsWithEngine(
      request('quiet--use1-az4--x-s3', '--since', '2026-11-01', '--until', '2026-11-07'),
      engine,
    );
    expect(answer).toMatchObject({ events: [], totalMatches: 0, readOnlyHidden: 2 });
  });

  it('reads only the window’s folders', async () => {
    const answer = await askBucketEventsWithEngine(request(BUCKET, '--since', '2026-10-01', '--until', '2026-10-31'), engine);
    expect(answer.events.map((e) => e.eventId)).toEqual(['too-old']);
    expect(answer.stats.filesScanned).toBe(1);
  });

  it('maps engine rows without any row to an empty answer', () => {
    const answer = toBucketEventsAnswer(request(BUCKET), [], {
      engine: 'athena',
      bytesScanned: 0,
      unreadableFiles: [],
      elapsedMs: 1,
      warnings: [],
    });
    expect(answer).toMatchObject({ question: 'bucket-events', bucket: BUCKET, events: [], totalMatches: 0, readOnlyHidden: 0 });
  });
});
