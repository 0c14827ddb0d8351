import { answerDigest } from '../src/answers/answer-request.js';
import type { Engine } from '../src/engines/engine.js';

/** Build the digest for `date` on `engine`, counting the engine queries it makes; closes the engine. */
export async function timeDigest(engine: Engine, date: string, now: Date): Promise<{ elapsedMs: number; queries: number }> {
  let queries = 0;
  const counting: Engine = {
    table: engine.table,
    reportsFreshness: engine.reportsFreshness,
    run: (query) => {
      queries++;
      return engine.run(query);
    },
    close: () => engine.close(),
  };
  const started = performance.now();
  await answerDigest(date, { engine: counting, now: () => now });
  const elapsedMs = performance.now() - started;
  await engine.close();
  return { elapsedMs, queries };
}
