import { rmSync } from 'node:fs';
import path from 'node:path';
import { webApi } from '@slack/bolt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RuleEvaluator } from '../../src/alerts/evaluate.js';
import { AlertPipeline } from '../../src/alerts/pipeline.js';
import { defaultRules, parseRules, type RulesFile } from '../../src/alerts/rules.js';
import { SqliteAlertStore } from '../../src/alerts/sqlite-alert-store.js';
import { AlertPoster } from '../../src/slack/alert-poster.js';
import { openDatabase, type SqliteDatabase } from '../../src/store/database.js';
import { tempDir } from '../helpers/archive.js';
import { FakeSlackApi } from '../helpers/fake-slack-api.js';
import { buttonsIn } from '../helpers/slack.js';
import { docsDelete } from './real-records.js';

const CHANNEL = 'C0ALERTS';
const ARN = 'arn:aws:sts::111122223333:assumed-role/RoleToBeAssumed/MySessionName';
const T0 = new Date('2026-12-01T10:00:00Z');
const EVERY_DELETE = parseRules(
  JSON.stringify({ rules: [{ id: 'every-delete', title: 'Every delete', match: { eventName: ['DeleteObject'] } }] }),
);

const api = new FakeSlackApi();
let apiUrl: string;
let root: string;
let db: SqliteDatabase;
let store: SqliteAlertStore;
let poster: AlertPoster | undefined;
let logs: string[];
let n = 0;

beforeAll(async () => {
  apiUrl = await api.start();
  root = await tempDir('s3x-alert-pipeline-');
});
afterAll(async () => {
  await api.stop();
  rmSync(root, { recursive: true, force: true });
});
beforeEach(() => {
  db = openDatabase(path.join(root, `state-${++n}.sqlite`));
  store = new SqliteAlertStore(db);
  api.calls.length = 0;
  logs = [];
});
afterEach(() => {
  poster?.stop();
  db.close();
});

/** The pipeline with the real Web API client (Bolt's WebClient, one retry) against the fake Slack. */
function pipeline(rules: RulesFile = defaultRules(), options: { owner?: string; channel?: string | null } = {}) {
  const client = new webApi.WebClient('xoxb-test', {
    slackApiUrl: apiUrl,
    retryConfig: { retries: 1, minTimeout: 10, maxTimeout: 20 },
  });
  poster = new AlertPoster({
    client,
    store,
    source: 'files',
    now: Date.now,
    log: (m) => logs.push(m),
    intervalMs: 20,
    maxBackoffMs: 200,
  });
  return new AlertPipeline({
    evaluator: new RuleEvaluator(rules, { historyFrom: new Date('2026-01-01T00:00:00Z') }),
    rules,
    store,
    poster,
    ...(options.channel === null ? {} : { defaultChannel: options.channel ?? CHANNEL }),
    owner: options.owner ?? 'replica-a',
    now: Date.now,
    leaseMs: 60_000,
    log: (m) => logs.push(m),
  });
}

