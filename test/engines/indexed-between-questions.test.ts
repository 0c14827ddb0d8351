import * as fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBConnection } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IndexedEngine } from '../../src/engines/indexed/indexed-engine.js';
import { sql, sqlConstant } from '../../src/engines/sql.js';
import { expressEvent, tempDir, writeDeliveryFile } from '../helpers/archive.js';

// The index lists a day folder again only when it changed, and finds the trail's folders again
// only when one of theirs changed: each question must still see every file delivered, removed or
// completed since the last one, and every region or account that appeared. Questions reuse the
// DuckDB connections of those that ended, never one another's.

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return { ...actual, readdir: vi.fn(actual.readdir) };
});

const DAYS = { from: '2026/11/01', to: '2026/11/30' };
const DAY = '2026/11/02';
/** A time long before any question: folders changed then are settled. */
const LONG_AGO = new Date('2026-01-01T00:00:00Z');

let root: string;
let engine: IndexedEngine;

beforeEach(async () => {
  root = await tempDir('s3x-folders-');
  await deliver('20261102T0005Z_a', '2026-11-02T00:01:00Z');
  engine = await openEngine();
});

afterEach(async () => {
  await engine.close();
});

async function openEngine(options: { followSymlinks?: boolean } = {}): Promise<IndexedEngine> {
  return IndexedEngine.open({
    logsDir: root,
    indexPath: path.join(await tempDir('s3x-folders-index-'), 'index.duckdb'),
    ...options,
  });
}

/** A delivery file of one event whose eventID is `name`. */
function deliver(name: string, eventTime: string, day = DAY, region = 'us-east-1', account = '111122223333') {
  return writeDeliveryFile(root, day, name, [event(name, eventTime)], region, account);
}

/** The same, into a day folder of any path (made if missing). */
async function deliverInto(dayDir: string, fileName: string, name: string, eventTime: string): Promise<void> {
  await fs.mkdir(dayDir, { recursive: true });
  await fs.writeFile(path.join(dayDir, fileName), gzipSync(JSON.stringify({ Records: [event(name, eventTime)] })));
}

function event(eventID: string, eventTime: string) {
  return expressEvent({ eventName: 'PutObject', eventTime, eventID });
}

/** A whole second ahead of this clock: a file system that keeps whole seconds, on a server whose clock is a little ahead (so a test never races the settle time). */
function comingWholeSecond(): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000 + 10_000);
}

function dayFolder() {
  return path.join(root, 'AWSLogs', '111122223333', 'CloudTrail', 'us-east-1', ...DAY.split('/'));
}

/** Every folder of the archive last changed long ago, as a trail's folders are between deliveries. */
async function settle(dir = root): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await settle(path.join(dir, entry.name));
  }
  await fs.utimes(dir, LONG_AGO, LONG_AGO);
}

/** The eventIDs the index answers with, and the footer. */
async function ask() {
  const result = await engine.run({ sql: sql`SELECT eventid FROM cloudtrail_logs ORDER BY eventid`, days: DAYS });
  const { filesScanned, eventsScanned, unreadableFiles, newestEventTime } = result.stats;
  return {
    ids: result.rows.map((row) => row.eventid),
    filesScanned,
    eventsScanned,
    unreadable: unreadableFiles.map((f) => path.basename(f.path)),
    newestEventTime,
  };
}

