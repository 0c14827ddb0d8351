import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnswerStore } from '../../src/answers/answer-store.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { createSlackApp, SLACK_WEB_API_RETRY } from '../../src/slack/app.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { openDatabase } from '../../src/store/database.js';
import { FakeSlackApi } from '../helpers/fake-slack-api.js';
import { buttonsIn, SIGNING_SECRET } from '../helpers/slack.js';
import {
  APPROVER,
  captureLogs,
  type FaultApp,
  INTERNALS,
  KEY,
  NOW,
  REQUESTER,
  ResponseUrls,
  SlackUser,
  startFaultApp,
  visibleText,
  writeSmallArchive,
} from './harness.js';

const POLICY_BUCKET = 'analytics-hot--use1-az4--x-s3';
const api = new FakeSlackApi();
const responses = new ResponseUrls();
let engine: LocalEngine;
let app: FaultApp;
let logs: string[];
let principal = 0;
const user = new SlackUser(() => app, responses);

beforeAll(async () => {
  logs = captureLogs();
  engine = await LocalEngine.open({ logsDir: await writeSmallArchive() });
  app = await startFaultApp({ engine, apiUrl: await api.start() });
  await responses.start();
});

afterAll(async () => {
  await app.slack.stop();
  await responses.stop();
  await api.stop();
  await engine.close();
});

beforeEach(() => {
  logs.length = 0;
  api.failures.clear();
});

/** A fresh tighten (a new principal each time, so every plan has something to change). */
async function planTighten(): Promise<string> {
  return user.plan(`tighten ${POLICY_BUCKET} --deny arn:aws:iam::111122223333:role/Contractor${++principal}`);
}

async function policy(): Promise<string | null> {
  return app.sandbox.getBucketPolicy(POLICY_BUCKET, 'us-east-1');
}

async function pendingRequest(): Promise<string> {
  const id = await planTighten();
  const reply = await user.clickReply(REQUESTER, ACTIONS.submitChange, id);
  expect(String(reply.text)).toMatch(/Posted for approval/);
  return id;
}

/**
 * Approve and wait for all the Slack calls it makes: the approval message updated, then the audit
 * record posted in its thread (so no call of this test lands in the next one).
 */
async function approveAndWait(id: string): Promise<Record<string, unknown> | undefined> {
  const updates = api.callsOf('chat.update').length;
  const posts = api.callsOf('chat.postMessage').length;
  await user.click(APPROVER, ACTIONS.approve, id);
  const decided = (await api.waitForCalls('chat.update', updates + 1)).at(-1);
  await api.waitForCalls('chat.postMessage', posts + 1);
  return decided;
}

function count(sql: string): number {
  return app.db.prepare(sql).pluck().get() as number;
}

describe('Web API retries', () => {
  it('are 3 quick ones by default, not Bolt’s 10 over 30 minutes', () => {
    expect(SLACK_WEB_API_RETRY).toMatchObject({ retries: 3, minTimeout: 1000, maxTimeout: 4000 });
    const slack = createSlackApp(
      {
        botToken: 'xoxb-test',
        signingSecret: SIGNING_SECRET,
        port: 0,
        logLevel: 'error',
        botIdentity: { botId: 'B1', botUserId: 'U1' },
      },
      {
        engine,
        now: () => NOW,
        store: new AnswerStore(openDatabase(':memory:'), () => NOW),
        access: { channels: [], users: [], groups: [] },
      },
    );
    expect((slack.app.client as unknown as { retryConfig: unknown }).retryConfig).toBe(SLACK_WEB_API_RETRY);
  });
});

