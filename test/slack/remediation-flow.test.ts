import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerStore } from '../../src/answers/answer-store.js';
import { SqliteApprovalStore } from '../../src/approvals/sqlite-approval-store.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { principalsSeenOnBucket } from '../../src/questions/bucket-principals.js';
import { createPlanner } from '../../src/remediation/planner.js';
import { generateArchive } from '../../src/sample/generate.js';
import { SandboxAccount } from '../../src/sandbox/sandbox-account.js';
import { inventoryOf } from '../../src/sandbox/sandbox-inventory.js';
import type { SlackApp } from '../../src/slack/app.js';
import { CHANGE_INPUTS } from '../../src/slack/blocks/change-request.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { openDatabase } from '../../src/store/database.js';
import { tempDir } from '../helpers/archive.js';
import { buttonClickBody, buttonsIn, postSigned, SlackTestApp, slashCommandBody } from '../helpers/slack.js';

const REQUESTER = 'U0REQUESTER';
const APPROVER = 'U0APPROVER';
const SECOND = 'U0SECOND';
const UNCOVERED = 'tmp-exports--use1-az5--x-s3';
const POLICY_BUCKET = 'analytics-hot--use1-az4--x-s3';

const slackTest = new SlackTestApp();
const { api, responses } = slackTest;
let logsDir: string;
let dbFile: string;
let responseBase: string;
let engine: LocalEngine;
/** The app's clock: real time plus a skew the expiry test moves forward. */
let skewMs = 0;
const clock = () => new Date(Date.now() + skewMs);
let counter = 0;
let plantedKey = '';

interface Running {
  slack: SlackApp;
  url: string;
  sandbox: SandboxAccount;
}
let app: Running;

/** Start the app on the shared SQLite file, as a fresh process would after a restart. */
async function startApp(): Promise<Running> {
  const db = openDatabase(dbFile);
  const sandbox = new SandboxAccount(db, { logsDir, now: clock });
  sandbox.seedDefaults();
  const started = await slackTest.start({
    engine,
    now: clock,
    store: new AnswerStore(db, clock),
    approvalStore: new SqliteApprovalStore(db),
    trailInventory: inventoryOf(sandbox),
    access: { channels: [], users: [], groups: [] },
    remediation: {
      account: sandbox,
      store: new SqliteApprovalStore(db),
      policy: { approvers: [APPROVER, SECOND], requiredApprovals: 1, ttlMs: 3600_000 },
      plan: createPlanner(sandbox, {
        protectedPrincipals: ['arn:aws:iam::111122223333:role/s3x'],
        principalsSeen: (bucket) => principalsSeenOnBucket(engine, bucket, clock()),
      }),
    },
  });
  responseBase = started.responseBase;
  await started.slack.approvals?.recoverExpired();
  return { slack: started.slack, url: started.eventsUrl, sandbox };
}

beforeAll(async () => {
  const root = await tempDir('s3x-remediation-');
  logsDir = path.join(root, 'logs');
  dbFile = path.join(root, 'state.sqlite');
  plantedKey = (await generateArchive({ outDir: logsDir, seed: 3, end: new Date(), days: 3, eventsPerDay: 800 })).facts
    .plantedKey;
  engine = await LocalEngine.open({ logsDir });
  app = await startApp();
});

afterAll(async () => {
  await slackTest.stop();
  await engine.close();
});

async function command(text: string, userId = REQUESTER): Promise<Record<string, unknown>> {
  const pathName = `/c-${++counter}`;
  await postSigned(app.url, slashCommandBody({ text, response_url: `${responseBase}${pathName}`, user_id: userId }));
  const posts = await responses.waitFor(pathName);
  return posts.at(-1) as Record<string, unknown>;
}

async function click(
  userId: string,
  actionId: string,
  value: string,
  typed?: Record<string, Record<string, string>>,
): Promise<void> {
  const pathName = `/k-${++counter}`;
  const response = await postSigned(
    app.url,
    buttonClickBody({ userId, actionId, value, responseUrl: `${responseBase}${pathName}`, ...(typed ? { typed } : {}) }),
  );
  expect(response.status).toBe(200);
  lastClickPath = pathName;
}
let lastClickPath = '';

