/**
 * One cold measurement in a fresh process, printed as one JSON line: s3x questions on the local
 * engine (each on an engine of its own, timed alone), the s3x digest, or the reference for `s3x ingest` (a bare DuckDB CREATE TABLE AS over
 * the same files with the same columns). Spawned by bench/run.ts so each figure starts cold and
 * its peak RSS is its own.
 *   node --import tsx bench/cold-child.ts questions <logsDir> <now> <question,…> <subject JSON> [--since … --until …]
 *   node --import tsx bench/cold-child.ts digest <logsDir> <now> <date>
 *   node --import tsx bench/cold-child.ts bare-ingest|bare-ingest-index-columns <logsDir> <database file>
 * With S3X_BENCH_CHECKED_FILES=<file>, the local engine keeps its file checks there, as the CLI keeps
 * them in checked-files.json: a second process over the same files does not check them again.
 */
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { RECORD_COLUMNS } from '../src/cloudtrail/record-schema.js';
import { listArchive, regionAndDayOfPath } from '../src/engines/indexed/ingest.js';
import {
  DAY_NUMBERS_AT_INGEST,
  EXTRACTED_COLUMNS,
  HASHED_COLUMNS,
  OUTSIDE_ROLLUP_AT_INGEST,
} from '../src/engines/indexed/schema.js';
import { LocalEngine } from '../src/engines/local/local-engine.js';
import { CheckedFiles, detectLayout } from '../src/engines/local/log-files.js';
import { athenaColumns, quoteLiteral, recordStruct, TRINO_COMPAT_MACROS } from '../src/engines/local/view.js';
import { timeDigest } from './digest.js';
import { askQuestion, type QuestionName } from './questions.js';

const [kind, logsDir, ...args] = process.argv.slice(2) as [string, string, ...string[]];
const started = performance.now();
const cpuAtStart = process.cpuUsage();
const checkedFilesPath = process.env.S3X_BENCH_CHECKED_FILES;
/**
 * A cold question is timed to its end: the app's default deadline (S3X_LOCAL_QUERY_TIMEOUT_SECONDS,
 * 120 s) stops a 30-day question over 10M events on a slower machine before it ends.
 */
const QUESTION_DEADLINE_MS = 30 * 60_000;
const openLocalEngine = async () =>
  LocalEngine.open({
    logsDir,
    queryTimeoutMs: QUESTION_DEADLINE_MS,
    ...(checkedFilesPath ? { checkedFiles: await CheckedFiles.load(checkedFilesPath, {}) } : {}),
  });
let detail: Record<string, unknown> = {};
if (kind === 'questions') {
  const [nowText, names, subject, ...windowWords] = args as [string, string, string, ...string[]];
  const questions: Record<string, { elapsedMs: number; found: number; filesScanned?: number }> = {};
  for (const name of names.split(',') as QuestionName[]) {
    const asked = performance.now();
    const engine = await openLocalEngine();
    const { found, stats } = await askQuestion(name, JSON.parse(subject), engine, new Date(nowText), windowWords);
    await engine.close();
    questions[name] = { elapsedMs: performance.now() - asked, found, filesScanned: stats.filesScanned };
  }
  detail = { questions };
} else if (kind === 'digest') {
  const [nowText, date] = args as [string, string];
  const now = new Date(nowText);
  detail = { ...(await timeDigest(await openLocalEngine(), date, now)), date };
} else if (kind === 'bare-ingest' || kind === 'bare-ingest-index-columns') {
  const files = await listArchive(await detectLayout(logsDir));
  const instance = await DuckDBInstance.create(args[0] as string);
  const connection = await instance.connect();
  const read = `read_json([${files.map(quoteLiteral).join(', ')}], format = 'unstructured',${kind === 'bare-ingest' ? '' : ' filename = true,'}
       maximum_object_size = 536870912, columns = {"Records": '${recordStruct(RECORD_COLUMNS)}[]'})`;
  if (kind === 'bare-ingest') {
    await connection.run(
      `CREATE TABLE records AS SELECT ${athenaColumns('r.', RECORD_COLUMNS).join(', ')} FROM (SELECT unnest("Records") AS r FROM ${read})`,
    );
  } else {
    // The index's columns, each written as its definition says (src/engines/indexed/schema.ts), in
    // one statement over every file: no check, no batches, no sort, no roll-up.
    for (const macro of TRINO_COMPAT_MACROS) await connection.run(macro);
    const [region, day] = regionAndDayOfPath('filename');
    await connection.run(
      `CREATE TABLE records AS SELECT *,
         ${EXTRACTED_COLUMNS.map((column) => `${column.expression} AS ${column.name}`).join(',\n         ')},
         ${HASHED_COLUMNS.map((hashed) => `hash(${hashed.of}) AS ${hashed.column}`).join(', ')},
         ${DAY_NUMBERS_AT_INGEST},
         (${OUTSIDE_ROLLUP_AT_INGEST}) AS outside_rollup
       FROM (SELECT ${athenaColumns('r.', RECORD_COLUMNS).join(', ')},
               ${region} AS region, ${day} AS "timestamp",
               file_index AS file_id
             FROM (SELECT unnest("Records") AS r, filename, file_index FROM ${read}))`,
    );
  }
  const count = await connection.runAndReadAll('SELECT count(*) FROM records');
  detail = { events: Number(count.getRows()[0]?.[0] ?? 0), files: files.length };
  connection.closeSync();
  instance.closeSync();
} else {
  throw new Error(`unknown kind ${kind}`);
}
const elapsedMs = performance.now() - started;
const cpu = process.cpuUsage(cpuAtStart);
const peakRssKb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
process.stdout.write(
  `${JSON.stringify({ kind, elapsedMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMb: (peakRssKb * 1024) / 1e6, ...detail })}\n`,
);
