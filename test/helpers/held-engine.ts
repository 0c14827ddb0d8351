import type { Engine, EngineQuery, EngineResult } from '../../src/engines/engine.js';

/** An engine that holds every query until released (`held.shift()?.()`), counting what it was asked. */
export class HeldEngine {
  readonly held: Array<() => void> = [];
  runs = 0;
  readonly engine: Engine = {
    table: { name: 'cloudtrail_logs', partitionedByDay: true },
    reportsFreshness: true,
    run: (_query: EngineQuery) => {
      this.runs++;
      return new Promise<EngineResult>((resolve) =>
        this.held.push(() =>
          resolve({ rows: [], stats: { engine: 'local', unreadableFiles: [], bytesScanned: 0, elapsedMs: 1, warnings: [] } }),
        ),
      );
    },
    close: async () => {},
  };
}
