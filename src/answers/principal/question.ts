import { eventSourcesFor } from '../../cloudtrail/buckets.js';
import type { PrincipalRequest } from '../../commands/requests.js';
import type { Engine, EngineQuery, Row, ScanStats, TableLayout } from '../../engines/engine.js';
import { type SqlFragment, sql, sqlConstant, sqlIdentifier, sqlJoin, sqlList } from '../../engines/sql.js';
import { UsageError } from '../../errors.js';
import { runWithFreshness } from '../../questions/freshness.js';
import {
  EVENT_BUCKET,
  SOURCE_BUCKET_AND_KEY,
  SOURCE_PATH,
  scopedEvents,
  toCount,
  uniqueEvents,
} from '../../questions/sql-pieces.js';
import { partitionRange, type TimeWindow } from '../../time/window.js';

/** Longest lists fetched; the answer says how many groups there are in all. */
export const PRINCIPAL_ROWS_MAX = 200;
export const PRINCIPAL_SESSIONS_MAX = 10;
/** Objects fetched (most recent first): Export CSV gives all of them, Slack shows the first few of each kind. */
export const PRINCIPAL_OBJECTS_MAX = 10_000;
/** Distinct identities (type, role, user, session) fetched: enough to say what a bare name matched. */
export const PRINCIPAL_IDENTITIES_MAX = 500;

/**
 * How the principal was matched. `arn`: `userIdentity.arn` exactly. `role`: every session of an
 * IAM role given by its ARN. `name`: a bare role, user or session name, every session or key of it.
 */
export type PrincipalMatchKind = 'arn' | 'role' | 'name';

export interface PrincipalMatch {
  matchedAs: PrincipalMatchKind;
  /** A WHERE predicate over the trail table; the principal is only ever a parameter. */
  predicate: SqlFragment;
}

// Role paths never reach assumed-role ARNs: `role/team/Name` is assumed as `assumed-role/Name/...`.
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[^/]+\/)*([^/]+)$/;

/**
 * The matching rules, as SQL. A role ARN matches its sessions both by `sessionIssuer` and by the
 * role name inside `assumed-role` ARNs: zonal S3 Express calls are signed with session
 * credentials and carry no sessionIssuer, so only the ARN names their role. The LIKE patterns
 * are our constants; the user's text is always a parameter.
 */
export function matchPrincipal(principal: string): PrincipalMatch {
  if (principal.trim() === '') throw new UsageError('Name a principal: an ARN, a role name or a user name.');
  const role = ROLE_ARN.exec(principal);
  if (role) {
    const [, account = '', name = ''] = role;
    return {
      matchedAs: 'role',
      predicate: sql`(useridentity.sessioncontext.sessionissuer.arn = ${principal}
      OR (useridentity.arn LIKE 'arn:%:sts::%:assumed-role/%'
        AND split_part(useridentity.arn, ':', 5) = ${account} AND split_part(useridentity.arn, '/', 2) = ${name}))`,
    };
  }
  if (principal.startsWith('arn:')) return { matchedAs: 'arn', predicate: sql`useridentity.arn = ${principal}` };
  return {
    matchedAs: 'name',
    predicate: sql`(useridentity.sessioncontext.sessionissuer.username = ${principal}
      OR (useridentity.arn LIKE 'arn:%:sts::%:assumed-role/%' AND split_part(useridentity.arn, '/', 2) = ${principal})
      OR (useridentity.arn LIKE 'arn:%:sts::%:assumed-role/%' AND split_part(useridentity.arn, '/', 3) = ${principal})
      OR useridentity.username = ${principal}
      OR (useridentity.arn LIKE 'arn:%:iam::%:user/%' AND split_part(useridentity.arn, ':user/', 2) = ${principal}))`,
  };
}

/** Which kinds of name a bare name was found as: `principal alice` may be a user, a role or a session. */
export type NameKind = 'role' | 'user' | 'session';

/** One identity the matched calls were made as. */
export interface PrincipalIdentity {
  /** `userIdentity.type`: AssumedRole, IAMUser, Root, AWSService, … */
  type: string | null;
  roleName: string | null;
  userName: string | null;
  sessionName: string | null;
  count: number;
}

