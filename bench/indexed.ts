/**
 * The indexed local engine on a generated archive: full ingest, an incremental ingest that finds
 * one new file, and the benchmarked questions (bench/questions.ts, default 7-day window) answered
 * once right after opening the index, then seven times warm, each warm answer followed by its
 * floor (FLOORS; each figure the median of its seven). bench/run.ts calls it on each archive;
 * alone, on an archive bench/run.ts generated (its summary beside it):
 *
 *   npx tsx bench/indexed.ts /tmp/s3x-bench/10m [index-file]
 *
 * The archive is never written to: the "new file" of the incremental ingest is the archive's last
 * file, left out of the first ingest.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { parseCommand } from '../src/commands/parse.js';
import { IndexedEngine } from '../src/engines/indexed/indexed-engine.js';
import { ArchiveIndex, listArchive } from '../src/engines/indexed/ingest.js';
import { ACTIVITY_ROLLUP_TABLE, INDEX_TABLE } from '../src/engines/indexed/schema.js';
import { detectLayout } from '../src/engines/local/log-files.js';
import { quoteLiteral } from '../src/engines/local/view.js';
import { formatInstant, partitionRange, type TimeWindow } from '../src/time/window.js';
import { askQuestion, QUESTION_NAMES, type QuestionName, type QuestionSubject, questionWords } from './questions.js';

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
  /** Warm: the median of each question's WARM_ANSWERS answers after the first, in ms (from the call to the answer, pre-question ingest check included). */
  questions: Record<QuestionName, number>;
  /** The first answer of each, right after opening the index. */
  questionsFirst: Record<QuestionName, number>;
  /** What each question found (a sanity check that it found the planted story). */
  rows: Record<QuestionName, number>;
  /** Each question's floor on the same index, warm, in ms (see FLOORS): the median of the runs alternating with the answers. */
  floors: Record<QuestionName, number>;
  rssMb: { afterIngest: number; afterQuestions: number };
  indexBytes: number;
}

/** Warm answers timed per question, each followed by its floor (each figure the median of its runs). */
const WARM_ANSWERS = 7;

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
  const floorReader = await FloorReader.open(options);
  const questions = {} as Record<QuestionName, number>;
  const questionsFirst = {} as Record<QuestionName, number>;
  const rows = {} as Record<QuestionName, number>;
  const floors = {} as Record<QuestionName, number>;
  try {
    for (const name of QUESTION_NAMES) {
      let started = performance.now();
      rows[name] = (await askQuestion(name, options.subject, engine, options.now)).found;
      questionsFirst[name] = performance.now() - started;
      await floorReader.time(name);
      // Each warm answer beside its floor, alternately: a change of the machine's speed moves both.
      const warm: number[] = [];
      const floorTimes: number[] = [];
      for (let i = 0; i < WARM_ANSWERS; i++) {
        started = performance.now();
        await askQuestion(name, options.subject, engine, options.now);
        warm.push(performance.now() - started);
        floorTimes.push(await floorReader.time(name));
      }
      questions[name] = median(warm);
      floors[name] = median(floorTimes);
    }
  } finally {
    await engine.close();
    floorReader.close();
  }
  const { size } = await stat(options.indexPath);
  return {
    ingest,
    incremental,
    questions,
    questionsFirst,
    rows,
    floors,
    rssMb: { afterIngest, afterQuestions: rssMb() },
    indexBytes: size,
  };
}

/**
 * An object question's floor: what an exact answer cannot do without, each kind read with its own
 * equality tests ($1-$4 the window, $5 the bucket, $6 the key): the bucket's records naming the key
 * (compared as text, as a hand-written query would), the bucket's records of each `inBucket` test,
 * the records of each `anyBucket` test in any bucket (a copy names its destination's bucket), and
 * the bucket's CreateSession calls that signed any of them (the session behind each event).
 */
