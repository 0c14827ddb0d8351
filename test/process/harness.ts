import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { type ApprovalRequest, type AuditEntry, TERMINAL_STATES } from '../../src/approvals/approval.js';
import { generateArchive } from '../../src/sample/generate.js';
import { sampleLogsDir } from '../../src/sample/sample-archive.js';
import { ACTIONS } from '../../src/slack/ids.js';
import type { TwinEvent } from '../../src/slack-twin/events.js';
import type { TwinMessage } from '../../src/slack-twin/workspace.js';
import { tempDir } from '../helpers/archive.js';
import { followEventStream } from '../helpers/console-stream.js';
import { REPO_ROOT } from '../helpers/paths.js';
import {
  buttonClickBody,
  buttonsIn,
  postSigned,
  ResponseUrlServer,
  SIGNING_SECRET,
  slackSignature,
  slashCommandBody,
} from '../helpers/slack.js';

export const BOT_TOKEN = 'xoxb-process-test-token';
export const REQUESTER = 'U0REQUESTER';
export const APPROVER = 'U0APPROVER';
export const CHANNEL = 'C0TEST';

/**
 * A data dir as `npm start` leaves it, with a small sample archive already generated (the app
 * skips generation when the archive's completion marker is there), so each start takes a second.
 */
export async function prepareDataDir(): Promise<string> {
  const dataDir = await tempDir('s3x-process-');
  const logs = sampleLogsDir(dataDir);
  const summary = await generateArchive({ outDir: logs, seed: 7, end: new Date(), days: 2, eventsPerDay: 300 });
  await writeFile(path.join(logs, '.complete'), JSON.stringify({ generatedAt: new Date().toISOString(), ...summary }));
  return dataDir;
}

/**
 * What every child app starts from: the test's environment without its S3X_/SLACK_/AWS_ settings, its
 * data dir, and a TMPDIR inside it, so what an app killed mid-way leaves there (DuckDB's spill folder)
 * goes when the test removes the data dir.
 */
function childEnv(dataDir: string): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(S3X_|SLACK_|AWS_|ATHENA_|PORT$)/.test(key)),
  );
  const tmp = path.join(dataDir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  return { ...inherited, S3X_DATA_DIR: dataDir, TMPDIR: tmp };
}