/**
 * What the principal did to objects (successful calls only: a failed call changed nothing). A copy
 * reads its source; a rename writes its destination and moves its source away.
 */
export type ObjectAction = 'wrote' | 'deleted' | 'moved' | 'read';

export interface PrincipalObject {
  action: ObjectAction;
  bucket: string | null;
  key: string;
  count: number;
  firstEvent: string;
  lastEvent: string;
}

export interface PrincipalActivityRow {
  /** `requestParameters.bucketName`; null for calls on no bucket (ListBuckets, ListDirectoryBuckets). */
  bucket: string | null;
  operation: string;
  count: number;
  errors: number;
  firstEvent: string;
  lastEvent: string;
}

export interface SessionCount {
  /** `userIdentity.arn`: one assumed-role session, or the user itself. */
  arn: string;
  count: number;
}

export interface PrincipalTotals {
  events: number;
  errors: number;
  buckets: number;
  firstEvent: string | null;
  lastEvent: string | null;
}

export interface PrincipalAnswer {
  question: 'principal';
  principal: string;
  matchedAs: PrincipalMatchKind;
  sources: string[];
  window: TimeWindow;
  /** One row per bucket and operation, busiest first, at most PRINCIPAL_ROWS_MAX. */
  rows: PrincipalActivityRow[];
  /** Bucket and operation groups before the cap. */
  totalRows: number;
  totals: PrincipalTotals;
  /** Distinct `userIdentity.arn` seen. */
  sessions: number;
  /** Busiest first, at most PRINCIPAL_SESSIONS_MAX. */
  topSessions: SessionCount[];
  /** `userIdentity.type` of the calls, most calls first (AssumedRole, IAMUser, …). */
  principalTypes: string[];
  /** For a bare name: what it was found as (a role, a user and/or a session name); empty otherwise. */
  nameMatchedAs: NameKind[];
  /** Objects written, deleted and read, most recent first, at most PRINCIPAL_OBJECTS_MAX. */
  objects: PrincipalObject[];
  /** Object groups (action, bucket, key) before the cap. */
  totalObjects: number;
  stats: ScanStats;
}

/** Where a rename or copy took its object from, and what that did to it: moved away or read. */
const SOURCE_ACTION = sql`${SOURCE_BUCKET_AND_KEY},
    CASE WHEN source_path IS NOT NULL THEN CASE WHEN eventname = 'RenameObject' THEN 'moved' ELSE 'read' END END
      AS source_action`;

/**
 * A caller's role, user and session names, as `role_name`, `user_name` and `session_name`: as its
 * record names them (the session issuer's and the user's name), else from its ARN.
 */
export function identityNames(arn: SqlFragment, issuerName: SqlFragment, userName: SqlFragment): SqlFragment {
  return sql`coalesce(${issuerName},
      CASE WHEN ${arn} LIKE 'arn:%:sts::%:assumed-role/%' THEN split_part(${arn}, '/', 2) END) AS role_name,
    coalesce(${userName},
      CASE WHEN ${arn} LIKE 'arn:%:iam::%:user/%' THEN split_part(${arn}, ':user/', 2) END) AS user_name,
    CASE WHEN ${arn} LIKE 'arn:%:sts::%:assumed-role/%' THEN split_part(${arn}, '/', 3) END AS session_name`;
}

/**
 * Athena-dialect SQL for everything one principal did in S3 Express and S3, in one scan: the
 * grouping sets give the bucket-and-operation rows, the buckets (counted), the sessions, the objects
 * written, deleted and read, the identities (type, role, user, session name) and the totals at once.
 */
