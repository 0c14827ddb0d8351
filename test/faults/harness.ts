import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { vi } from 'vitest';
import { AnswerStore } from '../../src/answers/answer-store.js';
import type { ApprovalStore } from '../../src/approvals/approval.js';
import { SqliteApprovalStore } from '../../src/approvals/sqlite-approval-store.js';
import type { LookupEventsSource } from '../../src/aws/cloudtrail/lookup-events.js';
import type { Engine } from '../../src/engines/engine.js';
import { createPlanner } from '../../src/remediation/planner.js';
import type { AccountPort } from '../../src/remediation/types.js';
import { SandboxAccount } from '../../src/sandbox/sandbox-account.js';
import { inventoryOf } from '../../src/sandbox/sandbox-inventory.js';
import { createSlackApp, type SlackApp } from '../../src/slack/app.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { openDatabase, type SqliteDatabase } from '../../src/store/database.js';
import { expressEvent, tempDir, writeDeliveryFile } from '../helpers/archive.js';
import { buttonClickBody, buttonsIn, postSigned, SIGNING_SECRET, slashCommandBody } from '../helpers/slack.js';

export const NOW = new Date('2026-11-24T00:00:00Z');
export const REQUESTER = 'U0REQUESTER';
export const APPROVER = 'U0APPROVER';
export const UNCOVERED = 'tmp-exports--use1-az5--x-s3';
export const KEY = 'reports/q3.parquet';
/** Enough deletes that the stored answer spans several database pages. */
export const DELETES = 60;

/**
 * A stand-in for Slack's response_url endpoints. Paths marked expired answer 404 (or 410) as Slack
 * does once a response_url is past its 30 minutes or 5 uses; the others record the JSON posted.
 */
export class ResponseUrls {
  readonly received: Array<{ path: string; body: Record<string, unknown> }> = [];
  private readonly expired = new Map<string, number>();
  private server?: Server;
  private base = '';
  private counter = 0;
  private waiters: Array<() => void> = [];

