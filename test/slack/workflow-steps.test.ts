import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AnswerStore } from '../../src/answers/answer-store.js';
import { SqliteApprovalStore } from '../../src/approvals/sqlite-approval-store.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { createPlanner } from '../../src/remediation/planner.js';
import { SandboxAccount } from '../../src/sandbox/sandbox-account.js';
import type { SlackApp } from '../../src/slack/app.js';
import { ACTIONS, WORKFLOW_STEPS } from '../../src/slack/ids.js';
import { publishExpired } from '../../src/slack/listeners/change-flow.js';
import { openDatabase } from '../../src/store/database.js';
import { tempDir } from '../helpers/archive.js';
import { REAL_DATASETS, REPO_ROOT } from '../helpers/paths.js';
import { buttonClickBody, buttonsIn, functionExecutedBody, postSigned, SlackTestApp } from '../helpers/slack.js';

/**
 * The Workflow Builder custom steps, run as Slack runs them: a signed `function_executed` event to
 * the real Bolt app, completed with `functions.completeSuccess` / `completeError` on the fake Web
 * API. The object history comes from the AWS documentation's real S3 Express records.
 */

const REQUESTER = 'U0REQUESTER';
const APPROVER = 'U0APPROVER';
const OUTSIDER = 'U0OUTSIDER';
const CHANNEL = 'C0CHANGES';
const UNCOVERED = 'tmp-exports--use1-az5--x-s3';
const REAL_FILE = path.join(REAL_DATASETS, 'aws-docs', 's3-express-log-files.examples.repaired.jsonl');

const app = new SlackTestApp();
const { api } = app;
let root: string;
let engine: LocalEngine;
let slack: SlackApp;
let eventsUrl: string;
let responseBase: string;
let skewMs = 0;
const clock = () => new Date(Date.now() + skewMs);
let executions = 0;

interface StepDeclaration {
  output_parameters: Record<string, unknown>;
}
let manifestSteps: Record<string, StepDeclaration>;

beforeAll(async () => {
  root = await tempDir('s3x-steps-');
  const logsDir = path.join(root, 'logs');
  await mkdir(logsDir, { recursive: true });
  await copyFile(REAL_FILE, path.join(logsDir, path.basename(REAL_FILE)));
  engine = await LocalEngine.open({ logsDir });
  const db = openDatabase(path.join(root, 'state.sqlite'));
  const sandbox = new SandboxAccount(db, { logsDir, now: clock });
  sandbox.seedDefaults();
  ({ slack, eventsUrl, responseBase } = await app.start({
    engine,
    now: clock,
    // The real records are from 2024, years before the test's clock: past the default window cap.
    limits: { maxWindowDays: 36_500 },
    store: new AnswerStore(db, clock),
    approvalStore: new SqliteApprovalStore(db),
    access: { channels: [], users: [REQUESTER, APPROVER], groups: [] },
    remediation: {
      account: sandbox,
      store: new SqliteApprovalStore(db),
      policy: { approvers: [APPROVER], requiredApprovals: 1, ttlMs: 3600_000 },
      plan: createPlanner(sandbox, { protectedPrincipals: [] }),
    },
  }));
  manifestSteps = (
    parse(await readFile(path.join(REPO_ROOT, 'manifest.yml'), 'utf8')) as { functions: Record<string, StepDeclaration> }
  ).functions;
});

afterAll(async () => {
  await app.stop();
  await engine?.close();
  await rm(root, { recursive: true, force: true });
});

/** Run a step: a signed function_executed event; resolves with its execution id once Slack acked it. */
async function runStep(callbackId: string, inputs: Record<string, unknown>): Promise<string> {
  const executionId = `Fx0STEP${++executions}`;
  const response = await postSigned(eventsUrl, functionExecutedBody({ callbackId, inputs, executionId }), {
    contentType: 'application/json',
  });
  expect(response.status).toBe(200);
  return executionId;
}

/** The completion of one execution, success or error, with the token it was sent with. */
async function completionOf(executionId: string): Promise<{ method: string; args: Record<string, unknown>; token?: string }> {
  for (let waited = 0; ; waited++) {
    const done = api.calls.find((c) => c.method.startsWith('functions.complete') && c.args.function_execution_id === executionId);
    if (done) return done;
    if (waited > 200) throw new Error(`step ${executionId} was never completed`);
    await api.waitForCalls('functions.completeSuccess', Number.MAX_SAFE_INTEGER, 100).catch(() => undefined);
  }
}