export function buildPrincipalQuery(request: PrincipalRequest, table: TableLayout): EngineQuery {
  const days = partitionRange(request.window);
  const { predicate } = matchPrincipal(request.principal);
  const columns = sql`eventtime, eventname,
    nullif(errorcode, '') AS error_code,
    ${EVENT_BUCKET} AS bucket,
    useridentity.arn AS session_arn,
    useridentity.type AS principal_type,
    ${identityNames(sql`useridentity.arn`, sql`useridentity.sessioncontext.sessionissuer.username`, sql`useridentity.username`)},
    CASE WHEN nullif(errorcode, '') IS NULL AND json_extract_scalar(requestparameters, '$.key') IS NOT NULL THEN
      CASE WHEN eventname IN ('PutObject', 'CopyObject', 'CompleteMultipartUpload', 'RenameObject') THEN 'wrote'
        WHEN eventname = 'DeleteObject' THEN 'deleted'
        WHEN eventname IN ('GetObject', 'HeadObject', 'GetObjectAttributes') THEN 'read' END END AS object_action,
    json_extract_scalar(requestparameters, '$.key') AS object_key,
    json_extract_scalar(requestparameters, '$.bucketName') AS bucket_name,
    CASE WHEN nullif(errorcode, '') IS NULL AND eventname IN ('RenameObject', 'CopyObject', 'UploadPartCopy')
      THEN ${SOURCE_PATH} END AS source_path`;
  const filter = sql`eventsource IN (${sqlList(eventSourcesFor())})
    AND ${predicate}`;
  const text = sql`WITH ${scopedEvents({ table, window: request.window, days }, columns, filter)},
${uniqueEvents({ columns: SOURCE_ACTION, table })},
grouped AS ${table.rescanIsCheap ? sql`MATERIALIZED ` : sql``}(
  SELECT
    CASE WHEN grouping(object_action, bucket, object_key) = 0 THEN 'object'
      WHEN grouping(source_action, source_bucket, source_key) = 0 THEN 'source-object'
      WHEN grouping(bucket, eventname) = 0 THEN 'operation'
      WHEN grouping(bucket) = 0 THEN 'bucket'
      WHEN grouping(principal_type, role_name, user_name, session_name) = 0 THEN 'identity'
      WHEN grouping(session_arn) = 0 THEN 'session'
      ELSE 'total' END AS row_kind,
    bucket, eventname, session_arn, object_action, object_key, principal_type, role_name, user_name, session_name,
    source_action, source_bucket, source_key,
    count(*) AS events,
    count(error_code) AS errors,
    min(eventtime) AS first_event,
    max(eventtime) AS last_event
  FROM unique_events
  WHERE copy_number = 1
  GROUP BY GROUPING SETS ((bucket, eventname), (bucket), (session_arn), (), (object_action, bucket, object_key),
    (principal_type, role_name, user_name, session_name), (source_action, source_bucket, source_key))
),
${ranked(table)}
SELECT row_kind, bucket, eventname, session_arn, object_action, object_key, principal_type, role_name, user_name,
  session_name, source_action, source_bucket, source_key, events, errors, first_event, last_event, kind_groups
FROM ranked
WHERE ${sqlJoin(
    GROUP_KINDS.map((group) => sql`(${group.is} AND position <= ${sqlConstant(group.kept)})`),
    '\n  OR ',
  )}
ORDER BY CASE row_kind WHEN 'total' THEN 0 WHEN 'operation' THEN 1 WHEN 'session' THEN 2 WHEN 'object' THEN 3
  WHEN 'source-object' THEN 4 WHEN 'identity' THEN 5 ELSE 6 END, position`;
  return { sql: text, days };
}

/** The grouped columns, in the order that breaks ties between groups of equal rank (NULL as ''). */
const GROUP_COLUMNS = [
  'bucket',
  'eventname',
  'session_arn',
  'object_action',
  'object_key',
  'principal_type',
  'role_name',
  'user_name',
  'session_name',
  'source_action',
  'source_bucket',
  'source_key',
] as const;
type GroupColumn = (typeof GROUP_COLUMNS)[number];

/**
 * Each kind of group (one grouping set): which of its groups count (`is`), its columns (the others
 * are NULL in it), and how many are kept: the most recent objects first, the busiest groups first
 * otherwise.
 */
