import * as fsCallbacks from 'node:fs';
import * as fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineQuery } from '../../src/engines/engine.js';
import { IndexedEngine } from '../../src/engines/indexed/indexed-engine.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { dayFolders, detectLayout, listLogFiles } from '../../src/engines/local/log-files.js';
import { sql } from '../../src/engines/sql.js';
import { expressEvent, tempDir, writeDeliveryFile } from '../helpers/archive.js';

// Every readdir and stat s3x makes is counted: the folders it lists, whatever the window.
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return { ...actual, readdir: vi.fn(actual.readdir), stat: vi.fn(actual.stat) };
});
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  return { ...actual, stat: vi.fn(actual.stat) };
});

/** Stats in either form (the index stats folders in the callback form). */
const stats = () => vi.mocked(fs.stat).mock.calls.length + vi.mocked(fsCallbacks.stat).mock.calls.length;

/** From before the first delivery folder to the last day a --until can name: millions of days. */
const CENTURIES = { from: '1000/01/01', to: '9999/12/31' };
const DAYS = ['2025/12/31', '2026/01/01', '2026/11/20'];

let root: string;
const cleanup: string[] = [];

beforeAll(async () => {
  root = await tempDir('s3x-days-');
  cleanup.push(root);
  for (const [i, day] of DAYS.entries()) {
    await writeDeliveryFile(root, day, `${day.replaceAll('/', '')}T0005Z_d${i}`, [
      expressEvent({ eventName: 'PutObject', eventTime: `${day.replaceAll('/', '-')}T00:01:00Z`, key: `k${i}` }),
    ]);
  }
  // A folder that is not a day, and a file where a folder should be: neither is a day folder.
  await fs.mkdir(path.join(root, 'AWSLogs', '111122223333', 'CloudTrail', 'us-east-1', '2026', 'notes'), { recursive: true });
});

afterAll(async () => {
  for (const dir of cleanup) await fs.rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  vi.mocked(fs.readdir).mockClear();
  vi.mocked(fs.stat).mockClear();
  vi.mocked(fsCallbacks.stat).mockClear();
});

const countQuery = (days: { from: string; to: string }): EngineQuery => ({
  sql: sql`SELECT count(*) AS n FROM cloudtrail_logs`,
  days,
});

describe('day folders are found from what exists, never by enumerating the window', () => {
  it('lists the folders there are within the window, with a few readdirs for any width', async () => {
    const layout = await detectLayout(root);
    expect(layout.kind).toBe('trail');
    if (layout.kind !== 'trail') return;
    const regionDir = layout.regionDirs[0] as string;
    vi.mocked(fs.readdir).mockClear();
    const found = await dayFolders(regionDir, CENTURIES);
    expect(found.map((dir) => path.relative(regionDir, dir).split(path.sep).join('/'))).toEqual(DAYS);
    // Years, months, days: one readdir per folder there is (1 region + 2 years + 3 months).
    expect(vi.mocked(fs.readdir).mock.calls.length).toBe(6);
    expect(await dayFolders(regionDir, { from: '2026/01/01', to: '2026/11/19' })).toEqual([
      path.join(regionDir, '2026', '01', '01'),
    ]);
    expect(await dayFolders(regionDir, { from: '2026/11/21', to: '2026/12/31' })).toEqual([]);
    expect((await listLogFiles(layout, CENTURIES)).length).toBe(3);
  });

  it('a question over centuries reads the three files on the file engine, listing a handful of folders', async () => {
    const engine = await LocalEngine.open({ logsDir: root });
    try {
      vi.mocked(fs.readdir).mockClear();
      const result = await engine.run(countQuery(CENTURIES));
      expect(result.rows).toEqual([{ n: '3' }]);
      expect(result.stats.filesScanned).toBe(3);
      expect(vi.mocked(fs.readdir).mock.calls.length).toBeLessThan(20);
    } finally {
      await engine.close();
    }
  });

  it('and on the index, statting only the folders there are', async () => {
    const indexDir = await tempDir('s3x-days-index-');
    cleanup.push(indexDir);
    const engine = await IndexedEngine.open({ logsDir: root, indexPath: path.join(indexDir, 'index.duckdb') });
    try {
      vi.mocked(fs.readdir).mockClear();
      vi.mocked(fs.stat).mockClear();
      vi.mocked(fsCallbacks.stat).mockClear();
      const result = await engine.run(countQuery(CENTURIES));
      expect(result.rows).toEqual([{ n: '3' }]);
      expect(vi.mocked(fs.readdir).mock.calls.length).toBeLessThan(20);
      expect(stats()).toBeGreaterThan(0);
      expect(stats()).toBeLessThan(20);
      // A day folder removed since: its records leave the index even though the folder no longer exists.
      await fs.rm(path.join(root, 'AWSLogs', '111122223333', 'CloudTrail', 'us-east-1', '2025'), { recursive: true });
      expect((await engine.run(countQuery(CENTURIES))).rows).toEqual([{ n: '2' }]);
    } finally {
      await engine.close();
    }
  });
});
