import { randomUUID } from 'node:crypto';
import { constants as fsConstants, lstat as lstatCallback, type Stats, stat as statCallback } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { createGunzip, gunzip } from 'node:zlib';
import { DEFAULT_MAX_LOG_FILE_BYTES } from '../../defaults.js';

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
  /** Bytes once decompressed: the largest JSON value DuckDB must hold for this file. */
  textBytes: number;
}

/**
 * Where the logs are. `trail`: the trail's S3 layout (`AWSLogs/<acct>/[<org>/]CloudTrail/<region>/YYYY/MM/DD/`),
 * read only for the days asked. `folder`: any folder of CloudTrail files, read whole.
 */
export type ArchiveLayout = { kind: 'trail'; regionDirs: string[] } | { kind: 'folder'; root: string };

/** How the archive is read (S3X_FOLLOW_SYMLINKS, S3X_MAX_LOG_FILE_MB). */
export interface ReadOptions {
  /** Read files and folders that are symbolic links; off, a link is listed as skipped. */
  followSymlinks?: boolean;
  /** A file's largest size once decompressed (default READ_LIMITS.decompressedBytes). */
  maxFileBytes?: number;
}

/** The options that decide how files are read, out of a larger options object. */
export function readOptionsOf(options: ReadOptions): ReadOptions {
  return { followSymlinks: options.followSymlinks, maxFileBytes: options.maxFileBytes };
}

const LOG_FILE = /\.(json|jsonl|ndjson)(\.gz)?$/i;

/**
 * What one log file may be before DuckDB is let near it. Whoever can write the log bucket chooses
 * these files, and DuckDB holds a whole delivery file (one JSON object) in memory, crashes on very
 * deep nesting, and cannot be interrupted while it waits on a FIFO; so every file is checked first,
 * streaming, in bounded memory (see docs/THREAT-MODEL.md, hostile log archives).
 */
export const READ_LIMITS = {
  /**
   * Size on disk and once decompressed (the default of S3X_MAX_LOG_FILE_MB): a gzip bomb stops here,
   * a larger file is refused before it is opened for reading. DuckDB holds
   * a whole delivery file, two buffers of it per thread and its parse, so this bounds the memory of
   * a question: a 31 MB file peaked at about 380 MB RSS, a 63 MB one at about 580 MB.
   */
  decompressedBytes: DEFAULT_MAX_LOG_FILE_BYTES,
  /** One record (or one string anywhere): real records are a few KB, large ones a few hundred. */
  recordBytes: 4 * 1024 * 1024,
  /** Nesting of objects and arrays: real records go about 10 deep; DuckDB's reader crashed at about 70,000. */
  depth: 128,
} as const;

/**
 * A folder listing is trusted to hold what the folder holds while the folder's mtime stays the
 * same only when that mtime was older than this when it was listed: a file system with coarse
 * timestamps could add a file within the same tick.
 */
export const SETTLED_MS = 2000;

/** A file s3x will not read, with a reason that is safe to show (it never quotes the file's content). */
export class UnreadableFileError extends Error {}

/**
 * Where the logs are, found by listing the folders there are. `listed`, when given, gets every
 * folder read (listed or found missing), for a caller that reuses the layout while they stay as they were.
 */
export async function detectLayout(logsDir: string, options: ReadOptions = {}, listed?: string[]): Promise<ArchiveLayout> {
  const root = path.resolve(logsDir);
  const awsLogs = path.basename(root) === 'AWSLogs' ? root : path.join(root, 'AWSLogs');
  const regionDirs: string[] = [];
  for (const account of await subdirectories(awsLogs, options, listed)) {
    // Organization trails add one level: AWSLogs/<org-id>/<account>/CloudTrail.
    for (const candidate of [account, ...(await subdirectories(account, options, listed))]) {
      const cloudTrail = path.join(candidate, 'CloudTrail');
      regionDirs.push(...(await subdirectories(cloudTrail, options, listed)));
    }
  }
  return regionDirs.length > 0 ? { kind: 'trail', regionDirs: regionDirs.sort() } : { kind: 'folder', root };
}

/**
 * The files that can hold events delivered on the given days (all files for a plain folder).
 * Every entry with a log file's name is listed, whatever its type, so that a symbolic link or a
 * FIFO is reported as skipped by describeFile rather than silently missing.
 */