  async start(): Promise<void> {
    this.server = createServer(async (req, res) => {
      const body = JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>;
      const status = this.expired.get(req.url ?? '');
      if (status !== undefined) {
        res.writeHead(status, { 'content-type': 'text/plain' }).end('expired_url');
      } else {
        this.received.push({ path: req.url ?? '', body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      }
      for (const wake of this.waiters.splice(0)) wake();
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** A fresh response_url path; `expiredWith` makes it answer that status. */
  next(expiredWith?: 404 | 410): string {
    const pathName = `/hooks/T0TEST/B0/r-${++this.counter}`;
    if (expiredWith) this.expired.set(pathName, expiredWith);
    return pathName;
  }

  url(pathName: string): string {
    return `${this.base}${pathName}`;
  }

  posts(pathName: string): Array<Record<string, unknown>> {
    return this.received.filter((r) => r.path === pathName).map((r) => r.body);
  }

  async waitFor(pathName: string, count = 1, timeoutMs = 20_000): Promise<Array<Record<string, unknown>>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const posts = this.posts(pathName);
      if (posts.length >= count) return posts;
      if (Date.now() > deadline) throw new Error(`no post to ${pathName} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A small archive: DELETES deletes of KEY in one directory bucket, on 2026-11-20. */
export async function writeSmallArchive(): Promise<string> {
  const root = await tempDir('s3x-faults-logs-');
  const deletes = Array.from({ length: DELETES }, (_, i) =>
    expressEvent({
      eventName: 'DeleteObject',
      eventTime: `2026-11-20T10:${String(i % 60).padStart(2, '0')}:00Z`,
      key: KEY,
      bucket: 'analytics-hot--use1-az4--x-s3',
      eventID: `del-${String(i).padStart(3, '0')}`,
      arn: `arn:aws:sts::111122223333:assumed-role/DataEngineer/user${i % 5}`,
    }),
  );
  await writeDeliveryFile(root, '2026/11/20', '20261120T1100Z_deletes', deletes);
  return root;
}

export interface FaultApp {
  slack: SlackApp;
  eventsUrl: string;
  db: SqliteDatabase;
  dbFile: string;
  sandbox: SandboxAccount;
  approvalStore: ApprovalStore;
}

export interface FaultAppOptions {
  engine: Engine;
  apiUrl: string;
  /** A fresh state file unless given (a restart reuses the file). */
  dbFile?: string;
  lookupEvents?: LookupEventsSource;
  /** Wrap the sandbox account (to inject a fault right after it applied a change). */
  wrapAccount?: (account: AccountPort) => AccountPort;
  /** The app's clock; NOW unless given (a restart after an apply lease ran out). */
  now?: () => Date;
}

/**
 * The real app over signed HTTP: a SQLite state file with a short busy timeout (a held lock fails
 * in 20 ms instead of 1 s), the sandbox account, Web API retries that do not wait between attempts
 * (a 429 still waits out its Retry-After).
 */
export async function startFaultApp(options: FaultAppOptions): Promise<FaultApp> {
  const dbFile = options.dbFile ?? path.join(await tempDir('s3x-faults-state-'), 's3x.sqlite');
  const db = openDatabase(dbFile, { busyTimeoutMs: 20 });
  const sandbox = new SandboxAccount(db, { now: () => NOW });
  sandbox.seedDefaults();
  const approvalStore = new SqliteApprovalStore(db);
  const account = options.wrapAccount ? options.wrapAccount(sandbox) : sandbox;
  const slack = createSlackApp(
    {
      botToken: 'xoxb-test',
      signingSecret: SIGNING_SECRET,
      port: 0,
      logLevel: 'warn',
      apiUrl: options.apiUrl,
      botIdentity: { botId: 'B1', botUserId: 'U1' },
      retryConfig: { retries: 2, factor: 1, minTimeout: 0, maxTimeout: 0 },
    },
    {
      engine: options.engine,
      now: options.now ?? (() => NOW),
      store: new AnswerStore(db, () => NOW),
      approvalStore,
      trailInventory: inventoryOf(sandbox),
      ...(options.lookupEvents ? { lookupEvents: options.lookupEvents } : {}),
      access: { channels: [], users: [], groups: [] },
      remediation: {
        account,
        store: approvalStore,
        policy: { approvers: [APPROVER], requiredApprovals: 1, ttlMs: 3600_000 },
        plan: createPlanner(account, { protectedPrincipals: ['arn:aws:iam::111122223333:role/s3x'] }),
      },
    },
  );
  const { port } = await slack.start();
  await slack.approvals?.recoverExpired();
  return { slack, eventsUrl: `http://127.0.0.1:${port}/slack/events`, db, dbFile, sandbox, approvalStore };
}

/** Drive the app like Slack: slash commands and clicks, signed, each with its own response_url. */
export class SlackUser {
  constructor(
    private readonly app: () => FaultApp,
    private readonly responses: ResponseUrls,
  ) {}

  /** Send a command; return the response_url path its answers go to. */
  async send(text: string, options: { userId?: string; expired?: 404 | 410 } = {}): Promise<string> {
    const pathName = this.responses.next(options.expired);
    const response = await postSigned(
      this.app().eventsUrl,
      slashCommandBody({ text, response_url: this.responses.url(pathName), user_id: options.userId ?? REQUESTER }),
    );
    if (response.status !== 200) throw new Error(`the app answered ${response.status}`);
    return pathName;
  }

  /** A command and its (first) answer through the response_url. */
  async ask(text: string, userId = REQUESTER): Promise<Record<string, unknown>> {
    const pathName = await this.send(text, { userId });
    return (await this.responses.waitFor(pathName))[0] as Record<string, unknown>;
  }

  async click(userId: string, actionId: string, value: string, options: { expired?: 404 | 410 } = {}): Promise<string> {
    const pathName = this.responses.next(options.expired);
    const response = await postSigned(
      this.app().eventsUrl,
      buttonClickBody({ userId, actionId, value, responseUrl: this.responses.url(pathName) }),
    );
    if (response.status !== 200) throw new Error(`the app answered ${response.status}`);
    return pathName;
  }

  /** A click and what the app said to the clicker through its response_url. */
  async clickReply(userId: string, actionId: string, value: string): Promise<Record<string, unknown>> {
    const pathName = await this.click(userId, actionId, value);
    return (await this.responses.waitFor(pathName))[0] as Record<string, unknown>;
  }

  /** `/s3x enable-logging <bucket>`: the plan preview's Request approval value (the request id). */
  async planEnableLogging(bucket = UNCOVERED): Promise<string> {
    return this.plan(`enable-logging ${bucket}`);
  }

  /** Plan a change (`enable-logging …`, `tighten …`); returns the request id from its Request approval button. */
  async plan(text: string): Promise<string> {
    const preview = await this.ask(text);
    const submit = buttonsIn(preview.blocks).find((b) => b.action_id === ACTIONS.submitChange);
    if (!submit) throw new Error(`no Request approval button in ${JSON.stringify(preview)}`);
    return submit.value;
  }
}

/** Everything Bolt and s3x log (Bolt's console logger), silenced and kept for assertions. */
export function captureLogs(): string[] {
  const lines: string[] = [];
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(
        args.map((a) => (a instanceof Error ? `${a.message}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' '),
      );
    });
  }
  return lines;
}

/**
 * Hold the state file's write lock from a second connection, as another process would (a second
 * replica, a backup, someone in the sqlite3 shell). Returns the release.
 */
export function lockDatabase(file: string): () => void {
  const other = new Database(file);
  other.pragma('busy_timeout = 0');
  other.exec('BEGIN IMMEDIATE');
  return () => {
    other.exec('ROLLBACK');
    other.close();
  };
}

/** The text a person sees in a message: fallback text and every block's text. */
export function visibleText(message: Record<string, unknown> | undefined): string {
  return `${String(message?.text ?? '')}\n${JSON.stringify(message?.blocks ?? [])}`;
}

/** What a stack trace or an internal error looks like in text. */
export const INTERNALS = /\n\s+at |\bat [\w.<>]+ \(|SqliteError|SQLITE_|node_modules|\.ts:\d+|Error: /;
