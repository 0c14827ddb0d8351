import { CloudTrailClient, LookupEventsCommand, ThrottlingException } from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LookupEventsSource } from '../../src/aws/cloudtrail/lookup-events.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import type { Clock } from '../../src/time/clock.js';
import { FakeSlackApi } from '../helpers/fake-slack-api.js';
import {
  captureLogs,
  type FaultApp,
  INTERNALS,
  NOW,
  ResponseUrls,
  SlackUser,
  startFaultApp,
  visibleText,
  writeSmallArchive,
} from './harness.js';

const BUCKET = 'analytics-hot--use1-az4--x-s3';
const QUESTION = `bucket-events ${BUCKET} --since 2026-11-20 --until 2026-11-23`;
const RAW_THROTTLE = 'Rate exceeded for account 111122223333 (request 7f3e0c2a)';

/** Time moves only when s3x sleeps: backoff is asserted on the sleeps asked, and nothing waits for real. */
class FakeClock implements Clock {
  time = NOW.getTime();
  readonly sleeps: number[] = [];
  now = (): number => this.time;
  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.time += ms;
  };
  random = (): number => 0.5;
}

const cloudTrail = mockClient(CloudTrailClient);
const api = new FakeSlackApi();
const responses = new ResponseUrls();
let engine: LocalEngine;
let app: FaultApp;
let clock: FakeClock;
let logs: string[];
const user = new SlackUser(() => app, responses);

beforeAll(async () => {
  logs = captureLogs();
  engine = await LocalEngine.open({ logsDir: await writeSmallArchive() });
  await responses.start();
  clock = new FakeClock();
  app = await startFaultApp({
    engine,
    apiUrl: await api.start(),
    // The source the app keeps for its lifetime (its pacing is per account and Region), on the fake clock.
    lookupEvents: new LookupEventsSource(new CloudTrailClient({ region: 'us-east-1' }), {
      clock: { now: () => clock.now(), sleep: (ms) => clock.sleep(ms), random: () => clock.random() },
    }),
  });
});

afterAll(async () => {
  await app.slack.stop();
  await responses.stop();
  await api.stop();
  await engine.close();
});

beforeEach(() => {
  cloudTrail.reset();
  logs.length = 0;
  // A fresh clock far enough on that the pacing of the previous question is over.
  const time = clock.time + 60_000;
  clock.sleeps.length = 0;
  clock.time = time;
});

function putPolicyEvent() {
  const record = {
    eventVersion: '1.09',
    userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/Admin/alice', accountId: '111122223333' },
    eventTime: '2026-11-21T08:00:00Z',
    eventSource: 's3express.amazonaws.com',
    eventName: 'PutBucketPolicy',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.4',
    userAgent: 'aws-cli/2.17.0',
    requestParameters: { bucketName: BUCKET, bucketPolicy: '{}' },
    responseElements: null,
    eventID: 'put-policy-1',
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    eventCategory: 'Management',
  };
  return {
    EventId: 'put-policy-1',
    EventName: 'PutBucketPolicy',
    EventTime: new Date(record.eventTime),
    EventSource: 's3express.amazonaws.com',
    CloudTrailEvent: JSON.stringify(record),
  };
}

const throttling = () => new ThrottlingException({ message: RAW_THROTTLE, $metadata: { httpStatusCode: 400 } });

describe('CloudTrail LookupEvents throttling, as the Slack user sees it', () => {
  it('is retried with full-jitter backoff on the injected clock, and the answer comes through', async () => {
    cloudTrail
      .on(LookupEventsCommand)
      .rejectsOnce(throttling())
      .rejectsOnce(throttling())
      .resolvesOnce({ Events: [putPolicyEvent()] });

    const answer = await user.ask(QUESTION);

    expect(visibleText(answer)).toContain('PutBucketPolicy');
    expect(visibleText(answer)).toContain('alice');
    expect(visibleText(answer)).not.toMatch(/throttl/i);
    expect(cloudTrail.commandCalls(LookupEventsCommand)).toHaveLength(3);
    // random() = 0.5 of min(20 s, 1 s × 2^n): 500 ms, then 1000 ms.
    expect(clock.sleeps).toEqual([500, 1000]);
  });

  it('past the retry budget (5 attempts), says CloudTrail is throttling and to try again, with no stack or raw AWS text', async () => {
    cloudTrail.on(LookupEventsCommand).rejects(throttling());

    const answer = await user.ask(QUESTION);
    const text = visibleText(answer);

    expect(text).toMatch(/CloudTrail is throttling event-history lookups/);
    expect(text).toMatch(/Try again in a minute/);
    expect(text).not.toMatch(INTERNALS);
    expect(text).not.toContain('111122223333');
    expect(text).not.toContain('Rate exceeded');
    expect(cloudTrail.commandCalls(LookupEventsCommand)).toHaveLength(5);
    expect(clock.sleeps).toEqual([500, 1000, 2000, 4000]);
    // The raw AWS error is in the logs for the operator, not in Slack.
    expect(logs.some((line) => line.includes('bucket-events failed (engine)') && line.includes(RAW_THROTTLE))).toBe(true);

    // The app keeps serving: CloudTrail is back, the next question is answered.
    cloudTrail.reset();
    cloudTrail.on(LookupEventsCommand).resolves({ Events: [putPolicyEvent()] });
    expect(visibleText(await user.ask(QUESTION))).toContain('PutBucketPolicy');
  });

  it('a 5xx from CloudTrail is retried the same way (the SDK makes one attempt) and answered', async () => {
    cloudTrail
      .on(LookupEventsCommand)
      .rejectsOnce(
        Object.assign(new Error('We encountered an internal error'), {
          name: 'ServiceUnavailableException',
          $metadata: { httpStatusCode: 503 },
        }),
      )
      .rejectsOnce(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
      .resolvesOnce({ Events: [putPolicyEvent()] });

    const answer = await user.ask(QUESTION);

    expect(visibleText(answer)).toContain('PutBucketPolicy');
    expect(cloudTrail.commandCalls(LookupEventsCommand)).toHaveLength(3);
    expect(clock.sleeps).toEqual([500, 1000]);
  });

  it('a CloudTrail that keeps failing with 5xx is told as such, not as a credentials problem', async () => {
    cloudTrail.on(LookupEventsCommand).rejects(
      Object.assign(new Error('internal error in us-east-1 for 111122223333'), {
        name: 'InternalFailure',
        $metadata: { httpStatusCode: 500 },
      }),
    );

    const text = visibleText(await user.ask(QUESTION));

    expect(text).toMatch(/CloudTrail event history did not answer \(InternalFailure\) after 5 tries\. Try again in a minute\./);
    expect(text).not.toMatch(/credentials/);
    expect(text).not.toContain('111122223333');
    expect(text).not.toMatch(INTERNALS);
    expect(cloudTrail.commandCalls(LookupEventsCommand)).toHaveLength(5);
  });
});
