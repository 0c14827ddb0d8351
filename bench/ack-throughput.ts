/**
 * Ack cost (issues #8 and #19): signed `/s3x who-deleted` slash commands over HTTP from `clients`
 * concurrent keep-alive clients, each in a closed loop (send, wait for the HTTP response, send
 * again) for `durationSec` seconds. First against s3x (createSlackApp, local engine over a
 * generated archive, answers posted to a local response_url that only says 200), then, with the
 * same harness in the same run, against a bare Bolt app (same HTTP receiver, same signing secret)
 * whose command handler only calls ack(). Ack latency = send → end of the HTTP response. The cost
 * of an ack is the app process's main-thread CPU time over the window divided by the acks it sent:
 * unlike throughput, it does not depend on how the load generator shares the cores with the app.
 *
 * The app under test runs in a child process, with its own event loop as in production; this
 * process plays Slack (sends the commands, receives the answers). s3x answers every question after
 * its ack, so its DuckDB work competes with the acks for the machine's cores: the realistic case.
 *
 * Run: npx tsx bench/ack-throughput.ts [durationSec=20] [clients=50]
 */

import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AnswerStore } from '../src/answers/answer-store.js';
import { SqliteApprovalStore } from '../src/approvals/sqlite-approval-store.js';
import { DEFAULT_QUESTION_LIMITS } from '../src/defaults.js';
import { LocalEngine } from '../src/engines/local/local-engine.js';
import { QuestionQueue } from '../src/engines/question-queue.js';
import { generateArchive } from '../src/sample/generate.js';
import { createSlackApp } from '../src/slack/app.js';
import { EVENTS_PATH, SLASH_COMMAND } from '../src/slack/ids.js';
import { openDatabase } from '../src/store/database.js';
import { SIGNING_SECRET, slackSignature, slashCommandBody } from '../test/helpers/slack.js';
import { startBareBolt } from './bare-bolt.mjs';

export interface AckFigures {
  /** Requests completed in the window: acked (HTTP 200) or failed. */
  requests: number;
  /** Acks (HTTP 200) per second of the window. */
  throughputPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Requests that took longer than Slack's 3 s (acked late, or not at all). */
  over3s: number;
  /** The app's main-thread CPU time over the window per ack (HTTP 200); DuckDB's own threads are not in it. */
  cpuPerAckMs: number;
  /** Non-200 answers, connection errors and timeouts. */
  errors: number;
}

export interface AckThroughputOptions {
  durationSec: number;
  clients: number;
  /**
   * A generated archive (`generateArchive`, any seed, ending about now: the question asks for the
   * default last 7 days); one is generated in a temp dir when unset.
   */
  logsDir?: string;
}

/** What the errors were: `HTTP 404` (Bolt's answer to a request not acked within 3 s), `timeout`, `ECONNRESET`… */
export type ErrorCounts = Record<string, number>;

export interface AckThroughputResult {
  s3x: AckFigures & {
    errorKinds: ErrorCounts;
    /** Answers posted to the response_url by the end of the window. */
    answered: number;
    /** Questions acked but not yet answered when the window closed (the queue of DuckDB work). */
    backlog: number;
    /** Questions turned away in the ack ("Nothing was run"): the queue was full, or the asker had their most. */
    turnedAway: number;
    /** The app process's resident set when the window closed. */
    serverRssMb: number;
  };
  bareBolt: AckFigures & { errorKinds: ErrorCounts; serverRssMb: number };
}

/** The question the clients ask: the sample archive's planted key (any seed; the bucket name assumes us-east-1). */
const SAMPLE_KEY = 'reports/q3-forecast.parquet';
const SAMPLE_BUCKET = 'analytics-hot--use1-az4--x-s3';
/** A request with no response after this long is counted as an error (and as over 3 s). */
const REQUEST_TIMEOUT_MS = 10_000;

