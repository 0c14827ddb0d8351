/**
 * Soak (issue #9): signed slash commands and button clicks against the real app, on loopback only,
 * at a steady rate (open loop: requests go out on schedule whether or not earlier ones are
 * answered), bounded in time and in count, with the app's memory sampled every 10 s.
 *
 * The app runs in a child process started with --expose-gc (bench/ack-throughput.ts
 * startAppProcess), so heap figures are taken after a full GC and this process's own memory (the
 * Slack side: response_url server, fake Web API, bookkeeping) never counts. The mix is
 * who-deleted, history, activity, status, help, and clicks on stored answers: Next page, Show
 * event (views.open/views.update on the fake Web API), Export CSV (files.uploadV2 on it).
 *
 * Exit status 1 when any request failed (non-200 ack, an error answer, no answer after the
 * drain, a line in the app's error log, the app exiting) or memory grew beyond the limits.
 *
 * Run: npm run soak -- [--minutes 10] [--rate 0.5] [--max-requests N] [--out soak.json] [--logs DIR]
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type AppProcess,
  errorKind,
  type MemorySample,
  percentile,
  postSignedForm,
  startAppProcess,
} from '../bench/ack-throughput.js';
import { generateArchive } from '../src/sample/generate.js';
import { ACTIONS } from '../src/slack/ids.js';
import { FakeSlackApi } from '../test/helpers/fake-slack-api.js';
import { buttonClickBody, buttonsIn, slashCommandBody } from '../test/helpers/slack.js';

/**
 * Requests per second the default mix sustains on the 2-core reference machine, measured: at 0.5/s
 * for 10 minutes at most 2 answers were owed at any sample (answer p99 4.7 s); at 1/s answers fell
 * behind (p50 9 s, p99 54 s, the queue growing). The ack throughput of bench/ack-throughput.ts is no
 * guide here: acks are cheap, answers (six in ten requests run a query over ~4,000 files) are not.
 */
export const DEFAULT_RATE = 0.5;

export interface SoakOptions {
  minutes: number;
  /** Requests per second. */
  rate: number;
  maxRequests: number;
  /** Write the summary as JSON here. */
  out?: string;
  /** A generated archive (any seed; the questions use the sample's planted key, us-east-1 names). Default: one is generated. */
  logsDir?: string;
  /** Size of the generated archive. */
  archive?: { days: number; eventsPerDay?: number };
  sampleEverySec?: number;
  /** After the last request, how long to wait for answers still owed. */
  drainSec?: number;
  limits?: MemoryLimits;
  /** Progress lines (every memory sample); silent when unset. */
  progress?: (line: string) => void;
}

export interface MemoryLimits {
  /** Fail when the last minute's median RSS exceeds the first minute's by more. */
  rssGrowthMb: number;
  /** Fail when the after-GC heap's least-squares slope exceeds this, on runs of 3 minutes or more. */
  heapSlopeMbPerMin: number;
  /** Fail when the last minute's median heap exceeds the first minute's by more (any length of run). */
  heapGrowthMb: number;
}

const DEFAULT_LIMITS: MemoryLimits = { rssGrowthMb: 50, heapSlopeMbPerMin: 1, heapGrowthMb: 20 };

export const REQUEST_KINDS = [
  'who-deleted',
  'history',
  'activity',
  'status',
  'help',
  'next-page',
  'show-event',
  'export-csv',
] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** The mix, sent in this order, round and round: six questions, four clicks (six of ten run a query). */
const CYCLE: readonly RequestKind[] = [
  'who-deleted',
  'next-page',
  'history',
  'show-event',
  'activity',
  'help',
  'who-deleted',
  'status',
  'next-page',
  'export-csv',
];

export interface KindCounts {
  sent: number;
  acked: number;
  answered: number;
  errors: number;
}

