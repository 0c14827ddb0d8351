import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerStore } from '../../src/answers/answer-store.js';
import type { ApprovalRequest } from '../../src/approvals/approval.js';
import { SqliteApprovalStore } from '../../src/approvals/sqlite-approval-store.js';
import { runCli } from '../../src/cli.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { QUESTION_TOOLS } from '../../src/mcp/question-tools.js';
import { describeRequest } from '../../src/mcp/request-tools.js';
import { createPlanner } from '../../src/remediation/planner.js';
import { SandboxAccount } from '../../src/sandbox/sandbox-account.js';
import { createSlackApp, type SlackApp } from '../../src/slack/app.js';
import { buildApprovalMessage } from '../../src/slack/blocks/change-request.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { openDatabase, type SqliteDatabase } from '../../src/store/database.js';
import { tempDir } from '../helpers/archive.js';
import { FakeSlackApi } from '../helpers/fake-slack-api.js';
import { REAL_DATASETS, REPO_ROOT } from '../helpers/paths.js';
import { buttonClickBody, buttonsIn, postSigned, ResponseUrlServer, SIGNING_SECRET } from '../helpers/slack.js';

/**
 * `s3x mcp --allow-requests` as an assistant runs it: the SDK's client spawns the built CLI in Slack
 * mode against the fake Web API, with the SQLite store in a temp dir. The request it makes is then
 * approved the way a person does: a signed Approve click to the real Bolt app on the same store.
 */

const REQUESTER = 'U0ASKER';
const APPROVER = 'U0APPROVER';
const CHANNEL = 'C0APPROVALS';
const UNCOVERED = 'tmp-exports--use1-az5--x-s3';
const ANALYTICS = 'analytics-hot--use1-az4--x-s3';
const VPCE = 'vpce-0a1b2c3d4e5f67890';
const CLIENT = { name: 's3x-test-client', version: '1.2.3' };
const VIA = `MCP client ${CLIENT.name}/${CLIENT.version} via stdio`;

const api = new FakeSlackApi();
const responses = new ResponseUrlServer();
let dataDir: string;
let apiUrl: string;
let client: Client;
let serverLog = '';
let db: SqliteDatabase;
let store: SqliteApprovalStore;
let sandbox: SandboxAccount;
let engine: LocalEngine;
let slack: SlackApp;
let eventsUrl: string;
let responseBase: string;
let clicks = 0;

/** The environment of a Slack-mode deployment with remediation on, as `s3x mcp` reads it. */
function slackEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH ?? '',
    S3X_DATA_DIR: dataDir,
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: apiUrl,
    S3X_APPROVERS: APPROVER,
    S3X_MCP_REQUESTER: REQUESTER,
    ...overrides,
  };
}

beforeAll(async () => {
  dataDir = await tempDir('s3x-mcp-requests-');
  apiUrl = await api.start();
  responseBase = await responses.start();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [path.join(REPO_ROOT, 'bin', 's3x.js'), 'mcp', '--allow-requests', '--channel', CHANNEL, '--logs', REAL_DATASETS],
    env: slackEnv() as Record<string, string>,
    cwd: REPO_ROOT,
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => {
    serverLog += chunk.toString('utf8');
  });
  client = new Client(CLIENT);
  await client.connect(transport);
  // The app's side of the same store: the replica that gets the approver's click.
  db = openDatabase(path.join(dataDir, 's3x.sqlite'));
  store = new SqliteApprovalStore(db);
  sandbox = new SandboxAccount(db, { now: () => new Date() });
  engine = await LocalEngine.open({ logsDir: REAL_DATASETS });
  slack = createSlackApp(
    {
      botToken: 'xoxb-test',
      signingSecret: SIGNING_SECRET,
      port: 0,
      logLevel: 'error',
      apiUrl,
      botIdentity: { botId: 'B1', botUserId: 'U1' },
    },
    {
      engine,
      now: () => new Date(),
      store: new AnswerStore(db, () => new Date()),
      approvalStore: store,
      access: { channels: [], users: [], groups: [] },
      remediation: {
        account: sandbox,
        store,
        policy: { approvers: [APPROVER], requiredApprovals: 1, ttlMs: 3600_000 },
        plan: createPlanner(sandbox, { protectedPrincipals: [] }),
      },
    },
  );
  eventsUrl = `http://127.0.0.1:${(await slack.start()).port}/slack/events`;
});