const GROUP_KINDS: readonly { is: SqlFragment; columns: readonly GroupColumn[]; kept: number; recentFirst?: true }[] = [
  { is: sql`row_kind = 'total'`, columns: [], kept: 1 },
  { is: sql`row_kind = 'bucket' AND bucket IS NOT NULL`, columns: ['bucket'], kept: 1 },
  { is: sql`row_kind = 'operation'`, columns: ['bucket', 'eventname'], kept: PRINCIPAL_ROWS_MAX },
  { is: sql`row_kind = 'session' AND session_arn IS NOT NULL`, columns: ['session_arn'], kept: PRINCIPAL_SESSIONS_MAX },
  {
    is: sql`row_kind = 'object' AND object_action IS NOT NULL`,
    columns: ['object_action', 'bucket', 'object_key'],
    kept: PRINCIPAL_OBJECTS_MAX,
    recentFirst: true,
  },
  {
    is: sql`row_kind = 'source-object' AND source_action IS NOT NULL AND source_key IS NOT NULL`,
    columns: ['source_action', 'source_bucket', 'source_key'],
    kept: PRINCIPAL_OBJECTS_MAX,
    recentFirst: true,
  },
  {
    is: sql`row_kind = 'identity'`,
    columns: ['principal_type', 'role_name', 'user_name', 'session_name'],
    kept: PRINCIPAL_IDENTITIES_MAX,
  },
];

/** The rank of a group among the groups with these columns. */
function rankOrder(columns: readonly GroupColumn[], recentFirst: SqlFragment | undefined): SqlFragment {
  const ties = GROUP_COLUMNS.filter((column) => columns.includes(column)).map(
    (column) => sql`coalesce(${sqlIdentifier(column)}, '')`,
  );
  return sqlJoin([...(recentFirst ? [recentFirst] : []), sql`events DESC`, ...ties], ', ');
}

/**
 * `ranked`: the groups that count, each with its `position` in its kind and the kind's count of
 * groups. One window over every group does it in any dialect. Where rescanning is cheap (DuckDB
 * over its index, `grouped` materialized) each kind is first cut to what is kept, ordered by its
 * own columns: sorting all the principal's objects by every column was most of the question.
 */
function ranked(table: TableLayout): SqlFragment {
  const counted = sqlJoin(
    GROUP_KINDS.map((group) => sql`(${group.is})`),
    '\n    OR ',
  );
  if (!table.rescanIsCheap) {
    const anyKind = rankOrder(GROUP_COLUMNS, sql`CASE WHEN row_kind IN ('object', 'source-object') THEN last_event END DESC`);
    return sql`ranked AS (
  SELECT grouped.*,
    row_number() OVER (PARTITION BY row_kind ORDER BY ${anyKind}) AS position,
    count(*) OVER (PARTITION BY row_kind) AS kind_groups
  FROM grouped
  WHERE ${counted}
)`;
  }
  const kept = GROUP_KINDS.map((group) => {
    const order = rankOrder(group.columns, group.recentFirst ? sql`last_event DESC` : undefined);
    const recentEnough = group.recentFirst ? sql` AND ${keptByRecency(group)}` : sql``;
    return sql`(SELECT *, row_number() OVER (ORDER BY ${order}) AS position
      FROM (SELECT * FROM grouped WHERE ${group.is}${recentEnough} ORDER BY ${order} LIMIT ${sqlConstant(group.kept)}))`;
  });
  return sql`kind_counts AS (
  SELECT row_kind, count(*) AS kind_groups FROM grouped
  WHERE ${counted}
  GROUP BY row_kind
),
ranked AS (
  SELECT kept.*, kind_groups
  FROM (
    ${sqlJoin(kept, '\n    UNION ALL\n    ')}
  ) kept
  JOIN kind_counts USING (row_kind)
)`;
}

/**
 * Whether a group of a kind kept most recent first can be among those kept: its last event is not
 * older than the kept-th most recent (NULL, kept, when a kind has no more groups than it keeps or
 * the group has no last event). Only those are sorted on every column: sorting the 116k objects a
 * principal touched in a week at 10M events cost more than finding the cut-off on one column.
 */
function keptByRecency(group: { is: SqlFragment; kept: number }): SqlFragment {
  return sql`coalesce(last_event >= (SELECT last_event FROM grouped WHERE ${group.is}
        ORDER BY last_event DESC LIMIT 1 OFFSET ${sqlConstant(group.kept - 1)}), TRUE)`;
}

