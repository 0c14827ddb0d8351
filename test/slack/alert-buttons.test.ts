import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuleEvaluator } from '../../src/alerts/evaluate.js';
import type { AlertsFeed } from '../../src/alerts/feed.js';
import { AlertPipeline } from '../../src/alerts/pipeline.js';
import { defaultRules } from '../../src/alerts/rules.js';
import { SqliteAlertStore } from '../../src/alerts/sqlite-alert-store.js';
import { AnswerWatches } from '../../src/alerts/watch.js';
import { AnswerStore } from '../../src/answers/answer-store.js';
import { SqliteApprovalStore } from '../../src/approvals/sqlite-approval-store.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { createPlanner } from '../../src/remediation/planner.js';
import { SandboxAccount } from '../../src/sandbox/sandbox-account.js';
import { AlertPoster } from '../../src/slack/alert-poster.js';
import type { SlackApp } from '../../src/slack/app.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { openDatabase, type SqliteDatabase } from '../../src/store/database.js';
import { partitionDay } from '../../src/time/window.js';
import { docsDelete } from '../alerts/real-records.js';
import { tempDir, writeDeliveryFile } from '../helpers/archive.js';
import { buttonClickBody, buttonsIn, postSigned, SlackTestApp, slashCommandBody } from '../helpers/slack.js';

const CHANNEL = 'C0ALERTS';
const REQUESTER = 'U0REQUESTER';
const APPROVER = 'U0APPROVER';
const OUTSIDER = 'U0OUTSIDER';
const BUCKET = 'analytics-hot--use1-az4--x-s3';
const STRANGER = 'arn:aws:sts::111122223333:assumed-role/Contractor/x1';

const app = new SlackTestApp();
const { api, responses } = app;
let root: string;
let db: SqliteDatabase;
let engine: LocalEngine;
let slack: SlackApp;
let url: string;
let responseBase: string;
let sandbox: SandboxAccount;
let alertStore: SqliteAlertStore;
let poster: AlertPoster;
let alert: Record<string, unknown>;
let watches: AnswerWatches;
let pipeline: AlertPipeline;
let deleteRecord: Record<string, unknown>;
let counter = 0;

beforeAll(async () => {
  root = await tempDir('s3x-alert-buttons-');
  const now = new Date();
  // The delete the alert is about, also in the logs the drill-down questions read.
  const record = docsDelete(1, new Date(now.getTime() - 60_000), STRANGER);
  record.requestParameters = { ...(record.requestParameters as object), bucketName: BUCKET, key: 'reports/q3.parquet' };
  await writeDeliveryFile(path.join(root, 'logs'), partitionDay(now), '20261201T1000Z_alert', [record]);
  engine = await LocalEngine.open({ logsDir: path.join(root, 'logs') });
  db = openDatabase(path.join(root, 'state.sqlite'));
  sandbox = new SandboxAccount(db, { now: () => new Date() });
  sandbox.seedDefaults();
  alertStore = new SqliteAlertStore(db);
  const rules = defaultRules();
  watches = new AnswerWatches(Date.now, () => undefined);
  const feed: AlertsFeed = { store: alertStore, rules, channelOf: () => CHANNEL, source: 'Alerts come from the test.', watches };
  ({
    slack,
    eventsUrl: url,
    responseBase,
  } = await app.start({
    engine,
    now: () => new Date(),
    store: new AnswerStore(db, () => new Date()),
    approvalStore: new SqliteApprovalStore(db),
    access: { channels: [], users: [REQUESTER, APPROVER], groups: [] },
    alerts: feed,
    remediation: {
      account: sandbox,
      store: new SqliteApprovalStore(db),
      policy: { approvers: [APPROVER], requiredApprovals: 1, ttlMs: 3_600_000 },
      plan: createPlanner(sandbox, { protectedPrincipals: [] }),
    },
  }));
  // The alert is posted through the app's own Web API client, as main.ts wires it.
  poster = new AlertPoster({
    client: slack.app.client,
    store: alertStore,
    source: 'files',
    now: Date.now,
    log: () => undefined,
    intervalMs: 10,
  });
  pipeline = new AlertPipeline({
    evaluator: new RuleEvaluator(rules, { historyFrom: new Date(now.getTime() - 8 * 86_400_000) }),
    rules,
    store: alertStore,
    poster,
    defaultChannel: CHANNEL,
    owner: 'test',
    now: Date.now,
    leaseMs: 60_000,
    log: () => undefined,
    onEvent: (event) => watches.observe(event),
  });
  deleteRecord = record;
  expect((await pipeline.handle([record])).posted).toBe(1);
  alert = api.callsOf('chat.postMessage')[0] as Record<string, unknown>;
});

