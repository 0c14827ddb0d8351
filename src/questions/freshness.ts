import type { Engine, EngineQuery, EngineResult, TableLayout } from '../engines/engine.js';
import { sql, sqlIdentifier } from '../engines/sql.js';
import { addDays, partitionDay } from '../time/window.js';
import { partitionPredicate } from './sql-pieces.js';

/**
 * Run a question; when the engine's stats do not tell freshness by themselves (Athena), find it
 * beside the question: from the newest delivery files when the engine can read them (no second
 * scan billed), else by a second query over the last three delivery days (billed, and added to the
 * footer's bytes). An unpartitioned table would be scanned whole for that, so there it stays unknown.
 */
export async function runWithFreshness(engine: Engine, query: EngineQuery): Promise<EngineResult> {
  if (engine.reportsFreshness) return engine.run(query);
  if (engine.newestDelivered) {
    const [result, newest] = await Promise.all([engine.run(query), engine.newestDelivered(query.days)]);
    if (newest === undefined || result.stats.newestEventTime) return result;
    return { ...result, stats: { ...result.stats, newestEventTime: newest } };
  }
  if (!engine.table.partitionedByDay) return engine.run(query);
  const [result, freshness] = await Promise.all([
    engine.run(query),
    engine.run(buildFreshnessQuery(query.days, engine.table)).catch(() => undefined),
  ]);
  const newest = freshness?.rows[0]?.newest ?? undefined;
  if (!newest || result.stats.newestEventTime) return result;
  const bytes = result.stats.bytesScanned + (freshness?.stats.bytesScanned ?? 0);
  const cost = result.stats.costUsd === undefined ? undefined : result.stats.costUsd + (freshness?.stats.costUsd ?? 0);
  return { ...result, stats: { ...result.stats, newestEventTime: newest, bytesScanned: bytes, costUsd: cost } };
}

/**
 * The newest event in the last three delivery days the question reads: "logs complete up to".
 * The last day is the one of delivery slack (often still empty), so three days keep the day
 * before the window's end in view; only those partitions are scanned.
 */
export function buildFreshnessQuery(days: { from: string; to: string }, table: TableLayout): EngineQuery {
  const twoDaysBefore = partitionDay(addDays(new Date(`${days.to.replaceAll('/', '-')}T00:00:00Z`), -2));
  // biome-ignore lint/complexity/useMathMinMax: partition days are text ('YYYY/MM/DD'), which Math.max would turn into NaN.
  const range = { from: twoDaysBefore > days.from ? twoDaysBefore : days.from, to: days.to };
  return {
    sql: sql`SELECT max(eventtime) AS newest FROM ${sqlIdentifier(table.name)} WHERE ${partitionPredicate(table, range)}`,
    days: range,
  };
}
