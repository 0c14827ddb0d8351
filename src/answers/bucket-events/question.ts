import { eventSourcesFor } from '../../cloudtrail/buckets.js';
import type { BucketEventsRequest } from '../../commands/requests.js';
import type { Engine, EngineQuery, Row, ScanStats, TableLayout } from '../../engines/engine.js';
import { sql, sqlConstant, sqlList } from '../../engines/sql.js';
import { runWithFreshness } from '../../questions/freshness.js';
import {
  EVENT_COLUMNS,
  type EventFields,
  MAX_ROWS,
  scopedEvents,
  searched,
  toEventFields,
  uniqueEvents,
} from '../../questions/sql-pieces.js';
import { partitionRange, type TimeWindow } from '../../time/window.js';

/** Longest request summary kept: enough to recognise a policy, short enough for a message line. */
export const REQUEST_SUMMARY_MAX = 300;

/** One bucket-level (management) call, from the trail table or from LookupEvents. */
export interface ManagementEvent extends EventFields {
  invokedBy: string | null;
  sourceIp: string | null;
  userAgent: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  readOnly: boolean | null;
  /** What the call asked for, compacted (e.g. the policy of a PutBucketPolicy), at most REQUEST_SUMMARY_MAX characters. */
  requestSummary: string | null;
}

export interface BucketEventsAnswer {
  question: 'bucket-events';
  bucket: string;
  sources: string[];
  window: TimeWindow;
  /** Calls that can change the bucket, newest first, at most MAX_ROWS. */
  events: ManagementEvent[];
  /** All such calls before the cap. */
  totalMatches: number;
  /** Read-only calls (GetBucketPolicy, GetBucketAcl, ...) that matched and are left out as noise. */
  readOnlyHidden: number;
  stats: ScanStats;
}

/**
 * Athena-dialect SQL for the bucket's management events, run unchanged by every engine.
 * Read-only calls are counted, not listed. When every call was read-only, one row still comes
 * back (marked `count-only`) so the count is not lost with the rows.
 */
export function buildBucketEventsQuery(request: BucketEventsRequest, table: TableLayout): EngineQuery {
  const days = partitionRange(request.window);
  const columns = sql`${EVENT_COLUMNS},
    useridentity.invokedby AS invoked_by,
    sourceipaddress AS source_ip,
    useragent AS user_agent,
    errorcode AS error_code,
    errormessage AS error_message,
    readonly AS read_only,
    requestparameters AS request_parameters`;
  const filter = sql`eventsource IN (${sqlList(eventSourcesFor(request.bucket))})
    AND (eventcategory = 'Management' OR eventcategory IS NULL)
    AND json_extract_scalar(requestparameters, '$.bucketName') = ${request.bucket}`;
  const text = sql`WITH ${scopedEvents({ table, window: request.window, days }, columns, filter)},
${uniqueEvents({ table })},
counted AS (
  SELECT unique_events.*,
    sum(CASE WHEN read_only = 'true' THEN 0 ELSE 1 END) OVER () AS total_matches,
    sum(CASE WHEN read_only = 'true' THEN 1 ELSE 0 END) OVER () AS read_only_hidden,
    row_number() OVER (ORDER BY eventtime DESC, eventid) AS position
  FROM unique_events
  WHERE copy_number = 1
)
SELECT eventid, eventtime, eventname, eventsource, awsregion, principal_arn, principal_type, invoked_by,
  source_ip, user_agent, error_code, error_message, read_only, request_parameters,
  CASE WHEN coalesce(read_only, '') = 'true' THEN 'count-only' ELSE 'event' END AS row_kind,
  total_matches, read_only_hidden
FROM counted
WHERE coalesce(read_only, '') <> 'true' OR (total_matches = 0 AND position = 1)
ORDER BY eventtime DESC, eventid
LIMIT ${sqlConstant(MAX_ROWS)}`;
  return { sql: text, days };
}

/** Keys that say nothing about the change (empty sub-resource markers such as `"policy": ""` are dropped too). */
const UNINFORMATIVE_KEYS = new Set(['bucketName', 'Host', 'host']);

/**
 * A short view of what a call asked for: the bucket policy of a PutBucketPolicy, otherwise the
 * request parameters that are not noise. Null when nothing is left.
 */
export function summarizeRequestParameters(parameters: unknown): string | null {
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) return null;
  const fields = parameters as Record<string, unknown>;
  if (fields.bucketPolicy !== undefined && fields.bucketPolicy !== null) {
    return cut(compactJson(fields.bucketPolicy));
  }
  const rest = Object.entries(fields).filter(([name, value]) => !UNINFORMATIVE_KEYS.has(name) && value !== '' && value !== null);
  return rest.length === 0 ? null : cut(JSON.stringify(Object.fromEntries(rest)));
}

/** CloudTrail logs a policy as an object or as a JSON string; both compact to the same text. */
function compactJson(value: unknown): string {
  if (typeof value !== 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(JSON.parse(value));
  } catch {
    return value;
  }
}

/** At most REQUEST_SUMMARY_MAX characters, cut on a code point boundary. */
function cut(text: string): string {
  if (text.length <= REQUEST_SUMMARY_MAX) return text;
  let out = '';
  for (const char of text) {
    if (out.length + char.length > REQUEST_SUMMARY_MAX - 1) break;
    out += char;
  }
  return `${out}…`;
}

function parseJsonObject(text: string | null | undefined): unknown {
  if (text === null || text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function toReadOnly(value: string | null | undefined): boolean | null {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return null;
}

/** Map one result row (all values as text, as Athena returns them) to a ManagementEvent. */
export function toManagementEvent(row: Row): ManagementEvent {
  return {
    ...toEventFields(row),
    invokedBy: row.invoked_by ?? null,
    sourceIp: row.source_ip ?? null,
    userAgent: row.user_agent ?? null,
    errorCode: row.error_code ?? null,
    errorMessage: row.error_message ?? null,
    readOnly: toReadOnly(row.read_only),
    requestSummary: summarizeRequestParameters(parseJsonObject(row.request_parameters)),
  };
}

/** Build an answer from engine output. */
export function toBucketEventsAnswer(request: BucketEventsRequest, rows: Row[], stats: ScanStats): BucketEventsAnswer {
  const first = rows[0];
  const events = rows.filter((row) => row.row_kind !== 'count-only').map(toManagementEvent);
  return {
    question: 'bucket-events',
    ...searched(request),
    events,
    totalMatches: first ? Number(first.total_matches ?? events.length) : 0,
    readOnlyHidden: first ? Number(first.read_only_hidden ?? 0) : 0,
    stats,
  };
}

/** Run the question on an engine (the trail table: local or Athena) and shape the answer. */
/** Where bucket-level events come from in AWS mode: CloudTrail event history (LookupEvents), not the log table. */
export interface BucketEventsSource {
  bucketEvents(request: BucketEventsRequest): Promise<BucketEventsAnswer>;
}

export async function askBucketEventsWithEngine(request: BucketEventsRequest, engine: Engine): Promise<BucketEventsAnswer> {
  const result = await runWithFreshness(engine, buildBucketEventsQuery(request, engine.table));
  return toBucketEventsAnswer(request, result.rows, result.stats);
}