afterAll(async () => {
  poster.stop();
  await app.stop();
  await engine.close();
  db.close();
  rmSync(root, { recursive: true, force: true });
});

function button(text: string): { action_id: string; value: string } {
  const found = buttonsIn(alert.blocks).find((b) => b.text === text);
  if (!found) throw new Error(`no ${text} button`);
  return found;
}

async function click(userId: string, actionId: string, value: string, channelId = CHANNEL): Promise<Record<string, unknown>> {
  const pathName = `/k-${++counter}`;
  const response = await postSigned(
    url,
    buttonClickBody({ userId, channelId, actionId, value, responseUrl: `${responseBase}${pathName}` }),
  );
  expect(response.status).toBe(200);
  return (await responses.waitFor(pathName))[0] as Record<string, unknown>;
}

describe('alert buttons through signed requests', () => {
  it('Show event opens the stored record in a modal, only in the alert channel', async () => {
    const { action_id, value } = button('Show event');
    const pathName = `/k-${++counter}`;
    await postSigned(
      url,
      buttonClickBody({
        userId: REQUESTER,
        channelId: CHANNEL,
        actionId: action_id,
        value,
        responseUrl: `${responseBase}${pathName}`,
      }),
    );
    const [opened] = await api.waitForCalls('views.open', 1);
    expect(JSON.stringify(opened?.view)).toContain(STRANGER);
    const elsewhere = await click(REQUESTER, action_id, value, 'C0ELSEWHERE');
    expect(JSON.stringify(elsewhere)).toContain('not one of this channel');
    const forged = await click(REQUESTER, action_id, 'nope#mass-delete');
    expect(JSON.stringify(forged)).toContain('not one of this channel');
  });

  it('History of the key and What else did this principal do answer the questions around the event', async () => {
    const history = await click(REQUESTER, button('History of the key').action_id, button('History of the key').value);
    expect(JSON.stringify(history)).toContain('reports/q3.parquet');
    expect(JSON.stringify(history)).toContain('DeleteObject');
    const principal = await click(
      REQUESTER,
      button('What else did this principal do').action_id,
      button('What else did this principal do').value,
    );
    expect(JSON.stringify(principal)).toContain(BUCKET);
  });

  it('Deny this principal goes through the tighten flow: plan, request, a second person approves, applied', async () => {
    const deny = button('Deny this principal');
    const preview = await click(REQUESTER, deny.action_id, deny.value);
    expect(JSON.stringify(preview)).toContain(STRANGER);
    const submit = buttonsIn(preview.blocks).find((b) => b.action_id === ACTIONS.submitChange);
    expect(submit).toBeDefined();
    const posted = api.callsOf('chat.postMessage').length;
    await click(REQUESTER, ACTIONS.submitChange, submit?.value as string);
    const approval = (await api.waitForCalls('chat.postMessage', posted + 1)).at(-1) as { blocks: unknown };
    const approve = buttonsIn(approval.blocks).find((b) => b.action_id === ACTIONS.approve);
    const ownApproval = await click(REQUESTER, ACTIONS.approve, approve?.value as string);
    expect(String(ownApproval.text)).toMatch(/cannot approve your own request/);
    const updates = api.callsOf('chat.update').length;
    await postSigned(
      url,
      buttonClickBody({
        userId: APPROVER,
        channelId: CHANNEL,
        actionId: ACTIONS.approve,
        value: approve?.value as string,
        responseUrl: `${responseBase}/k-${++counter}`,
      }),
    );
    const decided = (await api.waitForCalls('chat.update', updates + 1)).at(-1);
    expect(JSON.stringify(decided?.blocks)).toContain('Applied');
    // A session ARN names one session: the policy denies that session of the role behind it, not the whole role.
    const policy = (await sandbox.getBucketPolicy(BUCKET, 'us-east-1')) ?? '';
    expect(policy).toContain('role/Contractor');
    expect(policy).toContain(`"aws:userid": "*:${STRANGER.split('/').at(-1)}"`);
  });

  it('Mute this rule: refused to someone not allowed, then muted for an hour and written to the audit log', async () => {
    const mute = button('Mute this rule for an hour');
    const refused = await click(OUTSIDER, mute.action_id, mute.value);
    expect(await alertStore.activeMutes(Date.now())).toEqual([]);
    expect(JSON.stringify(refused)).not.toContain('muted the alert rule');
    const unknown = await click(REQUESTER, mute.action_id, 'no-such-rule');
    expect(JSON.stringify(unknown)).toContain('does not name an alert rule');
    const done = await click(REQUESTER, mute.action_id, mute.value);
    expect(done.response_type).toBe('in_channel');
    const [active] = await alertStore.activeMutes(Date.now());
    expect(active).toMatchObject({ ruleId: 'new-principal-delete', by: REQUESTER });
    expect((active?.until ?? 0) - Date.now()).toBeGreaterThan(59 * 60_000);
    const audit = await new SqliteApprovalStore(db).recentAudit(10);
    expect(audit.find((entry) => entry.action === 'mute')).toMatchObject({
      actor: REQUESTER,
      requestId: 'alert-rule:new-principal-delete',
    });
  });

  it('/s3x status says that alerts see only what a trail logs', async () => {
    const pathName = `/c-${++counter}`;
    await postSigned(url, slashCommandBody({ text: 'status', response_url: `${responseBase}${pathName}`, user_id: REQUESTER }));
    const posts = await responses.waitFor(pathName, 1);
    expect(JSON.stringify(posts.at(-1))).toContain(
      'object events reach EventBridge, and s3x alerts, only for buckets a logging trail covers',
    );
  });

  it('/s3x alerts lists the rules with their channels, the mute and the last alert', async () => {
    const pathName = `/c-${++counter}`;
    await postSigned(url, slashCommandBody({ text: 'alerts', response_url: `${responseBase}${pathName}`, user_id: REQUESTER }));
    const posts = await responses.waitFor(pathName, 1);
    const text = JSON.stringify(posts);
    expect(text).toContain('mass-delete');
    expect(text).toContain(`<#${CHANNEL}>`);
    expect(text).toContain('muted until');
    expect(text).toContain(STRANGER);
  });

  it('Watch on an answer whose window reaches the last hour: a late matching event updates it in place; others do not', async () => {
    const pathName = `/c-${++counter}`;
    await postSigned(
      url,
      slashCommandBody({
        text: `history reports/q3.parquet --bucket ${BUCKET} --since 2h`,
        response_url: `${responseBase}${pathName}`,
        user_id: REQUESTER,
      }),
    );
    const [answer] = await responses.waitFor(pathName, 1);
    const watch = buttonsIn(answer?.blocks).find((b) => b.action_id === ACTIONS.watch);
    expect(watch).toBeDefined();
    const older = `/c-${++counter}`;
    await postSigned(
      url,
      slashCommandBody({
        text: `history reports/q3.parquet --bucket ${BUCKET} --since 2025-01-01 --until 2025-01-02`,
        response_url: `${responseBase}${older}`,
        user_id: REQUESTER,
      }),
    );
    expect(buttonsIn((await responses.waitFor(older, 1))[0]?.blocks).some((b) => b.action_id === ACTIONS.watch)).toBe(false);
    // A watch follows one key: a prefix answer offers none, even over the last hour.
    const prefixPath = `/c-${++counter}`;
    await postSigned(
      url,
      slashCommandBody({
        text: `who-deleted --prefix reports/ --bucket ${BUCKET} --since 2h`,
        response_url: `${responseBase}${prefixPath}`,
        user_id: REQUESTER,
      }),
    );
    const [prefixAnswer] = await responses.waitFor(prefixPath, 1);
    expect(JSON.stringify(prefixAnswer)).toContain('under `reports/`');
    expect(buttonsIn(prefixAnswer?.blocks).some((b) => b.action_id === ACTIONS.watch)).toBe(false);

    const clickPath = `/k-${++counter}`;
    await postSigned(
      url,
      buttonClickBody({
        userId: REQUESTER,
        channelId: CHANNEL,
        actionId: ACTIONS.watch,
        value: watch?.value as string,
        responseUrl: `${responseBase}${clickPath}`,
      }),
    );
    expect(String((await responses.waitFor(clickPath, 1))[0]?.text)).toMatch(/^Watching `reports\/q3.parquet` until/);
    expect(watches.active).toBe(1);
    // Already in the answer, another key, then a late PutObject of the key delivered with an addendum.
    const late = {
      ...deleteRecord,
      eventID: 'late-put-1',
      eventName: 'PutObject',
      addendum: { reason: 'DELIVERY_DELAY', updatedFields: '', originalRequestID: 'r', originalEventID: 'e' },
    };
    const otherKey = {
      ...deleteRecord,
      eventID: 'other-key',
      requestParameters: { bucketName: BUCKET, key: 'reports/other.parquet' },
    };
    await pipeline.handle([deleteRecord, otherKey, late]);
    const [update] = await responses.waitFor(clickPath, 2);
    const updated = (await responses.waitFor(clickPath, 2))[1] ?? update;
    expect(updated?.replace_original).toBe(true);
    expect(JSON.stringify(updated?.blocks)).toContain(
      '1 new event since you asked (1 marked by CloudTrail as delivered late or updated)',
    );
    expect(JSON.stringify(updated?.blocks)).toContain('reports/q3.parquet');
  });
});
