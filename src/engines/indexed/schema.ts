import { RECORD_COLUMNS } from '../../cloudtrail/record-schema.js';
import { LOCAL_TABLE } from '../local/view.js';

/** The indexed table: named like the Athena table and the local view, so question SQL runs unchanged. */
export const INDEX_TABLE = LOCAL_TABLE;

/** Bumped when the tables change shape; an index of another version is refused (ingest it again). */
export const INDEX_SCHEMA_VERSION = '2';

/**
 * Columns computed once at ingest from the record columns, with the very expressions question SQL
 * uses (`json_extract_scalar` is the same macro the local view uses), so a rewritten query reads
 * the same values it would have computed. Each is NULL exactly when its expression is.
 */
export const EXTRACTED_COLUMNS = [
  { name: 'request_key', expression: `json_extract_scalar(requestparameters, '$.key')` },
  { name: 'request_bucket', expression: `json_extract_scalar(requestparameters, '$.bucketName')` },
  {
    name: 'requested_session_mode',
    expression: `json_extract_scalar(requestparameters, '$["x-amz-create-session-mode"]')`,
  },
  { name: 'applied_session_mode', expression: `json_extract_scalar(additionaleventdata, '$.sessionModeApplied')` },
  { name: 'bytes_in_text', expression: `json_extract_scalar(additionaleventdata, '$.bytesTransferredIn')` },
  { name: 'bytes_out_text', expression: `json_extract_scalar(additionaleventdata, '$.bytesTransferredOut')` },
  {
    name: 'session_key',
    expression: `CASE WHEN eventname = 'CreateSession'
      THEN json_extract_scalar(responseelements, '$.credentials.accessKeyId')
      ELSE useridentity.accesskeyid END`,
  },
] as const;

/**
 * `cloudtrail_logs`: every column the local view exposes (RECORD_COLUMNS by their Athena names,
 * then `region` and `"timestamp"`), the extracted columns, `day_number` (the `"timestamp"` day as
 * yyyymmdd: text min/max statistics keep only 8 bytes, `yyyy/MM/` , so only an integer lets DuckDB
 * skip row groups by day) and the file each record came from.
 *
 * `ingested_files`: one row per file read (or found unreadable), with what answers report.
 */
export function createTablesSql(): string[] {
  const recordColumns = RECORD_COLUMNS.map(([, type, athenaName]) => `${athenaName} ${type}`);
  const extracted = EXTRACTED_COLUMNS.map((column) => `${column.name} VARCHAR`);
  return [
    `CREATE TABLE IF NOT EXISTS index_meta (name VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${INDEX_TABLE} (
      ${[...recordColumns, 'region VARCHAR', '"timestamp" VARCHAR', ...extracted, 'day_number INTEGER', 'file_id INTEGER NOT NULL'].join(',\n      ')}
    )`,
    `CREATE TABLE IF NOT EXISTS ingested_files (
      path VARCHAR PRIMARY KEY,
      size BIGINT NOT NULL,
      mtime_ms DOUBLE NOT NULL,
      records BIGINT NOT NULL,
      newest VARCHAR,
      file_id INTEGER NOT NULL,
      region VARCHAR,
      day VARCHAR,
      unreadable VARCHAR
    )`,
  ];
}
