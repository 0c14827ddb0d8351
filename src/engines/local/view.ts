import { RECORD_COLUMNS } from '../../cloudtrail/record-schema.js';
import type { LogFile } from './log-files.js';

/** The name questions use for the CloudTrail table, on every engine. */
export const LOCAL_TABLE = 'cloudtrail_logs';

// Wide enough for the largest CloudTrail delivery files (one JSON object per file).
const MAX_OBJECT_BYTES = 512 * 1024 * 1024;

/** Trino functions the question SQL uses, as DuckDB macros, so the same text runs unchanged. */
export const TRINO_COMPAT_MACROS = [
  // Trino accepts `$["x-amz-..."]`; DuckDB's JSONPath spells it `$."x-amz-..."`.
  `CREATE OR REPLACE MACRO json_extract_scalar(doc, jpath) AS
     json_extract_string(doc, regexp_replace(jpath, '\\["([^"]*)"\\]', '."\\1"', 'g'))`,
];

const recordStruct = `STRUCT(${RECORD_COLUMNS.map(([name, type]) => `"${name}" ${type}`).join(', ')})`;

function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function fileList(files: readonly LogFile[]): string {
  return `[${files.map((f) => quoteLiteral(f.path)).join(', ')}]`;
}

/** read_json over files holding bare records (not wrapped in `Records`). */
function readRecords(files: readonly LogFile[], format: 'array' | 'lines'): string {
  const columns = RECORD_COLUMNS.map(([name, type]) => `"${name}": '${type.replaceAll("'", "''")}'`);
  columns.push(`"@timestamp": 'VARCHAR'`);
  return `read_json(${fileList(files)}, format = '${format === 'array' ? 'array' : 'unstructured'}', filename = true,
    maximum_object_size = ${MAX_OBJECT_BYTES}, columns = {${columns.join(', ')}})`;
}

/** Columns named as in Athena, from a record expression (`r.` for unnested records, '' for top-level). */
function projection(prefix: string, regionAndDay: 'path' | 'record'): string {
  const columns = RECORD_COLUMNS.map(([jsonName, , athenaName]) =>
    athenaName === 'eventtime' && prefix === ''
      ? // Records shipped through Logstash lose eventTime to @timestamp.
        `coalesce("eventTime", "@timestamp") AS eventtime`
      : `${prefix}"${jsonName}" AS ${athenaName}`,
  );
  const partitions =
    regionAndDay === 'path'
      ? [
          `regexp_extract(filename, '/CloudTrail/([^/]+)/\\d{4}/\\d{2}/\\d{2}/', 1) AS region`,
          `regexp_extract(filename, '/CloudTrail/[^/]+/(\\d{4}/\\d{2}/\\d{2})/', 1) AS "timestamp"`,
        ]
      : [
          `${prefix}"awsRegion" AS region`,
          `replace(substr(${prefix === '' ? 'coalesce("eventTime", "@timestamp")' : `${prefix}"eventTime"`}, 1, 10), '-', '/') AS "timestamp"`,
        ];
  return [...columns, ...partitions].join(',\n    ');
}

/**
 * The view that makes local files look like the Athena table. Region and day come from the
 * trail's folder names (what Athena's partition projection uses), or from the record itself for
 * a plain folder of files.
 */
export function buildViewSql(files: readonly LogFile[], regionAndDay: 'path' | 'record'): string {
  const wrapped = files.filter((f) => f.format === 'wrapped');
  const parts: string[] = [];
  if (wrapped.length > 0) {
    parts.push(`SELECT ${projection('r.', regionAndDay)}
  FROM (SELECT unnest("Records") AS r, filename
        FROM read_json(${fileList(wrapped)}, format = 'unstructured', filename = true,
          maximum_object_size = ${MAX_OBJECT_BYTES}, columns = {"Records": '${recordStruct}[]'}))`);
  }
  for (const format of ['array', 'lines'] as const) {
    const records = files.filter((f) => f.format === format);
    if (records.length === 0) continue;
    parts.push(`SELECT ${projection('', regionAndDay)}
  FROM ${readRecords(records, format)}`);
  }
  const body = parts.length > 0 ? parts.join('\nUNION ALL\n') : emptyTable();
  return `CREATE OR REPLACE TEMP VIEW ${LOCAL_TABLE} AS\n${body}`;
}

/** An empty table with the right columns, for a window with no files. */
function emptyTable(): string {
  const columns = RECORD_COLUMNS.map(([, type, athenaName]) => `CAST(NULL AS ${type}) AS ${athenaName}`);
  return `SELECT ${columns.join(', ')}, CAST(NULL AS VARCHAR) AS region, CAST(NULL AS VARCHAR) AS "timestamp" WHERE FALSE`;
}

/**
 * Per-file record count and newest event, for files of one format. Every column of every record
 * is converted (`count(r)` over the whole struct), so a file that passes here reads in questions.
 */
export function buildFileStatsSql(files: readonly LogFile[], format: LogFile['format']): string {
  if (format === 'wrapped') {
    return `SELECT filename, count(r) AS records, max(r."eventTime") AS newest
      FROM (SELECT unnest("Records") AS r, filename FROM read_json(${fileList(files)}, format = 'unstructured',
        filename = true, maximum_object_size = ${MAX_OBJECT_BYTES}, columns = {"Records": '${recordStruct}[]'}))
      GROUP BY filename`;
  }
  return `SELECT t.filename AS filename, count(t) AS records, max(coalesce(t."eventTime", t."@timestamp")) AS newest
    FROM ${readRecords(files, format)} t
    GROUP BY t.filename`;
}
