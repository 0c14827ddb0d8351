/**
 * One cold measurement in a fresh process, printed as one JSON line: the s3x local engine, a bare
 * DuckDB read_json scan, or the s3x digest. Spawned by bench/run.ts so each figure starts cold and
 * its peak RSS is its own.
 *   node --import tsx bench/cold-child.ts s3x|bare|digest <logsDir> <key> <since> <until>
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { answerRequest } from '../src/answers/answer-request.js';
import { parseCommand } from '../src/commands/parse.js';
import { LocalEngine } from '../src/engines/local/local-engine.js';
import { detectLayout, listLogFiles } from '../src/engines/local/log-files.js';
import { partitionRange } from '../src/time/window.js';
import { timeDigest } from './digest.js';

const [kind, logsDir, key, since, until] = process.argv.slice(2) as [string, string, string, string, string];
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 10);

const now = new Date(until);
const started = performance.now();
let detail: Record<string, unknown> = {};
if (kind === 's3x') {
  const engine = await LocalEngine.open({ logsDir });
  const request = parseCommand(['who-deleted', key, '--since', since, '--until', until], now);
  const reply = await answerRequest(request, { engine, now: () => now });
  if (reply.kind !== 'object-answer') throw new Error(`unexpected reply ${reply.kind}`);
  detail = {
    exactMatches: reply.answer.exactMatches,
    totalMatches: reply.answer.totalMatches,
    filesScanned: reply.answer.stats.filesScanned,
    eventsScanned: reply.answer.stats.eventsScanned,
  };
  await engine.close();
} else if (kind === 'bare') {
  // What a DuckDB user would write by hand: the same files, the four fields that answer "who deleted it".
  const request = parseCommand(['who-deleted', key, '--since', since, '--until', until], now);
  const window = 'window' in request ? request.window : undefined;
  if (!window) throw new Error('no window');
  const files = await listLogFiles(await detectLayout(logsDir), partitionRange(window));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const list = `[${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ')}]`;
  const reader = await connection.runAndReadAll(
    `SELECT r.eventTime, r.eventName, r.userIdentity.arn
     FROM (SELECT unnest(Records) AS r FROM read_json(${list}, format = 'unstructured', maximum_object_size = 536870912,
       columns = {Records: 'STRUCT(eventTime VARCHAR, eventName VARCHAR, userIdentity STRUCT(arn VARCHAR), requestParameters JSON)[]'}))
     WHERE json_extract_string(r.requestParameters, '$.key') = $1 AND r.eventName IN ('DeleteObject', 'DeleteObjects')`,
    [key],
  );
  detail = { rows: reader.getRows().length, files: files.length };
  connection.closeSync();
  instance.closeSync();
} else if (kind === 'digest') {
  const { queries } = await timeDigest(await LocalEngine.open({ logsDir }), since, now);
  detail = { queries, date: since };
} else {
  throw new Error(`unknown kind ${kind}`);
}
const elapsedMs = performance.now() - started;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
process.stdout.write(`${JSON.stringify({ kind, elapsedMs, peakRssMb: peakRss / 1e6, ...detail })}\n`);