describe('alert pipeline, real WebClient against a Slack stand-in', () => {
  it('posts a new-principal delete with what, who, where, the rule, the buttons and the honesty footer', async () => {
    const result = await pipeline().handle([docsDelete(1, T0)]);
    expect(result).toMatchObject({ events: 1, refused: 0, posted: 1, complete: true });
    const [post] = api.callsOf('chat.postMessage');
    expect(post?.channel).toBe(CHANNEL);
    const text = JSON.stringify(post?.blocks);
    expect(text).toContain('DeleteObject');
    expect(text).toContain(ARN);
    expect(text).toContain('bucket-base-name--usw2-az1--x-s3');
    expect(text).toContain('72.21.198.68');
    expect(text).toContain('new-principal-delete');
    expect(text).toContain('no alert does not mean nothing happened');
    const buttons = buttonsIn(post?.blocks);
    expect(buttons.map((b) => b.text)).toEqual([
      'Show event',
      'History of the key',
      'What else did this principal do',
      'Deny this principal',
      'Mute this rule for an hour',
    ]);
    expect(buttons.find((b) => b.text === 'Deny this principal')?.value).toBe(`bucket-base-name--usw2-az1--x-s3|${ARN}`);
    expect(buttons.find((b) => b.text === 'History of the key')?.value).toMatch(
      /^history test-get-obj-with-checksum --bucket bucket-base-name--usw2-az1--x-s3 --since /,
    );
    const stored = await store.get(`${docsDelete(1, T0).eventID as string}#new-principal-delete`);
    expect(stored).toMatchObject({ state: 'posted', ts: expect.any(String), channel: CHANNEL });
  });

  it('a duplicate delivery of the same record is posted once', async () => {
    const run = pipeline();
    const record = docsDelete(1, T0);
    expect((await run.handle([record])).complete).toBe(true);
    expect((await run.handle([record, record])).complete).toBe(true);
    // A restarted replica (new evaluator, same store) does not post it again either.
    expect((await pipeline().handle([record])).posted).toBe(0);
    expect(api.callsOf('chat.postMessage')).toHaveLength(1);
  });

  it('repeats of one rule and principal go into the first alert thread, coalesced, with a running count', async () => {
    const run = pipeline(EVERY_DELETE);
    const burst = Array.from({ length: 6 }, (_, i) => docsDelete(i, new Date(T0.getTime() + i * 1000)));
    expect((await run.handle(burst)).posted).toBe(6);
    const posts = api.callsOf('chat.postMessage');
    // One top-level alert, then the five waiting repeats as one reply in its thread (pacing by coalescing).
    expect(posts).toHaveLength(2);
    expect(posts[0]?.thread_ts).toBeUndefined();
    expect(posts[1]?.thread_ts).toBeDefined();
    expect(String(posts[1]?.text)).toBe('5 more: Every delete (6 so far)');
    await run.handle([docsDelete(7, new Date(T0.getTime() + 60_000))]);
    const next = api.callsOf('chat.postMessage')[2];
    expect(next?.thread_ts).toBe(posts[1]?.thread_ts);
    expect(String(next?.text)).toBe('1 more: Every delete (7 so far)');
    // Another principal gets its own alert.
    await run.handle([docsDelete(8, T0, 'arn:aws:sts::111122223333:assumed-role/Other/s')]);
    expect(api.callsOf('chat.postMessage')[3]?.thread_ts).toBeUndefined();
  });

  it('Slack 429s past the client retries delay the alert and lose nothing', async () => {
    api.failNext('chat.postMessage', ...Array.from({ length: 5 }, () => ({ status: 429, retryAfterSeconds: 0 })));
    const result = await pipeline().handle([docsDelete(1, T0)]);
    expect(result.complete).toBe(true);
    expect(api.attemptsOf('chat.postMessage').filter((a) => a.status === 429)).toHaveLength(5);
    expect(api.callsOf('chat.postMessage')).toHaveLength(1);
    expect(logs.some((line) => line.includes('kept'))).toBe(true);
  });

  it('a channel Slack refuses (channel_not_found) lets its alerts go unposted, logged, without blocking the next batch', async () => {
    api.failures.set('chat.postMessage', 'channel_not_found');
    try {
      const result = await pipeline().handle([docsDelete(1, T0)]);
      expect(result).toMatchObject({ posted: 0, complete: false });
      expect(logs.some((line) => line.includes('refused by Slack (channel_not_found)'))).toBe(true);
    } finally {
      api.failures.delete('chat.postMessage');
    }
    // The source keeps the record; the next attempt posts it once the channel works.
    expect(await pipeline().handle([docsDelete(1, T0)])).toMatchObject({ posted: 1, complete: true });
  });

  it('a muted rule posts nothing until the mute ends', async () => {
    await store.mute({ ruleId: 'new-principal-delete', until: Date.now() + 60_000, by: 'U0APPROVER' });
    expect((await pipeline().handle([docsDelete(1, T0)])).posted).toBe(0);
    expect(api.callsOf('chat.postMessage')).toHaveLength(0);
    await store.mute({ ruleId: 'new-principal-delete', until: Date.now() - 1, by: 'U0APPROVER' });
    expect((await pipeline().handle([docsDelete(2, T0)])).posted).toBe(1);
  });

  it('a live claim by another replica leaves the batch incomplete; a lapsed one is taken over', async () => {
    const record = docsDelete(1, T0);
    const key = `${record.eventID as string}#new-principal-delete`;
    const summary = {
      key,
      ruleId: 'new-principal-delete',
      ruleTitle: 'x',
      channel: CHANNEL,
      subject: ARN,
      eventId: String(record.eventID),
      eventName: 'DeleteObject',
      eventTime: T0.toISOString(),
      record: '{}',
    };
    expect(await store.claim(summary, 'replica-b', Date.now(), 60_000)).toBe('claimed');
    expect(await pipeline().handle([record])).toMatchObject({ posted: 0, complete: false });
    db.prepare('UPDATE alerts SET claimed_at = ? WHERE key = ?').run(Date.now() - 120_000, key);
    expect(await pipeline().handle([record])).toMatchObject({ posted: 1, complete: true });
    expect(api.callsOf('chat.postMessage')).toHaveLength(1);
  });

  it('a rule with no channel posts nothing and says so once; unreadable records are counted, not fatal', async () => {
    const run = pipeline(defaultRules(), { channel: null });
    const result = await run.handle([
      docsDelete(1, T0),
      null,
      { eventID: 'x' },
      docsDelete(2, T0, 'arn:aws:sts::111122223333:assumed-role/B/b'),
    ]);
    expect(result).toMatchObject({ events: 2, refused: 2, posted: 0, complete: true });
    expect(logs.filter((line) => line.includes('has no channel'))).toHaveLength(1);
  });
});

