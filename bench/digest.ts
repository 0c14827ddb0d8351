import { answerDigest } from '../src/answers/answer-request.js';
import type { Engine } from '../src/engines/engine.js';
import { columnsUsedBy, recordStruct } from '../src/engines/local/view.js';

/**
 * Build the digest for `date` on `engine`, counting the engine queries it makes; closes the engine.
 * `recordStruct` is the record type the file engine reads for them (the columns they name): what a
 * bare read of the same files must read at least.
 */
export async function timeDigest(
  engine: Engine,
  date: string,
  now: Date,
): Promise<{ elapsedMs: number; queries: number; recordStruct: string }> {
  let queries = 0;
  const sqlTexts: string[] = [];
  const counting: Engine = {
    table: engine.table,
    reportsFreshness: engine.reportsFreshness,
    run: (query) => {
      queries++;
      sqlTexts.push(query.sql.text);
      return engine.run(query);
    },
    close: () => engine.close(),
  };
  const started = performance.now();
  await answerDigest(date, { engine: counting, now: () => now });
  const elapsedMs = performance.now() - started;
  await engine.close();
  return { elapsedMs, queries, recordStruct: recordStruct(columnsUsedBy(sqlTexts.join('\n'), 'path')) };
}
