import { eventSourcesFor } from '../cloudtrail/buckets.js';
import type { Engine, EngineQuery, Row, TableLayout } from '../engines/engine.js';
import { sql, sqlConstant, sqlIdentifier, sqlList } from '../engines/sql.js';
import { userMessageOf } from '../errors.js';
import type { PrincipalSeen, SeenOnBucket } from '../remediation/tighten-plan.js';
import { partitionRange, type TimeWindow } from '../time/window.js';
import { inWindow } from './sql-pieces.js';

/** How far back a tighten looks for the other principals its statement would block. */
export const SEEN_DAYS = 7;
/** Most principals read; a bucket with more is rare, and the message lists only a few. */
export const SEEN_PRINCIPALS_MAX = 500;

/**
 * Athena-dialect SQL: each (ARN, principalId) that called the bucket in the window, busiest first.
 * The principalId is the caller's `aws:userid`, so a session-scoped deny can be checked against it.
 */
export function buildBucketPrincipalsQuery(bucket: string, window: TimeWindow, table: TableLayout): EngineQuery {
  const days = partitionRange(window);
  const text = sql`SELECT useridentity.arn AS principal_arn, useridentity.principalid AS principal_id, count(*) AS events
FROM ${sqlIdentifier(table.name)}
WHERE ${inWindow(table, window, days)}
  AND eventsource IN (${sqlList(eventSourcesFor(bucket))})
  AND json_extract_scalar(requestparameters, '$.bucketName') = ${bucket}
  AND useridentity.arn IS NOT NULL
GROUP BY useridentity.arn, useridentity.principalid
ORDER BY events DESC, principal_arn, principal_id
LIMIT ${sqlConstant(SEEN_PRINCIPALS_MAX)}`;
  return { sql: text, days };
}

function toPrincipalsSeen(rows: Row[]): PrincipalSeen[] {
  return rows.flatMap((row) =>
    row.principal_arn ? [{ arn: row.principal_arn, ...(row.principal_id ? { userId: row.principal_id } : {}) }] : [],
  );
}

/**
 * Who called the bucket in the last SEEN_DAYS days. A failed read is said as such (`unknown`),
 * never as "nobody else": missing logs are not silence.
 */
export async function principalsSeenOnBucket(engine: Engine, bucket: string, now: Date): Promise<SeenOnBucket> {
  const window = { since: new Date(now.getTime() - SEEN_DAYS * 24 * 3600_000), until: now };
  try {
    const result = await engine.run(buildBucketPrincipalsQuery(bucket, window, engine.table));
    const unreadable = result.stats.unreadableFiles.length;
    if (unreadable > 0) return { days: SEEN_DAYS, unknown: `${unreadable} log file(s) could not be read` };
    return { days: SEEN_DAYS, principals: toPrincipalsSeen(result.rows) };
  } catch (error) {
    return { days: SEEN_DAYS, unknown: userMessageOf(error) };
  }
}