describe('SQLite alert store', () => {
  const summary = (key: string) => ({
    key,
    ruleId: 'r',
    ruleTitle: 'R',
    channel: CHANNEL,
    subject: ARN,
    eventId: key,
    eventName: 'DeleteObject',
    eventTime: T0.toISOString(),
    record: '{}',
  });

  it('claims once: claimed, then busy for others while the lease lasts, posted for everyone after markPosted', async () => {
    expect(await store.claim(summary('k1'), 'a', 1000, 500)).toBe('claimed');
    expect(await store.claim(summary('k1'), 'b', 1200, 500)).toBe('busy');
    expect(await store.claim(summary('k1'), 'a', 1200, 500)).toBe('claimed');
    expect(await store.claim(summary('k1'), 'b', 1800, 500)).toBe('claimed');
    await store.markPosted('k1', '123.456', 1900);
    expect(await store.claim(summary('k1'), 'a', 99_999, 500)).toBe('posted');
    expect((await store.recent(5))[0]).toMatchObject({ key: 'k1', state: 'posted', ts: '123.456', owner: 'b' });
  });

  it('a thread is open for 15 minutes after it started; a second start within them loses', async () => {
    expect(await store.startThread({ channel: CHANNEL, ruleId: 'r', subject: ARN, ts: '1.1', startedAt: 0, count: 1 })).toBe(
      true,
    );
    expect(await store.startThread({ channel: CHANNEL, ruleId: 'r', subject: ARN, ts: '2.2', startedAt: 60_000, count: 1 })).toBe(
      false,
    );
    expect(await store.addToThread(CHANNEL, 'r', ARN, 3)).toBe(4);
    expect(await store.openThread(CHANNEL, 'r', ARN, 14 * 60_000)).toMatchObject({ ts: '1.1', count: 4 });
    expect(await store.openThread(CHANNEL, 'r', ARN, 15 * 60_000)).toBeUndefined();
    expect(
      await store.startThread({ channel: CHANNEL, ruleId: 'r', subject: ARN, ts: '3.3', startedAt: 15 * 60_000, count: 1 }),
    ).toBe(true);
    expect(await store.openThread(CHANNEL, 'r', ARN, 16 * 60_000)).toMatchObject({ ts: '3.3', count: 1 });
  });

  it('mutes are listed while active; a new mute of the same rule replaces the old', async () => {
    await store.mute({ ruleId: 'r', until: 10_000, by: 'U1' });
    await store.mute({ ruleId: 'r', until: 20_000, by: 'U2' });
    expect(await store.activeMutes(15_000)).toEqual([{ ruleId: 'r', until: 20_000, by: 'U2' }]);
    expect(await store.activeMutes(20_000)).toEqual([]);
  });
});