afterAll(async () => {
  await client?.close();
  await slack?.stop();
  await engine?.close();
  db?.close();
  await responses.stop();
  await api.stop();
  await rm(dataDir, { recursive: true, force: true });
});

interface ToolAnswer {
  isError: boolean;
  text: string;
  structured: Record<string, unknown>;
}

async function call(name: string, args: Record<string, unknown>): Promise<ToolAnswer> {
  const result = await client.callTool({ name, arguments: args });
  const [content] = result.content as Array<{ type: string; text: string }>;
  return {
    isError: result.isError === true,
    text: content?.text ?? '',
    structured: (result.structuredContent ?? {}) as Record<string, unknown>,
  };
}

/** What the sandbox account looks like now: the thing no tool may change. */
const accountNow = async () => JSON.stringify(await sandbox.readState());

async function click(userId: string, actionId: string, value: string): Promise<void> {
  const response = await postSigned(
    eventsUrl,
    buttonClickBody({ userId, actionId, value, channelId: CHANNEL, responseUrl: `${responseBase}/click-${++clicks}` }),
  );
  expect(response.status).toBe(200);
}

describe('s3x mcp --allow-requests (the SDK client spawning the built CLI, the fake Slack Web API)', () => {
  it('lists the request tools next to the questions, none of them read-only but the state', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      [...QUESTION_TOOLS, 'request-enable-logging', 'request-tighten', 'request-state'].sort(),
    );
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect(byName.get('request-enable-logging')?.annotations?.readOnlyHint).toBe(false);
    expect(byName.get('request-tighten')?.inputSchema.required).toEqual(['bucket']);
    expect(Object.keys(byName.get('request-tighten')?.inputSchema.properties ?? {}).sort()).toEqual(
      // `for`: a time-boxed tighten (issue 18), from the same grammar.
      ['bucket', 'deny', 'for', 'readOnly', 'vpce'].sort(),
    );
    expect(byName.get('request-state')?.annotations?.readOnlyHint).toBe(true);
  });

  let requestId = '';

  it('request-enable-logging stores a pending request, posts Approve/Reject in the channel, audits the caller, changes nothing', async () => {
    const before = await accountNow();
    const posts = api.callsOf('chat.postMessage').length;
    const answer = await call('request-enable-logging', { bucket: UNCOVERED });
    expect(answer.isError, answer.text).toBe(false);
    expect(answer.structured).toMatchObject({ state: 'pending', requester: REQUESTER, channel: CHANNEL, requestedVia: VIA });
    expect(String((answer.structured.plan as { summary: string }).summary)).toContain(UNCOVERED);
    requestId = String(answer.structured.id);

    const stored = (await store.get(requestId)) as ApprovalRequest;
    expect(stored).toMatchObject({ state: 'pending', requesterId: REQUESTER, channelId: CHANNEL, requestedVia: VIA });
    expect(stored.plan.calls.length).toBeGreaterThan(0);
    expect(stored.messageTs).toBeTruthy();

    const posted = api.callsOf('chat.postMessage').slice(posts);
    expect(posted).toHaveLength(1);
    expect(posted[0]?.channel).toBe(CHANNEL);
    const buttons = buttonsIn(posted[0]?.blocks).map((b) => [b.action_id, b.value]);
    expect(buttons).toEqual([
      [ACTIONS.approve, requestId],
      [ACTIONS.reject, requestId],
      [ACTIONS.showDiff, requestId],
    ]);
    expect(JSON.stringify(posted[0]?.blocks)).toContain(`<@${REQUESTER}> asks to change the account through ${VIA}`);

    const audit = (await store.recentAudit(50)).filter((entry) => entry.requestId === requestId);
    expect(audit.map((entry) => [entry.action, entry.actor]).sort()).toEqual([
      ['planned', `${REQUESTER} via ${VIA}`],
      ['requested', `${REQUESTER} via ${VIA}`],
    ]);
    expect(serverLog).toContain(
      `tool request-enable-logging caller=${CLIENT.name}/${CLIENT.version} via stdio args={"bucket":"${UNCOVERED}"} answered`,
    );
    // Nothing in the account moved, and no one called the account's apply (the sandbox would log it).
    expect(await accountNow()).toBe(before);
  });

  it('the requester cannot approve it; another approver clicks Approve in Slack and request-state says applied', async () => {
    const before = await accountNow();
    await click(REQUESTER, ACTIONS.approve, requestId);
    expect((await store.get(requestId))?.state).toBe('pending');
    expect(await accountNow()).toBe(before);
    expect((await call('request-state', { id: requestId })).structured.state).toBe('pending');

    await click(APPROVER, ACTIONS.approve, requestId);
    await expect.poll(async () => (await store.get(requestId))?.state).toBe('applied');
    // The app publishes the decision: the message loses its buttons, the audit record goes in its thread.
    const messageTs = (await store.get(requestId))?.messageTs;
    await expect.poll(() => api.callsOf('chat.postMessage').some((c) => c.thread_ts === messageTs)).toBe(true);
    const state = await call('request-state', { id: requestId });
    expect(state.isError, state.text).toBe(false);
    expect(state.structured).toMatchObject({ id: requestId, state: 'applied', approvals: { given: 1, required: 1 } });
    expect(state.structured.outcome).toBeTruthy();
    expect(await accountNow()).not.toBe(before);
  });

  it('asked again once the bucket is logged: nothing to change, nothing posted', async () => {
    const posts = api.callsOf('chat.postMessage').length;
    const answer = await call('request-enable-logging', { bucket: UNCOVERED });
    expect(answer.isError, answer.text).toBe(false);
    expect(answer.structured.state).toBe('not-needed');
    expect(api.callsOf('chat.postMessage')).toHaveLength(posts);
  });

  it('request-tighten plans what /s3x tighten plans and leaves the policy as it is', async () => {
    const policy = await sandbox.getBucketPolicy(ANALYTICS, 'us-east-1');
    const answer = await call('request-tighten', { bucket: ANALYTICS, deny: 'arn:aws:iam::111122223333:role/Intern' });
    expect(answer.isError, answer.text).toBe(false);
    expect(answer.structured.state).toBe('pending');
    expect(String((answer.structured.plan as { diff: string }).diff)).toContain('arn:aws:iam::111122223333:role/Intern');
    expect(await sandbox.getBucketPolicy(ANALYTICS, 'us-east-1')).toBe(policy);
    // A pending request past its expiry can no longer be approved: the state says expired, not pending.
    const stored = (await store.get(String(answer.structured.id))) as ApprovalRequest;
    const later = new Date(Date.parse(stored.expiresAt) + 1000);
    expect(describeRequest(stored, later).state).toBe('expired');
    expect(describeRequest(stored, new Date(Date.parse(stored.expiresAt) - 1000)).state).toBe('pending');
  });

  it("shows the client's name in the approval message as text: a hostile name mentions no one and fits", () => {
    const hostile = `MCP client <!channel> <@${APPROVER}> ${'x'.repeat(500)}/1 via stdio`;
    const message = JSON.stringify(
      buildApprovalMessage({
        id: 'a'.repeat(24),
        state: 'pending',
        version: 2,
        plan: {
          request: { kind: 'enable-logging', target: { bucket: UNCOVERED } },
          summary: 's',
          diff: '',
          calls: [],
          warnings: [],
        },
        requesterId: REQUESTER,
        channelId: CHANNEL,
        approvals: [],
        requiredApprovals: 1,
        createdAt: '2026-01-01T00:00:00.000Z',
        expiresAt: '2026-01-01T01:00:00.000Z',
        requestedVia: hostile,
      }).blocks,
    );
    expect(message).not.toContain('<!channel>');
    expect(message).not.toContain(`<@${APPROVER}>`);
    expect(message).toContain('through MCP client &lt;!channel&gt;');
    expect(message).not.toContain('x'.repeat(200));
  });

  it('answers bad input with a clear error and requests nothing', async () => {
    const posts = api.callsOf('chat.postMessage').length;
    const noBucket = await call('request-tighten', { deny: 'arn:aws:iam::111122223333:role/Intern' });
    expect(noBucket.isError).toBe(true);
    expect(noBucket.text).toMatch(/Invalid arguments for tool request-tighten/);
    const noChange = await call('request-tighten', { bucket: ANALYTICS });
    expect(noChange.isError).toBe(true);
    expect(noChange.text).toMatch(/--deny|--read-only|--vpce/);
    const hostileId = await call('request-state', { id: "' OR 1=1 --" });
    expect(hostileId.isError).toBe(true);
    expect(hostileId.text).toMatch(/24 hex digits/);
    const unknown = await call('request-state', { id: '0'.repeat(24) });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toBe(`There is no request ${'0'.repeat(24)} made for ${REQUESTER}.`);
    expect(api.callsOf('chat.postMessage')).toHaveLength(posts);
  });

  it('withdraws the request when Slack will not post it, and says so', async () => {
    api.failures.set('chat.postMessage', 'not_in_channel');
    try {
      const answer = await call('request-tighten', { bucket: ANALYTICS, vpce: VPCE });
      expect(answer.isError, answer.text).toBe(true);
      expect(answer.text).toMatch(/Slack did not take the approval message in C0APPROVALS \(not_in_channel\).*withdrawn/);
      const withdrawn = (await store.listByState('rejected', 50)).filter((r) => JSON.stringify(r.plan).includes(VPCE));
      expect(withdrawn).toHaveLength(1);
      expect((await store.listByState('pending', 50)).filter((r) => JSON.stringify(r.plan).includes(VPCE))).toEqual([]);
    } finally {
      api.failures.delete('chat.postMessage');
    }
  });
});

