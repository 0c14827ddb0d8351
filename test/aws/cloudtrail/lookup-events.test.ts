import {
  AccessDeniedException,
  CloudTrailClient,
  type Event,
  InvalidTimeRangeException,
  LookupEventsCommand,
  type LookupEventsCommandInput,
  ThrottlingException,
} from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { LookupEventsSource, RETENTION_WARNING } from '../../../src/aws/cloudtrail/lookup-events.js';
import type { BucketEventsRequest } from '../../../src/commands/requests.js';
import { EngineError } from '../../../src/errors.js';

const NOW = new Date('2026-11-24T00:00:00Z');
const DAY_MS = 24 * 3600_000;
const BUCKET = 'hot--use1-az4--x-s3';
const ADMIN = 'arn:aws:sts::111122223333:assumed-role/Admin/alice';

/** Time stands still except when the source sleeps (or a fake call takes time). */
class FakeClock {
  time = NOW.getTime();
  readonly sleeps: number[] = [];
  randomValue = 0.5;
  now = (): number => this.time;
  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.time += ms;
  };
  random = (): number => this.randomValue;
}

const cloudTrail = mockClient(CloudTrailClient);
let clock: FakeClock;

beforeEach(() => {
  cloudTrail.reset();
  clock = new FakeClock();
});

function source(options: { maxPages?: number; minIntervalMs?: number } = {}): LookupEventsSource {
  return new LookupEventsSource(new CloudTrailClient({ region: 'us-east-1' }), { clock, ...options });
}

function bucketRequest(since: string, until: string, bucket = BUCKET): BucketEventsRequest {
  return { command: 'bucket-events', bucket, window: { since: new Date(since), until: new Date(until) } };
}

let counter = 0;

/** A LookupEvents result item wrapping a realistic S3 Express management record. */
function item(overrides: {
  eventName: string;
  eventTime: string;
  bucket?: string;
  eventID?: string;
  readOnly?: boolean;
  extra?: Record<string, unknown>;
}): Event {
  counter += 1;
  const eventID = overrides.eventID ?? `lookup-${counter}`;
  const readOnly = overrides.readOnly ?? false;
  const record = {
    eventVersion: '1.09',
    userIdentity: { type: 'AssumedRole', arn: ADMIN, accountId: '111122223333', accessKeyId: 'ASIAADMIN' },
    eventTime: overrides.eventTime,
    eventSource: 's3express.amazonaws.com',
    eventName: overrides.eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.4',
    userAgent: 'aws-cli/2.17.0',
    requestParameters: { bucketName: overrides.bucket ?? BUCKET, Host: 's3express-control.us-east-1.amazonaws.com' },
    responseElements: null,
    eventID,
    readOnly,
    eventType: 'AwsApiCall',
    managementEvent: true,
    eventCategory: 'Management',
    ...overrides.extra,
  };
  return {
    EventId: eventID,
    EventName: overrides.eventName,
    ReadOnly: String(readOnly),
    EventTime: new Date(overrides.eventTime),
    EventSource: 's3express.amazonaws.com',
    CloudTrailEvent: JSON.stringify(record),
  };
}

function inputs(): LookupEventsCommandInput[] {
  return cloudTrail.commandCalls(LookupEventsCommand).map((call) => call.args[0].input);
}

const SINCE = '2026-11-20T00:00:00Z';
const UNTIL = '2026-11-24T00:00:00Z';
const BASE_INPUT: LookupEventsCommandInput = {
  LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: 's3express.amazonaws.com' }],
  StartTime: new Date(SINCE),
  EndTime: new Date(UNTIL),
  MaxResults: 50,
};