/** Build an answer from engine output (all values as text, as Athena returns them). */
export function toPrincipalAnswer(request: PrincipalRequest, rows: Row[], stats: ScanStats): PrincipalAnswer {
  const ofKind = (kind: string): Row[] => rows.filter((row) => row.row_kind === kind);
  const total = ofKind('total')[0];
  const sessions = ofKind('session');
  const operations = ofKind('operation');
  const objects = ofKind('object');
  const sourceObjects = ofKind('source-object');
  const identities = ofKind('identity');
  const match = matchPrincipal(request.principal);
  return {
    question: 'principal',
    principal: request.principal,
    matchedAs: match.matchedAs,
    sources: eventSourcesFor(),
    window: request.window,
    rows: operations.map((row) => ({
      bucket: row.bucket ?? null,
      operation: row.eventname ?? '',
      count: toCount(row.events),
      errors: toCount(row.errors),
      firstEvent: row.first_event ?? '',
      lastEvent: row.last_event ?? '',
    })),
    totalRows: toCount(operations[0]?.kind_groups),
    totals: {
      events: toCount(total?.events),
      errors: toCount(total?.errors),
      // The buckets are counted as groups of their own: a DISTINCT count would be kept for every grouping set.
      buckets: toCount(ofKind('bucket')[0]?.kind_groups),
      firstEvent: total?.first_event ?? null,
      lastEvent: total?.last_event ?? null,
    },
    sessions: toCount(sessions[0]?.kind_groups),
    topSessions: sessions.map((row) => ({ arn: row.session_arn ?? '', count: toCount(row.events) })),
    principalTypes: principalTypesOf(identities),
    nameMatchedAs: match.matchedAs === 'name' ? nameKindsOf(request.principal, identities) : [],
    ...mergeObjects(objects, sourceObjects),
    stats,
  };
}

/**
 * Objects named by the record (its key) and objects a rename or copy took its data from (its
 * source) as one list, most recent first: a key both read and copied from is one line.
 */
function mergeObjects(named: readonly Row[], sources: readonly Row[]): { objects: PrincipalObject[]; totalObjects: number } {
  const byObject = new Map<string, PrincipalObject>();
  const add = (action: string | null, bucket: string | null, key: string | null, row: Row): void => {
    if (action === null || key === null) return;
    const id = JSON.stringify([action, bucket, key]);
    const seen = byObject.get(id);
    const first = row.first_event ?? '';
    const last = row.last_event ?? '';
    byObject.set(id, {
      action: action as ObjectAction,
      bucket,
      key,
      count: (seen?.count ?? 0) + toCount(row.events),
      firstEvent: seen && seen.firstEvent < first ? seen.firstEvent : first,
      lastEvent: seen && seen.lastEvent > last ? seen.lastEvent : last,
    });
  };
  for (const row of named) add(row.object_action ?? null, row.bucket ?? null, row.object_key ?? null, row);
  for (const row of sources) add(row.source_action ?? null, row.source_bucket ?? null, row.source_key ?? null, row);
  const objects = [...byObject.values()].sort(
    (a, b) =>
      (a.lastEvent < b.lastEvent ? 1 : a.lastEvent > b.lastEvent ? -1 : 0) ||
      (a.action < b.action ? -1 : a.action > b.action ? 1 : 0) ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
  // Groups the query did not fetch (past the cap) are counted as they are.
  const unfetched =
    Math.max(0, toCount(named[0]?.kind_groups) - named.length) + Math.max(0, toCount(sources[0]?.kind_groups) - sources.length);
  return { objects: objects.slice(0, PRINCIPAL_OBJECTS_MAX), totalObjects: objects.length + unfetched };
}

function principalTypesOf(identities: readonly Row[]): string[] {
  const byType = new Map<string, number>();
  for (const row of identities) {
    if (row.principal_type) byType.set(row.principal_type, (byType.get(row.principal_type) ?? 0) + toCount(row.events));
  }
  return [...byType.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([type]) => type);
}

/** The kinds of name the principal's text equals, among the identities the calls were made as. */
function nameKindsOf(name: string, identities: readonly Row[]): NameKind[] {
  const kinds: NameKind[] = [];
  if (identities.some((row) => row.role_name === name)) kinds.push('role');
  if (identities.some((row) => row.user_name === name)) kinds.push('user');
  if (identities.some((row) => row.session_name === name)) kinds.push('session');
  return kinds;
}

/** Run the question on an engine and shape the answer. */
export async function askPrincipal(request: PrincipalRequest, engine: Engine): Promise<PrincipalAnswer> {
  const result = await runWithFreshness(engine, buildPrincipalQuery(request, engine.table));
  return toPrincipalAnswer(request, result.rows, result.stats);
}
