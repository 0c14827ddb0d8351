/**
 * The DuckDB queries a person would write by hand over the same delivery files, in plain Node with
 * nothing of s3x loaded (no tsx), so that a whole process of it can be timed beside a whole `s3x`
 * process as well as from its first query:
 *
 *   node bench/bare-duckdb.mjs who-deleted <file-list> <key>   the four fields that answer "who deleted it"
 *   node bench/bare-duckdb.mjs scan <file-list>                every record of the files, counted by event name
 *   node bench/bare-duckdb.mjs columns <file-list> <struct>    every record of the files read as <struct> (a DuckDB
 *                                                              STRUCT type: the columns a question names), counted
 *
 * <file-list> holds the paths, NUL-separated. Prints one JSON line: elapsedMs (the query alone),
 * peakRssMb (the process's high-water mark) and rows.
 */
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

/** `key` is the object key for who-deleted, the record STRUCT type for columns. */
const [kind, listFile, key] = process.argv.slice(2);
const files = readFileSync(listFile, 'utf8')
  .split('\0')
  .filter((f) => f !== '');
const list = `[${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ')}]`;
const records = (struct) =>
  `(SELECT unnest(Records) AS r FROM read_json(${list}, format = 'unstructured', maximum_object_size = 536870912,
     columns = {Records: '${struct}[]'}))`;
const queries = {
  'who-deleted': [
    `SELECT r.eventTime, r.eventName, r.userIdentity.arn
     FROM ${records('STRUCT(eventTime VARCHAR, eventName VARCHAR, userIdentity STRUCT(arn VARCHAR), requestParameters JSON)')}
     WHERE json_extract_string(r.requestParameters, '$.key') = $1 AND r.eventName IN ('DeleteObject', 'DeleteObjects')`,
    [key],
  ],
  scan: [`SELECT r.eventName, count(*) FROM ${records('STRUCT(eventName VARCHAR)')} GROUP BY ALL`, []],
  // count(r), not count(*): every field of the struct is read, not only the list of records.
  columns: [`SELECT count(r) FROM ${records(key)}`, []],
};
const [sql, params] = queries[kind] ?? [];
if (!sql) throw new Error(`unknown kind ${kind}`);

const started = performance.now();
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const reader = await connection.runAndReadAll(sql, params);
const rows = reader.getRows().length;
connection.closeSync();
instance.closeSync();
const elapsedMs = performance.now() - started;
const peakRssKb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
process.stdout.write(`${JSON.stringify({ kind, elapsedMs, peakRssMb: (peakRssKb * 1024) / 1e6, rows, files: files.length })}\n`);