describe('Slack answers 429 with Retry-After', () => {
  it('chat.postMessage: the approval request is posted once, after waiting out Retry-After', async () => {
    const id = await planTighten();
    const posted = api.callsOf('chat.postMessage').length;
    api.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 1 });

    const reply = await user.clickReply(REQUESTER, ACTIONS.submitChange, id);

    expect(String(reply.text)).toMatch(/Posted for approval/);
    const [limited, retried] = api.attemptsOf('chat.postMessage').slice(-2);
    expect([limited?.status, retried?.status]).toEqual([429, 200]);
    // Honoured: the retry came no sooner than Slack asked (a lower bound, never flaky).
    expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(990);
    expect(api.callsOf('chat.postMessage')).toHaveLength(posted + 1);
    expect((await app.approvalStore.get(id))?.messageTs).toBeDefined();
  });

  it('chat.update: the approval message shows the decision once Slack lets it through; the change is applied once', async () => {
    const id = await pendingRequest();
    api.failNext('chat.update', { status: 429, retryAfterSeconds: 1 });

    const decided = await approveAndWait(id);

    expect(visibleText(decided)).toMatch(/Applied/);
    const [limited, retried] = api.attemptsOf('chat.update').slice(-2);
    expect([limited?.status, retried?.status]).toEqual([429, 200]);
    expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(990);
    expect((await app.approvalStore.get(id))?.state).toBe('applied');
    const audit = (await app.approvalStore.recentAudit(100)).filter((e) => e.requestId === id);
    expect(audit.filter((e) => e.action === 'applied')).toHaveLength(1);
  });
});

describe('Slack answers 500 past the retries', () => {
  it('chat.postMessage: the requester is told, the request stays pending and listed, and clicking again posts it', async () => {
    const id = await planTighten();
    const posted = api.callsOf('chat.postMessage').length;
    const attempts = api.attemptsOf('chat.postMessage').length;
    api.failNext('chat.postMessage', { status: 500 }, { status: 500 }, { status: 500 });

    const reply = await user.clickReply(REQUESTER, ACTIONS.submitChange, id);

    expect(api.attemptsOf('chat.postMessage').length - attempts).toBe(3); // the first try and 2 retries
    expect(visibleText(reply)).toMatch(/Slack did not take the approval message/);
    expect(visibleText(reply)).toMatch(/Your request is saved and still pending/);
    expect(visibleText(reply)).not.toMatch(INTERNALS);
    expect(logs.some((line) => line.includes(`posting approval request ${id} failed: HTTP 500`))).toBe(true);
    const request = await app.approvalStore.get(id);
    expect(request?.state).toBe('pending');
    expect(request?.messageTs).toBeUndefined();
    const listed = await user.ask('approvals', APPROVER);
    expect(visibleText(listed)).toContain(`Contractor${principal}`);

    // Slack is back: the same button posts it, and it can be approved.
    const again = await user.clickReply(REQUESTER, ACTIONS.submitChange, id);
    expect(String(again.text)).toMatch(/Posted for approval/);
    expect(api.callsOf('chat.postMessage')).toHaveLength(posted + 1);
    await approveAndWait(id);
    expect((await app.approvalStore.get(id))?.state).toBe('applied');
  });

  it('chat.update: the change is applied and recorded, the approver is told the message could not be updated; a later click updates it', async () => {
    const id = await pendingRequest();
    const before = await policy();
    const updates = api.callsOf('chat.update').length;
    api.failNext('chat.update', { status: 500 }, { status: 500 }, { status: 500 });

    const reply = await user.clickReply(APPROVER, ACTIONS.approve, id);

    expect(visibleText(reply)).toMatch(/^Applied: /);
    expect(visibleText(reply)).toMatch(/Slack did not take the update of the approval message/);
    expect(visibleText(reply)).not.toMatch(INTERNALS);
    expect(api.callsOf('chat.update')).toHaveLength(updates);
    expect(logs.some((line) => line.includes(`could not update the approval message of ${id}: HTTP 500`))).toBe(true);
    expect((await app.approvalStore.get(id))?.state).toBe('applied');
    expect(await policy()).not.toBe(before);
    expect(await policy()).toContain(`Contractor${principal}`);

    // The stale message's Approve button: refused, nothing applied twice, and the message updated now.
    const applied = await policy();
    const posts = api.callsOf('chat.postMessage').length;
    const again = await user.clickReply(APPROVER, ACTIONS.approve, id);
    expect(visibleText(again)).toMatch(/This request is applied; it cannot be approved/);
    expect(visibleText((await api.waitForCalls('chat.update', updates + 1)).at(-1))).toMatch(/Applied/);
    await api.waitForCalls('chat.postMessage', posts + 1);
    expect(await policy()).toBe(applied);
  });
});