describe('indexed engine, between questions', () => {
  it('lists no folder of a settled archive again, and finds a file delivered into it after a question', async () => {
    await settle();
    expect((await ask()).ids).toEqual(['20261102T0005Z_a']);
    vi.mocked(fs.readdir).mockClear();
    expect((await ask()).ids).toEqual(['20261102T0005Z_a']);
    expect(vi.mocked(fs.readdir)).not.toHaveBeenCalled();

    await deliver('20261102T0010Z_b', '2026-11-02T00:06:00Z');
    expect(await ask()).toEqual({
      ids: ['20261102T0005Z_a', '20261102T0010Z_b'],
      filesScanned: 2,
      eventsScanned: 2,
      unreadable: [],
      newestEventTime: '2026-11-02T00:06:00Z',
    });
  });

  it('lists a folder again while its last change is recent: a coarse mtime may not have moved', async () => {
    const tick = comingWholeSecond();
    await fs.utimes(dayFolder(), tick, tick);
    expect((await ask()).ids).toEqual(['20261102T0005Z_a']);
    // Delivered within the same second: the folder's mtime does not move.
    await deliver('20261102T0005Z_b', '2026-11-02T00:02:00Z');
    await fs.utimes(dayFolder(), tick, tick);
    expect((await ask()).ids).toEqual(['20261102T0005Z_a', '20261102T0005Z_b']);
  });

  it('lists a folder again whose mtime moved back in time (as a copy that keeps mtimes leaves it)', async () => {
    await settle();
    expect((await ask()).ids).toEqual(['20261102T0005Z_a']);
    await deliver('20261102T0010Z_b', '2026-11-02T00:06:00Z');
    const earlier = new Date(LONG_AGO.getTime() - 60_000);
    await fs.utimes(dayFolder(), earlier, earlier);
    expect((await ask()).ids).toEqual(['20261102T0005Z_a', '20261102T0010Z_b']);
  });

  it('drops a removed file from the rows and the footer', async () => {
    const removed = await deliver('20261102T0010Z_b', '2026-11-02T00:06:00Z');
    await settle();
    expect((await ask()).filesScanned).toBe(2);
    await fs.rm(removed);
    expect(await ask()).toEqual({
      ids: ['20261102T0005Z_a'],
      filesScanned: 1,
      eventsScanned: 1,
      unreadable: [],
      newestEventTime: '2026-11-02T00:01:00Z',
    });
  });

  it('reads an unreadable file once it is completed, though its folder did not change', async () => {
    const records = JSON.stringify({ Records: [event('late', '2026-11-02T00:07:00Z')] });
    const late = path.join(dayFolder(), 'late.json.gz');
    await fs.writeFile(late, gzipSync(records).subarray(0, 40));
    await settle();
    expect(await ask()).toMatchObject({ ids: ['20261102T0005Z_a'], filesScanned: 1, unreadable: ['late.json.gz'] });
    await fs.writeFile(late, gzipSync(records));
    await fs.utimes(dayFolder(), LONG_AGO, LONG_AGO);
    expect(await ask()).toMatchObject({ ids: ['20261102T0005Z_a', 'late'], filesScanned: 2, unreadable: [] });
  });

  it('finds a day, a region, an account and an organization member that appear after a question', async () => {
    await settle();
    expect((await ask()).ids).toEqual(['20261102T0005Z_a']);
    await deliver('20261103T0005Z_day', '2026-11-03T00:01:00Z', '2026/11/03');
    expect((await ask()).ids).toContain('20261103T0005Z_day');
    await settle();
    await deliver('20261102T0005Z_region', '2026-11-02T00:01:00Z', DAY, 'eu-west-1');
    expect((await ask()).ids).toContain('20261102T0005Z_region');
    await settle();
    await deliver('20261102T0005Z_account', '2026-11-02T00:01:00Z', DAY, 'us-east-1', '444455556666');
    expect((await ask()).ids).toContain('20261102T0005Z_account');
    await settle();
    // An organization trail: AWSLogs/<org-id>/<account>/CloudTrail/<region>/...
    await deliverInto(
      path.join(root, 'AWSLogs', 'o-abc123', '777788889999', 'CloudTrail', 'us-east-1', ...DAY.split('/')),
      '777788889999_CloudTrail_us-east-1_20261102T0005Z_member.json.gz',
      '20261102T0005Z_member',
      '2026-11-02T00:01:00Z',
    );
    expect(await ask()).toMatchObject({
      ids: ['20261102T0005Z_a', '20261102T0005Z_account', '20261102T0005Z_member', '20261102T0005Z_region', '20261103T0005Z_day'],
      filesScanned: 5,
    });
  });

  it('finds a region created within the same tick as its trail folder last changed', async () => {
    const cloudTrail = path.join(root, 'AWSLogs', '111122223333', 'CloudTrail');
    await settle();
    const tick = comingWholeSecond();
    await fs.utimes(cloudTrail, tick, tick);
    expect((await ask()).ids).toEqual(['20261102T0005Z_a']);
    await deliver('20261102T0005Z_region', '2026-11-02T00:01:00Z', DAY, 'eu-west-1');
    await fs.utimes(cloudTrail, tick, tick);
    expect((await ask()).ids).toEqual(['20261102T0005Z_a', '20261102T0005Z_region']);
  });

  it('finds the trail once its AWSLogs folder appears in a folder that had none', async () => {
    await engine.close();
    root = await tempDir('s3x-folders-empty-');
    engine = await openEngine();
    await settle();
    expect((await ask()).ids).toEqual([]);
    await deliver('20261102T0005Z_first', '2026-11-02T00:01:00Z');
    // Outside the window: a trail's question does not read it (a plain folder's would).
    await deliver('20261015T0005Z_before', '2026-10-15T00:01:00Z', '2026/10/15');
    expect(await ask()).toMatchObject({ ids: ['20261102T0005Z_first'], filesScanned: 1 });
  });

  it('finds a region behind a symbolic link whose target appears after a question, when links are followed', async () => {
    await engine.close();
    engine = await openEngine({ followSymlinks: true });
    const target = path.join(await tempDir('s3x-folders-target-'), 'eu-west-1');
    await fs.symlink(target, path.join(root, 'AWSLogs', '111122223333', 'CloudTrail', 'eu-west-1'));
    await settle();
    expect((await ask()).ids).toEqual(['20261102T0005Z_a']);
    // The link's folder does not change: only its target appears.
    await deliverInto(
      path.join(target, ...DAY.split('/')),
      '111122223333_CloudTrail_eu-west-1_20261102T0005Z_linked.json.gz',
      '20261102T0005Z_linked',
      '2026-11-02T00:01:00Z',
    );
    expect((await ask()).ids).toEqual(['20261102T0005Z_a', '20261102T0005Z_linked']);
  });

  it('prepares a question once on a connection, binds each asking anew, and stays right past the statements it keeps', async () => {
    const prepare = vi.spyOn(DuckDBConnection.prototype, 'prepare');
    try {
      const askShape = (shape: number, label: string) =>
        engine.run({ sql: sql`SELECT ${label} AS label, ${sqlConstant(shape)} AS shape`, days: DAYS });
      const round = async (shapes: number, tag: string) => {
        for (let shape = 0; shape < shapes; shape++) {
          expect((await askShape(shape, `${tag}${shape}`)).rows).toEqual([{ label: `${tag}${shape}`, shape: String(shape) }]);
        }
      };
      await round(20, 'a');
      const first = prepare.mock.calls.length;
      expect(first).toBeGreaterThanOrEqual(20);
      await round(20, 'b');
      expect(prepare.mock.calls.length).toBe(first);
      // More shapes than a connection keeps: the oldest are dropped and prepared again when asked.
      await round(40, 'c');
      await round(40, 'd');
      expect(prepare.mock.calls.length).toBeGreaterThan(first + 40);
      // Values of other lengths bound to a statement planned with short ones.
      await round(3, `${'long '.repeat(400)}#`);
      // A failed question's connection is closed with its statements; the next question still answers.
      await expect(engine.run({ sql: sql`SELECT * FROM no_such_table`, days: DAYS })).rejects.toThrow();
      await round(3, 'e');
      // Planned before a write, a statement may read the new rows wrongly (DuckDB plans with the table's statistics): prepared again.
      expect((await ask()).ids).toEqual(['20261102T0005Z_a']);
      const before = prepare.mock.calls.length;
      expect((await ask()).ids).toEqual(['20261102T0005Z_a']);
      expect(prepare.mock.calls.length).toBe(before);
      await settle();
      await deliver(`20261102T0105Z_${'later'.repeat(30)}`, '2026-11-02T01:01:00Z');
      expect((await ask()).ids).toEqual(['20261102T0005Z_a', `20261102T0105Z_${'later'.repeat(30)}`]);
      expect(prepare.mock.calls.length).toBeGreaterThan(before);
    } finally {
      prepare.mockRestore();
    }
  });

  it('runs questions at once on connections of their own, and on those again after', async () => {
    const ask = (label: string) =>
      engine.run({ sql: sql`SELECT ${label} AS label, sum(n) AS total FROM range(300000) t(n)`, days: DAYS });
    const labels = (round: number) => Array.from({ length: 6 }, (_, i) => `${round}.${i}`);
    for (const round of [1, 2]) {
      const results = await Promise.all(labels(round).map(ask));
      expect(results.map((result) => result.rows)).toEqual(labels(round).map((label) => [{ label, total: '44999850000' }]));
    }
  });
});
