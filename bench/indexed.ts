/**
 * The indexed local engine on a generated archive: full ingest, an incremental ingest that finds
 * one new file, and who-deleted / history / activity (default 7-day window) answered twice each,
 * the first time right after opening the index, the second warm. bench/run.ts calls it on the 1M
 * and 10M archives; alone:
 *
 *   npx tsx bench/indexed.ts /tmp/bench/10m [index-file]
 *
 * The archive is never written to: the "new file" of the incremental ingest is the archive's last
 * file, left out of the first ingest.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { askActivity } from '../src/answers/activity/question.js';
import { askObjectQuestion, OBJECT_QUESTION_TABLE } from '../src/answers/object/question.js';
import { parseCommand } from '../src/commands/parse.js';
import type { ActivityRequest, ObjectQuestionRequest } from '../src/commands/requests.js';
import { IndexedEngine } from '../src/engines/indexed/indexed-engine.js';
import { ArchiveIndex, listArchive } from '../src/engines/indexed/ingest.js';
import { detectLayout } from '../src/engines/local/log-files.js';

/** The story the sample generator plants in every archive. */
const PLANTED_KEY = 'reports/q3-forecast.parquet';
const PLANTED_BUCKET = 'analytics-hot--use1-az4--x-s3';

export interface IndexedBenchmarkOptions {
  logsDir: string;
  /** Created (or brought up to date) here; use a fresh path for an ingest from scratch. */
  indexPath: string;
  /** The questions' "now": the archive's end. */
  now: Date;
  key?: string;
  bucket?: string;
}

type QuestionName = 'who-deleted' | 'history' | 'activity';

export interface IndexedBenchmarkResult {
  ingest: { files: number; events: number; elapsedMs: number; eventsPerSec: number; cpuMs: number };
  incremental: { filesRead: number; filesSkipped: number; elapsedMs: number };
  /** Warm: each question's second answer, in ms (from the call to the answer, pre-question ingest check included). */
  questions: Record<QuestionName, number>;
  /** The first answer of each, right after opening the index. */
  questionsFirst: Record<QuestionName, number>;
  /** Rows each question returned (a sanity check that it found the planted story). */
  rows: Record<QuestionName, number>;
  rssMb: { afterIngest: number; afterQuestions: number };
  indexBytes: number;
}

export async function runIndexedBenchmark(options: IndexedBenchmarkOptions): Promise<IndexedBenchmarkResult> {
  const key = options.key ?? PLANTED_KEY;
  const bucket = options.bucket ?? PLANTED_BUCKET;
  const files = await listArchive(await detectLayout(options.logsDir));

  const index = await ArchiveIndex.open({ indexPath: options.indexPath, logsDir: options.logsDir });
  let ingest: IndexedBenchmarkResult['ingest'];
  let incremental: IndexedBenchmarkResult['incremental'];
  try {
    const cpuBefore = process.cpuUsage();
    const first = await index.ingest(files.slice(0, -1), { checkChanges: true, scope: 'all' });
    const cpu = process.cpuUsage(cpuBefore);
    ingest = {
      files: first.filesRead,
      events: first.events,
      elapsedMs: first.elapsedMs,
      eventsPerSec: first.eventsPerSec,
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    };
    // What `s3x ingest` does when one file was delivered since: stat every file, read the new one.
    const next = await index.ingest(files, { checkChanges: true, scope: 'all' });
    incremental = { filesRead: next.filesRead, filesSkipped: next.filesSkipped, elapsedMs: next.elapsedMs };
  } finally {
    await index.close();
  }
  const afterIngest = rssMb();

  const engine = await IndexedEngine.open({ logsDir: options.logsDir, indexPath: options.indexPath });
  const questions = {} as Record<QuestionName, number>;
  const questionsFirst = {} as Record<QuestionName, number>;
  const rows = {} as Record<QuestionName, number>;
  try {
    const asks: Record<QuestionName, () => Promise<number>> = {
      'who-deleted': async () => {
        const request = parseCommand(['who-deleted', key, '--bucket', bucket], options.now) as ObjectQuestionRequest;
        return (await askObjectQuestion(OBJECT_QUESTION_TABLE['who-deleted'], request, engine)).events.length;
      },
      history: async () => {
        const request = parseCommand(['history', key, '--bucket', bucket], options.now) as ObjectQuestionRequest;
        return (await askObjectQuestion(OBJECT_QUESTION_TABLE.history, request, engine)).events.length;
      },
      activity: async () => {
        const request = parseCommand(['activity', bucket], options.now) as ActivityRequest;
        return (await askActivity(request, engine)).totals.events;
      },
    };
    for (const [name, ask] of Object.entries(asks) as Array<[QuestionName, () => Promise<number>]>) {
      let started = performance.now();
      rows[name] = await ask();
      questionsFirst[name] = performance.now() - started;
      started = performance.now();
      await ask();
      questions[name] = performance.now() - started;
    }
  } finally {
    await engine.close();
  }
  const { size } = await stat(options.indexPath);
  return {
    ingest,
    incremental,
    questions,
    questionsFirst,
    rows,
    rssMb: { afterIngest, afterQuestions: rssMb() },
    indexBytes: size,
  };
}

function rssMb(): number {
  return Math.round(process.memoryUsage().rss / 1e6);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const logsDir = process.argv[2] ?? '/tmp/bench/1m';
  const indexPath = process.argv[3] ?? path.join(await mkdtemp(path.join(tmpdir(), 's3x-bench-index-')), 'index.duckdb');
  const result = await runIndexedBenchmark({ logsDir, indexPath, now: new Date('2026-11-20T00:00:00Z') });
  console.log(JSON.stringify(result, null, 2));
  if (!process.argv[3]) await rm(path.dirname(indexPath), { recursive: true, force: true });
}
