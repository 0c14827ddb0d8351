import type { Engine, EngineQuery, EngineResult, TableLayout } from '../engines/engine.js';
import { sql, sqlIdentifier } from '../engines/sql.js';
import { addDays, partitionDay } from '../time/window.js';
import { partitionPredicate } from './sql-pieces.js';

/**
 * The newest event in the last three delivery days the question reads: "logs complete up to".
 * The last day is the one of delivery slack (often still empty), so three days keep the day
 * before the window's end in view; only those partitions are scanned.
 */
export function buildFreshnessQuery(days: { from: string; to: string }, table: TableLayout): EngineQuery {
  const twoDaysBefore = partitionDay(addDays(new Date(`${days.to.replaceAll('/', '-')}T00:00:00Z`), -2));
  const range = { from: twoDaysBefore > days.from ? twoDaysBefore : days.from, to: days.to };
  return {
    sql: sql`SELECT max(eventtime) AS newest FROM ${sqlIdentifier(table.name)} WHERE ${partitionPredicate(table, range)}`,
    days: range,
  };
}

/**
 * Run a question; when the engine cannot tell freshness by itself (Athena), ask it in parallel.
 * An unpartitioned table would be scanned whole for this, so there freshness stays unknown.
 */
export async function runWithFreshness(engine: Engine, query: EngineQuery): Promise<EngineResult> {
  const wantsFreshness = !engine.reportsFreshness && engine.table.partitionedByDay;
  const [result, freshness] = await Promise.all([
    engine.run(query),
    wantsFreshness ? engine.run(buildFreshnessQuery(query.days, engine.table)).catch(() => undefined) : undefined,
  ]);
  const newest = freshness?.rows[0]?.newest ?? undefined;
  if (!newest || result.stats.newestEventTime) return result;
  const bytes = result.stats.bytesScanned + (freshness?.stats.bytesScanned ?? 0);
  const cost = result.stats.costUsd === undefined ? undefined : result.stats.costUsd + (freshness?.stats.costUsd ?? 0);
  return { ...result, stats: { ...result.stats, newestEventTime: newest, bytesScanned: bytes, costUsd: cost } };
}
