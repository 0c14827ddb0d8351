import { parseTrailReference, TRAIL_EVENT_NAMES, type TrailChange, type TrailEventName } from '../cloudtrail/coverage.js';
import { loggedSelectorSet } from '../cloudtrail/selectors.js';
import type { TrailDestination } from '../cloudtrail/trail.js';
import type { Engine, EngineQuery, Row, ScanStats, TableLayout } from '../engines/engine.js';
import { sql, sqlConstant, sqlIdentifier } from '../engines/sql.js';
import { formatNumber } from '../text/numbers.js';
import { formatInstant, partitionRange, type TimeWindow } from '../time/window.js';
import { EVENT_UID, inWindow } from './sql-pieces.js';

/** Trail changes kept; more in one window means something is rewriting trails in a loop. */
export const TRAIL_HISTORY_MAX_CHANGES = 5000;

export interface TrailHistoryAnswer {
  window: TimeWindow;
  /** Successful trail changes in the window, oldest first, once each. */
  changes: TrailChange[];
  /** The oldest management event in the logs searched: the logs hold trail changes from about here. */
  logsFrom?: string;
  /** More than TRAIL_HISTORY_MAX_CHANGES changes: only the oldest are here. */
  truncated: boolean;
  stats: ScanStats;
}

/**
 * Athena-dialect SQL for the trails' own changes in the window, run unchanged by every engine.
 * One scan, grouped on the change's event id (so duplicate deliveries collapse): every other record
 * falls in one NULL group. Each group reports its oldest management event, so together they say
 * how far back the logs can show trail changes. The NULL group comes first so the LIMIT never drops it.
 */
export function buildTrailHistoryQuery(window: TimeWindow, table: TableLayout): EngineQuery {
  const days = partitionRange(window);
  const text = sql`WITH scoped AS (
  SELECT
    CASE WHEN eventsource = 'cloudtrail.amazonaws.com'
      AND eventname IN ('CreateTrail', 'UpdateTrail', 'DeleteTrail', 'PutEventSelectors', 'StartLogging', 'StopLogging')
      AND coalesce(errorcode, '') = ''
    THEN ${EVENT_UID} END AS change_uid,
    eventid, eventtime, eventname, awsregion, eventcategory,
    useridentity.arn AS principal_arn,
    requestparameters AS request_parameters,
    responseelements AS response_elements
  FROM ${sqlIdentifier(table.name)}
  WHERE ${inWindow(table, window, days)}
),
grouped AS (
  SELECT change_uid,
    arbitrary(eventid) AS eventid,
    min(eventtime) AS eventtime,
    arbitrary(eventname) AS eventname,
    arbitrary(awsregion) AS awsregion,
    arbitrary(principal_arn) AS principal_arn,
    arbitrary(request_parameters) AS request_parameters,
    arbitrary(response_elements) AS response_elements,
    min(CASE WHEN eventcategory = 'Management' OR eventcategory IS NULL THEN eventtime END) AS management_from
  FROM scoped
  GROUP BY change_uid
)
SELECT
  CASE WHEN change_uid IS NULL THEN 'reach' ELSE 'change' END AS row_kind,
  CASE WHEN change_uid IS NULL THEN NULL ELSE eventid END AS eventid,
  CASE WHEN change_uid IS NULL THEN NULL ELSE eventtime END AS eventtime,
  CASE WHEN change_uid IS NULL THEN NULL ELSE eventname END AS eventname,
  CASE WHEN change_uid IS NULL THEN NULL ELSE awsregion END AS awsregion,
  CASE WHEN change_uid IS NULL THEN NULL ELSE principal_arn END AS principal_arn,
  CASE WHEN change_uid IS NULL THEN NULL ELSE request_parameters END AS request_parameters,
  CASE WHEN change_uid IS NULL THEN NULL ELSE response_elements END AS response_elements,
  management_from
FROM grouped
ORDER BY CASE WHEN change_uid IS NULL THEN 0 ELSE 1 END, eventtime,
  CASE eventname WHEN 'CreateTrail' THEN 0 WHEN 'UpdateTrail' THEN 1 WHEN 'PutEventSelectors' THEN 2
    WHEN 'StartLogging' THEN 3 WHEN 'StopLogging' THEN 4 ELSE 5 END,
  eventid
LIMIT ${sqlConstant(TRAIL_HISTORY_MAX_CHANGES + 1)}`;
  return { sql: text, days };
}

type Json = Record<string, unknown>;