export async function listLogFiles(
  layout: ArchiveLayout,
  days: { from: string; to: string },
  options: ReadOptions = {},
): Promise<string[]> {
  if (layout.kind === 'folder') return walk(layout.root, options, new Set());
  const files: string[] = [];
  for (const regionDir of layout.regionDirs) {
    for (const dayDir of await dayFolders(regionDir, days, options)) files.push(...(await logFilesIn(dayDir)));
  }
  return files;
}

/** The entries of one day folder named like log files (of any type but folder), by name. */
export async function logFilesIn(dayDir: string): Promise<string[]> {
  const entries = await readdir(dayDir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => LOG_FILE.test(entry.name) && !entry.isDirectory())
    .sort(byName)
    .map((entry) => path.join(dayDir, entry.name));
}

/** The `YYYY/MM/DD` of a day folder under `regionDir`, or undefined when `dir` is not one. */
export function dayOfFolder(regionDir: string, dir: string): string | undefined {
  // Both as detectLayout and the listings make them (absolute, normalized): no path.relative, which resolves both.
  if (!dir.startsWith(regionDir + path.sep)) return undefined;
  const relative = dir.slice(regionDir.length + 1).replaceAll(path.sep, '/');
  return /^\d{4}\/\d{2}\/\d{2}$/.test(relative) ? relative : undefined;
}

/**
 * The `YYYY/MM/DD` folders under a region folder that exist and fall in `days`: found by listing
 * the year, month and day folders there are (a few readdirs), never by enumerating the days of
 * the window, so a window of centuries costs what the archive holds. `listed`: as detectLayout's.
 */
export async function dayFolders(
  regionDir: string,
  days: { from: string; to: string },
  options: ReadOptions = {},
  listed?: string[],
): Promise<string[]> {
  const [fromYear, fromMonth] = days.from.split('/');
  const [toYear, toMonth] = days.to.split('/');
  const folders: string[] = [];
  for (const year of await numberedDirs(regionDir, 4, options, listed)) {
    if (year < (fromYear as string) || year > (toYear as string)) continue;
    for (const month of await numberedDirs(path.join(regionDir, year), 2, options, listed)) {
      const yearMonth = `${year}/${month}`;
      if (yearMonth < `${fromYear}/${fromMonth}` || yearMonth > `${toYear}/${toMonth}`) continue;
      for (const day of await numberedDirs(path.join(regionDir, year, month), 2, options, listed)) {
        const date = `${yearMonth}/${day}`;
        if (date >= days.from && date <= days.to) folders.push(path.join(regionDir, year, month, day));
      }
    }
  }
  return folders;
}

async function numberedDirs(dir: string, digits: number, options: ReadOptions, listed?: string[]): Promise<string[]> {
  const pattern = new RegExp(`^\\d{${digits}}$`);
  return (await subdirectories(dir, options, listed))
    .map((full) => path.basename(full))
    .filter((name) => pattern.test(name))
    .sort();
}

async function walk(dir: string, options: ReadOptions, seen: Set<string>): Promise<string[]> {
  // With symbolic links followed, a link back up the tree must not loop.
  const identity = await stat(dir).then(
    (info) => `${info.dev}:${info.ino}`,
    () => dir,
  );
  if (seen.has(identity)) return [];
  seen.add(identity);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries.sort(byName)) {
    const full = path.join(dir, entry.name);
    if (await isDirectory(full, entry, options)) files.push(...(await walk(full, options, seen)));
    else if (LOG_FILE.test(entry.name)) files.push(full);
  }
  return files;
}

async function subdirectories(dir: string, options: ReadOptions, listed?: string[]): Promise<string[]> {
  listed?.push(dir);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const dirs: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (await isDirectory(full, entry, options)) dirs.push(full);
  }
  return dirs;
}

/** A directory entry that is a folder; a symbolic link to one only when links are followed. */
async function isDirectory(full: string, entry: { isDirectory(): boolean; isSymbolicLink(): boolean }, options: ReadOptions) {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink() || !options.followSymlinks) return false;
  return stat(full).then(
    (info) => info.isDirectory(),
    () => false,
  );
}

