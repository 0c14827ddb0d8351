import { eventSourcesFor } from '../cloudtrail/buckets.js';
import type { Row, TableLayout } from '../engines/engine.js';
import { type SqlFragment, sql, sqlIdentifier, sqlJoin, sqlList } from '../engines/sql.js';
import { formatInstant, partitionRange, type TimeWindow } from '../time/window.js';

// The Athena-dialect pieces every question, the digest and trail history share, written once.

/** At most this many rows come back; the answer says how many more matched. */
export const MAX_ROWS = 10_000;

/**
 * One event's identity, for de-duplication (CloudTrail may deliver a record twice). Real records
 * always carry eventID; the fallback on five fields only keeps hand-made fixtures apart.
 */
export const EVENT_UID = sql`coalesce(eventid, concat(coalesce(eventtime, ''), '|', coalesce(eventname, ''), '|', coalesce(requestid, ''), '|',
      coalesce(errorcode, ''), '|', coalesce(sourceipaddress, '')))`;

/** What the scan of a question reads: the table, the window, and its partitions when they reach wider or narrower. */
export interface Scan {
  table: TableLayout;
  window: TimeWindow;
  days?: { from: string; to: string };
}

/** What an answer says it searched: the bucket (or every bucket), the event sources that holds, and the window. */
export function searched<R extends { bucket?: string; window: TimeWindow }>(
  request: R,
): { bucket: R['bucket']; sources: string[]; window: TimeWindow } {
  return { bucket: request.bucket, sources: eventSourcesFor(request.bucket), window: request.window };
}

/**
 * The CTE `scoped`, the one scan of a question: the records of the window that `filter` keeps,
 * each with its `event_uid` and the `columns` asked for.
 */
export function scopedEvents(scan: Scan, columns: SqlFragment, filter: SqlFragment): SqlFragment {
  return sql`scoped AS (
  ${scanOf(scan, columns, filter)}
)`;
}

/** The SELECT of one scan: the records of the window that `filter` keeps, each with its `event_uid` and the `columns` asked for. */
export function scanOf(scan: Scan, columns: SqlFragment, filter: SqlFragment): SqlFragment {
  const mark = scan.table.repeatMark ? sql`${sqlIdentifier(scan.table.repeatMark)} AS maybe_repeated,\n    ` : sql``;
  return sql`SELECT
    ${EVENT_UID} AS event_uid,
    ${mark}${columns}
  FROM ${sqlIdentifier(scan.table.name)}
  WHERE ${inWindow(scan.table, scan.window, scan.days)}
    AND ${filter}`;
}

/**
 * The CTE `unique_events`: the rows of `scoped` (which selects EVENT_UID AS event_uid), each with
 * `copy_number` 1 on its first delivery; read it `WHERE copy_number = 1`. `columns` are computed
 * alongside, `where` filters `scoped` first. With `table` (the scan's): on a table that marks the
 * records delivered once (TableLayout.repeatMark), only the others go through the window.
 */
export function uniqueEvents(options: { columns?: SqlFragment; where?: SqlFragment; table?: TableLayout } = {}): SqlFragment {
  const columns = options.columns ? sql`${options.columns},\n    ` : sql``;
  const where = options.where ? sql`\n  WHERE ${options.where}` : sql``;
  const firstCopy = sql`row_number() OVER (PARTITION BY event_uid ORDER BY eventtime, eventname)`;
  if (!options.table?.repeatMark) {
    return sql`unique_events AS (
  SELECT scoped.*, ${columns}${firstCopy} AS copy_number
  FROM scoped${where}
)`;
  }
  const also = options.where ? sql` AND (${options.where})` : sql``;
  return sql`unique_events AS (
  SELECT scoped.*, ${columns}1 AS copy_number
  FROM scoped
  WHERE NOT maybe_repeated${also}
  UNION ALL
  SELECT scoped.*, ${columns}${firstCopy} AS copy_number
  FROM scoped
  WHERE maybe_repeated${also}
)`;
}

/** The partition predicates for the table: every partition column it has, always. */
export function partitionPredicate(table: TableLayout, days: { from: string; to: string }): SqlFragment {
  const parts: SqlFragment[] = [];
  if (table.partitionedByDay) parts.push(sql`"timestamp" BETWEEN ${days.from} AND ${days.to}`);
  if (table.regions && table.regions.length > 0) parts.push(sql`region IN (${sqlList(table.regions)})`);
  return parts.length ? sqlJoin(parts, ' AND ') : sql`TRUE`;
}

/**
 * The records of a window: its partitions (`days`, the window's own unless the scan reaches
 * wider or narrower), then event times in [since, until).
 */
export function inWindow(table: TableLayout, window: TimeWindow, days = partitionRange(window)): SqlFragment {
  return sql`${partitionPredicate(table, days)}
    AND eventtime >= ${formatInstant(window.since)} AND eventtime < ${formatInstant(window.until)}`;
}

/** The columns that say what a listed event was and who made it; read back with toEventFields. */
export const EVENT_COLUMNS = sql`eventid, eventtime, eventname, eventsource, awsregion,
    useridentity.arn AS principal_arn,
    useridentity.type AS principal_type`;

