import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerStore } from '../../src/answers/answer-store.js';
import { SqliteApprovalStore } from '../../src/approvals/sqlite-approval-store.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { createPlanner } from '../../src/remediation/planner.js';
import { generateArchive } from '../../src/sample/generate.js';
import { SandboxAccount } from '../../src/sandbox/sandbox-account.js';
import { inventoryOf } from '../../src/sandbox/sandbox-inventory.js';
import { ACTIONS } from '../../src/slack/ids.js';
import type { TwinEvent } from '../../src/slack-twin/events.js';
import type { TwinMessage } from '../../src/slack-twin/workspace.js';
import { openDatabase } from '../../src/store/database.js';
import { tempDir } from '../helpers/archive.js';
import { type BoltWithConsole, startBoltWithConsole } from '../helpers/console-app.js';
import { followEventStream } from '../helpers/console-stream.js';
import { buttonsIn, SIGNING_SECRET } from '../helpers/slack.js';
import { freePort } from '../process/harness.js';

const REQUESTER = 'U0REQUESTER';
const APPROVER = 'U0APPROVER';
const CHANNEL = 'C0CONSOLE';
const UNCOVERED = 'tmp-exports--use1-az5--x-s3';

/** Reads the console's event stream and keeps every event. */
class StreamReader {
  readonly events: TwinEvent[] = [];
  private readonly abort = new AbortController();

  async open(url: string): Promise<void> {
    const response = await followEventStream(url, this.events, this.abort.signal);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
  }

