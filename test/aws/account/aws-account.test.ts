import {
  AccessDeniedException,
  CloudTrailClient,
  CreateTrailCommand,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  InsufficientS3BucketPolicyException,
  InvalidEventSelectorsException,
  InvalidHomeRegionException,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  ThrottlingException,
} from '@aws-sdk/client-cloudtrail';
import {
  DeleteBucketPolicyCommand,
  GetBucketPolicyCommand,
  ListDirectoryBucketsCommand,
  PutBucketPolicyCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeAssumeRemediationRole } from '../../../src/aws/account/assume-role.js';
import { ApplyError, AwsAccount } from '../../../src/aws/account/aws-account.js';
import { EngineError } from '../../../src/errors.js';
import type { PlannedCall } from '../../../src/remediation/types.js';

const ACCOUNT = '111122223333';
const TRAIL_ARN = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/s3x-data-events`;
const SELECTORS = [
  {
    Name: 'S3 Express',
    FieldSelectors: [
      { Field: 'eventCategory', Equals: ['Data'] },
      { Field: 'resources.type', Equals: ['AWS::S3Express::Object'] },
    ],
  },
];
const POLICY =
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3express:CreateSession","Resource":"*"}]}';
const ACTOR = { approverId: 'U0APPROVER', requestId: 'req-1' };

const cloudTrail = mockClient(CloudTrailClient);
const s3 = mockClient(S3Client);
const sts = mockClient(STSClient);

const clock = { now: () => 0, sleep: async (_ms: number): Promise<void> => {}, random: () => 0.5 };

function account(extra: Partial<ConstructorParameters<typeof AwsAccount>[0]> = {}): AwsAccount {
  return new AwsAccount({
    region: 'us-east-1',
    account: ACCOUNT,
    cloudTrailFor: (region) => new CloudTrailClient({ region }),
    s3For: (region) => new S3Client({ region }),
    clock,
    ...extra,
  });
}

const ALL_CALLS: PlannedCall[] = [
  {
    api: 'cloudtrail:CreateTrail',
    region: 'us-east-1',
    name: 'new-trail',
    s3BucketName: 'logs',
    isMultiRegionTrail: true,
    enableLogFileValidation: true,
  },
  { api: 's3:PutBucketPolicy', bucket: 'logs', policy: '{"Statement":[]}' },
  { api: 'cloudtrail:PutEventSelectors', region: 'us-east-1', trailName: 'new-trail', advancedEventSelectors: SELECTORS },
  { api: 'cloudtrail:StartLogging', region: 'us-east-1', trailName: 'new-trail' },
  { api: 's3express:PutBucketPolicy', region: 'us-east-1', bucket: 'hot--use1-az4--x-s3', policy: POLICY },
  { api: 's3express:DeleteBucketPolicy', region: 'us-east-1', bucket: 'hot--use1-az4--x-s3' },
];

function awsError<T extends Error>(make: new (opts: { message: string; $metadata: object }) => T): T {
  return new make({ message: 'denied for arn:aws:iam::111122223333:role/x', $metadata: {} });
}

function s3Error(name: string): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', message: 'm', $metadata: {} });
}

beforeEach(() => {
  cloudTrail.reset();
  s3.reset();
  sts.reset();
});

describe('AwsAccount.apply', () => {
  it('sends exactly one command per planned call with exactly its values', async () => {
    cloudTrail.onAnyCommand().resolves({});
    s3.onAnyCommand().resolves({});
    const result = await account().apply(ALL_CALLS, ACTOR);
    expect(result.steps.map((s) => [s.api, s.ok])).toEqual(ALL_CALLS.map((c) => [c.api, true]));
    expect(cloudTrail.calls().map((c) => c.args[0].constructor)).toEqual([
      CreateTrailCommand,
      PutEventSelectorsCommand,
      StartLoggingCommand,
    ]);
    expect(cloudTrail.commandCalls(CreateTrailCommand)[0]?.args[0].input).toEqual({
      Name: 'new-trail',
      S3BucketName: 'logs',
      IsMultiRegionTrail: true,
      EnableLogFileValidation: true,
    });
    expect(cloudTrail.commandCalls(PutEventSelectorsCommand)[0]?.args[0].input).toEqual({
      TrailName: 'new-trail',
      AdvancedEventSelectors: SELECTORS,
    });
    expect(cloudTrail.commandCalls(StartLoggingCommand)[0]?.args[0].input).toEqual({ Name: 'new-trail' });
    expect(s3.calls().map((c) => c.args[0].input)).toEqual([
      { Bucket: 'logs', Policy: '{"Statement":[]}' },
      { Bucket: 'hot--use1-az4--x-s3', Policy: POLICY },
      { Bucket: 'hot--use1-az4--x-s3' },
    ]);
    expect(s3.commandCalls(DeleteBucketPolicyCommand)).toHaveLength(1);
    expect(s3.commandCalls(PutBucketPolicyCommand)).toHaveLength(2);
  });

  it('sends trail calls through the client of the call’s Region', async () => {
    cloudTrail.onAnyCommand().resolves({});
    const regions: string[] = [];
    await account({
      cloudTrailFor: (region) => {
        regions.push(region);
        return new CloudTrailClient({ region });
      },
    }).apply(
      [{ api: 'cloudtrail:PutEventSelectors', region: 'eu-west-1', trailName: 't', advancedEventSelectors: SELECTORS }],
      ACTOR,
    );
    expect(regions).toEqual(['eu-west-1']);
  });

  it.each([
    [awsError(InvalidEventSelectorsException), 'AWS rejected the event selectors'],
    [awsError(InsufficientS3BucketPolicyException), 'the log bucket policy does not let CloudTrail write'],
    [awsError(InvalidHomeRegionException), 'call it from the trail’s home Region'],
    [awsError(AccessDeniedException), 'missing the `cloudtrail:PutEventSelectors` permission'],
  ])('explains %s in plain words', async (error, expected) => {
    cloudTrail.on(PutEventSelectorsCommand).rejects(error);
    const failure = await account()
      .apply([ALL_CALLS[2] as PlannedCall], ACTOR)
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(EngineError);
    const message = (failure as EngineError).userMessage;
    expect(message).toContain('Step 1 of 1 (set the event selectors of trail new-trail) failed');
    expect(message).toContain(expected);
    expect(message).toContain('Nothing was changed.');
    expect(message).not.toContain('arn:aws:iam');
  });

  it('names the s3express permission a denied policy change needs', async () => {
    s3.on(PutBucketPolicyCommand).rejects(s3Error('AccessDenied'));
    const failure = (await account()
      .apply([ALL_CALLS[4] as PlannedCall], ACTOR)
      .catch((e: unknown) => e)) as EngineError;
    expect(failure.userMessage).toContain('`s3express:PutBucketPolicy` permission');
  });

  it('stops at the first failure: reports what was applied, never calls the rest', async () => {
    const calls: PlannedCall[] = [ALL_CALLS[0], ALL_CALLS[2], ALL_CALLS[3]] as PlannedCall[];
    cloudTrail.on(CreateTrailCommand).resolves({});
    cloudTrail.on(PutEventSelectorsCommand).rejects(awsError(InvalidEventSelectorsException));
    cloudTrail.on(StartLoggingCommand).resolves({});
    const failure = (await account()
      .apply(calls, ACTOR)
      .catch((e: unknown) => e)) as ApplyError;
    expect(failure).toBeInstanceOf(ApplyError);
    expect(failure.userMessage).toBe(
      'Step 2 of 3 (set the event selectors of trail new-trail) failed: AWS rejected the event selectors ' +
        '(too many selectors or values, or a field or value it does not accept). ' +
        'Already applied: step 1: create trail new-trail (logging to logs). The remaining step was not attempted.',
    );
    expect(failure.steps.map((s) => [s.api, s.ok])).toEqual([
      ['cloudtrail:CreateTrail', true],
      ['cloudtrail:PutEventSelectors', false],
    ]);
    expect(cloudTrail.commandCalls(StartLoggingCommand)).toHaveLength(0);
  });

  it('retries throttling, then succeeds', async () => {
    cloudTrail
      .on(StartLoggingCommand)
      .rejectsOnce(awsError(ThrottlingException))
      .rejectsOnce(awsError(ThrottlingException))
      .resolves({});
    const result = await account().apply([ALL_CALLS[3] as PlannedCall], ACTOR);
    expect(result.steps).toEqual([{ api: 'cloudtrail:StartLogging', ok: true, detail: 'start logging on trail new-trail' }]);
    expect(cloudTrail.commandCalls(StartLoggingCommand)).toHaveLength(3);
  });

  it('applies through the remediation role, assumed with the approver as SourceIdentity', async () => {
    sts.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: 'ASIAX', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date(0) },
    });
    s3.onAnyCommand().resolves({});
    const assume = makeAssumeRemediationRole(
      new STSClient({ region: 'us-east-1' }),
      'arn:aws:iam::111122223333:role/s3x-remediation',
    );
    const used: string[] = [];
    const acct = account({
      s3For: () => {
        throw new Error('base clients must not be used for apply');
      },
      assumeRemediationRole: async (approverId, requestId) => {
        const clients = await assume(approverId, requestId);
        return {
          cloudTrailFor: clients.cloudTrailFor,
          s3For: (region) => {
            used.push(region);
            return clients.s3For(region);
          },
        };
      },
    });
    await acct.apply([ALL_CALLS[5] as PlannedCall], ACTOR);
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toEqual({
      RoleArn: 'arn:aws:iam::111122223333:role/s3x-remediation',
      RoleSessionName: 's3x-req-1',
      SourceIdentity: 'U0APPROVER',
      DurationSeconds: 900,
    });
    expect(used).toEqual(['us-east-1']);
    const client = await assume('U1', 'r');
    const credentials = await client.s3For('us-east-1').config.credentials();
    expect(credentials.accessKeyId).toBe('ASIAX');
    expect(credentials.sessionToken).toBe('token');
  });

  it('changes nothing when the role cannot be assumed', async () => {
    const failure = (await account({
      assumeRemediationRole: async () => {
        throw s3Error('AccessDenied');
      },
    })
      .apply(ALL_CALLS, ACTOR)
      .catch((e: unknown) => e)) as ApplyError;
    expect(failure.userMessage).toContain('nothing was changed');
    expect(cloudTrail.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
  });
});

describe('AwsAccount.readState', () => {
  it('reads trails, status, selectors and every page of directory buckets', async () => {
    cloudTrail.on(DescribeTrailsCommand, { includeShadowTrails: true }).resolves({
      trailList: [
        { Name: 's3x-data-events', TrailARN: TRAIL_ARN, HomeRegion: 'us-east-1', IsMultiRegionTrail: true, S3BucketName: 'logs' },
      ],
    });
    cloudTrail.on(GetTrailStatusCommand, { Name: TRAIL_ARN }).resolves({ IsLogging: true });
    cloudTrail
      .on(GetEventSelectorsCommand, { TrailName: TRAIL_ARN })
      .resolves({ TrailARN: TRAIL_ARN, AdvancedEventSelectors: SELECTORS });
    s3.on(ListDirectoryBucketsCommand, {})
      .resolves({ Buckets: [{ Name: 'a--use1-az4--x-s3', BucketRegion: 'us-east-1' }], ContinuationToken: 'p2' })
      .on(ListDirectoryBucketsCommand, { ContinuationToken: 'p2' })
      .resolves({ Buckets: [{ Name: 'b--use1-az6--x-s3' }] });
    expect(await account().readState()).toEqual({
      account: ACCOUNT,
      region: 'us-east-1',
      trails: [
        {
          name: 's3x-data-events',
          arn: TRAIL_ARN,
          homeRegion: 'us-east-1',
          isMultiRegion: true,
          isLogging: true,
          s3BucketName: 'logs',
          advancedEventSelectors: SELECTORS,
        },
      ],
      directoryBuckets: [
        { name: 'a--use1-az4--x-s3', region: 'us-east-1' },
        { name: 'b--use1-az6--x-s3', region: 'us-east-1' },
      ],
    });
  });

  it('names the permission a denied read needs', async () => {
    cloudTrail.on(DescribeTrailsCommand).rejects(awsError(AccessDeniedException));
    const failure = (await account()
      .readState()
      .catch((e: unknown) => e)) as EngineError;
    expect(failure.userMessage).toContain('`cloudtrail:DescribeTrails`');
  });
});

describe('AwsAccount.getBucketPolicy', () => {
  it('returns the policy text exactly', async () => {
    const text = `${POLICY}\n  `;
    s3.on(GetBucketPolicyCommand, { Bucket: 'hot--use1-az4--x-s3' }).resolves({ Policy: text });
    expect(await account().getBucketPolicy('hot--use1-az4--x-s3', 'us-east-1')).toBe(text);
  });

  it('returns null when the bucket has no policy', async () => {
    s3.on(GetBucketPolicyCommand).rejects(s3Error('NoSuchBucketPolicy'));
    expect(await account().getBucketPolicy('hot--use1-az4--x-s3', 'us-east-1')).toBeNull();
  });
});
