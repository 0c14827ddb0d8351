import { execFileSync } from 'node:child_process';
import { rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { CheckedFiles, describeFile, statEntry } from '../../src/engines/local/log-files.js';
import { tempDir } from '../helpers/archive.js';

const made: string[] = [];
afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function setUp() {
  const dir = await tempDir('s3x-checked-files-');
  made.push(dir);
  const log = path.join(dir, 'a.json.gz');
  await writeFile(log, gzipSync('{"Records":[{"eventName":"DeleteObject"}]}'));
  return { dir, log, cacheFile: path.join(dir, 'data', 'checked-files.json') };
}

/** The stat the engine takes before a check (lstat-like: a link or FIFO is seen as what it is). */
async function statOf(filePath: string) {
  const info = await statEntry(filePath, {});
  if (!info) throw new Error(`no stat for ${filePath}`);
  return info;
}

/** What a later process finds kept for this file, as the engine asks (stat first). */
async function keptFor(cacheFile: string, filePath: string, options = {}) {
  const info = await statEntry(filePath, options);
  return info && (await CheckedFiles.load(cacheFile, options)).find(filePath, info);
}

describe('CheckedFiles', () => {
  it('keeps a passed check for the next process while the file is unchanged', async () => {
    const { log, cacheFile } = await setUp();
    const checked = await CheckedFiles.load(cacheFile, {});
    const file = await describeFile(log);
    checked.remember(file, await statOf(log));
    await checked.save();
    expect(await keptFor(cacheFile, log)).toEqual(file);
  });

  it('forgets a file whose size or mtime changed since its check', async () => {
    const { log, cacheFile } = await setUp();
    const checked = await CheckedFiles.load(cacheFile, {});
    checked.remember(await describeFile(log), await statOf(log));
    await checked.save();
    await utimes(log, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'));
    expect(await keptFor(cacheFile, log)).toBeUndefined();
  });

  it('checks again a file rewritten with its size kept and its mtime set back (ctime cannot be set back)', async () => {
    const { log, cacheFile } = await setUp();
    const checked = await CheckedFiles.load(cacheFile, {});
    const file = await describeFile(log);
    checked.remember(file, await statOf(log));
    await checked.save();
    const before = await statOf(log);
    const { mtimeNs } = await stat(log, { bigint: true });
    // Same length, other content: what an attacker who can write the archive would do to slip a file past the check.
    const original = gzipSync('{"Records":[{"eventName":"DeleteObject"}]}');
    const swapped = Buffer.from(original);
    swapped[swapped.length - 9] = (swapped[swapped.length - 9] ?? 0) ^ 0xff;
    await new Promise((resolve) => setTimeout(resolve, 20));
    await writeFile(log, swapped);
    // To the nanosecond, as utimensat(2) allows anyone who owns the file.
    const seconds = mtimeNs / 1_000_000_000n;
    const nanos = String(mtimeNs % 1_000_000_000n).padStart(9, '0');
    execFileSync('touch', ['-m', '-d', `@${seconds}.${nanos}`, log]);
    const after = await statOf(log);
    expect([after.size, after.mtimeMs]).toEqual([before.size, before.mtimeMs]);
    expect(await keptFor(cacheFile, log)).toBeUndefined();
  });

  it('never answers for a symbolic link or a FIFO put in place of a checked file', async () => {
    const { dir, log, cacheFile } = await setUp();
    const checked = await CheckedFiles.load(cacheFile, {});
    const file = await describeFile(log);
    const link = path.join(dir, 'link.json.gz');
    const fifo = path.join(dir, 'fifo.json.gz');
    await symlink(log, link);
    execFileSync('mkfifo', [fifo]);
    // Same size and mtime as the checked file: only the kind of file tells them apart.
    const linkInfo = await statOf(link);
    const fifoInfo = await statOf(fifo);
    checked.remember({ ...file, path: link, size: linkInfo.size, mtimeMs: linkInfo.mtimeMs }, linkInfo);
    checked.remember({ ...file, path: fifo, size: fifoInfo.size, mtimeMs: fifoInfo.mtimeMs }, fifoInfo);
    await checked.save();
    expect(await keptFor(cacheFile, link)).toBeUndefined();
    expect(await keptFor(cacheFile, fifo)).toBeUndefined();
  });

  it('keeps nothing across different read options', async () => {
    const { log, cacheFile } = await setUp();
    const checked = await CheckedFiles.load(cacheFile, {});
    checked.remember(await describeFile(log), await statOf(log));
    await checked.save();
    expect(await keptFor(cacheFile, log, { maxFileBytes: 10 })).toBeUndefined();
  });

  it('starts empty from a missing or corrupt file', async () => {
    const { log, cacheFile } = await setUp();
    expect(await keptFor(cacheFile, log)).toBeUndefined();
    const checked = await CheckedFiles.load(cacheFile, {});
    checked.remember(await describeFile(log), await statOf(log));
    await checked.save();
    await writeFile(cacheFile, '{not json');
    expect(await keptFor(cacheFile, log)).toBeUndefined();
  });

  it('ignores a kept entry of the wrong shape', async () => {
    const { log, cacheFile } = await setUp();
    const checked = await CheckedFiles.load(cacheFile, {});
    checked.remember({ ...(await describeFile(log)), format: 'yaml' as 'lines' }, await statOf(log));
    await checked.save();
    expect(await keptFor(cacheFile, log)).toBeUndefined();
  });
});