/**
 * A file's size and mtime as s3x would read it: of the link itself unless links are followed.
 * Every file of a question's window is stat'ed for every question (the stat is what tells a file
 * changed), so the callback form: about half the main-thread CPU of the promise form's wrapping,
 * and unlike a sync stat it never holds the event loop (the app's acks) on a slow disk.
 */
export function statEntry(filePath: string, options: ReadOptions): Promise<Stats | undefined> {
  return new Promise((resolve) =>
    (options.followSymlinks ? statCallback : lstatCallback)(filePath, (error, info) => resolve(error ? undefined : info)),
  );
}

/** A folder's stat, as statEntry's (the callback form): a link to a folder followed, as readdir follows it. */
export function statFolder(dir: string): Promise<Stats | undefined> {
  return statEntry(dir, { followSymlinks: true });
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** `<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz`, as CloudTrail names what it delivers. */
const CLOUDTRAIL_FILE_NAME = /^\d{12}_CloudTrail_[a-z0-9-]+_\d{8}T\d{4}Z_[A-Za-z0-9]+\.json\.gz$/;

/**
 * Read and inflated in chunks this large: each chunk is a trip between the thread pool and the
 * event loop (zlib's default is 16 KB), and the check's cost per chunk is fixed (about 10% less CPU
 * per check than 64 KB reads inflated in 16 KB chunks).
 */
const CHECK_CHUNK_BYTES = 256 * 1024;

const gunzipOnce = promisify(gunzip);

/** Decompressed text looked at to tell a file's shape. */
const HEAD_BYTES = 4 * 1024;

/**
 * Size, mtime and format of a regular log file, after reading it whole, streaming: its format is
 * sniffed from its first bytes (decompressed) unless the name is CloudTrail's, and its shape is
 * checked against READ_LIMITS. Throws UnreadableFileError for anything else: a symbolic link
 * (unless followed), a FIFO or other special file, a gzip stream that ends early (DuckDB reads a
 * cut-off stream as empty, not as an error), or a file past a limit.
 */
export async function describeFile(filePath: string, options: ReadOptions = {}): Promise<LogFile> {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: a link is refused at open, not checked before it.
  const flags = fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | (options.followSymlinks ? 0 : fsConstants.O_NOFOLLOW);
  const handle = await open(filePath, flags).catch((error: NodeJS.ErrnoException) => {
    throw new UnreadableFileError(openFailure(error));
  });
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new UnreadableFileError(`not a regular file (${fileKind(info)})`);
    const maxFileBytes = options.maxFileBytes ?? READ_LIMITS.decompressedBytes;
    // Compressed data is never larger than what it inflates to: a file this large on disk is too large.
    if (info.size > maxFileBytes) {
      throw new UnreadableFileError(`larger than ${mb(maxFileBytes)} (S3X_MAX_LOG_FILE_MB)`);
    }
    const named = CLOUDTRAIL_FILE_NAME.test(path.basename(filePath)) ? 'wrapped' : undefined;
    if (info.size <= ONE_READ_BYTES) {
      const shape = await checkInOneRead(handle, info.size, named, maxFileBytes);
      if (shape) return { path: filePath, size: info.size, mtimeMs: info.mtimeMs, format: shape.format, textBytes: shape.bytes };
    }
    const magic = Buffer.alloc(2);
    await handle.read(magic, 0, 2, 0);
    const gzipped = magic[0] === 0x1f && magic[1] === 0x8b;
    const raw = handle.createReadStream({ start: 0, autoClose: false, highWaterMark: CHECK_CHUNK_BYTES });
    const text = gzipped ? raw.pipe(createGunzip({ chunkSize: CHECK_CHUNK_BYTES })) : raw;
    raw.on('error', (error) => text.destroy(error));
    let head = Buffer.alloc(0);
    let shape: JsonShape | undefined;
    try {
      for await (const chunk of text as AsyncIterable<Buffer>) {
        if (!shape) {
          head = Buffer.concat([head, chunk]);
          if (head.length < HEAD_BYTES) continue;
          shape = new JsonShape(named ?? sniffFormat(head.toString('utf8')), maxFileBytes);
          shape.push(head);
        } else {
          shape.push(chunk);
        }
      }
    } catch (error) {
      if (error instanceof UnreadableFileError) throw error;
      throw new UnreadableFileError(gzipped ? 'truncated or corrupt gzip' : 'could not be read to the end');
    } finally {
      raw.destroy();
      text.destroy();
    }
    if (!shape) {
      shape = new JsonShape(named ?? sniffFormat(head.toString('utf8')), maxFileBytes);
      shape.push(head);
    }
    return { path: filePath, size: info.size, mtimeMs: info.mtimeMs, format: shape.format, textBytes: shape.bytes };
  } finally {
    await handle.close();
  }
}