/** Both phases, s3x first, with the same harness; temp files are removed at the end. */
export async function runAckThroughput(options: AckThroughputOptions): Promise<AckThroughputResult> {
  const durationMs = options.durationSec * 1000;
  const clients = Math.max(1, Math.floor(options.clients));
  const scratch = await mkdtemp(path.join(tmpdir(), 's3x-ack-throughput-'));
  try {
    let logsDir = options.logsDir;
    let key = SAMPLE_KEY;
    let bucket = SAMPLE_BUCKET;
    if (!logsDir) {
      logsDir = path.join(scratch, 'logs');
      const { facts } = await generateArchive({ outDir: logsDir, seed: 1, end: new Date(), days: 14 });
      key = facts.plantedKey;
      bucket = facts.plantedBucket;
    }
    const text = `who-deleted ${key} --bucket ${bucket}`;
    const responses = await startCountingResponseServer();
    try {
      const s3xApp = await startAppProcess({ kind: 's3x', logsDir, dataDir: path.join(scratch, 'data') });
      let s3x: AckThroughputResult['s3x'];
      try {
        s3x = await measure(s3xApp, responses, text, clients, durationMs);
      } finally {
        // The queue of unanswered questions is not drained: the process is stopped with it.
        await s3xApp.stop();
      }
      const bareApp = await startAppProcess({ kind: 'bare-bolt' });
      let bareBolt: AckThroughputResult['bareBolt'];
      try {
        const {
          answered: _answered,
          backlog: _backlog,
          ...figures
        } = await measure(bareApp, responses, text, clients, durationMs);
        bareBolt = figures;
      } finally {
        await bareApp.stop();
      }
      return { s3x, bareBolt };
    } finally {
      await responses.close();
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** One phase: prime (one question answered, so the engine's file stats are warm as in a running app), then the closed loop. */
async function measure(
  app: AppProcess,
  responses: CountingResponseServer,
  text: string,
  clients: number,
  durationMs: number,
): Promise<AckThroughputResult['s3x']> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  try {
    const primed = responses.count();
    const prime = await postSignedForm(agent, app.eventsUrl, slashCommandBody({ text, response_url: responses.url }));
    if (prime.status !== 200) throw new Error(`the app answered ${prime.status} to the first command`);
    // The bare app never posts an answer; s3x does, after its query.
    if (app.kind === 's3x') await responses.waitForCount(primed + 1, 120_000);
    const before = responses.count();
    const cpuBefore = (await app.memory(false)).mainThreadCpuMs;
    const loop = await runClosedLoop(
      agent,
      app.eventsUrl,
      // Each client is its own Slack user, so the per-user limit does not turn away all but two of them.
      (client) => slashCommandBody({ text, response_url: responses.url, user_id: `U0CLIENT${client}` }),
      clients,
      durationMs,
    );
    const answered = responses.count() - before;
    const memory = await app.memory(false).catch(() => undefined);
    const cpuMs = (memory?.mainThreadCpuMs ?? Number.NaN) - cpuBefore;
    return {
      ...ackFigures(loop),
      cpuPerAckMs: round(cpuMs / loop.latencies.length, 3),
      answered,
      backlog: app.kind === 's3x' ? Math.max(0, loop.latencies.length - loop.turnedAway - answered) : 0,
      turnedAway: loop.turnedAway,
      serverRssMb: memory ? round(memory.rss / 2 ** 20) : Number.NaN,
    };
  } finally {
    agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Load generation (exported for scripts/soak.ts)
// ---------------------------------------------------------------------------------------------

export interface SignedResponse {
  status: number;
  body: string;
  /** Send → end of the response. */
  ms: number;
}

/** POST a form body signed as Slack signs it, through `agent` (keep-alive); rejects on network errors and timeouts. */
export function postSignedForm(agent: Agent, url: URL, body: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<SignedResponse> {
  const timestamp = Math.floor(Date.now() / 1000);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        timeout: timeoutMs,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          'x-slack-request-timestamp': String(timestamp),
          'x-slack-signature': slackSignature(body, timestamp),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }),
        );
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no response within ${timeoutMs} ms`), { code: 'timeout' })));
    req.on('error', reject);
    req.end(body);
  });
}

interface LoopResult {
  /** Ack latencies of HTTP 200 answers. */
  latencies: number[];
  errors: number;
  errorKinds: ErrorCounts;
  /** Requests (acked or not) that took longer than 3 s. */
  over3s: number;
  /** Acks that turned the question away: the queue was full, or the asker had their most (s3x only). */
  turnedAway: number;
  elapsedMs: number;
}

/** `clients` loops, each sending its next request as soon as the previous one is answered, until the deadline. */
async function runClosedLoop(
  agent: Agent,
  url: URL,
  makeBody: (client: number) => string,
  clients: number,
  durationMs: number,
): Promise<LoopResult> {
  const latencies: number[] = [];
  const errorKinds: ErrorCounts = {};
  let errors = 0;
  let over3s = 0;
  let turnedAway = 0;
  const fail = (kind: string) => {
    errors++;
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  };
  const started = performance.now();
  const deadline = started + durationMs;
  const client = async (_: unknown, index: number) => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      try {
        const response = await postSignedForm(agent, url, makeBody(index));
        if (response.ms > 3000) over3s++;
        if (response.status !== 200) fail(`HTTP ${response.status}`);
        else {
          latencies.push(response.ms);
          // The queue's refusals, whole ("already answering N questions") or per asker ("You already have N questions").
          if (response.body.includes('Nothing was run')) turnedAway++;
        }
      } catch (error) {
        fail(errorKind(error));
        if (performance.now() - sent > 3000) over3s++;
        // A refused connection fails at once: do not spin.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return { latencies, errors, errorKinds, over3s, turnedAway, elapsedMs: performance.now() - started };
}

/** A short name for a failed request: the Node error code (`ECONNRESET`…) or `timeout`. */
export function errorKind(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'error';
}

function ackFigures(loop: LoopResult): Omit<AckFigures, 'cpuPerAckMs'> & { errorKinds: ErrorCounts } {
  const sorted = [...loop.latencies].sort((a, b) => a - b);
  return {
    requests: loop.latencies.length + loop.errors,
    throughputPerSec: round(loop.latencies.length / (loop.elapsedMs / 1000)),
    p50Ms: round(percentile(sorted, 0.5)),
    p99Ms: round(percentile(sorted, 0.99)),
    maxMs: round(sorted.at(-1) ?? Number.NaN),
    over3s: loop.over3s,
    errors: loop.errors,
    errorKinds: loop.errorKinds,
  };
}

/** Nearest-rank percentile of ascending values (NaN when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

interface CountingResponseServer {
  url: string;
  count(): number;
  waitForCount(count: number, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Slack's response_url endpoint, reduced to counting the answers posted to it. */
async function startCountingResponseServer(): Promise<CountingResponseServer> {
  let posts = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      posts++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`,
    count: () => posts,
    async waitForCount(count, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (posts < count) {
        if (Date.now() > deadline) throw new Error(`no answer on the response_url within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The app under test, in a child process (exported for scripts/soak.ts)
// ---------------------------------------------------------------------------------------------

export type AppSpec =
  | {
      kind: 's3x';
      logsDir: string;
      /** The SQLite file (answers for paging and Show event, approvals) goes here, as in S3X_DATA_DIR. */
      dataDir: string;
      /** Slack Web API base URL (`SLACK_API_URL`): a fake one for clicks that call the Web API. */
      apiUrl?: string;
    }
  | { kind: 'bare-bolt' };

export interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  /** Whether a full GC ran just before (the app process was started with --expose-gc). */
  afterGc: boolean;
  /** CPU time of the process's main thread (its event loop) since it started. */
  mainThreadCpuMs: number;
}

export interface AppProcess {
  kind: AppSpec['kind'];
  pid: number;
  eventsUrl: URL;
  /** Lines the app wrote to stdout/stderr (at log level error, every line is a problem); the first 200 are kept. */
  logLines: string[];
  logLineCount(): number;
  /** Set once the process has exited. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  memory(gc: boolean): Promise<MemorySample>;
  /** Stop the app and end the process (killed if it does not exit within 5 s). */
  stop(): Promise<void>;
}

type ToChild = { type: 'memory'; id: number; gc: boolean } | { type: 'stop' };
type FromChild = { type: 'ready'; port: number } | { type: 'memory'; id: number; sample: MemorySample };

const SELF = fileURLToPath(import.meta.url);
const SERVE_FLAG = '--serve-app';

/** Fork this file as the app under test (`node --import tsx [--expose-gc]`) and wait until it listens. */
export async function startAppProcess(spec: AppSpec, options: { exposeGc?: boolean } = {}): Promise<AppProcess> {
  const child: ChildProcess = fork(SELF, [SERVE_FLAG, JSON.stringify(spec)], {
    cwd: path.resolve(path.dirname(SELF), '..'),
    execArgv: [
      '--import',
      'tsx',
      ...(options.exposeGc ? ['--expose-gc'] : []),
      // Diagnostics, e.g. S3X_BENCH_APP_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' (NODE_OPTIONS refuses --cpu-prof).
      ...(process.env.S3X_BENCH_APP_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== ''),
    ],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const logLines: string[] = [];
  let lineCount = 0;
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      lineCount++;
      if (logLines.length < 200) logLines.push(line);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    }),
  );
  const pending = new Map<number, (sample: MemorySample) => void>();
  let nextId = 1;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the app process did not start within 120 s')), 120_000);
    child.on('message', (message: FromChild) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message.port);
      } else if (message.type === 'memory') {
        pending.get(message.id)?.(message.sample);
        pending.delete(message.id);
      }
    });
    void exitPromise.then(() => {
      clearTimeout(timer);
      reject(new Error(`the app process exited before listening:\n${logLines.slice(0, 20).join('\n')}`));
    });
  });
  return {
    kind: spec.kind,
    pid: child.pid ?? 0,
    eventsUrl: new URL(`http://127.0.0.1:${port}${EVENTS_PATH}`),
    logLines,
    logLineCount: () => lineCount,
    exit: () => exited,
    memory(gc) {
      if (exited || !child.connected) return Promise.reject(new Error('the app process has exited'));
      const id = nextId++;
      return new Promise<MemorySample>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error('no memory sample within 10 s'));
        }, 10_000);
        pending.set(id, (sample) => {
          clearTimeout(timer);
          resolve(sample);
        });
        child.send({ type: 'memory', id, gc } satisfies ToChild);
      });
    },
    async stop() {
      if (exited) return;
      if (child.connected) child.send({ type: 'stop' } satisfies ToChild);
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exitPromise;
      clearTimeout(killer);
    },
  };
}