describe('an expired response_url (Bolt v5 respond() throws RespondError)', () => {
  it('404 on an answer: delivered with chat.postEphemeral instead, stored, its buttons working', async () => {
    const ephemerals = api.callsOf('chat.postEphemeral').length;
    const pathName = await user.send(`who-deleted ${KEY}`, { expired: 404 });

    const [delivered] = (await api.waitForCalls('chat.postEphemeral', ephemerals + 1)).slice(-1);
    expect(delivered).toMatchObject({ channel: 'C0TEST', user: REQUESTER });
    expect(visibleText(delivered)).toContain('DataEngineer');
    expect(responses.posts(pathName)).toEqual([]);
    const next = buttonsIn(delivered?.blocks).find((b) => b.action_id === ACTIONS.nextPage);
    expect(next).toBeDefined();
    const page2 = await user.clickReply(REQUESTER, ACTIONS.nextPage, next?.value as string);
    expect(visibleText(page2)).toContain('DataEngineer');
    expect(logs.some((line) => line.includes('response_url failed (HTTP 404); delivered the /s3x reply with the Web API'))).toBe(
      true,
    );
    expect(logs.join('\n')).not.toContain(pathName);
  });

  it('410 and no way to post here: one clear log line, the answer is still stored, and the app keeps serving', async () => {
    api.failures.set('chat.postEphemeral', 'not_in_channel');
    const stored = count('SELECT count(*) FROM answers');
    const attempts = api.attemptsOf('chat.postEphemeral').length;
    const pathName = await user.send(`who-deleted ${KEY}`, { expired: 410 });
    await api.waitForCalls('chat.postEphemeral', api.callsOf('chat.postEphemeral').length + 1);

    expect(api.attemptsOf('chat.postEphemeral').length).toBe(attempts + 1);
    await waitUntil(() => logs.some((line) => line.includes('could not deliver the /s3x reply')));
    const line = logs.find((l) => l.includes('could not deliver the /s3x reply')) ?? '';
    expect(line).toContain(
      `to ${REQUESTER}: response_url failed (HTTP 410), and the Web API fallback failed too (not_in_channel)`,
    );
    expect(logs.join('\n')).not.toContain(pathName);
    expect(count('SELECT count(*) FROM answers')).toBe(stored + 1);

    api.failures.delete('chat.postEphemeral');
    expect(visibleText(await user.ask(`who-deleted ${KEY}`))).toContain('DataEngineer');
  });

  it('on a plan: the preview comes through the Web API, and the planned request is kept', async () => {
    const ephemerals = api.callsOf('chat.postEphemeral').length;
    await user.send(`tighten ${POLICY_BUCKET} --deny arn:aws:iam::111122223333:role/Contractor${++principal}`, {
      expired: 404,
    });
    const [preview] = (await api.waitForCalls('chat.postEphemeral', ephemerals + 1)).slice(-1);
    const submit = buttonsIn(preview?.blocks).find((b) => b.action_id === ACTIONS.submitChange);
    expect(submit).toBeDefined();
    expect((await app.approvalStore.get(submit?.value as string))?.state).toBe('draft');
  });

  it('on Request approval: the approval message is posted and stays pending (before, a dead response_url rejected it)', async () => {
    const id = await planTighten();
    const posted = api.callsOf('chat.postMessage').length;
    const ephemerals = api.callsOf('chat.postEphemeral').length;
    await user.click(REQUESTER, ACTIONS.submitChange, id, { expired: 410 });

    const [told] = (await api.waitForCalls('chat.postEphemeral', ephemerals + 1)).slice(-1);
    expect(String(told?.text)).toMatch(/Posted for approval/);
    expect(api.callsOf('chat.postMessage')).toHaveLength(posted + 1);
    const request = await app.approvalStore.get(id);
    expect(request?.state).toBe('pending');
    expect(request?.messageTs).toBeDefined();
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
