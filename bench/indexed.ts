/**
 * The indexed local engine on a generated archive: full ingest, an incremental ingest that finds
 * one new file, and the benchmarked questions (bench/questions.ts, default 7-day window) answered
 * twice each, the first time right after opening the index, the second warm. bench/run.ts calls it
 * on each archive; alone, on an archive bench/run.ts generated (its summary beside it):
 *
 *   npx tsx bench/indexed.ts /tmp/s3x-bench/10m [index-file]
 *
 * The archive is never written to: the "new file" of the incremental ingest is the archive's last
 * file, left out of the first ingest.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { IndexedEngine } from '../src/engines/indexed/indexed-engine.js';
import { ArchiveIndex, listArchive } from '../src/engines/indexed/ingest.js';
import { detectLayout } from '../src/engines/local/log-files.js';
import { askQuestion, QUESTION_NAMES, type QuestionName, type QuestionSubject } from './questions.js';

export interface IndexedBenchmarkOptions {
  logsDir: string;
  /** Created (or brought up to date) here; use a fresh path for an ingest from scratch. */
  indexPath: string;
  /** The questions' "now": the archive's end. */
  now: Date;
  subject: QuestionSubject;
}

export interface IndexedBenchmarkResult {
  ingest: { files: number; events: number; elapsedMs: number; eventsPerSec: number; cpuMs: number };
  incremental: { filesRead: number; filesSkipped: number; elapsedMs: number };
  /** Warm: each question's second answer, in ms (from the call to the answer, pre-question ingest check included). */
  questions: Record<QuestionName, number>;
  /** The first answer of each, right after opening the index. */
  questionsFirst: Record<QuestionName, number>;
  /** What each question found (a sanity check that it found the planted story). */
  rows: Record<QuestionName, number>;
  rssMb: { afterIngest: number; afterQuestions: number };
  indexBytes: number;
}

export async function runIndexedBenchmark(options: IndexedBenchmarkOptions): Promise<IndexedBenchmarkResult> {
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
    for (const name of QUESTION_NAMES) {
      let started = performance.now();
      rows[name] = (await askQuestion(name, options.subject, engine, options.now)).found;
      questionsFirst[name] = performance.now() - started;
      started = performance.now();
      await askQuestion(name, options.subject, engine, options.now);
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
  const logsDir = process.argv[2] ?? '/tmp/s3x-bench/1m';
  const indexPath = process.argv[3] ?? path.join(await mkdtemp(path.join(tmpdir(), 's3x-bench-index-')), 'index.duckdb');
  const { plantedDelete, end } = JSON.parse(await readFile(`${logsDir}.json`, 'utf8')).facts;
  const subject = { key: plantedDelete.key, bucket: plantedDelete.bucket, principal: plantedDelete.principalArn };
  const result = await runIndexedBenchmark({ logsDir, indexPath, now: new Date(end), subject });
  console.log(JSON.stringify(result, null, 2));
  if (!process.argv[3]) await rm(path.dirname(indexPath), { recursive: true, force: true });
}