describe('s3x mcp --allow-requests refuses to start without what a request needs', () => {
  async function start(argv: string[], env: Record<string, string | undefined>): Promise<{ code: number; err: string }> {
    let err = '';
    const code = await runCli(['mcp', ...argv, '--logs', REAL_DATASETS], env, {
      out: () => undefined,
      err: (text) => (err += text),
    });
    return { code, err };
  }

  it('in local mode (no Slack), nobody could approve', async () => {
    const { code, err } = await start(
      ['--allow-requests'],
      slackEnv({ SLACK_BOT_TOKEN: undefined, SLACK_SIGNING_SECRET: undefined }),
    );
    expect(code).toBe(1);
    expect(err).toBe(
      's3x: s3x mcp --allow-requests posts requests for approval in Slack: set SLACK_BOT_TOKEN (local mode has no Slack, so nobody could approve).\n',
    );
  });

  it('without a requester, and with one that is not a user id', async () => {
    const missing = await start(['--allow-requests', '--channel', CHANNEL], slackEnv({ S3X_MCP_REQUESTER: undefined }));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^s3x: s3x mcp --allow-requests needs the Slack user .*S3X_MCP_REQUESTER or pass --requester/);
    const hostile = await start(['--allow-requests', '--requester', '<!channel>', '--channel', CHANNEL], slackEnv());
    expect(hostile.code).toBe(1);
    expect(hostile.err).toMatch(/S3X_MCP_REQUESTER: must be a Slack user id like U0123ABCD/);
  });

  it('without a channel, and with remediation off', async () => {
    const noChannel = await start(['--allow-requests'], slackEnv());
    expect(noChannel.code).toBe(1);
    expect(noChannel.err).toMatch(/needs the channel where requests are posted/);
    const off = await start(['--allow-requests', '--channel', CHANNEL], slackEnv({ S3X_APPROVERS: undefined }));
    expect(off.code).toBe(1);
    expect(off.err).toMatch(/Changes are not configured here: set S3X_APPROVERS or S3X_APPROVER_GROUP/);
  });

  it('--requester and --channel only with --allow-requests', async () => {
    const { code, err } = await start(['--requester', REQUESTER], slackEnv());
    expect(code).toBe(2);
    expect(err).toMatch(/--requester and --channel are for --allow-requests/);
  });
});
