import { spawn } from 'node:child_process';
import { cp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ApprovalRequest, AuditEntry } from '../../src/approvals/approval.js';
import { DynamoDbApprovalStore } from '../../src/aws/dynamodb/approval-store.js';
import { sampleLogsDir } from '../../src/sample/sample-archive.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { systemClock } from '../../src/time/clock.js';
import { tempDir } from '../helpers/archive.js';
import { Dynalite } from '../helpers/dynalite.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { ResponseUrlServer } from '../helpers/slack.js';
import {
  APPROVER,
  AppProcess,
  appEnv,
  HoldingSlackApi,
  prepareDataDir,
  type Running,
  SlackDriver,
  StateFile,
  sandboxRecordsOf,
  sleep,
} from './harness.js';

/** How long an apply lease lasts in these tests (S3X_APPLY_LEASE_SECONDS): recovery rounds every second. */
export const TEST_LEASE_SECONDS = 2;

/**
 * Two (or more) real app processes as replicas of one deployment: one DynamoDB table (dynalite
 * on loopback, S3X_STORE=dynamodb), one Slack (a fake Web API), one account (the sandbox in a
 * SQLite file both replicas open, S3X_TEST_SHARED_SANDBOX), and each replica its own data dir
 * (its own SQLite state file, the same sample logs).
 */
export class Replicas {
  readonly api = new HoldingSlackApi();
  readonly responses = new ResponseUrlServer();
  readonly dynalite = new Dynalite();
  driver!: SlackDriver;
  table = '';
  dataDirs: string[] = [];
  sandboxFile = '';
  private apiUrl = '';
  private client!: DynamoDBClient;
  private store!: DynamoDbApprovalStore;
  private readonly apps: AppProcess[] = [];
  private readonly temp: string[] = [];

  static async create(): Promise<Replicas> {
    const replicas = new Replicas();
    await replicas.dynalite.start();
    replicas.table = await replicas.dynalite.createTable();
    replicas.client = replicas.dynalite.client();
    replicas.store = new DynamoDbApprovalStore(replicas.client, { table: replicas.table, clock: systemClock });
    const first = await prepareDataDir();
    const second = await tempDir('s3x-process-');
    // The same archive on both: an event one replica answered with is there for the other to show.
    await cp(first, second, { recursive: true });
    const sandboxDir = await tempDir('s3x-sandbox-');
    replicas.temp.push(first, second, sandboxDir);
    replicas.dataDirs = [first, second];
    replicas.sandboxFile = path.join(sandboxDir, 'sandbox.sqlite');
    replicas.apiUrl = await replicas.api.start();
    replicas.driver = new SlackDriver(replicas.responses, await replicas.responses.start(), replicas.api);
    return replicas;
  }

  /** The environment of replica `index` (0 or 1). */
  env(index: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return appEnv({
      dataDir: this.dataDirs[index] as string,
      apiUrl: this.apiUrl,
      extra: {
        ...this.dynalite.env(this.table),
        S3X_TEST_SHARED_SANDBOX: this.sandboxFile,
        S3X_APPLY_LEASE_SECONDS: String(TEST_LEASE_SECONDS),
        ...extra,
      },
    });
  }

  async start(index: number, extra: Record<string, string> = {}): Promise<Running> {
    const app = await AppProcess.start(this.env(index, extra));
    this.apps.push(app);
    return app;
  }

  /** Plan a change on `app` and post it for approval; returns the request id and its message's ts. */
  async request(app: Running, text: string): Promise<{ id: string; messageTs: string }> {
    const id = await this.driver.plan(app.url, text);
    await this.driver.submit(app.url, id);
    const request = await this.waitFor(id, (r) => r.messageTs !== undefined);
    return { id, messageTs: request.messageTs as string };
  }

  /** Click Approve on each app at once (as Slack would deliver a double click to two replicas). */
  async approveOnAll(apps: Running[], id: string): Promise<string[]> {
    const clicks = await Promise.all(apps.map((app) => this.driver.click(app.url, APPROVER, ACTIONS.approve, id)));
    return clicks.map((click) => click.path);
  }

  /** The request as the shared table has it, once `done` holds. */
  async waitFor(id: string, done: (request: ApprovalRequest) => boolean, timeoutMs = 20_000): Promise<ApprovalRequest> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const request = await this.store.get(id);
      if (request && done(request)) return request;
      if (Date.now() > deadline) throw new Error(`request ${id} still ${request?.state ?? 'missing'} after ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  /** The request's audit entries in the shared table, oldest first. */
  async audit(id: string): Promise<AuditEntry[]> {
    return (await this.store.recentAudit(1000)).filter((entry) => entry.requestId === id).reverse();
  }

  /** How many times the request's calls reached the account: the sandbox's records, in either replica's logs. */
  async records(id: string): Promise<number> {
    let total = 0;
    for (const dir of this.dataDirs) total += (await sandboxRecordsOf(dir, id)).length;
    return total;
  }

  /** The shared sandbox account, read as an operator would. */
  account<T>(read: (state: StateFile) => T): T {
    const state = new StateFile('', this.sandboxFile);
    try {
      return read(state);
    } finally {
      state.close();
    }
  }

  /** What Slack shows about a request's approval message: its updates and the posts in its thread. */
  slackOf(messageTs: string): { updates: string[]; thread: string[] } {
    return {
      updates: this.api
        .callsOf('chat.update')
        .filter((m) => m.ts === messageTs)
        .map((m) => String(m.text)),
      thread: this.api
        .callsOf('chat.postMessage')
        .filter((m) => m.thread_ts === messageTs)
        .map((m) => String(m.text)),
    };
  }

  /** `s3x <args>` as a process, configured like replica 0 (same table, same data dir). */
  async cli(args: string[], extra: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'test', 'process', 'cli-entry.ts'), ...args], {
      cwd: REPO_ROOT,
      env: this.env(0, extra),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (exit) => resolve(exit)));
    return { code, out, err };
  }

  /** The planted key of the sample archive (deleted, written and read by known people). */
  async plantedKey(): Promise<string> {
    const summary = JSON.parse(await readFile(path.join(sampleLogsDir(this.dataDirs[0] as string), '.complete'), 'utf8')) as {
      facts: { plantedKey: string };
    };
    return summary.facts.plantedKey;
  }

  async dispose(): Promise<void> {
    for (const app of this.apps) await app.dispose();
    await this.api.stop();
    await this.responses.stop();
    this.client?.destroy();
    await this.dynalite.stop();
    for (const dir of this.temp) await rm(dir, { recursive: true, force: true });
  }
}
