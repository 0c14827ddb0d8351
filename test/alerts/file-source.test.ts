import { mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogFileSource, SqliteFileLedger } from '../../src/alerts/file-source.js';
import type { BatchResult } from '../../src/alerts/pipeline.js';
import { openDatabase, type SqliteDatabase } from '../../src/store/database.js';
import { partitionDay } from '../../src/time/window.js';
import { tempDir, writeDeliveryFile } from '../helpers/archive.js';
import { docsDelete } from './real-records.js';

let root: string;
let db: SqliteDatabase;
let batches: unknown[][];
let logs: string[];
let complete: boolean;
let n = 0;
const today = () => partitionDay(new Date());

function source(options: { maxFileBytes?: number } = {}) {
  return new LogFileSource({
    logsDir: path.join(root, 'logs'),
    ledger: new SqliteFileLedger(db),
    handle: async (records): Promise<BatchResult> => {
      batches.push([...records]);
      return { events: records.length, refused: 0, posted: 0, complete };
    },
    now: Date.now,
    log: (m) => logs.push(m),
    pollMs: 60_000,
    ...options,
  });
}

const deliver = (name: string, records: object[]) =>
  writeDeliveryFile(path.join(root, 'logs'), today(), `20261201T1000Z_${name}`, records);
const eventIds = () => batches.flat().map((record) => (record as { eventID: string }).eventID);

beforeEach(async () => {
  root = await tempDir('s3x-alert-files-');
  db = openDatabase(path.join(root, 'state.sqlite'));
  batches = [];
  logs = [];
  complete = true;
});
afterEach(() => {
  db.close();
  rmSync(root, { recursive: true, force: true });
});

describe('local alert source: new delivery files in the day folders', () => {
  it('the first start counts the files already there as read; a new file is read once', async () => {
    await deliver('old', [docsDelete(1, new Date())]);
    const files = source();
    await files.baseline();
    expect(batches).toEqual([]);
    await deliver(`new${++n}`, [docsDelete(2, new Date())]);
    await files.poll();
    await files.poll();
    expect(eventIds()).toEqual([docsDelete(2, new Date()).eventID]);
  });

  it('a file whose alerts were not all posted is read again, also after a restart', async () => {
    const files = source();
    await files.baseline();
    complete = false;
    await deliver('pending', [docsDelete(3, new Date())]);
    await files.poll();
    complete = true;
    const restarted = source();
    await restarted.poll();
    await restarted.poll();
    expect(batches).toHaveLength(2);
  });

  it('refuses symlinks, oversized files and files that are not CloudTrail JSON, logs each, and goes on', async () => {
    const files = source({ maxFileBytes: 4096 });
    await files.baseline();
    const dayDir = path.dirname(await deliver('a-good', [docsDelete(4, new Date())]));
    const outside = path.join(root, 'secret.json');
    writeFileSync(outside, JSON.stringify({ Records: [docsDelete(5, new Date())] }));
    symlinkSync(outside, path.join(dayDir, '111122223333_CloudTrail_us-east-1_20261201T1000Z_b-link.json'));
    writeFileSync(path.join(dayDir, '111122223333_CloudTrail_us-east-1_20261201T1000Z_c-big.json'), 'x'.repeat(5000));
    const broken = path.join(dayDir, '111122223333_CloudTrail_us-east-1_20261201T1000Z_d-broken.json.gz');
    writeFileSync(broken, gzipSync('{"Records":[{"eventID":'));
    const old = new Date(Date.now() - 60_000);
    utimesSync(broken, old, old);
    mkdirSync(path.join(dayDir, '111122223333_CloudTrail_us-east-1_20261201T1000Z_e-dir.json'));
    await deliver('f-after', [docsDelete(6, new Date())]);
    await files.poll();
    expect(eventIds()).toEqual([docsDelete(4, new Date()).eventID, docsDelete(6, new Date()).eventID]);
    expect(logs.some((line) => line.includes('b-link') && line.includes('not a regular file'))).toBe(true);
    expect(logs.some((line) => line.includes('c-big') && line.includes('larger than 4096 bytes'))).toBe(true);
    expect(logs.some((line) => line.includes('d-broken') && line.includes('not CloudTrail JSON'))).toBe(true);
  });

  it('a file still being written (not parseable, just modified) is left for the next pass', async () => {
    const files = source();
    await files.baseline();
    const dayDir = path.dirname(await deliver('x', []));
    const partial = path.join(dayDir, '111122223333_CloudTrail_us-east-1_20261201T1000Z_partial.json');
    writeFileSync(partial, '{"Records":[');
    await files.poll();
    writeFileSync(partial, JSON.stringify({ Records: [docsDelete(7, new Date())] }));
    await files.poll();
    expect(eventIds()).toEqual([docsDelete(7, new Date()).eventID]);
  });

  it('a gzip bomb is refused, not decompressed whole', async () => {
    const files = source({ maxFileBytes: 64 * 1024 });
    await files.baseline();
    const dayDir = path.dirname(await deliver('y', []));
    const bomb = path.join(dayDir, '111122223333_CloudTrail_us-east-1_20261201T1000Z_bomb.json.gz');
    writeFileSync(bomb, gzipSync(Buffer.alloc(4 * 1024 * 1024, 0x20)));
    const old = new Date(Date.now() - 60_000);
    utimesSync(bomb, old, old);
    await files.poll();
    expect(batches.flat()).toEqual([]);
    expect(logs.some((line) => line.includes('bomb') && line.includes('unreadable'))).toBe(true);
  });
});
