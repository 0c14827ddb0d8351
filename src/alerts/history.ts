import { S3_SOURCE, S3EXPRESS_SOURCE } from '../cloudtrail/buckets.js';
import type { Engine, EngineQuery, TableLayout } from '../engines/engine.js';
import { sql, sqlConstant, sqlIdentifier, sqlList } from '../engines/sql.js';
import { partitionPredicate } from '../questions/sql-pieces.js';
import { formatInstant, partitionRange, type TimeWindow } from '../time/window.js';
import type { EvaluatorOptions } from './evaluate.js';

/** More pairs than this are not seeded (the evaluator then learns the rest as events arrive). */
const MAX_PAIRS = 200_000;

/** Who succeeded in calling what bucket in the window, last seen when; and the oldest event read. */
export function buildFamiliarPrincipalsQuery(window: TimeWindow, table: TableLayout): EngineQuery {
  const text = sql`WITH scoped AS (
  SELECT json_extract_scalar(requestparameters, '$.bucketName') AS bucket,
    coalesce(useridentity.arn, useridentity.invokedby, useridentity.principalid) AS principal,
    eventtime
  FROM ${sqlIdentifier(table.name)}
  WHERE ${partitionPredicate(table, partitionRange(window))}
    AND eventtime >= ${formatInstant(window.since)} AND eventtime < ${formatInstant(window.until)}
    AND eventsource IN (${sqlList([S3EXPRESS_SOURCE, S3_SOURCE])})
    AND (errorcode IS NULL OR errorcode = '')
)
SELECT bucket, principal, max(eventtime) AS last_seen, min(min(eventtime)) OVER () AS oldest
FROM scoped
WHERE bucket IS NOT NULL AND principal IS NOT NULL
GROUP BY bucket, principal
ORDER BY last_seen DESC
LIMIT ${sqlConstant(MAX_PAIRS)}`;
  return { sql: text, days: partitionRange(window) };
}

/**
 * The evaluator's starting history: principals seen on each bucket over `lookbackMs` before `now`,
 * from the logs. `historyFrom` is the oldest event actually read (an archive shorter than the
 * look-back makes "new to the bucket" alerts say so), or `now` when nothing could be read.
 */
export async function familiarPrincipals(
  engine: Engine,
  now: Date,
  lookbackMs: number,
): Promise<Required<Pick<EvaluatorOptions, 'historyFrom' | 'seen'>>> {
  const window = { since: new Date(now.getTime() - lookbackMs), until: now };
  const { rows } = await engine.run(buildFamiliarPrincipalsQuery(window, engine.table));
  const seen = rows.flatMap((row) =>
    row.bucket && row.principal && row.last_seen && Number.isFinite(Date.parse(row.last_seen))
      ? [{ bucket: row.bucket, principal: row.principal, at: new Date(row.last_seen) }]
      : [],
  );
  const oldest = rows[0]?.oldest ? Date.parse(rows[0].oldest) : Number.NaN;
  return { seen, historyFrom: Number.isFinite(oldest) ? new Date(Math.max(oldest, window.since.getTime())) : now };
}
