import { RECORD_COLUMNS } from '../../cloudtrail/record-schema.js';
import { LOCAL_TABLE } from '../local/view.js';

/** The indexed table: named like the Athena table and the local view, so question SQL runs unchanged. */
export const INDEX_TABLE = LOCAL_TABLE;

/** Bumped when the tables change shape; an index of another version is refused (ingest it again). */
export const INDEX_SCHEMA_VERSION = '5';

/** The object key, as question SQL writes it: extracted once (`request_key`), and hashed. */
const REQUEST_KEY = `json_extract_scalar(requestparameters, '$.key')`;
/** `bucketName`, as question SQL writes it (BUCKET_NAME in src/questions/sql-pieces.ts). */
const BUCKET_NAME = `json_extract_scalar(requestparameters, '$.bucketName')`;

/**
 * Columns computed once at ingest from the record columns, with the very expressions question SQL
 * uses (`json_extract_scalar` is the same macro the local view uses), so a rewritten query reads
 * the same values it would have computed. Each is NULL exactly when its expression is.
 */
export const EXTRACTED_COLUMNS = [
  {
    // A copy's or rename's source (SOURCE_PATH in src/questions/sql-pieces.ts): first, as it holds no other column's text.
    name: 'source_path',
    expression: `try(url_decode(regexp_replace(regexp_replace(CASE WHEN eventname = 'RenameObject'
      THEN coalesce(json_extract_scalar(requestparameters, '$["x-amz-rename-source"]'), json_extract_scalar(requestparameters, '$.renameSource'))
      ELSE json_extract_scalar(requestparameters, '$["x-amz-copy-source"]') END, '\\x3FversionId=.*$', ''), '^/', '')))`,
  },
  // The call's bucket and access point (EVENT_BUCKET, ACCESS_POINT in src/questions/sql-pieces.ts): before request_bucket,
  // whose text they hold. Kept so a question's scan never reads `resources` (a list of structs, the costliest column).
  {
    name: 'event_bucket',
    expression: `CASE WHEN (${BUCKET_NAME} LIKE '%--xa-s3' OR ${BUCKET_NAME} LIKE 'arn:%:accesspoint/%') THEN coalesce(regexp_replace(element_at(filter(resources, r -> r.type = 'AWS::S3Express::DirectoryBucket'), 1).arn, '^.*[:/]', ''), ${BUCKET_NAME}) ELSE ${BUCKET_NAME} END`,
  },
  {
    name: 'access_point',
    expression: `CASE WHEN ${BUCKET_NAME} LIKE '%--xa-s3' THEN ${BUCKET_NAME}
      WHEN ${BUCKET_NAME} LIKE 'arn:%:accesspoint/%' THEN regexp_replace(${BUCKET_NAME}, '^.*:accesspoint/', '')
      ELSE regexp_replace(element_at(filter(resources, r -> r.arn LIKE '%:accesspoint/%'), 1).arn, '^.*:accesspoint/', '') END`,
  },
  { name: 'request_key', expression: REQUEST_KEY },
  { name: 'request_bucket', expression: BUCKET_NAME },
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
 * Integer hashes of the texts questions look up exactly, so that an exact object key
 * (`request_key`) or principal ARN (`useridentity.arn`) is first compared as an integer (see
 * rewrite.ts): comparing compressed text row by row is most of such a lookup's cost. `hash()` is
 * DuckDB's own, not promised to stay the same across its versions: the index keeps the hash of
 * KEY_HASH_PROBE and is refused by a DuckDB that hashes it otherwise.
 */
export const HASHED_COLUMNS = [
  { column: 'key_hash', of: REQUEST_KEY },
  { column: 'arn_hash', of: 'useridentity.arn' },
] as const;
export const KEY_HASH_PROBE = 's3x key hash probe';

/** Per delivery day, the activity question's counts of the records delivered once (see activityRollupSql in ingest.ts). */
export const ACTIVITY_ROLLUP_TABLE = 'activity_rollup';

/**
 * What the activity question groups on and sums, as its own SQL computes them (the index's
 * columns in place of the extracted expressions); test/engines/indexed-engine.test.ts checks the
 * question still holds each expression.
 */
export const ACTIVITY_ROLLUP_EXPRESSIONS = {
  principal: 'coalesce(useridentity.arn, useridentity.invokedby)',
  error_code: "nullif(errorcode, '')",
  bytes_in: `try_cast(try_cast(json_extract_scalar(additionaleventdata, '$.bytesTransferredIn') AS double) AS bigint)`,
  bytes_out: `try_cast(try_cast(json_extract_scalar(additionaleventdata, '$.bytesTransferredOut') AS double) AS bigint)`,
} as const;

/** `day_number` and `event_day_number` of a new record, from its `"timestamp"` and `eventtime` (see createTablesSql). */
export const DAY_NUMBERS_AT_INGEST = `TRY_CAST(replace("timestamp", '/', '') AS INTEGER) AS day_number,
  TRY_CAST(replace(substr(eventtime, 1, 10), '-', '') AS INTEGER) AS event_day_number`;

/**
 * Whether a new record stays out of the roll-up from the start. Only a well-formed eventTime is
 * counted by its day: then each whole day of a window holds exactly the records the question's
 * text comparison of eventTime keeps (`2026-11-19T00:00:00.5Z` would sort before midnight).
 */
export const OUTSIDE_ROLLUP_AT_INGEST = `eventid IS NULL OR NOT coalesce(regexp_full_match(eventtime, '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z'), FALSE)`;

/**
 * `cloudtrail_logs`: every column the local view exposes (RECORD_COLUMNS by their Athena names,
 * then `region` and `"timestamp"`), the extracted columns, `day_number` (the `"timestamp"` day as
 * yyyymmdd: text min/max statistics keep only 8 bytes, `yyyy/MM/` , so only an integer lets DuckDB
 * skip row groups by day), `event_day_number` (the eventTime's day as yyyymmdd, exact for every
 * record in the roll-up, whose eventTime is well-formed: activity's partial days are found by it),
 * the file each record came from, and `outside_rollup`: the record is not
 * counted in the roll-up, because its eventID was delivered more than once (or it has none) or its
 * eventTime is not CloudTrail's `yyyy-MM-ddTHH:mm:ssZ`; questions that read the roll-up read these
 * records themselves, de-duplicated. Once set it stays set, also when the other copy's file is
 * removed: such a record is only counted the slow way, never wrongly.
 *
 * `ingested_files`: one row per file read (or found unreadable), with what answers report.
 *
 * `activity_rollup`: per delivery day, event day, source, category, bucket, operation, principal
 * and error, the activity question's counts of the records not `outside_rollup`. `rollup_pending`: the
 * files read and the days changed since the roll-up was last brought up to date (in the same
 * transaction as the change, so an interrupted ingest leaves it pending, never wrong).
 */
export function createTablesSql(): string[] {
  const recordColumns = RECORD_COLUMNS.map(([, type, athenaName]) => `${athenaName} ${type}`);
  const extracted = EXTRACTED_COLUMNS.map((column) => `${column.name} VARCHAR`);
  return [
    `CREATE TABLE IF NOT EXISTS index_meta (name VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${INDEX_TABLE} (
      ${[...recordColumns, 'region VARCHAR', '"timestamp" VARCHAR', ...extracted, ...HASHED_COLUMNS.map((hashed) => `${hashed.column} UBIGINT`), 'day_number INTEGER', 'event_day_number INTEGER', 'file_id INTEGER NOT NULL', 'outside_rollup BOOLEAN NOT NULL DEFAULT FALSE'].join(',\n      ')}
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
    `CREATE TABLE IF NOT EXISTS ${ACTIVITY_ROLLUP_TABLE} (
      "timestamp" VARCHAR, day_number INTEGER, event_day VARCHAR,
      eventsource VARCHAR, eventcategory VARCHAR, request_bucket VARCHAR,
      eventname VARCHAR, principal VARCHAR, error_code VARCHAR,
      events BIGINT NOT NULL, errors BIGINT NOT NULL, bytes_in HUGEINT, bytes_out HUGEINT, first_event VARCHAR, last_event VARCHAR
    )`,
    `CREATE TABLE IF NOT EXISTS rollup_pending (file_id INTEGER, day_number INTEGER)`,
  ];
}