const completionsOf = (executionId: string) =>
  api.calls.filter((c) => c.method.startsWith('functions.complete') && c.args.function_execution_id === executionId);

async function click(userId: string, actionId: string, value: string): Promise<void> {
  const response = await postSigned(
    eventsUrl,
    buttonClickBody({ userId, actionId, value, channelId: CHANNEL, responseUrl: `${responseBase}/click-${++executions}` }),
  );
  expect(response.status).toBe(200);
}

/** Post "Request a logging change" and return its execution id and the approval message's request id. */
async function requestChange(): Promise<{ executionId: string; requestId: string }> {
  const before = api.callsOf('chat.postMessage').length;
  const executionId = await runStep(WORKFLOW_STEPS.requestLoggingChange, {
    bucket: UNCOVERED,
    requester: REQUESTER,
    channel: CHANNEL,
  });
  const [posted] = (await api.waitForCalls('chat.postMessage', before + 1)).slice(before);
  expect(posted?.channel).toBe(CHANNEL);
  const approve = buttonsIn(posted?.blocks).find((b) => b.action_id === ACTIONS.approve);
  expect(approve, 'the approval message has an Approve button').toBeDefined();
  const requestId = approve?.value ?? '';
  // The step records the message after Slack answers; decisions then update it.
  await expect.poll(async () => (await slack.approvals?.get(requestId))?.messageTs).toBeDefined();
  return { executionId, requestId };
}

describe('Workflow Builder step "Who touched an object"', () => {
  it('completes with the principals, the last event and the coverage of the real records, with the workflow token', async () => {
    const executionId = await runStep(WORKFLOW_STEPS.whoTouchedObject, {
      key: 'test-get-obj-with-checksum',
      window: '2024-07-01',
      requester: REQUESTER,
    });
    const done = await completionOf(executionId);
    expect(done.method).toBe('functions.completeSuccess');
    expect(done.token).toBe(`xwfp-${executionId}`);
    const outputs = done.args.outputs as Record<string, string>;
    expect(Object.keys(outputs).sort()).toEqual(
      Object.keys(manifestSteps[WORKFLOW_STEPS.whoTouchedObject]?.output_parameters ?? {}).sort(),
    );
    expect(outputs.principals).toContain('RoleToBeAssumed/MySessionName');
    expect(outputs.last_event).toMatch(/^2024-07-\d\dT.* GetObject by .*MySessionName/);
    expect(outputs.summary).toContain('test-get-obj-with-checksum');
    // No bucket named: the answer cannot vouch for coverage, and says so, with how fresh the logs are.
    expect(outputs.coverage).toMatch(/No match means nobody did it only if|logs complete up to|newest event/i);
  });

  it('says "none" and gives the coverage verdict when nothing touched the key on a named directory bucket', async () => {
    const executionId = await runStep(WORKFLOW_STEPS.whoTouchedObject, {
      key: 'nothing/has/this-key',
      bucket: UNCOVERED,
      window: '2d',
      requester: REQUESTER,
      channel: CHANNEL,
    });
    const outputs = (await completionOf(executionId)).args.outputs as Record<string, string>;
    expect(outputs.principals).toBe('none');
    expect(outputs.last_event).toBe('none');
    expect(outputs.coverage?.length).toBeGreaterThan(20);
    expect(outputs.coverage).not.toMatch(/nobody (deleted|touched|did)/i);
  });

  it("fails an unauthorized requester's step with a clear error, and answers nothing", async () => {
    const executionId = await runStep(WORKFLOW_STEPS.whoTouchedObject, {
      key: 'test-get-obj-with-checksum',
      requester: OUTSIDER,
    });
    const done = await completionOf(executionId);
    expect(done.method).toBe('functions.completeError');
    expect(String(done.args.error)).toMatch(/not on the list of people who may use s3x/);
    expect(completionsOf(executionId)).toHaveLength(1);
  });

  it('fails a step run without a requester, and one with a window the parser refuses, saying why', async () => {
    const anonymous = await completionOf(await runStep(WORKFLOW_STEPS.whoTouchedObject, { key: 'k' }));
    expect(anonymous.method).toBe('functions.completeError');
    expect(String(anonymous.args.error)).toMatch(/requester/);
    const badWindow = await completionOf(
      await runStep(WORKFLOW_STEPS.whoTouchedObject, { key: 'k', window: 'last tuesday', requester: REQUESTER }),
    );
    expect(badWindow.method).toBe('functions.completeError');
    expect(String(badWindow.args.error)).toMatch(/last tuesday/);
  });
});