  async waitFor<T extends TwinEvent>(match: (event: TwinEvent) => event is T, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching event in ${JSON.stringify(this.events).slice(0, 2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  close(): void {
    this.abort.abort();
  }
}

const messageWith =
  (needle: string | RegExp, extra: (m: TwinMessage) => boolean = () => true) =>
  (event: TwinEvent): event is Extract<TwinEvent, { type: 'message' }> =>
    event.type === 'message' &&
    extra(event.message) &&
    (typeof needle === 'string' ? JSON.stringify(event.message).includes(needle) : needle.test(JSON.stringify(event.message)));

const errorEvent = (event: TwinEvent): event is Extract<TwinEvent, { type: 'error' }> => event.type === 'error';

let engine: LocalEngine;
let plantedKey = '';
let logsDir = '';
let dbFile = '';
const started: BoltWithConsole[] = [];

/** Bolt + the console on one port, the console signing with `secret` and sending to `eventsUrl`. */
async function startConsoleApp(secret: string, eventsUrl?: () => string): Promise<BoltWithConsole> {
  const db = openDatabase(dbFile);
  const sandbox = new SandboxAccount(db, { logsDir, now: () => new Date() });
  sandbox.seedDefaults();
  const running = await startBoltWithConsole(
    {
      engine,
      now: () => new Date(),
      store: new AnswerStore(db, () => new Date()),
      approvalStore: new SqliteApprovalStore(db),
      trailInventory: inventoryOf(sandbox),
      access: { channels: [], users: [], groups: [] },
      remediation: {
        account: sandbox,
        store: new SqliteApprovalStore(db),
        policy: { approvers: [APPROVER], requiredApprovals: 1, ttlMs: 3600_000 },
        plan: createPlanner(sandbox, { protectedPrincipals: ['arn:aws:iam::111122223333:role/s3x'] }),
      },
    },
    { botToken: 'xoxb-test', signingSecret: secret, ...(eventsUrl ? { eventsUrl } : {}) },
  );
  started.push(running);
  return running;
}

async function postJson(url: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    // As the page sends it: JSON, from the console's own origin.
    headers: { 'content-type': 'application/json', origin: new URL(url).origin },
    body: JSON.stringify(body),
  });
  return (await response.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  const root = await tempDir('s3x-console-');
  logsDir = path.join(root, 'logs');
  dbFile = path.join(root, 'state.sqlite');
  plantedKey = (await generateArchive({ outDir: logsDir, seed: 3, end: new Date(), days: 3, eventsPerDay: 800 })).facts
    .plantedKey;
  engine = await LocalEngine.open({ logsDir });
});

afterAll(async () => {
  for (const running of started) await running.stop();
  await engine.close();
});

describe('console routes beside Bolt, through the real signing path', () => {
  let app: BoltWithConsole;
  let stream: StreamReader;

  beforeAll(async () => {
    app = await startConsoleApp(SIGNING_SECRET);
    stream = new StreamReader();
    await stream.open(`${app.base}/console/stream`);
  });
  afterAll(() => stream.close());

  it('serves the page with its test ids and a CSP nonce', async () => {
    const response = await fetch(`${app.base}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toMatch(/script-src 'nonce-/);
    const html = await response.text();
    expect(html).toContain('data-testid="composer"');
    expect(html).toContain('U0OUTSIDER');
  });

  it('/s3x help: the ack arrives on the stream as an ephemeral message for the asker', async () => {
    expect(await postJson(`${app.base}/console/command`, { userId: REQUESTER, channelId: CHANNEL, text: 'help' })).toEqual({
      ok: true,
    });
    const help = await stream.waitFor(messageWith('who-deleted', (m) => m.author === 'ULOCALS3X'));
    expect(help.message.visibleTo).toBe(REQUESTER);
    expect(help.message.channel).toBe(CHANNEL);
  });

  it('who-deleted: the answer comes through the response_url and names the deleter', async () => {
    await postJson(`${app.base}/console/command`, { userId: REQUESTER, channelId: CHANNEL, text: `who-deleted ${plantedKey}` });
    const answer = await stream.waitFor(messageWith('mallory', (m) => m.author === 'ULOCALS3X'));
    expect(answer.message.visibleTo).toBe(REQUESTER);
    expect(buttonsIn(answer.message.blocks).some((b) => b.action_id === ACTIONS.exportCsv)).toBe(true);
  });

  it('Export CSV: the upload goes through files.* to the asker’s direct message, and the file downloads', async () => {
    const answer = await stream.waitFor(messageWith('mallory', (m) => m.author === 'ULOCALS3X'));
    const exportButton = buttonsIn(answer.message.blocks).find((b) => b.action_id === ACTIONS.exportCsv);
    await postJson(`${app.base}/console/action`, {
      userId: REQUESTER,
      channelId: CHANNEL,
      messageId: answer.message.ts,
      actionId: ACTIONS.exportCsv,
      value: exportButton?.value,
    });
    const shared = await stream.waitFor(
      (e): e is Extract<TwinEvent, { type: 'message' }> => e.type === 'message' && (e.message.files?.length ?? 0) > 0,
    );
    // The answer is private, so is its export: a direct message (conversations.open) only the asker sees.
    expect(shared.message.channel).toBe('D0REQUESTER');
    expect(shared.message.visibleTo).toBe(REQUESTER);
    const file = shared.message.files?.[0];
    const download = await fetch(`${app.base}${file?.url}`);
    expect(download.status).toBe(200);
    expect(await download.text()).toContain(plantedKey);
  });

  it('who-deleted --prefix: the console shows the keys under the prefix as a table', async () => {
    const prefix = plantedKey.slice(0, plantedKey.lastIndexOf('/') + 1);
    await postJson(`${app.base}/console/command`, {
      userId: REQUESTER,
      channelId: CHANNEL,
      text: `who-deleted --prefix ${prefix}`,
    });
    const answer = await stream.waitFor(messageWith('Keys under the prefix', (m) => m.author === 'ULOCALS3X'));
    const table = (answer.message.blocks as Array<{ type: string; rows?: Array<Array<{ text: string }>> }>).find(
      (block) => block.type === 'table',
    );
    expect(table?.rows?.some((row) => row[0]?.text === plantedKey)).toBe(true);
  });

  it('enable-logging: the approval request is a channel message, and the approver applies it in a thread', async () => {
    await postJson(`${app.base}/console/command`, { userId: REQUESTER, channelId: CHANNEL, text: `enable-logging ${UNCOVERED}` });
    const preview = await stream.waitFor(messageWith(ACTIONS.submitChange));
    const submit = buttonsIn(preview.message.blocks).find((b) => b.action_id === ACTIONS.submitChange);
    await postJson(`${app.base}/console/action`, {
      userId: REQUESTER,
      channelId: CHANNEL,
      messageId: preview.message.ts,
      actionId: ACTIONS.submitChange,
      value: submit?.value,
    });
    const request = await stream.waitFor(messageWith(ACTIONS.approve, (m) => m.visibleTo === undefined));
    const approve = buttonsIn(request.message.blocks).find((b) => b.action_id === ACTIONS.approve);
    await postJson(`${app.base}/console/action`, {
      userId: APPROVER,
      channelId: CHANNEL,
      messageId: request.message.ts,
      actionId: ACTIONS.approve,
      value: approve?.value,
    });
    const decided = await stream.waitFor(messageWith('Applied', (m) => m.ts === request.message.ts));
    expect(buttonsIn(decided.message.blocks).some((b) => b.action_id === ACTIONS.approve)).toBe(false);
    const audit = await stream.waitFor(messageWith(/Audit: applied/, (m) => m.threadTs === request.message.ts));
    expect(audit.message.visibleTo).toBeUndefined();
  });

  it('the Web API refuses a wrong token and unknown methods, always with HTTP 200', async () => {
    const wrong = await fetch(`${app.base}/api/chat.postMessage`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-other', 'content-type': 'application/json' },
      body: JSON.stringify({ channel: CHANNEL, text: 'hi' }),
    });
    expect(wrong.status).toBe(200);
    expect(await wrong.json()).toEqual({ ok: false, error: 'invalid_auth' });
    const unknown = await fetch(`${app.base}/api/chat.nothing`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-test', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'channel=C0CONSOLE',
    });
    expect(await unknown.json()).toEqual({ ok: false, error: 'unknown_method' });
  });

  it('a method name from Object.prototype is an unknown method, not a crash', async () => {
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const response = await fetch(`${app.base}/api/${name}`, {
        method: 'POST',
        headers: { authorization: 'Bearer xoxb-test', 'content-type': 'application/json' },
        body: '{}',
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: false, error: 'unknown_method' });
    }
  });

  it('a response_url that was never issued is refused', async () => {
    const response = await fetch(`${app.base}/console/response/not-issued`, { method: 'POST', body: '{"text":"x"}' });
    expect(response.status).toBe(404);
  });
});

describe('when the bot refuses or is gone', () => {
  it('a badly signed command never reaches the listener: the error event says 401', async () => {
    const good = await startConsoleApp(SIGNING_SECRET);
    // A second console signing with the wrong secret, sending to the first app's Bolt.
    const bad = await startConsoleApp('not-the-signing-secret', () => `${good.base}/slack/events`);
    const stream = new StreamReader();
    await stream.open(`${bad.base}/console/stream`);
    const result = await postJson(`${bad.base}/console/command`, { userId: REQUESTER, channelId: CHANNEL, text: 'help' });
    expect(result).toEqual({ ok: false, error: 'bot_unavailable' });
    const error = await stream.waitFor(errorEvent);
    expect(error.text).toMatch(/answered 401/);
    expect(stream.events.some(messageWith('who-deleted', (m) => m.author === 'ULOCALS3X'))).toBe(false);
    stream.close();
  });

  it('a bot that is down: the error event says so', async () => {
    const closedPort = await freePort();
    const app = await startConsoleApp(SIGNING_SECRET, () => `http://127.0.0.1:${closedPort}/slack/events`);
    const stream = new StreamReader();
    await stream.open(`${app.base}/console/stream`);
    await postJson(`${app.base}/console/command`, { userId: REQUESTER, channelId: CHANNEL, text: 'help' });
    expect((await stream.waitFor(errorEvent)).text).toMatch(/bot is down/);
    stream.close();
  });
});