/**
 * A file this small on disk (most delivery files: a few KB to a few hundred) is read in one read
 * and inflated in one call, when it inflates to at most ONE_READ_TEXT_BYTES: a stream per file
 * (its buffers, a trip to the thread pool per chunk) cost more than the inflating and the walk.
 */
const ONE_READ_BYTES = 1024 * 1024;
const ONE_READ_TEXT_BYTES = 8 * 1024 * 1024;

/**
 * The shape of a small file read whole (the same walk, in the same chunks, as the streaming read),
 * or undefined when it inflates to more than ONE_READ_TEXT_BYTES (or grew since its stat): then it is streamed, in bounded memory.
 */
async function checkInOneRead(
  handle: FileHandle,
  size: number,
  named: FileFormat | undefined,
  maxFileBytes: number,
): Promise<JsonShape | undefined> {
  // One byte more than the stat said: a file that grew since is streamed, so the check covers all it holds.
  const raw = Buffer.allocUnsafe(size + 1);
  let read = 0;
  while (read <= size) {
    const { bytesRead } = await handle.read(raw, read, size + 1 - read, read);
    if (bytesRead === 0) break;
    read += bytesRead;
  }
  if (read > size) return undefined;
  const bytes = raw.subarray(0, read);
  let text: Buffer;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      const maxOutputLength = Math.min(ONE_READ_TEXT_BYTES, maxFileBytes + 1);
      // Output in one chunk (one trip back from the thread pool): gzip's trailer says the size (a hint only, bounded).
      const chunkSize = Math.min(
        maxOutputLength,
        Math.max(64 * 1024, bytes.length >= 4 ? bytes.readUInt32LE(bytes.length - 4) + 1 : 0),
      );
      text = await gunzipOnce(bytes, { maxOutputLength, chunkSize });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return undefined;
      throw new UnreadableFileError('truncated or corrupt gzip');
    }
  } else {
    text = bytes;
  }
  const shape = new JsonShape(named ?? sniffFormat(text.subarray(0, HEAD_BYTES).toString('utf8')), maxFileBytes);
  for (let at = 0; at < text.length; at += CHECK_CHUNK_BYTES) shape.push(text.subarray(at, at + CHECK_CHUNK_BYTES));
  return shape;
}

/**
 * Checks that passed in earlier processes (`s3x` in a terminal is one process per question), kept
 * in a JSON file in the data dir: a regular file whose path, size, mtime, inode and ctime are those
 * it had when its check passed is not read again. ctime and the inode are in the key because anyone
 * who can write a log file can set its mtime back; neither can be set by hand. Anything else is checked again: a file changed since, a
 * symbolic link or FIFO in its place (statEntry does not see a regular file), and every file once
 * the read options differ. Files found unreadable are never kept.
 */
export class CheckedFiles {
  private changed = false;

  private constructor(
    private readonly file: string,
    private readonly options: string,
    private readonly files: Map<string, KeptCheck>,
  ) {}

  /** The checks kept in `file` for these read options; none when it is missing, unreadable or for other options. */
  static async load(file: string, readOptions: ReadOptions): Promise<CheckedFiles> {
    const options = JSON.stringify(readOptionsOf(readOptions));
    const kept = await readFile(file, 'utf8')
      .then((text) => JSON.parse(text) as { options?: string; files?: unknown[] })
      .catch(() => ({}) as { options?: string; files?: unknown[] });
    const files = kept.options === options && Array.isArray(kept.files) ? kept.files.filter(isKeptCheck) : [];
    return new CheckedFiles(file, options, new Map(files.map((f) => [f.path, f])));
  }