function objectFloorSql(inBucket: string[], anyBucket: string[] = []): string {
  const window = 'day_number BETWEEN $1 AND $2 AND eventtime >= $3 AND eventtime < $4';
  const read = (test: string) =>
    `SELECT eventname, eventtime, useridentity.arn AS arn, session_key FROM ${INDEX_TABLE} WHERE ${window} AND ${test}`;
  const kinds = [
    read('request_bucket = $5 AND request_key = $6'),
    ...inBucket.map((test) => read(`request_bucket = $5 AND ${test}`)),
    ...anyBucket.map(read),
  ];
  return `WITH found AS MATERIALIZED (
  ${kinds.join('\n  UNION ALL ')}
)
SELECT * FROM found
UNION ALL ${read(`request_bucket = $5 AND eventname = 'CreateSession' AND session_key IN (SELECT session_key FROM found)`)}`;
}

/**
 * The least each answer is made of, read by hand from the same index over the same window: the
 * floor under the indexed figure (what any query shape would still read), measured in the same run.
 * Parameters: first and last day number, since, until, then the subject (see floorParams).
 */
export const FLOORS: Record<QuestionName, { reads: string; sql: string; subject: 'key' | 'bucket' | 'principal' }> = {
  'who-deleted': {
    reads: "the bucket's records naming the key, its batch deletes and renames of the key, and the sessions that signed them",
    sql: objectFloorSql([
      `eventname = 'DeleteObjects' AND request_key IS NULL`,
      `eventname = 'RenameObject' AND strpos(source_path, $6) > 0`,
    ]),
    subject: 'key',
  },
  history: {
    reads: "the bucket's records naming the key, renames and copies of the key, and the sessions that signed them",
    sql: objectFloorSql(
      [`eventname = 'RenameObject' AND strpos(source_path, $6) > 0`],
      ['CopyObject', 'UploadPartCopy'].map((name) => `eventname = '${name}' AND strpos(source_path, $6) > 0`),
    ),
    subject: 'key',
  },
  activity: {
    reads: "the bucket's roll-up rows, summed by operation",
    sql: `SELECT eventname, sum(events) FROM ${ACTIVITY_ROLLUP_TABLE}
      WHERE day_number BETWEEN ? AND ? AND event_day >= substr(?, 1, 10) AND event_day < substr(?, 1, 10) AND request_bucket = ?
      GROUP BY eventname`,
    subject: 'bucket',
  },
  principal: {
    reads: "the principal's records, grouped by object",
    sql: `SELECT request_bucket, request_key, eventname, count(*), max(eventtime) FROM ${INDEX_TABLE}
      WHERE day_number BETWEEN ? AND ? AND eventtime >= ? AND eventtime < ? AND useridentity.arn = ?
      GROUP BY ALL`,
    subject: 'principal',
  },
  denied: {
    reads: "the bucket's failed calls, grouped by error and principal",
    sql: `SELECT errorcode, useridentity.arn, count(*) FROM ${INDEX_TABLE}
      WHERE day_number BETWEEN ? AND ? AND eventtime >= ? AND eventtime < ? AND request_bucket = ?
        AND errorcode IS NOT NULL AND errorcode <> '' GROUP BY ALL`,
    subject: 'bucket',
  },
};

/** The floor queries on the index file, read-only in a DuckDB of their own, each timed once per call. */
class FloorReader {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly options: IndexedBenchmarkOptions,
  ) {}

  static async open(options: IndexedBenchmarkOptions): Promise<FloorReader> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(`ATTACH ${quoteLiteral(options.indexPath)} AS floor_index (READ_ONLY)`);
    await connection.run('USE floor_index');
    return new FloorReader(instance, connection, options);
  }

  /** Milliseconds of one run of the question's floor over the question's window. */
  async time(name: QuestionName): Promise<number> {
    const floor = FLOORS[name];
    const { window } = parseCommand(questionWords(name, this.options.subject), this.options.now) as { window: TimeWindow };
    const days = partitionRange(window);
    const subject = this.options.subject;
    const params = [
      Number(days.from.replaceAll('/', '')),
      Number(days.to.replaceAll('/', '')),
      formatInstant(window.since),
      formatInstant(window.until),
      floor.subject === 'key' ? subject.bucket : subject[floor.subject],
      ...(floor.subject === 'key' ? [subject.key] : []),
    ];
    const started = performance.now();
    await this.connection.runAndReadAll(floor.sql, params);
    return performance.now() - started;
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

function median(times: number[]): number {
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] as number;
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