/** The environment of a child app in Slack mode. */
export function appEnv(settings: { dataDir: string; apiUrl: string; extra?: Record<string, string> }): NodeJS.ProcessEnv {
  return {
    ...childEnv(settings.dataDir),
    PORT: '0',
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: settings.apiUrl,
    S3X_APPROVERS: APPROVER,
    S3X_LOG_LEVEL: 'info',
    ...settings.extra,
  };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The real app (`src/main.ts` through tsx) as a child process, with its output kept line by line. */
export class AppProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<Exit>;
  private readonly child: ChildProcess;
  private exit?: Exit;

  private constructor(env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src', 'main.ts')], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let buffer = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        buffer += chunk;
        const parts = buffer.split('\n');
        buffer = parts.pop() ?? '';
        this.lines.push(...parts);
      });
    }
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  /** Spawn the app without waiting for it to serve (a start that must be refused). */
  static spawn(env: NodeJS.ProcessEnv): AppProcess {
    return new AppProcess(env);
  }

  /** Start the app and wait until it says which port it serves. */
  static async start(env: NodeJS.ProcessEnv): Promise<AppProcess & { port: number; url: string }> {
    const app = new AppProcess(env);
    const line = await app.waitForLine(/s3x started on port (\d+)/, 45_000);
    const port = Number(/s3x started on port (\d+)/.exec(line)?.[1]);
    return Object.assign(app, { port, url: `http://127.0.0.1:${port}/slack/events` });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** The first output line matching `pattern`, waiting for it (fails if the process exits first). */
  async waitForLine(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find((l) => pattern.test(l));
      if (found) return found;
      if (this.exit) throw new Error(`app exited (${JSON.stringify(this.exit)}) before ${pattern}:\n${this.output()}`);
      if (Date.now() > deadline) throw new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${this.output()}`);
      await sleep(25);
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** kill -9 and wait until it is gone. */
  async crash(): Promise<Exit> {
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** Stop it if a test left it running. */
  async dispose(): Promise<void> {
    if (this.running) await this.crash();
  }

  output(): string {
    return this.lines.join('\n');
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface ApiCall {
  method: string;
  args: Record<string, unknown>;
}

/**
 * Slack's Web API for a child process: records every call, answers like Slack, and can hold
 * a method's answers until released, which parks the app at a known point (a crash or a
 * shutdown can then be timed exactly, with no hook in the app).
 */
export class HoldingSlackApi {
  readonly calls: ApiCall[] = [];
  /** usergroup id → member ids */
  readonly groups = new Map<string, string[]>();
  private readonly held = new Map<string, Array<() => void>>();
  private readonly holding = new Set<string>();
  /** File id → uploaded body (Export CSV, through files.uploadV2). */
  readonly uploads = new Map<string, string>();
  private server?: Server;
  private nextTs = 1;
  private base = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return `${this.base}/api/`;
  }

  async stop(): Promise<void> {
    this.releaseAll();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** From now on, calls to `method` get no answer until `release(method)`. */
  hold(method: string): void {
    this.holding.add(method);
  }

  release(method: string): void {
    this.holding.delete(method);
    for (const answer of this.held.get(method)?.splice(0) ?? []) answer();
  }

  releaseAll(): void {
    for (const method of [...this.holding, ...this.held.keys()]) this.release(method);
  }

  callsOf(method: string): Array<Record<string, unknown>> {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  /** Wait until `method` has been called `count` times in all. */
  async waitForCall(method: string, count = 1, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    while (this.callsOf(method).length < count) {
      if (Date.now() > deadline) throw new Error(`${method} not called ${count} time(s) within ${timeoutMs} ms`);
      await sleep(20);
    }
    return this.callsOf(method)[count - 1] as Record<string, unknown>;
  }

  /** Wait for a call to `method` whose arguments satisfy `match`. */
  async waitForMatching(
    method: string,
    match: (args: Record<string, unknown>) => boolean,
    timeoutMs = 20_000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.callsOf(method).find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching ${method} call within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (pathname.startsWith('/upload/')) {
      this.uploads.set(pathname.slice('/upload/'.length), text);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
      return;
    }
    const method = pathname.replace(/^\/api\//, '');
    const args = parseArgs(req.headers['content-type'] ?? '', text);
    this.calls.push({ method, args });
    const answer = (): void => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.answer(method, args)));
    };
    if (!this.holding.has(method)) return answer();
    this.held.set(method, [...(this.held.get(method) ?? []), answer]);
  }

  private answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T0TEST' };
      case 'usergroups.users.list':
        return { ok: true, users: this.groups.get(String(args.usergroup)) ?? [] };
      case 'chat.postMessage':
        return { ok: true, channel: args.channel, ts: `1700000000.${String(this.nextTs++).padStart(6, '0')}` };
      case 'files.getUploadURLExternal': {
        const id = `F${this.nextTs++}`;
        return { ok: true, file_id: id, upload_url: `${this.base}/upload/${id}` };
      }
      case 'views.open':
        return { ok: true, view: { id: `V${this.nextTs++}` } };
      case 'views.update':
        return { ok: true, view: { id: args.view_id } };
      default:
        return { ok: true };
    }
  }
}

function parseArgs(contentType: string, text: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return JSON.parse(text || '{}') as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    try {
      args[key] = /^[[{]/.test(value) ? JSON.parse(value) : value;
    } catch {
      args[key] = value;
    }
  }
  return args;
}

/** Drives one running app the way Slack does: signed slash commands and button clicks. */
export class SlackDriver {
  private counter = 0;

  constructor(
    private readonly responses: ResponseUrlServer,
    readonly responseBase: string,
    private readonly api: HoldingSlackApi,
  ) {}

  /** A response_url path nobody has used yet. */
  nextPath(prefix: string): string {
    return `/${prefix}-${++this.counter}`;
  }

  /** `/s3x <text>`; returns the HTTP status of the ack and the response_url path the answer goes to. */
  async command(url: string, text: string, userId = REQUESTER): Promise<{ status: number; path: string }> {
    const responsePath = this.nextPath('c');
    const response = await postSigned(
      url,
      slashCommandBody({ text, response_url: `${this.responseBase}${responsePath}`, user_id: userId, channel_id: CHANNEL }),
    );
    await response.text();
    return { status: response.status, path: responsePath };
  }

  /** `/s3x <text>` and its answer through the response_url. */
  async ask(url: string, text: string, userId = REQUESTER): Promise<Record<string, unknown>> {
    const { status, path: responsePath } = await this.command(url, text, userId);
    if (status !== 200) throw new Error(`/s3x ${text}: HTTP ${status}`);
    return (await this.responses.waitFor(responsePath)).at(-1) as Record<string, unknown>;
  }

  async click(url: string, userId: string, actionId: string, value: string): Promise<{ status: number; path: string }> {
    const responsePath = this.nextPath('k');
    const response = await postSigned(
      url,
      buttonClickBody({ userId, actionId, value, channelId: CHANNEL, responseUrl: `${this.responseBase}${responsePath}` }),
    );
    await response.text();
    return { status: response.status, path: responsePath };
  }

  /** Plan a change with `/s3x <text>` and return the draft's id (the Request approval button's value). */
  async plan(url: string, text: string): Promise<string> {
    const preview = await this.ask(url, text);
    const submit = buttonsIn(preview.blocks).find((b) => b.action_id === ACTIONS.submitChange);
    if (!submit) throw new Error(`no Request approval button in ${JSON.stringify(preview).slice(0, 1500)}`);
    return submit.value;
  }

  /** Request approval for a draft and wait until the approval message is posted. */
  async submit(url: string, id: string): Promise<void> {
    const posted = this.api.callsOf('chat.postMessage').length;
    const { status } = await this.click(url, REQUESTER, ACTIONS.submitChange, id);
    if (status !== 200) throw new Error(`submit: HTTP ${status}`);
    await this.api.waitForCall('chat.postMessage', posted + 1);
  }
}

/** What the app left in its SQLite file, read the way an operator would (a separate connection). */
export class StateFile {
  private readonly db: Database.Database;

  /** `file`: another SQLite file than the data dir's (the sandbox replicas share). */
  constructor(dataDir: string, file = path.join(dataDir, 's3x.sqlite')) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
  }

  request(id: string): ApprovalRequest | undefined {
    const row = this.db.prepare('SELECT body FROM approval_requests WHERE id = ?').get(id) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as ApprovalRequest) : undefined;
  }

  requests(): ApprovalRequest[] {
    return (this.db.prepare('SELECT body FROM approval_requests ORDER BY created_at').all() as Array<{ body: string }>).map(
      (row) => JSON.parse(row.body) as ApprovalRequest,
    );
  }

  audit(requestId: string): AuditEntry[] {
    return (
      this.db
        .prepare('SELECT at, request_id, actor, action, detail FROM audit_log WHERE request_id = ? ORDER BY id')
        .all(requestId) as Array<{ at: string; request_id: string; actor: string; action: string; detail: string }>
    ).map((r) => ({ at: r.at, requestId: r.request_id, actor: r.actor, action: r.action, detail: r.detail }));
  }

  bucketPolicy(bucket: string): string | null {
    const row = this.db.prepare('SELECT policy FROM sandbox_directory_buckets WHERE name = ?').get(bucket) as
      | { policy: string | null }
      | undefined;
    if (!row) throw new Error(`no sandbox bucket ${bucket}`);
    return row.policy;
  }

  trailSelectors(): string {
    const rows = this.db.prepare('SELECT advanced_selectors FROM sandbox_trails ORDER BY name').all() as Array<{
      advanced_selectors: string | null;
    }>;
    return rows.map((r) => r.advanced_selectors ?? '').join('\n');
  }

  digestRuns(): Array<{ day: string; posted: boolean }> {
    return (
      this.db.prepare('SELECT day, posted_at FROM digest_runs ORDER BY day').all() as Array<{
        day: string;
        posted_at: number | null;
      }>
    ).map((row) => ({ day: row.day, posted: row.posted_at !== null }));
  }

  close(): void {
    this.db.close();
  }
}

/**
 * The CloudTrail records the sandbox account wrote for a request (one per applied call, in the
 * sample logs): how many times the change actually reached the account.
 */
export async function sandboxRecordsOf(dataDir: string, requestId: string): Promise<Array<{ eventName: string }>> {
  const found: Array<{ eventName: string }> = [];
  const root = sampleLogsDir(dataDir);
  for (const file of await readdir(root, { recursive: true })) {
    if (!file.endsWith('.json.gz')) continue;
    const text = gunzipSync(await readFile(path.join(root, file))).toString('utf8');
    if (!text.includes('s3x-sandbox')) continue;
    const { Records } = JSON.parse(text) as { Records: Array<{ eventName: string; userIdentity?: { arn?: string } }> };
    for (const record of Records) {
      if (record.userIdentity?.arn?.endsWith(`/s3x-${requestId}`)) found.push({ eventName: record.eventName });
    }
  }
  return found;
}

/** Poll the state file until the request satisfies `done` (the app writes it from another process). */
export async function waitForRequest(
  dataDir: string,
  id: string,
  done: (request: ApprovalRequest) => boolean,
  timeoutMs = 20_000,
): Promise<ApprovalRequest> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = new StateFile(dataDir);
    const request = state.request(id);
    state.close();
    if (request && done(request)) return request;
    if (Date.now() > deadline) throw new Error(`request ${id} still ${request?.state ?? 'missing'} after ${timeoutMs} ms`);
    await sleep(25);
  }
}

/**
 * A signed Slack request on a new connection of its own (never a pooled one), so a refused
 * connection shows as ECONNREFUSED rather than a reused socket's reset. Resolves to the HTTP status
 * or the connection error's code.
 */
export async function postOnNewConnection(port: number, body: string): Promise<string> {
  const timestamp = Math.floor(Date.now() / 1000);
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/slack/events',
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': String(timestamp),
          'x-slack-signature': slackSignature(body, timestamp),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(`HTTP ${res.statusCode}`));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end(body);
  });
}

/**
 * A request whose first bytes are sent now and the rest later: the connection is mid-request
 * (not idle) when the app starts draining, so the app has to answer it after the drain began.
 */
export class HalfSentRequest {
  private readonly socket: Socket;
  private readonly response: Promise<string>;

  /** Connect and send the request line and a first header; resolves once they are written. */
  static async open(port: number, body: string): Promise<HalfSentRequest> {
    const half = new HalfSentRequest(port, body);
    await new Promise<void>((resolve, reject) => {
      half.socket.once('error', reject);
      half.socket.write('POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n', (error) => (error ? reject(error) : resolve()));
    });
    return half;
  }

  private constructor(
    port: number,
    private readonly body: string,
  ) {
    this.socket = connect(port, '127.0.0.1');
    this.response = new Promise((resolve) => {
      let text = '';
      this.socket.setEncoding('utf8');
      this.socket.on('data', (chunk: string) => {
        text += chunk;
      });
      this.socket.on('close', () => resolve(text));
      this.socket.on('error', () => undefined);
    });
  }

  /** Send the rest; resolves to the status line of the answer ('' if the connection was closed unanswered). */
  async finish(): Promise<string> {
    const timestamp = Math.floor(Date.now() / 1000);
    this.socket.write(
      [
        'content-type: application/x-www-form-urlencoded',
        `content-length: ${Buffer.byteLength(this.body)}`,
        `x-slack-request-timestamp: ${timestamp}`,
        `x-slack-signature: ${slackSignature(this.body, timestamp)}`,
        'connection: close',
        '',
        this.body,
      ].join('\r\n'),
    );
    return (await this.response).split('\r\n')[0] ?? '';
  }
}

export type Running = Awaited<ReturnType<typeof AppProcess.start>>;

/** One data dir, one fake Slack, and the app processes that run on them one after another. */
export class Scenario {
  readonly api = new HoldingSlackApi();
  readonly responses = new ResponseUrlServer();
  driver!: SlackDriver;
  dataDir = '';
  private apiUrl = '';
  private readonly apps: AppProcess[] = [];

  static async create(): Promise<Scenario> {
    const scenario = new Scenario();
    scenario.dataDir = await prepareDataDir();
    scenario.apiUrl = await scenario.api.start();
    scenario.driver = new SlackDriver(scenario.responses, await scenario.responses.start(), scenario.api);
    return scenario;
  }

  async start(extra: Record<string, string> = {}): Promise<Running> {
    const app = await AppProcess.start(appEnv({ dataDir: this.dataDir, apiUrl: this.apiUrl, extra }));
    this.apps.push(app);
    return app;
  }

  /** Plan a change and post it for approval; returns the request id and its approval message's ts. */
  async request(app: Running, text: string): Promise<{ id: string; messageTs: string }> {
    const id = await this.driver.plan(app.url, text);
    await this.driver.submit(app.url, id);
    const request = await waitForRequest(this.dataDir, id, (r) => r.messageTs !== undefined);
    return { id, messageTs: request.messageTs as string };
  }

  /** Approve and wait until the request is decided. */
  async approve(app: Running, id: string): Promise<string> {
    await this.driver.click(app.url, APPROVER, ACTIONS.approve, id);
    try {
      return (await waitForRequest(this.dataDir, id, (r) => TERMINAL_STATES.includes(r.state))).state;
    } catch (error) {
      // Undecided: what the app said is the first thing to read.
      throw new Error(`${error instanceof Error ? error.message : String(error)}\napp output:\n${app.output().slice(-4000)}`);
    }
  }

  state<T>(read: (state: StateFile) => T): T {
    const state = new StateFile(this.dataDir);
    try {
      return read(state);
    } finally {
      state.close();
    }
  }

  /** How many times the request's change reached the account, and its audit actions. */
  async applications(id: string): Promise<{ records: number; applied: number; actions: string[] }> {
    const records = (await sandboxRecordsOf(this.dataDir, id)).length;
    const actions = this.state((s) => s.audit(id).map((e) => e.action));
    return { records, applied: actions.filter((a) => a === 'applied').length, actions };
  }

  async dispose(): Promise<void> {
    for (const app of this.apps) await app.dispose();
    await this.api.stop();
    await this.responses.stop();
  }
}

/** A port that was free a moment ago: local mode builds its console URLs from PORT before listening. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The environment of a child app in local mode (no Slack credentials: the console plays Slack). */
export function localAppEnv(settings: { dataDir: string; port: number; extra?: Record<string, string> }): NodeJS.ProcessEnv {
  return { ...childEnv(settings.dataDir), PORT: String(settings.port), ...settings.extra };
}

/** The local console's event stream, as the page reads it. */
export class ConsoleStream {
  readonly events: TwinEvent[] = [];
  private readonly abort = new AbortController();

  async open(base: string): Promise<void> {
    await followEventStream(`${base}/console/stream`, this.events, this.abort.signal);
  }

  /** The latest version of each message matching `match`, waiting for one. */
  async waitForMessage(match: (message: TwinMessage) => boolean, timeoutMs = 20_000): Promise<TwinMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events
        .flatMap((e) => (e.type === 'message' ? [e.message] : []))
        .reverse()
        .find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching console message within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  async waitForError(timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find((e) => e.type === 'error');
      if (found?.type === 'error') return found.text;
      if (Date.now() > deadline) throw new Error(`no console error within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  close(): void {
    this.abort.abort();
  }
}

/** POST JSON to a console route, as the page does. */
export async function postConsole(url: string, body: Record<string, unknown>): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    // As the page sends it: JSON, from the console's own origin.
    headers: { 'content-type': 'application/json', origin: new URL(url).origin },
    body: JSON.stringify(body),
  });
  await response.text();
  return response.status;
}