describe('LookupEventsSource.bucketEvents', () => {
  it('asks for the bucket’s event source, follows NextToken with the same parameters, and keeps only the bucket’s changes', async () => {
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3express:CreateSession' }] };
    const putPolicy = item({
      eventName: 'PutBucketPolicy',
      eventTime: '2026-11-23T10:00:00Z',
      eventID: 'put-policy',
      extra: { requestParameters: { bucketName: BUCKET, bucketPolicy: JSON.stringify(policy), policy: '' } },
    });
    cloudTrail
      .on(LookupEventsCommand)
      .resolvesOnce({
        Events: [
          // EndTime is inclusive at LookupEvents; the window's end is not.
          item({ eventName: 'PutBucketTagging', eventTime: UNTIL, eventID: 'at-until' }),
          putPolicy,
          item({ eventName: 'GetBucketPolicy', eventTime: '2026-11-23T09:00:00Z', readOnly: true }),
          item({ eventName: 'DeleteBucket', eventTime: '2026-11-23T08:00:00Z', bucket: 'other--use1-az4--x-s3' }),
          { EventId: 'broken', EventName: 'PutBucketPolicy', EventTime: new Date('2026-11-23T07:00:00Z'), CloudTrailEvent: '{' },
        ],
        NextToken: 'token-1',
      })
      .resolvesOnce({
        Events: [
          putPolicy,
          item({
            eventName: 'DeleteBucket',
            eventTime: '2026-11-22T08:00:00Z',
            eventID: 'delete-failed',
            extra: { errorCode: 'BucketNotEmpty', errorMessage: 'The bucket you tried to delete is not empty' },
          }),
          item({ eventName: 'CreateBucket', eventTime: '2026-11-21T08:00:00Z', eventID: 'create' }),
        ],
      });

    const answer = await source().bucketEvents(bucketRequest(SINCE, UNTIL));

    expect(inputs()).toStrictEqual([BASE_INPUT, { ...BASE_INPUT, NextToken: 'token-1' }]);
    expect(answer.events.map((e) => [e.eventId, e.eventName, e.errorCode])).toEqual([
      ['put-policy', 'PutBucketPolicy', null],
      ['delete-failed', 'DeleteBucket', 'BucketNotEmpty'],
      ['create', 'CreateBucket', null],
    ]);
    expect(answer.events[0]).toEqual({
      eventId: 'put-policy',
      eventTime: '2026-11-23T10:00:00Z',
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
    expect(answer).toMatchObject({
      question: 'bucket-events',
      bucket: BUCKET,
      sources: ['s3express.amazonaws.com'],
      totalMatches: 3,
      readOnlyHidden: 1,
    });
    expect(answer.stats).toEqual({
      engine: 'lookup-events',
      bytesScanned: 0,
      eventsScanned: 8,
      unreadableFiles: [],
      elapsedMs: 500,
      warnings: ['Skipped 1 event from CloudTrail that carried no readable record.'],
      newestEventTime: '2026-11-24T00:00:00Z',
    });
  });

  it('paces calls at least 500 ms apart on the injected clock', async () => {
    const callTimes: number[] = [];
    let page = 0;
    cloudTrail.on(LookupEventsCommand).callsFake(async () => {
      callTimes.push(clock.time);
      clock.time += 200; // each call takes 200 ms
      page += 1;
      return { Events: [], NextToken: page < 3 ? `token-${page}` : undefined };
    });

    await source().bucketEvents(bucketRequest(SINCE, UNTIL));

    expect(clock.sleeps).toEqual([300, 300]);
    expect(callTimes.map((t) => t - NOW.getTime())).toEqual([0, 500, 1000]);
    expect(inputs().map((input) => input.NextToken)).toEqual([undefined, 'token-1', 'token-2']);
  });

  it('paces lookups that follow each other on the same source too', async () => {
    cloudTrail.on(LookupEventsCommand).resolves({ Events: [] });
    const lookups = source({ minIntervalMs: 1000 });
    await lookups.bucketEvents(bucketRequest(SINCE, UNTIL));
    await lookups.bucketEvents(bucketRequest(SINCE, UNTIL));
    expect(clock.sleeps).toEqual([1000]);
  });

  it('clamps the window to the 90 days LookupEvents keeps, and says so', async () => {
    cloudTrail.on(LookupEventsCommand).resolves({ Events: [] });
    const answer = await source().bucketEvents(bucketRequest('2026-06-01T00:00:00Z', UNTIL));
    const earliest = new Date(NOW.getTime() - 90 * DAY_MS);
    expect(inputs()).toStrictEqual([{ ...BASE_INPUT, StartTime: earliest }]);
    expect(answer.stats.warnings).toEqual([`${RETENTION_WARNING} Searched from 2026-08-26T00:00:00Z only.`]);
    expect(answer.window.since).toEqual(new Date('2026-06-01T00:00:00Z'));
  });

  it('makes no call for a window entirely older than 90 days', async () => {
    const answer = await source().bucketEvents(bucketRequest('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'));
    expect(inputs()).toEqual([]);
    expect(answer).toMatchObject({ events: [], totalMatches: 0, readOnlyHidden: 0 });
    expect(answer.stats.warnings[0]).toContain(RETENTION_WARNING);
    expect(answer.stats.newestEventTime).toBeUndefined();
  });

  it('stops after maxPages and says the answer is partial and how to narrow it', async () => {
    cloudTrail.on(LookupEventsCommand).callsFake(async (input: LookupEventsCommandInput) => ({
      Events: [
        item({ eventName: 'PutBucketTagging', eventTime: '2026-11-23T00:00:00Z', eventID: `tag-${input.NextToken ?? 0}` }),
      ],
      NextToken: `${input.NextToken ?? ''}x`,
    }));
    const answer = await source({ maxPages: 3 }).bucketEvents(bucketRequest(SINCE, UNTIL));
    expect(inputs().map((input) => input.NextToken)).toEqual([undefined, 'x', 'xx']);
    expect(answer.events).toHaveLength(3);
    expect(answer.stats.warnings).toEqual([
      'Stopped after 3 pages (3 events) of CloudTrail event history, so this answer is partial: it holds only the newest ' +
        'events. Narrow --since/--until to see the rest.',
    ]);
  });

  it('retries throttled calls with full-jitter exponential backoff, then answers', async () => {
    cloudTrail
      .on(LookupEventsCommand)
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }))
      .rejectsOnce(Object.assign(new Error('Too many requests'), { $metadata: { httpStatusCode: 429 } }))
      .resolvesOnce({ Events: [item({ eventName: 'CreateBucket', eventTime: '2026-11-21T08:00:00Z', eventID: 'create' })] });

    const answer = await source().bucketEvents(bucketRequest(SINCE, UNTIL));

    expect(answer.events.map((e) => e.eventId)).toEqual(['create']);
    // random() = 0.5: half of 1 s, then half of 2 s.
    expect(clock.sleeps).toEqual([500, 1000]);
    expect(inputs()).toStrictEqual([BASE_INPUT, BASE_INPUT, BASE_INPUT]);
  });

  it('gives up after 5 throttled attempts with a message to retry in a minute', async () => {
    clock.randomValue = 0.999;
    cloudTrail
      .on(LookupEventsCommand)
      .rejects(Object.assign(new Error('Rate exceeded for account 111122223333'), { name: 'TooManyRequestsException' }));

    const failure = await source()
      .bucketEvents(bucketRequest(SINCE, UNTIL))
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(EngineError);
    const error = failure as EngineError;
    expect(error.userMessage).toMatch(/CloudTrail is throttling/);
    expect(error.userMessage).toMatch(/Try again in a minute/);
    expect(error.userMessage).not.toContain('111122223333');
    expect(error.message).toContain('Rate exceeded for account 111122223333');
    expect(inputs()).toHaveLength(5);
    // Full jitter, with random() just under 1: close to 1, 2, 4 and 8 s.
    expect(clock.sleeps).toEqual([999, 1998, 3996, 7992]);
  });

  it('names the missing cloudtrail:LookupEvents permission on AccessDenied, without the raw AWS message', async () => {
    const raw =
      'User: arn:aws:sts::111122223333:assumed-role/s3x/bot is not authorized to perform: cloudtrail:LookupEvents because no identity-based policy allows it';
    cloudTrail.on(LookupEventsCommand).rejects(new AccessDeniedException({ message: raw, $metadata: { httpStatusCode: 400 } }));

    const error = (await source()
      .bucketEvents(bucketRequest(SINCE, UNTIL))
      .catch((e: unknown) => e)) as EngineError;

    expect(error).toBeInstanceOf(EngineError);
    expect(error.userMessage).toContain('`cloudtrail:LookupEvents`');
    expect(error.userMessage).not.toContain('111122223333');
    expect(error.message).toContain(raw);
    expect(error.cause).toBeInstanceOf(AccessDeniedException);
    expect(inputs()).toHaveLength(1);
  });

  it('explains a rejected time range', async () => {
    cloudTrail
      .on(LookupEventsCommand)
      .rejects(new InvalidTimeRangeException({ message: 'bad range', $metadata: { httpStatusCode: 400 } }));
    const error = (await source()
      .bucketEvents(bucketRequest(SINCE, UNTIL))
      .catch((e: unknown) => e)) as EngineError;
    expect(error.userMessage).toBe(
      'CloudTrail rejected the time window: event history covers only the last 90 days, and --since must be before --until.',
    );
  });

  it('names an unexpected AWS error without its message', async () => {
    cloudTrail
      .on(LookupEventsCommand)
      .rejects(
        Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredTokenException' }),
      );
    const error = (await source()
      .bucketEvents(bucketRequest(SINCE, UNTIL))
      .catch((e: unknown) => e)) as EngineError;
    expect(error.userMessage).toBe(
      'CloudTrail event history could not be read (ExpiredTokenException). Check the credentials and Region s3x runs with, then try again.',
    );
  });
});