/** What every listed event says of itself: which call, when, where, and by whom. */
export interface EventFields {
  eventId: string;
  eventTime: string;
  eventName: string;
  eventSource: string;
  region: string | null;
  /** `userIdentity.arn`; null for AWS services (then `invokedBy` names the caller). */
  principalArn: string | null;
  principalType: string | null;
}

/** EVENT_COLUMNS of one result row (all values as text, as Athena returns them). */
export function toEventFields(row: Row): EventFields {
  return {
    eventId: row.eventid ?? '',
    eventTime: row.eventtime ?? '',
    eventName: row.eventname ?? '',
    eventSource: row.eventsource ?? '',
    region: row.awsregion ?? null,
    principalArn: row.principal_arn ?? null,
    principalType: row.principal_type ?? null,
  };
}

/** A count or sum as both engines print it (text); absent or NULL (an empty sum) is 0. */
export function toCount(value: string | null | undefined): number {
  return value === null || value === undefined ? 0 : Number(value);
}

// Record fields as SQL (our text, never user input). A call through an access point for a directory
// bucket may carry the access point in `bucketName` (which, is UNCONFIRMED): the bucket then comes
// from the DirectoryBucket ARN in `resources`, the access point from either.
export const BUCKET_NAME = sql`json_extract_scalar(requestparameters, '$.bucketName')`;
export const NAMES_ACCESS_POINT = sql`(${BUCKET_NAME} LIKE '%--xa-s3' OR ${BUCKET_NAME} LIKE 'arn:%:accesspoint/%')`;
const RESOURCE_BUCKET = sql`regexp_replace(element_at(filter(resources, r -> r.type = 'AWS::S3Express::DirectoryBucket'), 1).arn, '^.*[:/]', '')`;
const RESOURCE_ACCESS_POINT = sql`regexp_replace(element_at(filter(resources, r -> r.arn LIKE '%:accesspoint/%'), 1).arn, '^.*:accesspoint/', '')`;
/** The directory bucket (or general-purpose bucket) of the call, also when it went through an access point. */
export const EVENT_BUCKET = sql`CASE WHEN ${NAMES_ACCESS_POINT} THEN coalesce(${RESOURCE_BUCKET}, ${BUCKET_NAME}) ELSE ${BUCKET_NAME} END`;
/** The access point the call went through, from `bucketName` or an access-point ARN in `resources`. */
export const ACCESS_POINT = sql`CASE WHEN ${BUCKET_NAME} LIKE '%--xa-s3' THEN ${BUCKET_NAME}
      WHEN ${BUCKET_NAME} LIKE 'arn:%:accesspoint/%' THEN regexp_replace(${BUCKET_NAME}, '^.*:accesspoint/', '')
      ELSE ${RESOURCE_ACCESS_POINT} END`;
// RenameObject's source: the header `x-amz-rename-source` (the field name in CloudTrail is
// UNCONFIRMED, so the SDK's `renameSource` too). CopyObject/UploadPartCopy: `x-amz-copy-source`, as
// `bucket/key`, `/bucket/key` or an access-point ARN `…:accesspoint/<name>/object/<key>`, URL-encoded,
// maybe with `?versionId=` (matched as `\x3F`: a `?` in the text would read as a parameter). A value
// that does not decode stays as written.
export const SOURCE_PATH = sql`try(url_decode(regexp_replace(regexp_replace(CASE WHEN eventname = 'RenameObject'
      THEN coalesce(json_extract_scalar(requestparameters, '$["x-amz-rename-source"]'), json_extract_scalar(requestparameters, '$.renameSource'))
      ELSE json_extract_scalar(requestparameters, '$["x-amz-copy-source"]') END, '\\x3FversionId=.*$', ''), '^/', '')))`;

/**
 * The bucket and key a rename or copy took its object from, as `source_bucket` and `source_key`,
 * from the columns `eventname`, `source_path` (SOURCE_PATH), `bucket` (EVENT_BUCKET) and
 * `bucket_name` (`requestParameters.bucketName`) of the CTE it reads. A rename stays in its bucket.
 */
export const SOURCE_BUCKET_AND_KEY = sql`CASE WHEN eventname = 'RenameObject' THEN bucket
      WHEN source_path LIKE 'arn:%' THEN nullif(regexp_extract(source_path, ':accesspoint/([^/]+)/', 1), '')
      ELSE split_part(source_path, '/', 1) END AS source_bucket,
    CASE WHEN eventname = 'RenameObject' THEN
        CASE WHEN starts_with(source_path, concat(bucket, '/')) THEN substr(source_path, length(bucket) + 2)
          WHEN starts_with(source_path, concat(bucket_name, '/')) THEN substr(source_path, length(bucket_name) + 2)
          ELSE source_path END
      WHEN source_path LIKE 'arn:%' THEN nullif(regexp_extract(source_path, '/object/(.*)$', 1), '')
      WHEN strpos(source_path, '/') > 0 THEN substr(source_path, strpos(source_path, '/') + 1) END AS source_key`;
