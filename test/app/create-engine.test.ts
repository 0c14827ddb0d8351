import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/app/create-engine.js';
import { loadConfig } from '../../src/config.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { sql } from '../../src/engines/sql.js';
import { expressEvent, removeTempDirs, tempDir, writeDeliveryFile } from '../helpers/archive.js';

afterAll(removeTempDirs);

const clock = { now: () => 0, sleep: async () => {}, random: () => 0 };

describe('the local engine, opened by its first question', () => {
  it('has the table layout and freshness of the engine it opens, and answers through it', async () => {
    const dir = await tempDir('s3x-create-engine-');
    const logs = path.join(dir, 'logs');
    await writeDeliveryFile(logs, '2026/11/20', '20261120T1000Z_a', [
      expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-20T09:55:00Z', key: 'a.txt' }),
    ]);
    const config = loadConfig({ S3X_DATA_DIR: path.join(dir, 'data') });
    const engine = await createEngine(config, { logsDir: logs }, clock);
    const opened = await LocalEngine.open({ logsDir: logs });
    try {
      expect(engine).not.toBeInstanceOf(LocalEngine);
      expect(engine.table).toEqual(opened.table);
      expect(engine.reportsFreshness).toBe(opened.reportsFreshness);
      const query = {
        sql: sql`SELECT eventname FROM cloudtrail_logs WHERE eventtime >= '2026-11-20'`,
        days: { from: '2026/11/20', to: '2026/11/20' },
      };
      const [lazy, direct] = await Promise.all([engine.run(query), opened.run(query)]);
      expect(lazy.rows).toEqual([{ eventname: 'DeleteObject' }]);
      expect(lazy.rows).toEqual(direct.rows);
    } finally {
      await Promise.all([engine.close(), opened.close()]);
    }
  });
});