/** Child side: start the app, report its port, answer memory requests, stop when told or when the parent goes. */
async function serveApp(spec: AppSpec): Promise<void> {
  const send = (message: FromChild) => process.send?.(message);
  let port: number;
  let stopApp: () => Promise<void>;
  if (spec.kind === 'bare-bolt') {
    const bare = await startBareBolt({ signingSecret: SIGNING_SECRET, eventsPath: EVENTS_PATH, command: SLASH_COMMAND });
    port = bare.port;
    stopApp = bare.stop;
  } else {
    // This process ends without closing DuckDB (see 'stop'), so it spills inside the data dir, which the parent removes.
    process.env.TMPDIR = path.join(spec.dataDir, 'tmp');
    await mkdir(process.env.TMPDIR, { recursive: true });
    // Composed as src/main.ts composes it: the engine behind the question queue.
    const engine = new QuestionQueue(await LocalEngine.open({ logsDir: spec.logsDir }), DEFAULT_QUESTION_LIMITS);
    const database = openDatabase(path.join(spec.dataDir, 's3x.sqlite'));
    const slack = createSlackApp(
      {
        botToken: 'xoxb-bench',
        signingSecret: SIGNING_SECRET,
        port: 0,
        logLevel: 'error',
        ...(spec.apiUrl ? { apiUrl: spec.apiUrl } : {}),
        botIdentity: { botId: 'B', botUserId: 'U' },
      },
      {
        engine,
        now: () => new Date(),
        store: new AnswerStore(database, () => new Date()),
        approvalStore: new SqliteApprovalStore(database),
        access: { channels: [], users: [], groups: [] },
      },
    );
    ({ port } = await slack.start());
    stopApp = () => slack.stop();
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (message: ToChild) => {
    if (message.type === 'memory') {
      if (message.gc && gc) gc();
      const usage = process.memoryUsage();
      send({
        type: 'memory',
        id: message.id,
        sample: {
          rss: usage.rss,
          heapUsed: usage.heapUsed,
          heapTotal: usage.heapTotal,
          external: usage.external,
          afterGc: message.gc && gc !== undefined,
          mainThreadCpuMs: mainThreadCpuMs(),
        },
      });
    } else if (message.type === 'stop') {
      // Questions still queued are dropped with the process; DuckDB is not closed under them.
      void Promise.race([stopApp(), new Promise((resolve) => setTimeout(resolve, 2000))]).finally(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port });
}

/**
 * User + system time of this process's main thread, from /proc (Linux): process.cpuUsage() would
 * also count DuckDB's and libuv's threads, which answer questions, not acks.
 */
function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  // Fields after the command name: state is the 3rd field of the line, utime the 14th, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** USER_HZ, which /proc reports times in: 100 on every Linux the bench runs on (`getconf CLK_TCK`). */
const CLOCK_TICKS_PER_SECOND = 100;

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

/** The figures side by side, as a Markdown table, against the targets. */
export function formatAckThroughput(result: AckThroughputResult): string {
  const { s3x, bareBolt } = result;
  const ratio = s3x.cpuPerAckMs / bareBolt.cpuPerAckMs;
  const ms = (value: number) => `${value.toLocaleString('en-US')} ms`;
  const rows: Array<[string, string, string, string]> = [
    ['requests completed', String(s3x.requests), String(bareBolt.requests), ''],
    ['acks per second', String(s3x.throughputPerSec), String(bareBolt.throughputPerSec), ''],
    [
      'main-thread CPU per ack',
      ms(s3x.cpuPerAckMs),
      ms(bareBolt.cpuPerAckMs),
      `ratio ≤ 1.3 (${ratio.toFixed(2)} ${ratio <= 1.3 ? 'met' : 'NOT met'})`,
    ],
    ['ack p50', ms(s3x.p50Ms), ms(bareBolt.p50Ms), ''],
    ['ack p99', ms(s3x.p99Ms), ms(bareBolt.p99Ms), `< 100 ms (${s3x.p99Ms < 100 ? 'met' : 'NOT met'})`],
    ['ack max', ms(s3x.maxMs), ms(bareBolt.maxMs), ''],
    ['over 3 s', String(s3x.over3s), String(bareBolt.over3s), `0 (${s3x.over3s === 0 ? 'met' : 'NOT met'})`],
    ['errors', describeErrors(s3x), describeErrors(bareBolt), '0'],
    ['answers posted in the window', String(s3x.answered), '–', ''],
    ['questions still queued at the end', String(s3x.backlog), '–', ''],
    ['turned away in the ack (queue or asker limit)', String(s3x.turnedAway), '–', ''],
    ['app RSS at the end', `${s3x.serverRssMb} MB`, `${bareBolt.serverRssMb} MB`, ''],
  ];
  const header: [string, string, string, string] = ['figure', 's3x', 'bare Bolt', 'target'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function describeErrors(figures: { errors: number; errorKinds: ErrorCounts }): string {
  const kinds = Object.entries(figures.errorKinds).map(([kind, count]) => `${count} ${kind}`);
  return kinds.length > 0 ? `${figures.errors} (${kinds.join(', ')})` : String(figures.errors);
}

const invokedAs = process.argv[1] ? path.resolve(process.argv[1]) : '';
if (invokedAs === SELF) {
  if (process.argv[2] === SERVE_FLAG) {
    await serveApp(JSON.parse(process.argv[3] ?? '{}') as AppSpec);
  } else {
    const durationSec = Number(process.argv[2] ?? 20);
    const clients = Number(process.argv[3] ?? 50);
    if (!(durationSec > 0) || !(clients >= 1)) {
      console.error('usage: npx tsx bench/ack-throughput.ts [durationSec=20] [clients=50]');
      process.exit(2);
    }
    console.log(`${clients} keep-alive clients, closed loop, ${durationSec} s per app; s3x first, then bare Bolt`);
    const result = await runAckThroughput({ durationSec, clients });
    console.log(formatAckThroughput(result));
  }
}