async function clickReply(userId: string, actionId: string, value: string): Promise<Record<string, unknown>> {
  await click(userId, actionId, value);
  return (await responses.waitFor(lastClickPath))[0] as Record<string, unknown>;
}

/** Plan a change and request approval; returns the request id. */
async function requestChange(text: string): Promise<string> {
  const preview = await command(text);
  const submit = buttonsIn(preview.blocks).find((b) => b.action_id === ACTIONS.submitChange);
  expect(submit, JSON.stringify(preview)).toBeDefined();
  const posted = api.callsOf('chat.postMessage').length;
  await clickReply(REQUESTER, ACTIONS.submitChange, submit?.value as string);
  expect(api.callsOf('chat.postMessage').length).toBe(posted + 1);
  const approvalMessage = api.callsOf('chat.postMessage').at(-1) as { blocks: unknown };
  const approve = buttonsIn(approvalMessage.blocks).find((b) => b.action_id === ACTIONS.approve);
  return approve?.value as string;
}

async function waitForUpdate(count: number): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200 && api.callsOf('chat.update').length < count; i++) await new Promise((r) => setTimeout(r, 25));
  return api.callsOf('chat.update').at(-1) as Record<string, unknown>;
}

describe('remediation through signed HTTP, on the sandbox account', () => {
  it('enable-logging: own approval refused, an approver applies it, status shows the bucket covered', async () => {
    const before = await command('status');
    expect(JSON.stringify(before)).toContain(UNCOVERED);
    const id = await requestChange(`enable-logging ${UNCOVERED}`);

    const refusal = await clickReply(REQUESTER, ACTIONS.approve, id);
    expect(String(refusal.text)).toMatch(/cannot approve your own request/);

    const updates = api.callsOf('chat.update').length;
    const posts = api.callsOf('chat.postMessage').length;
    await click(APPROVER, ACTIONS.approve, id);
    const decided = await waitForUpdate(updates + 1);
    expect(JSON.stringify(decided.blocks)).toContain('Applied');
    // The audit record follows the update: wait for it rather than read the calls the moment the update lands.
    const audit = (await api.waitForCalls('chat.postMessage', posts + 1)).at(-1) as { thread_ts?: string; text: string };
    expect(audit.thread_ts).toBeDefined();
    expect(audit.text).toMatch(/^Audit: applied/);

    const state = await app.sandbox.readState();
    const selectors = JSON.stringify(state.trails[0]?.advancedEventSelectors);
    expect(selectors).toContain(`bucket/${UNCOVERED}/`);
    const after = await command('status');
    const line = JSON.stringify(after.blocks);
    expect(line).toMatch(new RegExp(`${UNCOVERED}`));
    expect(buttonsIn(after.blocks).some((b) => b.action_id === ACTIONS.enableLogging && b.value === UNCOVERED)).toBe(false);
  });

  it('two simultaneous Approve clicks apply once', async () => {
    const id = await requestChange(`tighten ${POLICY_BUCKET} --deny arn:aws:iam::111122223333:role/Intern`);
    const auditBefore = (await new SqliteApprovalStore(openDatabase(dbFile)).recentAudit(500)).filter(
      (e) => e.action === 'applied',
    ).length;
    await Promise.all([click(APPROVER, ACTIONS.approve, id), click(SECOND, ACTIONS.approve, id)]);
    for (let i = 0; i < 200; i++) {
      const request = await new SqliteApprovalStore(openDatabase(dbFile)).get(id);
      if (request?.state === 'applied' || request?.state === 'failed') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const audit = await new SqliteApprovalStore(openDatabase(dbFile)).recentAudit(500);
    expect(audit.filter((e) => e.action === 'applied').length).toBe(auditBefore + 1);
    expect(audit.filter((e) => e.requestId === id && e.action === 'approved')).toHaveLength(1);
  });

  it('tighten → approve → the policy equals the plan; Revert → approve → byte-identical to before', async () => {
    const original = await app.sandbox.getBucketPolicy('ml-features--use1-az6--x-s3', 'us-east-1');
    const id = await requestChange('tighten ml-features--use1-az6--x-s3 --read-only');
    const request = await new SqliteApprovalStore(openDatabase(dbFile)).get(id);
    const planned = request?.plan.calls[0];
    expect(planned?.api).toBe('s3express:PutBucketPolicy');
    const updates = api.callsOf('chat.update').length;
    await click(APPROVER, ACTIONS.approve, id);
    const decided = await waitForUpdate(updates + 1);
    expect(await app.sandbox.getBucketPolicy('ml-features--use1-az6--x-s3', 'us-east-1')).toBe(
      (planned as { policy: string }).policy,
    );

    const revertButton = buttonsIn(decided.blocks).find((b) => b.action_id === ACTIONS.revert);
    expect(revertButton).toBeDefined();
    const preview = await clickReply(REQUESTER, ACTIONS.revert, revertButton?.value as string);
    const submit = buttonsIn(preview.blocks).find((b) => b.action_id === ACTIONS.submitChange);
    await clickReply(REQUESTER, ACTIONS.submitChange, submit?.value as string);
    const approve = buttonsIn((api.callsOf('chat.postMessage').at(-1) as { blocks: unknown }).blocks).find(
      (b) => b.action_id === ACTIONS.approve,
    );
    const revertUpdates = api.callsOf('chat.update').length;
    await click(APPROVER, ACTIONS.approve, approve?.value as string);
    await waitForUpdate(revertUpdates + 2);
    expect(await app.sandbox.getBucketPolicy('ml-features--use1-az6--x-s3', 'us-east-1')).toBe(original);
    // The original "Applied" message now says Reverted, and offers no Revert any more.
    const originalTs = (decided as { ts: string }).ts;
    const originalNow = api
      .callsOf('chat.update')
      .filter((u) => (u as { ts: string }).ts === originalTs)
      .at(-1) as { blocks: unknown };
    expect(JSON.stringify(originalNow.blocks)).toContain('*Reverted*');
    expect(buttonsIn(originalNow.blocks).some((b) => b.action_id === ACTIONS.revert)).toBe(false);
  });

  it('a restart between request and approval loses nothing', async () => {
    const id = await requestChange(`tighten ${POLICY_BUCKET} --vpce vpce-0a1b2c3d4e5f67890`);
    await app.slack.stop();
    app = await startApp();
    const updates = api.callsOf('chat.update').length;
    await click(APPROVER, ACTIONS.approve, id);
    const decided = await waitForUpdate(updates + 1);
    expect(JSON.stringify(decided.blocks)).toContain('Applied');
  });

  it('an expired request cannot be approved', async () => {
    const id = await requestChange(`tighten ${POLICY_BUCKET} --deny arn:aws:iam::111122223333:role/Contractor`);
    skewMs = 2 * 3600_000;
    const reply = await clickReply(APPROVER, ACTIONS.approve, id);
    expect(String(reply.text)).toMatch(/expired/);
    expect((await new SqliteApprovalStore(openDatabase(dbFile)).get(id))?.state).toBe('expired');
    skewMs = 0;
  });

  it('who-deleted offers Deny on the deleter, which denies exactly that session and says who else it blocks', async () => {
    const answer = await command(`who-deleted ${plantedKey} --bucket ${POLICY_BUCKET} --since 3d`);
    const deny = buttonsIn(answer.blocks).find((b) => b.action_id.startsWith(ACTIONS.denyPrincipal));
    expect(deny?.text).toBe('Deny DataEngineer/mallory on analytics-hot');
    expect(deny?.value).toMatch(
      new RegExp(`^${POLICY_BUCKET}\\|arn:aws:sts::111122223333:assumed-role/DataEngineer/mallory\\|AROA[A-Z0-9]+:mallory$`),
    );
    const principalId = deny?.value.split('|')[2] as string;
    const preview = await clickReply(REQUESTER, deny?.action_id as string, deny?.value as string);
    const previewText = JSON.stringify(preview.blocks);
    expect(previewText).toContain(`Block new sessions of DataEngineer/mallory on ${POLICY_BUCKET}`);
    expect(previewText).toContain('other sessions of DataEngineer are not blocked');
    expect(previewText).toMatch(
      /Blocks no other principal seen on this bucket in the last 7 days|Also blocks \d+ principals? seen/,
    );
    const submit = buttonsIn(preview.blocks).find((b) => b.action_id === ACTIONS.submitChange);
    await clickReply(REQUESTER, ACTIONS.submitChange, submit?.value as string);
    const approval = api.callsOf('chat.postMessage').at(-1) as { blocks: unknown };
    const id = buttonsIn(approval.blocks).find((b) => b.action_id === ACTIONS.approve)?.value as string;
    const updates = api.callsOf('chat.update').length;
    await click(APPROVER, ACTIONS.approve, id);
    const decided = await waitForUpdate(updates + 1);
    expect(JSON.stringify(decided.blocks)).toContain('Block new sessions of DataEngineer/mallory');
    const policy = JSON.parse((await app.sandbox.getBucketPolicy(POLICY_BUCKET, 'us-east-1')) ?? '{}') as {
      Statement: Array<{ Sid?: string; Condition?: Record<string, Record<string, unknown>> }>;
    };
    const statement = policy.Statement.find((s) => s.Sid?.startsWith('s3x-deny-principal-mallory-'));
    expect(statement?.Condition?.StringEquals).toEqual({ 'aws:userid': principalId });
    const audit = await new SqliteApprovalStore(openDatabase(dbFile)).recentAudit(500);
    expect(
      audit
        .filter((e) => e.requestId === id)
        .map((e) => e.detail)
        .join('\n'),
    ).toContain('DataEngineer/mallory');
  });

  it('a role Deny lists the sessions of the role seen on the bucket (bob among them)', async () => {
    const preview = await command(`tighten ${POLICY_BUCKET} --deny arn:aws:iam::111122223333:role/DataEngineer`);
    const text = JSON.stringify(preview.blocks);
    expect(text).toContain(`Block every session of role DataEngineer on ${POLICY_BUCKET}`);
    expect(text).toMatch(/Also blocks \d+ principals? seen on this bucket in the last 7 days: [^"]*DataEngineer\//);
  });

  it('Request approval carries the typed reason; Reject carries its reason and names the rejecter', async () => {
    const preview = await command(`tighten ${POLICY_BUCKET} --deny arn:aws:iam::111122223333:role/Auditor`);
    const submit = buttonsIn(preview.blocks).find((b) => b.action_id === ACTIONS.submitChange);
    await click(REQUESTER, ACTIONS.submitChange, submit?.value as string, {
      [CHANGE_INPUTS.justification.blockId]: { [CHANGE_INPUTS.justification.actionId]: 'INC-4711: Auditor keys leaked' },
    });
    await responses.waitFor(lastClickPath);
    const approval = api.callsOf('chat.postMessage').at(-1) as { blocks: unknown };
    expect(JSON.stringify(approval.blocks)).toContain('*Why:* INC-4711: Auditor keys leaked');
    const id = buttonsIn(approval.blocks).find((b) => b.action_id === ACTIONS.reject)?.value as string;
    const updates = api.callsOf('chat.update').length;
    await click(SECOND, ACTIONS.reject, id, {
      [CHANGE_INPUTS.rejectReason.blockId]: { [CHANGE_INPUTS.rejectReason.actionId]: 'deny the user, not the role' },
    });
    const decided = await waitForUpdate(updates + 1);
    expect(JSON.stringify(decided.blocks)).toContain(`Rejected by <@${SECOND}>: deny the user, not the role`);
    expect(buttonsIn(decided.blocks)).toEqual([]);
    const thread = api.callsOf('chat.postMessage').at(-1) as { thread_ts?: string; blocks: unknown };
    expect(thread.thread_ts).toBeDefined();
    expect(JSON.stringify(thread.blocks)).toContain(`Rejected by <@${SECOND}>: deny the user, not the role`);
    expect(JSON.stringify(thread.blocks)).not.toContain('nobody');
  });

  it('denied on a directory bucket offers Deny on the denied callers', async () => {
    const answer = await command(`denied --bucket ${POLICY_BUCKET} --since 3d`);
    const deny = buttonsIn(answer.blocks).filter((b) => b.action_id.startsWith(ACTIONS.denyPrincipal));
    expect(deny.length).toBeGreaterThan(0);
    expect(deny.every((b) => b.value.startsWith(`${POLICY_BUCKET}|arn:`))).toBe(true);
  });
});