export interface SoakSummary {
  startedAt: string;
  options: { minutes: number; rate: number; maxRequests: number };
  /** Seconds spent sending (the load window); the drain comes after. */
  loadSec: number;
  archive: { logsDir: string; generated: boolean };
  appPid: number;
  requests: KindCounts & { byKind: Record<RequestKind, KindCounts>; achievedRate: number };
  errors: {
    total: number;
    /** Non-200 acks and failed requests, by kind of failure. */
    acks: Record<string, number>;
    /** Answers that were error messages (⚠️ …), with the first few texts. */
    errorAnswers: number;
    errorAnswerSamples: string[];
    /** Requests still owed an answer after the drain. */
    unanswered: number;
    /** Lines the app wrote (log level error), with the first few. */
    appLogLines: number;
    appLogSamples: string[];
    appExit?: { code: number | null; signal: string | null };
  };
  ack: { p50Ms: number; p99Ms: number; maxMs: number; over3s: number };
  /** Send → answer on the response_url (questions and Next page). */
  answer: { p50Ms: number; p99Ms: number; maxMs: number };
  memory: {
    afterGc: boolean;
    samples: Array<{
      atSec: number;
      rssMb: number;
      heapUsedMb: number;
      heapTotalMb: number;
      externalMb: number;
      /** Questions and Next page clicks acked but not yet answered on the response_url: a growing number means the rate is not sustainable. */
      owed: number;
    }>;
    /** The first and last windows compared: one minute, or a third of shorter runs. */
    windowSec: number;
    rssFirstMb: number;
    rssLastMb: number;
    heapFirstMb: number;
    heapLastMb: number;
    heapSlopeMbPerMin: number;
    /** After the drain: what the app holds once idle. */
    afterDrain?: { rssMb: number; heapUsedMb: number };
  };
  limits: MemoryLimits;
  verdict: { ok: boolean; failures: string[] };
}

/** The sample archive's planted key and bucket (any seed, us-east-1), used with `logsDir`. */
const SAMPLE_KEY = 'reports/q3-forecast.parquet';
const SAMPLE_BUCKET = 'analytics-hot--use1-az4--x-s3';
const ERROR_PREFIX = '⚠️';

interface Sent {
  kind: RequestKind;
  sentAt: number;
  ackMs?: number;
  /** Set when the answer is owed on the response_url. */
  viaResponseUrl: boolean;
  answeredMs?: number;
  errorAnswer?: string;
}

/**
 * Run the soak; resolves with the summary (also written to `out`). Failed requests are counted,
 * never thrown; it throws only when the app does not start or does not answer the first question.
 */