  /** The kept check of this file, if it is still the same regular file. */
  find(filePath: string, info: Stats): LogFile | undefined {
    const kept = this.files.get(filePath);
    if (!kept || !info.isFile()) return undefined;
    const { ino, ctimeMs, ...file } = kept;
    const same = info.size === file.size && info.mtimeMs === file.mtimeMs && info.ino === ino && info.ctimeMs === ctimeMs;
    return same ? file : undefined;
  }

  /** A passed check, with the stat taken before it (a file changed in between no longer matches: checked again). */
  remember(file: LogFile, before: Pick<Stats, 'ino' | 'ctimeMs'>): void {
    this.files.set(file.path, { ...file, ino: before.ino, ctimeMs: before.ctimeMs });
    this.changed = true;
  }

  /** Written whole and renamed into place, so a concurrent reader sees the old file or the new one. */
  async save(): Promise<void> {
    if (!this.changed) return;
    await mkdir(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${randomUUID()}.tmp`;
    await writeFile(temporary, JSON.stringify({ options: this.options, files: [...this.files.values()] }));
    await rename(temporary, this.file);
    this.changed = false;
  }
}

type KeptCheck = LogFile & { ino: number; ctimeMs: number };

/** A kept check as written by CheckedFiles.save; anything else in the file is ignored (and checked again). */
function isKeptCheck(value: unknown): value is KeptCheck {
  const file = value as Partial<KeptCheck> | null;
  return (
    typeof file?.path === 'string' &&
    typeof file.ino === 'number' &&
    typeof file.ctimeMs === 'number' &&
    typeof file.size === 'number' &&
    typeof file.mtimeMs === 'number' &&
    typeof file.textBytes === 'number' &&
    (file.format === 'wrapped' || file.format === 'array' || file.format === 'lines')
  );
}

export function sniffFormat(head: string): FileFormat {
  if (/^\s*\{\s*"Records"\s*:/.test(head)) return 'wrapped';
  if (/^\s*\[/.test(head)) return 'array';
  return 'lines';
}

/** 1 for the bytes the shape follows outside strings: a quote, and the brackets `{ } [ ]`. */
const STRUCTURE = new Uint8Array(256);
for (const byte of [0x22, 0x7b, 0x7d, 0x5b, 0x5d]) STRUCTURE[byte] = 1;

/**
 * Follows the structure of JSON text chunk by chunk (strings, nesting) without parsing it, and
 * throws UnreadableFileError as soon as the text passes a READ_LIMITS bound. A record is a value
 * opened at the format's record depth: inside `Records` for a delivery file, inside the array for
 * an array, at the top level for lines.
 */
class JsonShape {
  private readonly recordDepth: number;
  private depth = 0;
  private inString = false;
  /** Inside a string, the bytes read so far end in an unfinished escape (an odd run of backslashes). */
  private escaped = false;
  /** Offsets (in decompressed bytes) where the current record and string started, or -1. */
  private recordStart = -1;
  private stringStart = -1;
  private offset = 0;

  constructor(
    readonly format: FileFormat,
    private readonly maxBytes: number,
  ) {
    this.recordDepth = format === 'wrapped' ? 2 : format === 'array' ? 1 : 0;
  }

  push(chunk: Buffer): void {
    if (this.offset + chunk.length > this.maxBytes) {
      throw new UnreadableFileError(`more than ${mb(this.maxBytes)} once decompressed (S3X_MAX_LOG_FILE_MB)`);
    }
    let i = 0;
    if (this.inString) {
      const end = this.closingQuote(chunk, 0);
      i = end === -1 ? chunk.length : end + 1;
      if (end !== -1) this.inString = false;
    }
    while (i < chunk.length) {
      // Skip to the next quote or bracket: a plain byte loop, no copy of the chunk (strings are
      // skipped natively by closingQuote's indexOf).
      let byte = chunk[i] as number;
      while (STRUCTURE[byte] === 0 && ++i < chunk.length) byte = chunk[i] as number;
      if (i >= chunk.length) break;
      if (byte === 0x22) {
        // A string, skipped to its closing quote; one that runs past the chunk is followed into the next.
        this.inString = true;
        this.escaped = false;
        this.stringStart = this.offset + i;
        const end = this.closingQuote(chunk, i + 1);
        if (end === -1) break;
        this.inString = false;
        i = end + 1;
        continue;
      }
      if (byte === 0x7b || byte === 0x5b) {
        if (this.depth === this.recordDepth) this.recordStart = this.offset + i;
        if (++this.depth > READ_LIMITS.depth) {
          throw new UnreadableFileError(`nested more than ${READ_LIMITS.depth} levels deep`);
        }
      } else if (this.depth > 0) {
        if (--this.depth === this.recordDepth) {
          this.checkRecord(this.offset + i + 1);
          this.recordStart = -1;
        }
      }
      i++;
    }
    this.offset += chunk.length;
    // Checked per chunk: a record or string may run past the bound by at most one chunk before it is caught.
    this.checkRecord(this.offset);
    if (this.inString && this.offset - this.stringStart > READ_LIMITS.recordBytes) {
      throw new UnreadableFileError(`holds a value larger than ${mb(READ_LIMITS.recordBytes)}`);
    }
  }

  /**
   * The index of the quote that closes the string being read, from `from` on; -1 when the string
   * runs past the chunk (then `escaped` says whether the chunk ended inside an escape). A quote
   * ends the string when an even number of backslashes precedes it.
   */
  private closingQuote(chunk: Buffer, from: number): number {
    for (let search = from; ; ) {
      const quote = chunk.indexOf(0x22, search);
      const stop = quote === -1 ? chunk.length : quote;
      let backslashes = 0;
      while (stop - backslashes - 1 >= search && chunk[stop - backslashes - 1] === 0x5c) backslashes++;
      // A run that reaches back to where this search began continues one carried from before it.
      const carried = stop - backslashes === search && this.escaped ? 1 : 0;
      const odd = (backslashes + carried) % 2 === 1;
      if (quote === -1) {
        this.escaped = odd;
        return -1;
      }
      if (!odd) return quote;
      this.escaped = false;
      search = quote + 1;
    }
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.offset;
  }

  private checkRecord(end: number): void {
    if (this.recordStart >= 0 && end - this.recordStart > READ_LIMITS.recordBytes) {
      throw new UnreadableFileError(`holds a record larger than ${mb(READ_LIMITS.recordBytes)}`);
    }
  }
}

function openFailure(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ELOOP':
      return 'a symbolic link (not followed unless S3X_FOLLOW_SYMLINKS=true)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'gone before it could be read';
    default:
      return `could not be opened (${error.code ?? 'error'})`;
  }
}

function fileKind(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isDirectory()) return 'a folder';
  return 'a special file';
}

function mb(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}

/**
 * Why a file could not be read, safe to show: s3x's own reasons as they are; DuckDB's reduced to
 * the kind of problem and where, because DuckDB quotes the offending value (a string the writer
 * of the file chose) in its messages.
 */
export function unreadableReason(error: unknown): string {
  if (error instanceof UnreadableFileError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  const at = /at byte (\d+)/.exec(message)?.[1];
  const record = /in record\/value (\d+)/.exec(message)?.[1];
  const where = [at ? `at byte ${at}` : '', record ? `in record ${record}` : ''].filter(Boolean).join(' ');
  if (/Malformed JSON/i.test(message)) return `malformed JSON${where ? ` ${where}` : ''}`;
  if (/transform error|Could not convert|Failed to cast|Conversion Error/i.test(message)) {
    return `a field has a value of the wrong type${where ? ` (${where})` : ''}`;
  }
  if (/maximum_object_size|object.*too large/i.test(message)) return 'holds a JSON value larger than DuckDB may read';
  if (/gzip|zlib|decompress/i.test(message)) return 'truncated or corrupt gzip';
  if (/out of memory|memory limit/i.test(message)) return 'reading it needed more memory than s3x allows';
  const kind = /^([A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*)* Error):/.exec(message)?.[1];
  return `DuckDB could not read it${kind ? ` (${kind})` : ''}`;
}

/** Files stat'ed and sniffed at once: thousands at a time would exhaust memory and file handles. */
export const OPEN_FILES = 32;

/**
 * Files read whole to check them at once: gunzip runs on libuv's four threads, so more in flight
 * only holds more buffers (over 2,000 files, 8 at once ended about 20 MB lower in RSS than 32, in the same time).
 */
export const CHECKING_FILES = 8;

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
