import {
  AccessDeniedException,
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  ThrottlingException,
  TrailNotFoundException,
} from '@aws-sdk/client-cloudtrail';
import { AccessDenied, ListDirectoryBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { TrailInventory } from '../../../src/aws/cloudtrail/trail-inventory.js';
import { EngineError } from '../../../src/errors.js';

const ACCOUNT = '111122223333';
const LOCAL_ARN = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/local`;
const GLOBAL_ARN = `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/org-wide`;
const EXPRESS_SELECTORS = [
  {
    Name: 'S3 Express',
    FieldSelectors: [
      { Field: 'eventCategory', Equals: ['Data'] },
      { Field: 'resources.type', Equals: ['AWS::S3Express::Object'] },
    ],
  },
];

class FakeClock {
  time = Date.parse('2026-11-24T00:00:00Z');
  readonly sleeps: number[] = [];
  now = (): number => this.time;
  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.time += ms;
  };
  random = (): number => 0.5;
}

const cloudTrail = mockClient(CloudTrailClient);
const s3 = mockClient(S3Client);
let clock: FakeClock;
let clients: Map<string, CloudTrailClient>;

function inventory(): TrailInventory {
  return new TrailInventory(
    {
      region: 'us-east-1',
      s3: new S3Client({ region: 'us-east-1' }),
      cloudTrailFor: (region) => {
        const existing = clients.get(region);
        if (existing) return existing;
        const client = new CloudTrailClient({ region });
        clients.set(region, client);
        return client;
      },
    },
    clock,
  );
}

/** The Region of the client a call was sent with. */
function regionOf(thisValue: unknown): string | undefined {
  return [...clients].find(([, client]) => client === thisValue)?.[0];
}

beforeEach(() => {
  cloudTrail.reset();
  s3.reset();
  clock = new FakeClock();
  clients = new Map();
});

describe('TrailInventory.directoryBuckets', () => {
  it('pages through ListDirectoryBuckets with ContinuationToken', async () => {
    s3.on(ListDirectoryBucketsCommand)
      .resolvesOnce({
        Buckets: [
          {
            Name: 'hot--use1-az4--x-s3',
            CreationDate: new Date('2026-01-02T03:04:05.678Z'),
            BucketArn: `arn:aws:s3express:us-east-1:${ACCOUNT}:bucket/hot--use1-az4--x-s3`,
          },
          { Name: 'cold--use1-az6--x-s3', BucketRegion: 'us-east-1' },
        ],
        ContinuationToken: 'page-2',
      })
      .resolvesOnce({ Buckets: [{ Name: 'tmp--use1-az5--x-s3' }, {}] });

    expect(await inventory().directoryBuckets()).toEqual([
      { name: 'hot--use1-az4--x-s3', region: 'us-east-1', account: ACCOUNT, createdAt: '2026-01-02T03:04:05Z' },
      { name: 'cold--use1-az6--x-s3', region: 'us-east-1' },
      { name: 'tmp--use1-az5--x-s3', region: 'us-east-1' },
    ]);
    expect(s3.commandCalls(ListDirectoryBucketsCommand).map((call) => call.args[0].input)).toEqual([
      {},
      { ContinuationToken: 'page-2' },
    ]);
  });

  it('stops when the response only echoes the token it was sent', async () => {
    s3.on(ListDirectoryBucketsCommand)
      .resolvesOnce({ Buckets: [{ Name: 'a--use1-az4--x-s3' }], ContinuationToken: 'same' })
      .resolves({ Buckets: [], ContinuationToken: 'same' });
    expect(await inventory().directoryBuckets()).toHaveLength(1);
    expect(s3.commandCalls(ListDirectoryBucketsCommand)).toHaveLength(2);
  });

  it('names the missing permission when S3 denies the listing', async () => {
    s3.on(ListDirectoryBucketsCommand).rejects(
      new AccessDenied({
        message: `User arn:aws:iam::${ACCOUNT}:user/bot is not authorized`,
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const error = await inventory()
      .directoryBuckets()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).userMessage).toBe(
      's3x is not allowed to list the account’s directory buckets: its role needs the `s3express:ListAllMyDirectoryBuckets` ' +
        'permission (see docs/iam/read-only.json).',
    );
    expect((error as EngineError).userMessage).not.toContain(ACCOUNT);
  });
});

describe('TrailInventory.trails', () => {
  function describeBoth(): void {
    cloudTrail.on(DescribeTrailsCommand).resolves({
      trailList: [
        { Name: 'local', TrailARN: LOCAL_ARN, HomeRegion: 'us-east-1', IsMultiRegionTrail: false },
        { Name: 'org-wide', TrailARN: GLOBAL_ARN, HomeRegion: 'eu-west-1', IsMultiRegionTrail: true },
        // The same shadow trail listed twice.
        { Name: 'org-wide', TrailARN: GLOBAL_ARN, HomeRegion: 'eu-west-1', IsMultiRegionTrail: true },
      ],
    });
  }

  it('describes every trail once, with its status here and its selectors from its home Region', async () => {
    describeBoth();
    cloudTrail
      .on(GetTrailStatusCommand, { Name: LOCAL_ARN })
      .resolves({ IsLogging: true, StartLoggingTime: new Date('2026-11-01T10:00:00.500Z') })
      .on(GetTrailStatusCommand, { Name: GLOBAL_ARN })
      .resolves({ IsLogging: false, StartLoggingTime: new Date('2026-10-01T00:00:00Z') })
      .on(GetEventSelectorsCommand, { TrailName: LOCAL_ARN })
      .resolves({ TrailARN: LOCAL_ARN, AdvancedEventSelectors: EXPRESS_SELECTORS })
      .on(GetEventSelectorsCommand, { TrailName: GLOBAL_ARN })
      .resolves({ TrailARN: GLOBAL_ARN, EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }] });

    expect(await inventory().trails()).toEqual([
      {
        name: 'local',
        arn: LOCAL_ARN,
        homeRegion: 'us-east-1',
        isMultiRegion: false,
        isLogging: true,
        selectors: { advanced: EXPRESS_SELECTORS },
        loggingSince: '2026-11-01T10:00:00Z',
        destination: { prefix: '' },
      },
      {
        name: 'org-wide',
        arn: GLOBAL_ARN,
        homeRegion: 'eu-west-1',
        isMultiRegion: true,
        isLogging: false,
        selectors: { basic: [{ ReadWriteType: 'All', IncludeManagementEvents: true }] },
        destination: { prefix: '' },
      },
    ]);

    const describe = cloudTrail.commandCalls(DescribeTrailsCommand);
    expect(describe.map((call) => [call.args[0].input, regionOf(call.thisValue)])).toEqual([
      [{ includeShadowTrails: true }, 'us-east-1'],
    ]);
    expect(cloudTrail.commandCalls(GetTrailStatusCommand).map((call) => [call.args[0].input, regionOf(call.thisValue)])).toEqual([
      [{ Name: LOCAL_ARN }, 'us-east-1'],
      [{ Name: GLOBAL_ARN }, 'us-east-1'],
    ]);
    expect(
      cloudTrail.commandCalls(GetEventSelectorsCommand).map((call) => [call.args[0].input, regionOf(call.thisValue)]),
    ).toEqual([
      [{ TrailName: LOCAL_ARN }, 'us-east-1'],
      [{ TrailName: GLOBAL_ARN }, 'eu-west-1'],
    ]);
  });

  it('reports each trail’s last delivery, its delivery error, and whether it delivers where s3x reads', async () => {
    cloudTrail
      .on(DescribeTrailsCommand)
      .resolves({
        trailList: [
          { Name: 'local', TrailARN: LOCAL_ARN, HomeRegion: 'us-east-1', S3BucketName: 'org-logs', S3KeyPrefix: 'ct/' },
          {
            Name: 'org-wide',
            TrailARN: GLOBAL_ARN,
            HomeRegion: 'eu-west-1',
            S3BucketName: 'elsewhere-logs',
            KmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k1',
          },
        ],
      })
      .on(GetTrailStatusCommand, { Name: LOCAL_ARN })
      .resolves({ IsLogging: true, LatestDeliveryTime: new Date('2026-11-24T09:05:00.250Z') })
      .on(GetTrailStatusCommand, { Name: GLOBAL_ARN })
      .resolves({ IsLogging: true, LatestDeliveryError: 'NoSuchBucket' })
      .on(GetEventSelectorsCommand)
      .resolves({ AdvancedEventSelectors: EXPRESS_SELECTORS });
    const located = new TrailInventory(
      {
        region: 'us-east-1',
        s3: new S3Client({ region: 'us-east-1' }),
        cloudTrailFor: (region) => new CloudTrailClient({ region }),
      },
      clock,
      { bucket: 'org-logs', prefix: '/ct/' },
    );
    const [local, global] = await located.trails();
    expect(local).toMatchObject({
      latestDeliveryTime: '2026-11-24T09:05:00Z',
      destination: { bucket: 'org-logs', prefix: 'ct' },
      deliversWhereRead: true,
    });
    expect(global).toMatchObject({
      latestDeliveryError: 'NoSuchBucket',
      destination: { bucket: 'elsewhere-logs', prefix: '', kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k1' },
      deliversWhereRead: false,
    });
    // Without a configured location, s3x does not judge where a trail delivers.
    expect((await inventory().trails()).every((trail) => trail.deliversWhereRead === undefined)).toBe(true);
  });

  it('retries throttling with jittered backoff, then succeeds', async () => {
    cloudTrail
      .on(DescribeTrailsCommand)
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }))
      .rejectsOnce(Object.assign(new Error('Too many requests'), { $metadata: { httpStatusCode: 429 } }))
      .resolves({ trailList: [{ Name: 'local', TrailARN: LOCAL_ARN, HomeRegion: 'us-east-1' }] })
      .on(GetTrailStatusCommand)
      .resolves({ IsLogging: true })
      .on(GetEventSelectorsCommand)
      .resolves({ AdvancedEventSelectors: EXPRESS_SELECTORS });

    const trails = await inventory().trails();
    expect(trails.map((trail) => [trail.name, trail.isLogging, trail.loggingSince])).toEqual([['local', true, undefined]]);
    expect(cloudTrail.commandCalls(DescribeTrailsCommand)).toHaveLength(3);
    // random() = 0.5 of min(cap, 500 ms × 2^n).
    expect(clock.sleeps).toEqual([250, 500]);
  });

  it('gives up on endless throttling with a message to try again', async () => {
    cloudTrail.on(DescribeTrailsCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
    await expect(inventory().trails()).rejects.toMatchObject({
      userMessage: 'AWS kept throttling s3x while it tried to list the account’s CloudTrail trails. Try again in a minute.',
    });
    expect(cloudTrail.commandCalls(DescribeTrailsCommand)).toHaveLength(5);
  });

  const DENIALS = [
    {
      permission: 'cloudtrail:DescribeTrails',
      purpose: 'list the account’s CloudTrail trails',
      deny: (error: Error) => cloudTrail.on(DescribeTrailsCommand).rejects(error),
      calls: () => cloudTrail.commandCalls(DescribeTrailsCommand).length,
    },
    {
      permission: 'cloudtrail:GetTrailStatus',
      purpose: 'read whether a CloudTrail trail is logging',
      deny: (error: Error) => cloudTrail.on(GetTrailStatusCommand).rejects(error),
      calls: () => cloudTrail.commandCalls(GetTrailStatusCommand).length,
    },
    {
      permission: 'cloudtrail:GetEventSelectors',
      purpose: 'read a CloudTrail trail’s event selectors',
      deny: (error: Error) => cloudTrail.on(GetEventSelectorsCommand).rejects(error),
      calls: () => cloudTrail.commandCalls(GetEventSelectorsCommand).length,
    },
  ];

  it.each(DENIALS)('names the missing permission when $permission is denied', async ({ permission, purpose, deny, calls }) => {
    describeBoth();
    cloudTrail.on(GetTrailStatusCommand).resolves({ IsLogging: true }).on(GetEventSelectorsCommand).resolves({});
    const raw = `User: arn:aws:sts::${ACCOUNT}:assumed-role/s3x/bot is not authorized to perform: ${permission}`;
    deny(new AccessDeniedException({ message: raw, $metadata: { httpStatusCode: 400 } }));
    const error = await inventory()
      .trails()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).userMessage).toBe(
      `s3x is not allowed to ${purpose}: its role needs the \`${permission}\` permission (see docs/iam/read-only.json).`,
    );
    // The AWS message (account, role) goes to the logs only.
    expect((error as EngineError).message).toContain(raw);
    // Access denied is not retried.
    expect(calls()).toBe(1);
  });

  it('leaves out a trail deleted between DescribeTrails and its status', async () => {
    describeBoth();
    cloudTrail
      .on(GetTrailStatusCommand, { Name: LOCAL_ARN })
      .rejects(new TrailNotFoundException({ message: 'gone', $metadata: {} }))
      .on(GetTrailStatusCommand, { Name: GLOBAL_ARN })
      .resolves({ IsLogging: true })
      .on(GetEventSelectorsCommand)
      .resolves({ AdvancedEventSelectors: EXPRESS_SELECTORS });
    expect((await inventory().trails()).map((trail) => trail.name)).toEqual(['org-wide']);
  });

  it('reports an unexpected failure by its error name only', async () => {
    cloudTrail.on(DescribeTrailsCommand).rejects(Object.assign(new Error(`boom in ${ACCOUNT}`), { name: 'InternalFailure' }));
    await expect(inventory().trails()).rejects.toMatchObject({
      userMessage:
        's3x could not list the account’s CloudTrail trails (InternalFailure). Check the credentials and Region s3x runs with, then try again.',
    });
  });
});