export async function runSoak(options: SoakOptions): Promise<SoakSummary> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const sampleEveryMs = (options.sampleEverySec ?? 10) * 1000;
  const loadMs = options.minutes * 60_000;
  const scratch = await mkdtemp(path.join(tmpdir(), 's3x-soak-'));
  const startedAt = new Date();
  const api = new FakeSlackApi();
  const slackSide = new ResponseUrlEndpoint();
  let app: AppProcess | undefined;
  try {
    let logsDir = options.logsDir;
    let key = SAMPLE_KEY;
    let bucket = SAMPLE_BUCKET;
    if (!logsDir) {
      logsDir = path.join(scratch, 'logs');
      const { facts } = await generateArchive({
        outDir: logsDir,
        seed: 1,
        end: new Date(),
        days: options.archive?.days ?? 14,
        ...(options.archive?.eventsPerDay ? { eventsPerDay: options.archive.eventsPerDay } : {}),
      });
      key = facts.plantedKey;
      bucket = facts.plantedBucket;
    }
    const texts: Record<Exclude<RequestKind, 'next-page' | 'show-event' | 'export-csv'>, string> = {
      'who-deleted': `who-deleted ${key} --bucket ${bucket}`,
      history: `history ${key}`,
      activity: `activity ${bucket}`,
      status: 'status',
      help: 'help',
    };
    const apiUrl = await api.start();
    const responseBase = await slackSide.start();
    const running = await startAppProcess(
      { kind: 's3x', logsDir, dataDir: path.join(scratch, 'data'), apiUrl },
      { exposeGc: true },
    );
    app = running;
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    const sent: Sent[] = [];
    const ackFailures: Record<string, number> = {};
    /** Stored answers' buttons, newest last: what the clicks click on. */
    const clickable: Array<ReturnType<typeof buttonsIn>> = [];
    /** A button of this action from a recent answer, a different answer from one request to the next. */
    const findButton = (actionId: string, seed: number) => {
      for (let i = 0; i < clickable.length; i++) {
        const found = clickable[(seed + i) % clickable.length]?.find((b) => b.action_id === actionId);
        if (found) return found;
      }
      return undefined;
    };
    slackSide.onAnswer = (id, body) => {
      const request = sent[id];
      if (!request || request.answeredMs !== undefined) return;
      request.answeredMs = performance.now() - request.sentAt;
      const text = typeof body.text === 'string' ? body.text : '';
      if (text.startsWith(ERROR_PREFIX)) request.errorAnswer = text.slice(0, 200);
      const buttons = buttonsIn(body.blocks);
      if (buttons.some((b) => b.action_id === ACTIONS.exportCsv)) {
        clickable.push(buttons);
        if (clickable.length > 20) clickable.shift();
      }
    };

    const send = async (wanted: RequestKind): Promise<void> => {
      const id = sent.length;
      const responseUrl = `${responseBase}/${id}`;
      const request = planRequest(wanted, responseUrl, id, texts, (actionId) => findButton(actionId, id));
      const record: Sent = { kind: request.kind, sentAt: performance.now(), viaResponseUrl: request.viaResponseUrl };
      sent.push(record);
      try {
        const response = await postSignedForm(agent, running.eventsUrl, request.body);
        if (response.status !== 200) {
          ackFailures[`HTTP ${response.status}`] = (ackFailures[`HTTP ${response.status}`] ?? 0) + 1;
          return;
        }
        record.ackMs = response.ms;
        if (request.kind === 'help') {
          // Help is answered inside the ack.
          if (blockCount(response.body) > 0) record.answeredMs = response.ms;
          else record.errorAnswer = 'help: the ack carried no blocks';
        }
      } catch (error) {
        const kind = errorKind(error);
        ackFailures[kind] = (ackFailures[kind] ?? 0) + 1;
      }
    };

    // Prime: one question answered before the clock starts (warm engine caches, an answer to click on).
    // It keeps request id 0 and is left out of every figure.
    await send('who-deleted');
    await waitUntil(() => sent[0]?.answeredMs !== undefined, 120_000);
    const load = () => sent.slice(1);

    const samples: SoakSummary['memory']['samples'] = [];
    let allAfterGc = true;
    const loadStart = performance.now();
    const sample = async () => {
      const memory = await running.memory(true).catch(() => undefined);
      const owedNow = load().filter((s) => s.viaResponseUrl && s.ackMs !== undefined && s.answeredMs === undefined).length;
      if (memory) {
        samples.push(toSample((performance.now() - loadStart) / 1000, memory, owedNow));
        allAfterGc &&= memory.afterGc;
      }
      const acked = load().filter((s) => s.ackMs !== undefined).length;
      options.progress?.(
        `${Math.round((performance.now() - loadStart) / 1000)} s: sent ${load().length}, acked ${acked}, answers owed ${owedNow}` +
          (memory ? `, RSS ${mb(memory.rss)} MB, heap ${mb(memory.heapUsed)} MB` : ', no memory sample'),
      );
    };
    await sample();
    const sampler = setInterval(() => void sample(), sampleEveryMs);
    const inFlight = new Set<Promise<void>>();
    const intervalMs = 1000 / options.rate;
    let due = loadStart;
    try {
      for (let i = 0; i < options.maxRequests; i++) {
        if (performance.now() - loadStart >= loadMs || running.exit()) break;
        const pending = send(CYCLE[i % CYCLE.length] as RequestKind);
        inFlight.add(pending);
        void pending.finally(() => inFlight.delete(pending));
        due += intervalMs;
        if (due - loadStart >= loadMs) break;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
      }
    } finally {
      clearInterval(sampler);
    }
    const loadSec = (performance.now() - loadStart) / 1000;
    await sample();
    await Promise.all(inFlight);

    // Drain: answers still owed (queued questions), and the Web API calls of clicks.
    const apiAnswered = () => ({
      'show-event': api.callsOf('views.update').length,
      'export-csv': api.callsOf('files.completeUploadExternal').length,
    });
    /** Web API answers that are wrong: a modal without the record, a CSV without rows. */
    const apiWrong = () => ({
      'show-event': api
        .callsOf('views.update')
        .filter((args) => JSON.stringify(args.view ?? '').includes('No record with eventID')).length,
      'export-csv': [...api.uploads.values()].filter((csv) => csv.trim().split('\r\n').length < 2).length,
    });
    const owed = () => {
      const counts = apiAnswered();
      const viaApi = load().filter((s) => !s.viaResponseUrl && s.ackMs !== undefined && !s.errorAnswer);
      const apiOwed = viaApi.filter((s) => s.kind === 'show-event').length - counts['show-event'];
      const exportOwed = viaApi.filter((s) => s.kind === 'export-csv').length - counts['export-csv'];
      const responseOwed = load().filter((s) => s.viaResponseUrl && s.ackMs !== undefined && s.answeredMs === undefined).length;
      return responseOwed + Math.max(0, apiOwed) + Math.max(0, exportOwed);
    };
    await waitUntil(() => owed() === 0 || running.exit() !== undefined, (options.drainSec ?? 60) * 1000).catch(() => undefined);
    const idle = await running.memory(true).catch(() => undefined);
    const exit = running.exit();

    // Clicks answered through the Web API: counted in aggregate (calls carry no request id).
    const byKind = Object.fromEntries(
      REQUEST_KINDS.map((kind) => [kind, { sent: 0, acked: 0, answered: 0, errors: 0 }]),
    ) as Record<RequestKind, KindCounts>;
    for (const request of load()) {
      const counts = byKind[request.kind];
      counts.sent++;
      if (request.ackMs !== undefined) counts.acked++;
      if (request.errorAnswer) counts.errors++;
      else if (request.answeredMs !== undefined) counts.answered++;
    }
    const apiCounts = apiAnswered();
    const wrong = apiWrong();
    for (const kind of ['show-event', 'export-csv'] as const) {
      const counts = byKind[kind];
      // A refused click posts ⚠️ to its response_url (counted as an error above); the rest owe an API call.
      const delivered = Math.min(counts.acked - counts.errors, apiCounts[kind]);
      counts.errors += Math.min(delivered, wrong[kind]);
      counts.answered = delivered - Math.min(delivered, wrong[kind]);
    }
    const totals = Object.values(byKind).reduce(
      (sum, c) => ({
        sent: sum.sent + c.sent,
        acked: sum.acked + c.acked,
        answered: sum.answered + c.answered,
        errors: sum.errors + c.errors,
      }),
      { sent: 0, acked: 0, answered: 0, errors: 0 },
    );
    const ackFailureCount = Object.values(ackFailures).reduce((a, b) => a + b, 0);
    const unanswered = totals.acked - totals.answered - totals.errors;
    const ackMs = load()
      .flatMap((s) => (s.ackMs === undefined ? [] : [s.ackMs]))
      .sort((a, b) => a - b);
    const answerMs = load()
      .filter((s) => s.viaResponseUrl && !s.errorAnswer)
      .flatMap((s) => (s.answeredMs === undefined ? [] : [s.answeredMs]))
      .sort((a, b) => a - b);
    const errorAnswerSamples = [
      ...new Set(load().flatMap((s) => (s.errorAnswer ? [s.errorAnswer] : []))),
      ...(wrong['show-event'] > 0 ? [`${wrong['show-event']} Show event modal(s) without the record`] : []),
      ...(wrong['export-csv'] > 0 ? [`${wrong['export-csv']} CSV export(s) without rows`] : []),
    ].slice(0, 5);
    const errors = {
      total: ackFailureCount + totals.errors + unanswered + running.logLineCount() + (exit ? 1 : 0),
      acks: ackFailures,
      errorAnswers: totals.errors,
      errorAnswerSamples,
      unanswered,
      appLogLines: running.logLineCount(),
      appLogSamples: running.logLines.slice(0, 5),
      ...(exit ? { appExit: exit } : {}),
    };
    const memory = judgeMemory(samples, loadSec, idle, allAfterGc);
    const failures = [...(errors.total > 0 ? [`${errors.total} error(s)`] : []), ...memoryFailures(memory, loadSec, limits)];
    const summary: SoakSummary = {
      startedAt: startedAt.toISOString(),
      options: { minutes: options.minutes, rate: options.rate, maxRequests: options.maxRequests },
      loadSec: round(loadSec),
      archive: { logsDir, generated: options.logsDir === undefined },
      appPid: running.pid,
      requests: { ...totals, byKind, achievedRate: round(totals.sent / loadSec, 2) },
      errors,
      ack: {
        p50Ms: round(percentile(ackMs, 0.5)),
        p99Ms: round(percentile(ackMs, 0.99)),
        maxMs: round(ackMs.at(-1) ?? Number.NaN),
        over3s: ackMs.filter((ms) => ms > 3000).length,
      },
      answer: {
        p50Ms: round(percentile(answerMs, 0.5)),
        p99Ms: round(percentile(answerMs, 0.99)),
        maxMs: round(answerMs.at(-1) ?? Number.NaN),
      },
      memory,
      limits,
      verdict: { ok: failures.length === 0, failures },
    };
    agent.destroy();
    if (options.out) await writeFile(options.out, `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  } finally {
    await app?.stop();
    await slackSide.stop();
    await api.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The signed body for one request of the mix; a click with nothing to click on yet becomes a question. */
function planRequest(
  wanted: RequestKind,
  responseUrl: string,
  id: number,
  texts: Record<'who-deleted' | 'history' | 'activity' | 'status' | 'help', string>,
  findButton: (actionId: string) => { value: string } | undefined,
): { kind: RequestKind; body: string; viaResponseUrl: boolean } {
  const click = (actionId: string, value: string) =>
    buttonClickBody({ userId: 'U0ASKER', actionId, value, responseUrl, triggerId: `soak.${id}` });
  if (wanted === 'next-page' || wanted === 'show-event' || wanted === 'export-csv') {
    const exportButton = findButton(ACTIONS.exportCsv);
    const showEvent = findButton(ACTIONS.showEvent);
    const next = findButton(ACTIONS.nextPage);
    if (wanted === 'next-page' && exportButton) {
      // Next on an answer with more pages; otherwise page 1 of a stored answer (the same listener, the same work).
      return { kind: wanted, body: click(ACTIONS.nextPage, next?.value ?? `${exportButton.value}:0`), viaResponseUrl: true };
    }
    if (wanted === 'show-event' && showEvent)
      return { kind: wanted, body: click(ACTIONS.showEvent, showEvent.value), viaResponseUrl: false };
    if (wanted === 'export-csv' && exportButton)
      return { kind: wanted, body: click(ACTIONS.exportCsv, exportButton.value), viaResponseUrl: false };
    return planRequest('who-deleted', responseUrl, id, texts, findButton);
  }
  return {
    kind: wanted,
    body: slashCommandBody({ text: texts[wanted], response_url: responseUrl }),
    viaResponseUrl: wanted !== 'help',
  };
}

/** Slack's response_url endpoint: `/<request id>`; every JSON body goes to `onAnswer`. */
class ResponseUrlEndpoint {
  onAnswer: (id: number, body: Record<string, unknown>) => void = () => {};
  private server?: Server;

  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    const id = Number(/^\/response\/(\d+)$/.exec(req.url ?? '')?.[1] ?? Number.NaN);
    try {
      if (Number.isInteger(id)) this.onAnswer(id, JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
    } catch {
      // Not JSON: not an answer s3x would send; the request stays unanswered and is reported.
    }
  }
}

function blockCount(body: string): number {
  try {
    return (JSON.parse(body || '{}') as { blocks?: unknown[] }).blocks?.length ?? 0;
  } catch {
    return 0;
  }
}

function toSample(atSec: number, memory: MemorySample, owed: number): SoakSummary['memory']['samples'][number] {
  return {
    atSec: round(atSec),
    owed,
    rssMb: mb(memory.rss),
    heapUsedMb: mb(memory.heapUsed),
    heapTotalMb: mb(memory.heapTotal),
    externalMb: mb(memory.external),
  };
}

/** First vs last window medians, and the heap's slope after the first window (warm-up excluded when there is enough left). */
function judgeMemory(
  samples: SoakSummary['memory']['samples'],
  loadSec: number,
  idle: MemorySample | undefined,
  afterGc: boolean,
): SoakSummary['memory'] {
  const windowSec = Math.min(60, loadSec / 3);
  const first = samples.filter((s) => s.atSec <= windowSec);
  const last = samples.filter((s) => s.atSec >= loadSec - windowSec);
  const settled = samples.filter((s) => s.atSec > windowSec);
  const trend = settled.length >= 3 ? settled : samples;
  return {
    afterGc,
    samples,
    windowSec: round(windowSec),
    rssFirstMb: median(first.map((s) => s.rssMb)),
    rssLastMb: median(last.map((s) => s.rssMb)),
    heapFirstMb: median(first.map((s) => s.heapUsedMb)),
    heapLastMb: median(last.map((s) => s.heapUsedMb)),
    heapSlopeMbPerMin: round(slope(trend.map((s) => [s.atSec / 60, s.heapUsedMb] as const)), 2),
    ...(idle ? { afterDrain: { rssMb: mb(idle.rss), heapUsedMb: mb(idle.heapUsed) } } : {}),
  };
}

function memoryFailures(memory: SoakSummary['memory'], loadSec: number, limits: MemoryLimits): string[] {
  const failures: string[] = [];
  if (memory.samples.length < 2) failures.push('fewer than two memory samples');
  const rssGrowth = memory.rssLastMb - memory.rssFirstMb;
  if (rssGrowth > limits.rssGrowthMb)
    failures.push(`RSS grew ${round(rssGrowth)} MB (last vs first window medians; limit ${limits.rssGrowthMb} MB)`);
  const heapGrowth = memory.heapLastMb - memory.heapFirstMb;
  if (heapGrowth > limits.heapGrowthMb)
    failures.push(`heap grew ${round(heapGrowth)} MB (last vs first window medians; limit ${limits.heapGrowthMb} MB)`);
  if (loadSec >= 180 && memory.heapSlopeMbPerMin > limits.heapSlopeMbPerMin)
    failures.push(`heap slope ${memory.heapSlopeMbPerMin} MB/min after GC (limit ${limits.heapSlopeMbPerMin} MB/min)`);
  return failures;
}

/** Least-squares slope of y over x (0 with fewer than two points). */
function slope(points: ReadonlyArray<readonly [number, number]>): number {
  if (points.length < 2) return 0;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  const covariance = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const variance = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return variance === 0 ? 0 : covariance / variance;
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : round(((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2);
}

function mb(bytes: number): number {
  return round(bytes / 2 ** 20);
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not done within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** The summary for a person: what was sent and answered, the failures, the memory trend. */
export function formatSoakSummary(summary: SoakSummary): string {
  const { requests, errors, ack, answer, memory } = summary;
  const kinds = REQUEST_KINDS.map((kind) => {
    const c = requests.byKind[kind];
    return `  ${kind.padEnd(12)} sent ${c.sent}, acked ${c.acked}, answered ${c.answered}, errors ${c.errors}`;
  });
  return [
    `soak: ${summary.loadSec} s at ${summary.options.rate}/s (achieved ${requests.achievedRate}/s), app pid ${summary.appPid}`,
    `requests: sent ${requests.sent}, acked ${requests.acked}, answered ${requests.answered}, errors ${errors.total}`,
    ...kinds,
    `errors: acks ${JSON.stringify(errors.acks)}, error answers ${errors.errorAnswers}, unanswered ${errors.unanswered}, app log lines ${errors.appLogLines}` +
      (errors.appExit ? `, app exited (${JSON.stringify(errors.appExit)})` : ''),
    ...errors.errorAnswerSamples.map((text) => `  answer: ${text}`),
    ...errors.appLogSamples.map((line) => `  log: ${line}`),
    `ack: p50 ${ack.p50Ms} ms, p99 ${ack.p99Ms} ms, max ${ack.maxMs} ms, over 3 s ${ack.over3s}`,
    `answer (response_url): p50 ${answer.p50Ms} ms, p99 ${answer.p99Ms} ms, max ${answer.maxMs} ms`,
    `answers owed at the samples: max ${Math.max(0, ...memory.samples.map((s) => s.owed))}, at the end of the load ${memory.samples.at(-1)?.owed ?? 0}`,
    `memory (${memory.afterGc ? 'after GC' : 'no GC: the app lacked --expose-gc'}, ${memory.samples.length} samples, windows of ${memory.windowSec} s): RSS first ${memory.rssFirstMb} MB → last ${memory.rssLastMb} MB; ` +
      `heap first ${memory.heapFirstMb} MB → last ${memory.heapLastMb} MB, slope ${memory.heapSlopeMbPerMin} MB/min` +
      (memory.afterDrain ? `; after the drain RSS ${memory.afterDrain.rssMb} MB, heap ${memory.afterDrain.heapUsedMb} MB` : ''),
    summary.verdict.ok ? 'verdict: OK' : `verdict: FAILED (${summary.verdict.failures.join('; ')})`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      rate: { type: 'string', default: String(DEFAULT_RATE) },
      'max-requests': { type: 'string' },
      out: { type: 'string' },
      logs: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const usage = 'usage: npm run soak -- [--minutes 10] [--rate 0.5] [--max-requests N] [--out summary.json] [--logs DIR]';
  const minutes = Number(values.minutes);
  const rate = Number(values.rate);
  const maxRequests = values['max-requests'] === undefined ? Math.ceil(minutes * 60 * rate) + 1 : Number(values['max-requests']);
  if (values.help || !(minutes > 0) || !(rate > 0) || !(maxRequests >= 1)) {
    console.error(usage);
    process.exit(values.help ? 0 : 2);
  }
  console.log(`soak: ${minutes} min at ${rate} requests/s, at most ${maxRequests} requests, app on loopback`);
  const summary = await runSoak({
    minutes,
    rate,
    maxRequests,
    ...(values.out ? { out: values.out } : {}),
    ...(values.logs ? { logsDir: values.logs } : {}),
    progress: (line) => console.log(line),
  });
  console.log(formatSoakSummary(summary));
  if (values.out) console.log(`summary written to ${values.out}`);
  process.exit(summary.verdict.ok ? 0 : 1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
