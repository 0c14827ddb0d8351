import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { docsDelete } from '../alerts/real-records.js';
import { FakeSqs } from '../helpers/fake-sqs.js';
import { type Running, Scenario, sleep } from './harness.js';

/**
 * The AWS alert source end to end: the real app (a child process, Slack mode) long-polls a loopback
 * SQS stand-in through the real SDK (AWS_ENDPOINT_URL_SQS) and posts to a Slack stand-in; killed
 * with SIGKILL at the points that matter, restarted on the same state file.
 */

const QUEUE = 's3x-alerts';
const DLQ = 's3x-alerts-dlq';
const CHANNEL = 'C0ALERTS';

let scenario: Scenario | undefined;
let sqs: FakeSqs | undefined;
afterEach(async () => {
  await scenario?.dispose();
  await sqs?.stop();
  if (scenario) rmSync(scenario.dataDir, { recursive: true, force: true });
  scenario = undefined;
  sqs = undefined;
});

async function setUp(): Promise<{ s: Scenario; queue: FakeSqs; start: (extra?: Record<string, string>) => Promise<Running> }> {
  scenario = await Scenario.create();
  sqs = new FakeSqs();
  const base = await sqs.start();
  sqs.createQueue(DLQ);
  const url = sqs.createQueue(QUEUE, { deadLetter: DLQ, maxReceiveCount: 2 });
  const s = scenario;
  const start = (extra: Record<string, string> = {}) =>
    s.start({
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDLOOPBACKTEST',
      AWS_SECRET_ACCESS_KEY: 'loopback-secret',
      AWS_ENDPOINT_URL_SQS: base,
      S3X_ALERTS_QUEUE_URL: url,
      S3X_ALERTS_VISIBILITY_SECONDS: '2',
      S3X_ALERTS_CHANNEL: CHANNEL,
      ...extra,
    });
  return { s, queue: sqs, start };
}

/** An EventBridge event (the envelope AWS documents) around one CloudTrail record. */
function eventBridge(record: Record<string, unknown>): string {
  return JSON.stringify({
    version: '0',
    id: `eb-${String(record.eventID)}`,
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.s3express',
    account: '111122223333',
    time: record.eventTime,
    region: 'us-east-1',
    resources: [],
    detail: record,
  });
}

const stranger = (n: number) => `arn:aws:sts::111122223333:assumed-role/Contractor/q${n}`;
const alertPostsFor = (s: Scenario, eventId: string) =>
  s.api.callsOf('chat.postMessage').filter((call) => JSON.stringify(call.blocks ?? '').includes(eventId));

async function waitFor(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('alerts from the SQS queue, process level', () => {
  it('kill -9 between receiving and posting: the message is not deleted, the alert is posted after restart', async () => {
    const { s, queue, start } = await setUp();
    const record = docsDelete(1, new Date(), stranger(1));
    // Slack never answers the post: the app is parked between receiving the message and posting its alert.
    s.api.hold('chat.postMessage');
    let app = await start();
    queue.send(QUEUE, eventBridge(record));
    await s.api.waitForCall('chat.postMessage', 1);
    // While the post waits, the message's visibility is extended: no second receive of it meanwhile.
    await waitFor(() => queue.count('ChangeMessageVisibility') >= 3, 'the visibility to be extended three times');
    expect(queue.requests.filter((r) => r.action === 'ReceiveMessage').length).toBeGreaterThan(1);
    expect(s.api.callsOf('chat.postMessage')).toHaveLength(1);
    await app.crash();
    s.api.releaseAll();
    expect(queue.count('DeleteMessage')).toBe(0);
    expect(queue.bodies(QUEUE)).toHaveLength(1);
    app = await start();
    await waitFor(() => queue.bodies(QUEUE).length === 0, 'the message to be deleted after the restart');
    // The post that died with the process was never answered; the one after the restart was.
    expect(alertPostsFor(s, String(record.eventID)).length).toBe(2);
    expect(queue.count('DeleteMessage')).toBe(1);
    await app.crash();
  });

  it('kill -9 after the post, before the delete: after restart the message is deleted and the alert not posted twice', async () => {
    const { s, queue, start } = await setUp();
    const record = docsDelete(2, new Date(), stranger(2));
    let app = await start({ S3X_TEST_PAUSE_ALERT: 'after-post:60000' });
    queue.send(QUEUE, eventBridge(record));
    await app.waitForLine(/paused before delete/, 30_000);
    expect(alertPostsFor(s, String(record.eventID))).toHaveLength(1);
    await app.crash();
    app = await start();
    await waitFor(() => queue.bodies(QUEUE).length === 0, 'the redelivered message to be deleted');
    expect(alertPostsFor(s, String(record.eventID))).toHaveLength(1);
    await app.crash();
  });

  it('two replicas on one queue: every event alerted once, duplicates of an event included', async () => {
    const { s, queue, start } = await setUp();
    const [a, b] = await Promise.all([start(), start()]);
    const records = Array.from({ length: 4 }, (_, i) => docsDelete(10 + i, new Date(), stranger(10 + i)));
    // EventBridge delivers at least once: two of the events arrive twice.
    for (const record of [...records, records[0], records[2]]) queue.send(QUEUE, eventBridge(record as Record<string, unknown>));
    await waitFor(() => queue.bodies(QUEUE).length === 0, 'every message to be deleted');
    for (const record of records) expect(alertPostsFor(s, String(record.eventID))).toHaveLength(1);
    await Promise.all([a.crash(), b.crash()]);
  });

  it('a malformed message is left to the dead-letter queue with a log line, and the consumer goes on', async () => {
    const { s, queue, start } = await setUp();
    const app = await start();
    queue.send(QUEUE, '{"not": "an event"');
    queue.send(QUEUE, JSON.stringify({ version: '0', 'detail-type': 'AWS API Call via CloudTrail', detail: { eventName: 'x' } }));
    await app.waitForLine(/is not a CloudTrail event .*left for the dead-letter queue/);
    await app.waitForLine(/holds no readable CloudTrail record; left for the dead-letter queue/);
    await waitFor(() => queue.bodies(DLQ).length === 2, 'both poison messages in the dead-letter queue', 30_000);
    const record = docsDelete(20, new Date(), stranger(20));
    queue.send(QUEUE, eventBridge(record));
    await waitFor(() => alertPostsFor(s, String(record.eventID)).length === 1, 'the next alert');
    expect(app.running).toBe(true);
    await app.crash();
  });
});
