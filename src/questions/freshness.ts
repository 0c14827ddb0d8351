import type { Engine, EngineQuery, EngineResult } from '../engines/engine.js';

/**
 * Run a question; when the engine's stats do not tell freshness by themselves (Athena), ask the
 * engine for the newest delivered event beside it, without a second scan of the table.
 */
export async function runWithFreshness(engine: Engine, query: EngineQuery): Promise<EngineResult> {
  if (engine.reportsFreshness || !engine.newestDelivered) return engine.run(query);
  const [result, newest] = await Promise.all([engine.run(query), engine.newestDelivered(query.days)]);
  if (newest === undefined || result.stats.newestEventTime) return result;
  return { ...result, stats: { ...result.stats, newestEventTime: newest } };
}
