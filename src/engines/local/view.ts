import { RECORD_COLUMNS } from '../../cloudtrail/record-schema.js';
import type { TableLayout } from '../engine.js';
import type { LogFile } from './log-files.js';

/** The name questions use for the CloudTrail table, on every engine. */
export const LOCAL_TABLE = 'cloudtrail_logs';
/** The local engine's view: known without opening the engine (the app opens it at its first question). */
export const LOCAL_TABLE_LAYOUT: TableLayout = { name: LOCAL_TABLE, partitionedByDay: true, readsNeededFilesFirst: true };

/**
 * DuckDB's maximum_object_size for a read of these files: the largest of them decompressed (a
 * delivery file is one JSON object). DuckDB's JSON reader allocates buffers of twice this per
 * thread, so it is sized to the files read, not to the largest file that could be.
 */
export function maxObjectBytes(files: readonly Pick<LogFile, 'textBytes'>[]): number {
  return files.reduce((max, f) => Math.max(max, f.textBytes + 1), MIN_OBJECT_BYTES);
}

const MIN_OBJECT_BYTES = 1024 * 1024;

/** A Trino JSONPath (SQL text) as DuckDB's: Trino accepts `$["x-amz-..."]`, DuckDB spells it `$."x-amz-..."`. */
export function duckDbJsonPath(trinoPath: string): string {
  return `regexp_replace(${trinoPath}, '\\["([^"]*)"\\]', '."\\1"', 'g')`;
}

/** Trino functions the question SQL uses, as DuckDB macros, so the same text runs unchanged. */
export const TRINO_COMPAT_MACROS = [
  `CREATE OR REPLACE MACRO json_extract_scalar(doc, jpath) AS
     json_extract_string(doc, ${duckDbJsonPath('jpath')})`,
  // Trino's element_at is NULL past the end of an array (a subscript would fail there); DuckDB's `[i]` is too.
  `CREATE OR REPLACE MACRO element_at(items, item_index) AS items[item_index]`,
];

export type RecordColumn = (typeof RECORD_COLUMNS)[number];

/** Every record column: what the per-file check converts, so a file that passes it reads in any question. */
export const ALL_COLUMNS: readonly RecordColumn[] = RECORD_COLUMNS;

// Region and day come from these when the files are not in a trail layout (in one, from its
// folders); eventTime is read in any case, so that a record converts to a struct with a field.
const ALWAYS_READ = { record: new Set(['eventtime', 'awsregion']), path: new Set(['eventtime']) };

/**
 * The record columns a query mentions (by their Athena names, outside its string literals and
 * comments), plus eventTime, and awsRegion when region and day come from the record.
 * Converting JSON into columns is most of a scan's cost, so the view converts only these; a column
 * named by accident costs time, never a wrong answer.
 */