function parseObject(text: string | null | undefined): Json | undefined {
  if (text === null || text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

function textAt(object: Json | undefined, name: string): string | undefined {
  const value = object?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function booleanAt(object: Json | undefined, name: string): boolean | undefined {
  const value = object?.[name];
  return typeof value === 'boolean' ? value : undefined;
}

/** CloudTrail's text form without milliseconds, so instants compare as text. */
function normalizeInstant(text: string): string {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : formatInstant(date);
}

function isTrailEventName(name: string | null | undefined): name is TrailEventName {
  return (TRAIL_EVENT_NAMES as readonly string[]).includes(name ?? '');
}

/**
 * One change row as a TrailChange: the trail from `requestParameters.name` (or `.trailName`, for
 * PutEventSelectors), which may be a name or an ARN; the selectors a PutEventSelectors wrote.
 * Undefined for a row that names no trail.
 */
export function toTrailChange(row: Row): TrailChange | undefined {
  const eventName = row.eventname;
  if (!isTrailEventName(eventName)) return undefined;
  const parameters = parseObject(row.request_parameters);
  const response = parseObject(row.response_elements);
  const named = textAt(parameters, 'name') ?? textAt(parameters, 'trailName') ?? textAt(response, 'trailARN');
  if (named === undefined) return undefined;
  const reference = parseTrailReference(named);
  const responseArn = textAt(response, 'trailARN');
  const trailArn = named.startsWith('arn:') ? named : responseArn?.endsWith(`:trail/${reference.name}`) ? responseArn : undefined;
  const region = reference.region ?? (trailArn ? parseTrailReference(trailArn).region : undefined) ?? row.awsregion ?? null;
  const selectors =
    eventName === 'PutEventSelectors' ? (loggedSelectorSet(parameters) ?? loggedSelectorSet(response)) : undefined;
  const multiRegion =
    eventName === 'CreateTrail' || eventName === 'UpdateTrail'
      ? (booleanAt(parameters, 'isMultiRegionTrail') ?? booleanAt(response, 'isMultiRegionTrail'))
      : undefined;
  const destination = eventName === 'UpdateTrail' ? destinationOf(parameters) : undefined;
  return {
    eventId: row.eventid ?? '',
    eventTime: normalizeInstant(row.eventtime ?? ''),
    eventName,
    trailName: reference.name,
    ...(trailArn === undefined ? {} : { trailArn }),
    region,
    principalArn: row.principal_arn ?? null,
    ...(selectors === undefined ? {} : { selectors }),
    ...(multiRegion === undefined ? {} : { multiRegion }),
    ...(destination === undefined ? {} : { destination }),
  };
}

/** The delivery settings an UpdateTrail changed (its request names only what it changes); undefined when none. */
function destinationOf(parameters: Json | undefined): TrailDestination | undefined {
  const bucket = textAt(parameters, 's3BucketName');
  const prefix = parameters?.s3KeyPrefix;
  const kmsKeyId = textAt(parameters, 'kmsKeyId');
  const destination: TrailDestination = {
    ...(bucket === undefined ? {} : { bucket }),
    ...(typeof prefix === 'string' ? { prefix } : {}),
    ...(kmsKeyId === undefined ? {} : { kmsKeyId }),
  };
  return Object.keys(destination).length > 0 ? destination : undefined;
}

/** Build the answer from engine output. */
export function toTrailHistoryAnswer(window: TimeWindow, rows: Row[], stats: ScanStats): TrailHistoryAnswer {
  // Trail changes are management events too, in their own groups: the oldest of all rows counts.
  const reach = rows
    .map((row) => row.management_from)
    .filter((time): time is string => typeof time === 'string' && time !== '')
    .map(normalizeInstant)
    .sort()[0];
  const changeRows = rows.filter((row) => row.row_kind === 'change');
  const truncated = changeRows.length > TRAIL_HISTORY_MAX_CHANGES;
  const changes = changeRows
    .slice(0, TRAIL_HISTORY_MAX_CHANGES)
    .map(toTrailChange)
    .filter((change): change is TrailChange => change !== undefined);
  const warnings = truncated
    ? [
        `More than ${formatNumber(TRAIL_HISTORY_MAX_CHANGES)} trail changes in the window: only the oldest were ` +
          'replayed, so later coverage may be wrong. Narrow the window.',
      ]
    : [];
  return {
    window,
    changes,
    ...(reach === undefined ? {} : { logsFrom: reach }),
    truncated,
    stats: { ...stats, warnings: [...stats.warnings, ...warnings] },
  };
}

/** Run the question on an engine (the trail table: local or Athena). */
export async function askTrailHistory(window: TimeWindow, engine: Engine): Promise<TrailHistoryAnswer> {
  const result = await engine.run(buildTrailHistoryQuery(window, engine.table));
  return toTrailHistoryAnswer(window, result.rows, result.stats);
}
