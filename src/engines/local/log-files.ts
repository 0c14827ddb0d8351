import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { constants, gunzipSync } from 'node:zlib';
import { daysBetween } from '../../time/window.js';

/**
 * `wrapped`: CloudTrail's `{"Records":[...]}` delivery file. `array`: a JSON array of records.
 * `lines`: one record per line (or one pretty-printed record).
 */
export type FileFormat = 'wrapped' | 'array' | 'lines';

export interface LogFile {
  path: string;
  size: number;
  mtimeMs: number;
  format: FileFormat;
}

/**
 * Where the logs are. `trail`: the trail's S3 layout (`AWSLogs/<acct>/[<org>/]CloudTrail/<region>/YYYY/MM/DD/`),
 * read only for the days asked. `folder`: any folder of CloudTrail files, read whole.
 */
export type ArchiveLayout = { kind: 'trail'; regionDirs: string[] } | { kind: 'folder'; root: string };

const LOG_FILE = /\.(json|jsonl|ndjson)(\.gz)?$/i;

export async function detectLayout(logsDir: string): Promise<ArchiveLayout> {
  const root = path.resolve(logsDir);
  const awsLogs = path.basename(root) === 'AWSLogs' ? root : path.join(root, 'AWSLogs');
  const regionDirs: string[] = [];
  for (const account of await subdirectories(awsLogs)) {
    // Organization trails add one level: AWSLogs/<org-id>/<account>/CloudTrail.
    for (const candidate of [account, ...(await subdirectories(account))]) {
      const cloudTrail = path.join(candidate, 'CloudTrail');
      regionDirs.push(...(await subdirectories(cloudTrail)));
    }
  }
  return regionDirs.length > 0 ? { kind: 'trail', regionDirs: regionDirs.sort() } : { kind: 'folder', root };
}

/** The files that can hold events delivered on the given days (all files for a plain folder). */
export async function listLogFiles(layout: ArchiveLayout, days: { from: string; to: string }): Promise<string[]> {
  if (layout.kind === 'folder') return walk(layout.root);
  const files: string[] = [];
  for (const regionDir of layout.regionDirs) {
    for (const day of daysBetween(days.from, days.to)) {
      const dayDir = path.join(regionDir, ...day.split('/'));
      const names = await readdir(dayDir).catch(() => [] as string[]);
      for (const name of names.sort()) if (LOG_FILE.test(name)) files.push(path.join(dayDir, name));
    }
  }
  return files;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(full)));
    else if (entry.isFile() && LOG_FILE.test(entry.name)) files.push(full);
  }
  return files;
}

async function subdirectories(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name));
}

/** `<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz`, as CloudTrail names what it delivers. */
const CLOUDTRAIL_FILE_NAME = /^\d{12}_CloudTrail_[a-z0-9-]+_\d{8}T\d{4}Z_[A-Za-z0-9]+\.json\.gz$/;

/** A whole file up to this size is checked (a cut-off gzip this small is reported); larger ones are sniffed. */
const WHOLE_FILE_BYTES = 64 * 1024;
/** Enough of a large file to tell its shape. */
const HEAD_BYTES = 4 * 1024;

/**
 * Size, mtime and format of a file; format is sniffed from its first bytes (decompressed) unless
 * the name is CloudTrail's. Throws for a small gzip file that ends early (DuckDB reads a cut-off
 * stream as empty, not as an error); S3 objects arrive whole, so this matters for copied archives.
 */
export async function describeFile(filePath: string): Promise<LogFile> {
  const info = await stat(filePath);
  // CloudTrail's own delivery files always hold `{"Records":[...]}`: no need to open thousands of them to know.
  if (CLOUDTRAIL_FILE_NAME.test(path.basename(filePath))) {
    return { path: filePath, size: info.size, mtimeMs: info.mtimeMs, format: 'wrapped' };
  }
  const whole = info.size <= WHOLE_FILE_BYTES;
  const raw = await readPrefix(filePath, whole ? info.size : HEAD_BYTES);
  let text: string;
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      // A prefix decompresses as far as it goes (sync flush); a whole file must end properly.
      text = gunzipSync(raw, whole ? {} : { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf8');
    } catch (error) {
      throw new Error(`truncated or corrupt gzip (${error instanceof Error ? error.message : String(error)})`);
    }
  } else {
    text = raw.toString('utf8');
  }
  return { path: filePath, size: info.size, mtimeMs: info.mtimeMs, format: sniffFormat(text) };
}

export function sniffFormat(head: string): FileFormat {
  if (/^\s*\{\s*"Records"\s*:/.test(head)) return 'wrapped';
  if (/^\s*\[/.test(head)) return 'array';
  return 'lines';
}

async function readPrefix(filePath: string, bytes: number): Promise<Buffer> {
  const handle = await open(filePath, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Files stat'ed and sniffed at once: thousands at a time would exhaust memory and file handles. */
export const OPEN_FILES = 32;

/** `fn` over `items`, at most `limit` at a time, results in order. */
export async function mapWithLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** "Logs complete up to" is read from this many of the newest delivery files. */
const FRESHNESS_FILES = 16;

/**
 * The files whose newest event says how complete the logs are: in a trail layout the last files
 * (by name, which starts with the delivery time) of the newest day folder; a plain folder's files all count.
 */
export function newestDeliveryFiles<T extends { path: string }>(files: readonly T[], trailLayout: boolean): readonly T[] {
  if (!trailLayout || files.length === 0) return files;
  let lastFolder = '';
  for (const file of files) if (path.dirname(file.path) > lastFolder) lastFolder = path.dirname(file.path);
  return files
    .filter((f) => path.dirname(f.path) === lastFolder)
    .sort((a, b) => a.path.localeCompare(b.path))
    .slice(-FRESHNESS_FILES);
}