export function columnsUsedBy(sqlText: string, regionAndDay: 'path' | 'record' = 'record'): RecordColumn[] {
  // A string literal (a JSON path, a pattern: '$.key', 'arn:%') or a comment names no column; read
  // left to right, so a `--` inside a literal and a quote inside a comment are what they are.
  const text = sqlText.toLowerCase().replace(/'(?:[^']|'')*'|--[^\n]*/g, (token) => (token.startsWith("'") ? "''" : ''));
  const words = new Set(text.match(/[a-z_][a-z0-9_]*/g) ?? []);
  // A name always followed by a field name (`useridentity.arn`) is read only in part; anywhere else
  // (`filter(resources, …)`, `useridentity.*`, a whole struct selected) it is read whole.
  const wholeUses = new Set(
    [...text.matchAll(/([a-z_][a-z0-9_]*)(?!\s*\.\s*[a-z_"])(?![a-z0-9_])/g)].map((match) => match[1] as string),
  );
  const used = (name: string): FieldUse => {
    const word = name.toLowerCase();
    return !words.has(word) ? 'none' : wholeUses.has(word) ? 'whole' : 'part';
  };
  return RECORD_COLUMNS.filter(([, , athenaName]) => ALWAYS_READ[regionAndDay].has(athenaName) || words.has(athenaName)).map(
    ([jsonName, type, athenaName]) => [jsonName, used(athenaName) === 'part' ? structFieldsUsed(type, used) : type, athenaName],
  );
}

type FieldUse = 'none' | 'part' | 'whole';

/**
 * A struct type (or list of structs) with only the fields the query names, pruned the same way
 * below; converting the fields of a record is most of a scan's cost. A struct of which no field
 * is named stays whole.
 */
function structFieldsUsed(type: string, used: (name: string) => FieldUse): string {
  if (type.endsWith('[]')) return `${structFieldsUsed(type.slice(0, -2), used)}[]`;
  const body = /^STRUCT\((.*)\)$/s.exec(type.trim())?.[1];
  if (body === undefined) return type;
  const kept = topLevelParts(body).flatMap((field) => {
    const [, name, fieldType] = /^\s*(\S+)\s+(.*)$/s.exec(field) ?? [];
    if (!name || !fieldType) return [field];
    const use = used(name);
    if (use === 'none') return [];
    return [`${name} ${use === 'part' ? structFieldsUsed(fieldType, used) : fieldType}`];
  });
  return kept.length > 0 ? `STRUCT(${kept.join(', ')})` : type;
}

/** `a T, b STRUCT(c U, d V)` split at its top-level commas. */
function topLevelParts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** The DuckDB type of a record with these columns. */
export function recordStruct(columns: readonly RecordColumn[]): string {
  return `STRUCT(${columns.map(([name, type]) => `"${name}" ${type}`).join(', ')})`;
}

export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A DuckDB list literal of the files' paths. */
export function fileList(files: readonly Pick<LogFile, 'path'>[]): string {
  return `[${files.map((f) => quoteLiteral(f.path)).join(', ')}]`;
}

/**
 * read_json over the files with the columns given (`"name": 'TYPE'` pairs). The columns are given,
 * so DuckDB need not sample files for them: one sample file, not its default 32, which it would
 * inflate and parse at every bind of the view (twice a question: creating it, then the question),
 * about 0.5 s of CPU and 1 s of wall time each over 10M events' 2,349 delivery files.
 */
function readJson(
  files: readonly Pick<LogFile, 'path' | 'textBytes'>[],
  format: 'array' | 'unstructured' | 'newline_delimited',
  columns: string,
): string {
  return `read_json(${fileList(files)}, format = '${format}', filename = true, maximum_object_size = ${maxObjectBytes(files)},
    maximum_sample_files = 1, columns = {${columns}})`;
}

/**
 * read_json over delivery files: one `Records` array of these columns each. `newline_delimited`
 * (each file one line, as CloudTrail writes it) is what the ingest tries first.
 */
export function readWrapped(
  files: readonly Pick<LogFile, 'path' | 'textBytes'>[],
  recordColumns: readonly RecordColumn[],
  format: 'unstructured' | 'newline_delimited' = 'unstructured',
): string {
  return readJson(files, format, `"Records": '${recordStruct(recordColumns)}[]'`);
}

/** read_json over files holding bare records (not wrapped in `Records`). */
export function readRecords(
  files: readonly Pick<LogFile, 'path' | 'textBytes'>[],
  format: 'array' | 'lines',
  recordColumns: readonly RecordColumn[],
): string {
  const columns = recordColumns.map(([name, type]) => `"${name}": '${type.replaceAll("'", "''")}'`);
  columns.push(`"@timestamp": 'VARCHAR'`);
  return readJson(files, format === 'array' ? 'array' : 'unstructured', columns.join(', '));
}

/** A trail file's region from its folder names, as SQL over the path in `column` ('' outside a trail layout). */
export function regionFromPath(column: string): string {
  return `regexp_extract(${column}, '/CloudTrail/([^/]+)/\\d{4}/\\d{2}/\\d{2}/', 1)`;
}

const REGION_FROM_PATH = regionFromPath('filename');
// A trail layout's files are listed in their day folders (listLogFiles), so the day is the end of
// the folder's path. Not a regex: DuckDB tests a question's day filter on each file while planning
// (to skip files), building the expression anew per file; a regex cost about 50 us per file there.
const DAY_FROM_PATH = `right(parse_dirpath(filename, '/'), 10)`;

/** Record columns named as in Athena, from a record expression (`r.` for unnested records, '' for top-level). */
export function athenaColumns(prefix: string, recordColumns: readonly RecordColumn[]): string[] {
  return recordColumns.map(([jsonName, , athenaName]) =>
    athenaName === 'eventtime' && prefix === ''
      ? // Records shipped through Logstash lose eventTime to @timestamp.
        `coalesce("eventTime", "@timestamp") AS eventtime`
      : `${prefix}"${jsonName}" AS ${athenaName}`,
  );
}

/** Region and day from the record itself, for files outside a trail layout. */
export function partitionsFromRecord(prefix: string): string[] {
  const eventTime = prefix === '' ? 'coalesce("eventTime", "@timestamp")' : `${prefix}"eventTime"`;
  return [`${prefix}"awsRegion" AS region`, `replace(substr(${eventTime}, 1, 10), '-', '/') AS "timestamp"`];
}

/**
 * Columns named as in Athena, with region and day from the path (trail layout) or the record, and
 * the file each record is in (`filename`, for EngineQuery.neededFiles).
 */
function projection(prefix: string, regionAndDay: 'path' | 'record', recordColumns: readonly RecordColumn[]): string {
  const partitions =
    regionAndDay === 'path'
      ? // Delivery files are unnested after these are computed (once per file, not per record).
        prefix === 'r.'
        ? ['region', '"timestamp"']
        : [`${REGION_FROM_PATH} AS region`, `${DAY_FROM_PATH} AS "timestamp"`]
      : partitionsFromRecord(prefix);
  return [...athenaColumns(prefix, recordColumns), ...partitions, 'filename'].join(',\n    ');
}

/**
 * The view that makes local files look like the Athena table. Region and day come from the
 * trail's folder names (what Athena's partition projection uses), or from the record itself for
 * a plain folder of files. One read_json per file shape: a reader per day folder costs more
 * (measured: about 50% more CPU over 30 folders) than reading the folder name from each record.
 */
export function buildViewSql(
  files: readonly LogFile[],
  regionAndDay: 'path' | 'record',
  columns: readonly RecordColumn[] = ALL_COLUMNS,
): string {
  const parts: string[] = [];
  const wrapped = files.filter((f) => f.format === 'wrapped');
  if (wrapped.length > 0) {
    parts.push(`SELECT ${projection('r.', regionAndDay, columns)}
  FROM (SELECT unnest("Records") AS r, ${REGION_FROM_PATH} AS region, ${DAY_FROM_PATH} AS "timestamp", filename
        FROM ${readWrapped(wrapped, columns)})`);
  }
  for (const format of ['array', 'lines'] as const) {
    const records = files.filter((f) => f.format === format);
    if (records.length === 0) continue;
    parts.push(`SELECT ${projection('', regionAndDay, columns)}
  FROM ${readRecords(records, format, columns)}`);
  }
  const body = parts.length > 0 ? parts.join('\nUNION ALL\n') : emptyTable(columns);
  return `CREATE OR REPLACE TEMP VIEW ${LOCAL_TABLE} AS\n${body}`;
}

/** An empty table with the right columns, for a window with no files. */
function emptyTable(recordColumns: readonly RecordColumn[]): string {
  const columns = recordColumns.map(([, type, athenaName]) => `CAST(NULL AS ${type}) AS ${athenaName}`);
  return `SELECT ${columns.join(', ')}, CAST(NULL AS VARCHAR) AS region, CAST(NULL AS VARCHAR) AS "timestamp",
    CAST(NULL AS VARCHAR) AS filename WHERE FALSE`;
}

/**
 * Per-file record count and newest event, for files of one format. With every column (the default),
 * each record is converted whole (`count(r)` over the struct), so a file that passes here reads in
 * any question.
 */
export function buildFileStatsSql(
  files: readonly LogFile[],
  format: LogFile['format'],
  columns: readonly RecordColumn[] = ALL_COLUMNS,
): string {
  if (format === 'wrapped') {
    return `SELECT filename, count(r) AS records, max(r."eventTime") AS newest
      FROM (SELECT unnest("Records") AS r, filename FROM ${readWrapped(files, columns)})
      GROUP BY filename`;
  }
  return `SELECT t.filename AS filename, count(t) AS records, max(coalesce(t."eventTime", t."@timestamp")) AS newest
    FROM ${readRecords(files, format, columns)} t
    GROUP BY t.filename`;
}