describe('Workflow Builder step "Request a logging change"', () => {
  it('fails the step and withdraws the request when Slack will not post the approval message', async () => {
    api.failures.set('chat.postMessage', 'not_in_channel');
    try {
      const executionId = await runStep(WORKFLOW_STEPS.requestLoggingChange, {
        bucket: UNCOVERED,
        requester: REQUESTER,
        channel: CHANNEL,
      });
      const done = await completionOf(executionId);
      expect(done.method).toBe('functions.completeError');
      const error = String(done.args.error);
      expect(error).toMatch(/Slack did not take the approval message in C0CHANGES \(not_in_channel\).*withdrawn/);
      // First in this block, while the bucket is unlogged. Nobody could approve a request whose
      // message was never posted: it is not left pending.
      const requestId = /request ([0-9a-f]{24})/.exec(error)?.[1] ?? '';
      expect((await slack.approvals?.get(requestId))?.state).toBe('rejected');
    } finally {
      api.failures.delete('chat.postMessage');
    }
  });

  it('completes with "rejected" when an approver rejects the posted request', async () => {
    const { executionId, requestId } = await requestChange();
    expect(completionsOf(executionId)).toEqual([]);
    await click(APPROVER, ACTIONS.reject, requestId);
    const done = await completionOf(executionId);
    expect(done.method).toBe('functions.completeSuccess');
    expect(done.args.outputs).toMatchObject({ request_id: requestId, outcome: 'rejected' });
  });

  it('completes with "expired" when nobody decides before the request expires, without anyone clicking', async () => {
    const { executionId, requestId } = await requestChange();
    expect(await publishExpired(slack.approvals as NonNullable<SlackApp['approvals']>, slack.app.client, console)).toBe(0);
    skewMs = 2 * 3600_000;
    try {
      expect(await publishExpired(slack.approvals as NonNullable<SlackApp['approvals']>, slack.app.client, console)).toBe(1);
    } finally {
      skewMs = 0;
    }
    const done = await completionOf(executionId);
    expect(done.args.outputs).toMatchObject({ request_id: requestId, outcome: 'expired' });
    // The approval message loses its buttons too, and a second sweep finds nothing left to expire.
    const expiredMessages = api
      .callsOf('chat.update')
      .filter((update) => JSON.stringify(update).includes(requestId) && JSON.stringify(update).toLowerCase().includes('expired'));
    expect(expiredMessages).toHaveLength(1);
    expect(buttonsIn(expiredMessages[0]?.blocks).filter((b) => b.action_id === ACTIONS.approve)).toEqual([]);
    expect(await publishExpired(slack.approvals as NonNullable<SlackApp['approvals']>, slack.app.client, console)).toBe(0);
    expect(completionsOf(executionId)).toHaveLength(1);
  });

  it('posts the request for approval and completes only when it is approved and applied', async () => {
    const { executionId, requestId } = await requestChange();
    expect(completionsOf(executionId)).toEqual([]);
    await click(APPROVER, ACTIONS.approve, requestId);
    const done = await completionOf(executionId);
    expect(done.method).toBe('functions.completeSuccess');
    expect(done.args.outputs).toEqual({ request_id: requestId, outcome: 'applied', detail: expect.any(String) });
    expect(Object.keys(done.args.outputs as object).sort()).toEqual(
      Object.keys(manifestSteps[WORKFLOW_STEPS.requestLoggingChange]?.output_parameters ?? {}).sort(),
    );
  });

  it('completes with "not_needed" once the bucket is logged (nothing to approve)', async () => {
    const executionId = await runStep(WORKFLOW_STEPS.requestLoggingChange, {
      bucket: UNCOVERED,
      requester: REQUESTER,
      channel: CHANNEL,
    });
    const done = await completionOf(executionId);
    expect(done.method).toBe('functions.completeSuccess');
    expect((done.args.outputs as Record<string, string>).outcome).toBe('not_needed');
  });

  it("fails an unauthorized requester's step and posts nothing", async () => {
    const before = api.callsOf('chat.postMessage').length;
    const executionId = await runStep(WORKFLOW_STEPS.requestLoggingChange, {
      bucket: UNCOVERED,
      requester: OUTSIDER,
      channel: CHANNEL,
    });
    const done = await completionOf(executionId);
    expect(done.method).toBe('functions.completeError');
    expect(String(done.args.error)).toMatch(/not on the list of people who may use s3x/);
    expect(api.callsOf('chat.postMessage')).toHaveLength(before);
  });
});
