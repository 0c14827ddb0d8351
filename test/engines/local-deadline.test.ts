import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineQuery } from '../../src/engines/engine.js';
import { IndexedEngine } from '../../src/engines/indexed/indexed-engine.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { sql } from '../../src/engines/sql.js';
import { EngineError } from '../../src/errors.js';
import { expressEvent, tempDir, writeDeliveryFile } from '../helpers/archive.js';

const DAYS = { from: '2026/11/20', to: '2026/11/20' };
/** Billions of rows: minutes of work that only the deadline ends. */
const ENDLESS: EngineQuery = {
  sql: sql`SELECT count(*) AS n FROM cloudtrail_logs, range(100000000000) r`,
  days: DAYS,
};
const COUNT: EngineQuery = { sql: sql`SELECT count(*) AS n FROM cloudtrail_logs`, days: DAYS };

let root: string;
const cleanup: string[] = [];

beforeAll(async () => {
  root = await tempDir('s3x-deadline-');
  cleanup.push(root);
  await writeDeliveryFile(root, '2026/11/20', '20261120T0005Z_a', [
    expressEvent({ eventName: 'PutObject', eventTime: '2026-11-20T00:01:00Z', key: 'a' }),
  ]);
});

afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

describe('S3X_LOCAL_QUERY_TIMEOUT_SECONDS', () => {
  it('interrupts a question that outlives it on the file engine, says so, and answers the next one', async () => {
    const engine = await LocalEngine.open({ logsDir: root, queryTimeoutMs: 500 });
    try {
      const stopped = engine.run(ENDLESS);
      await expect(stopped).rejects.toBeInstanceOf(EngineError);
      await expect(stopped).rejects.toMatchObject({
        userMessage: expect.stringMatching(/did not finish within 1 s, so s3x stopped it.*S3X_LOCAL_QUERY_TIMEOUT_SECONDS/),
      });
      expect((await engine.run(COUNT)).rows).toEqual([{ n: '1' }]);
    } finally {
      await engine.close();
    }
  });

  it('and on the index', async () => {
    const indexDir = await tempDir('s3x-deadline-index-');
    cleanup.push(indexDir);
    const engine = await IndexedEngine.open({ logsDir: root, indexPath: `${indexDir}/index.duckdb`, queryTimeoutMs: 500 });
    try {
      await expect(engine.run(ENDLESS)).rejects.toMatchObject({ userMessage: expect.stringMatching(/did not finish within/) });
      expect((await engine.run(COUNT)).rows).toEqual([{ n: '1' }]);
    } finally {
      await engine.close();
    }
  });
});
