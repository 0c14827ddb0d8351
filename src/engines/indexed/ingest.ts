import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { RECORD_COLUMNS } from '../../cloudtrail/record-schema.js';
import { EngineError } from '../../errors.js';
import type { ScanStats, UnreadableFile } from '../engine.js';
import { duckdb } from '../local/duckdb.js';
import {
  type ArchiveLayout,
  describeFile,
  detectLayout,
  type LogFile,
  listLogFiles,
  logFilesIn,
  mapWithLimit,
  newestDeliveryFiles,
  OPEN_FILES,
  type ReadOptions,
  readOptionsOf,
  SETTLED_MS,
  statEntry,
  statFolder,
  unreadableReason,
} from '../local/log-files.js';
import { ScratchDuckDb } from '../local/scratch-duckdb.js';
import {
  athenaColumns,
  duckDbJsonPath,
  partitionsFromRecord,
  quoteLiteral,
  readRecords,
  readWrapped,
  regionFromPath,
  TRINO_COMPAT_MACROS,
} from '../local/view.js';
import { rewriteForIndex } from './rewrite.js';
import {
  ACTIVITY_ROLLUP_EXPRESSIONS,
  ACTIVITY_ROLLUP_TABLE,
  createTablesSql,
  DAY_NUMBERS_AT_INGEST,
  EXTRACTED_COLUMNS,
  HASHED_COLUMNS,
  INDEX_SCHEMA_VERSION,
  INDEX_TABLE,
  KEY_HASH_PROBE,
  OUTSIDE_ROLLUP_AT_INGEST,
} from './schema.js';

/** What one ingest did. */
export interface IngestResult {
  /** Files read into the index (new, or changed since they were read). */
  filesRead: number;
  /** Files already in the index, unchanged. */
  filesSkipped: number;
  /** Files that could not be read this time; they stay out of the index until they change. */
  unreadableFiles: UnreadableFile[];
  /** Files gone from disk since they were read; their records were removed. */
  filesRemoved: number;
  /** Records added. */
  events: number;
  elapsedMs: number;
  eventsPerSec: number;
}

export interface IngestProgress {
  filesDone: number;
  /** New and changed files, less those found unreadable so far (files are checked as the ingest goes). */
  filesToRead: number;
  events: number;
}

export interface IngestArchiveOptions extends ReadOptions {
  logsDir: string;
  indexPath: string;
  /** Milliseconds clock, injected for the elapsed-time figures. */
  clock?: () => number;
  /** Files per transaction (default: about 32 MB of files, at most 4096). */
  batchFiles?: number;
  /** Called after each committed batch. */
  onProgress?: (progress: IngestProgress) => void;
}

/** One file as the index knows it. */
export interface KnownFile {
  path: string;
  size: number;
  mtimeMs: number;
  records: number;
  newest: string | null;
  fileId: number;
  unreadable: string | null;
}

/** What the index holds of some files, as a question's footer counts them. */
export type FilesSummary = Required<Pick<ScanStats, 'filesScanned' | 'eventsScanned' | 'bytesScanned'>> &
  Pick<ScanStats, 'unreadableFiles' | 'newestEventTime'>;

/**
 * The files read (not unreadable) counted, the unreadable ones listed in order, and the newest
 * event in the newest delivery files of those read (see newestDeliveryFiles; `trailLayout`: the
 * files are one day folder's).
 */
export function summarizeFiles(files: readonly KnownFile[], trailLayout: boolean): FilesSummary {
  const readable = files.filter((f) => f.unreadable === null);
  let newestEventTime: string | undefined;
  for (const file of newestDeliveryFiles(readable, trailLayout))
    if (file.newest && (!newestEventTime || file.newest > newestEventTime)) newestEventTime = file.newest;
  return {
    filesScanned: readable.length,
    unreadableFiles: files.flatMap((f) => (f.unreadable === null ? [] : [{ path: f.path, reason: f.unreadable }])),
    eventsScanned: readable.reduce((sum, f) => sum + f.records, 0),
    bytesScanned: readable.reduce((sum, f) => sum + f.size, 0),
    ...(newestEventTime ? { newestEventTime } : {}),
  };
}

interface FileToRead extends LogFile {
  fileId: number;
  /** The id its records had before it changed (they are replaced in the same transaction). */
  previousFileId?: number;
}

/** What the ingest commits next: a batch of checked files, or one file that failed the check. */
type IngestStep = { kind: 'batch'; batch: FileToRead[] } | { kind: 'unreadable'; file: FileToRead; reason: string };

/**
 * A transaction holds at least this much of compressed log files (a couple of hundred CloudTrail
 * files, some 200k records), then ends where a day folder ends: each batch is sorted as one run, so
 * a day read in one batch lies in one run and a question skips more of its row groups (at 10M
 * events a day in two runs made who-deleted's scans read 40% more rows). Enough that DuckDB writes
 * straight to the file rather than through the WAL.
 */
export const BATCH_BYTES = 32 * 1024 * 1024;
/** A batch ends here even within a day folder, so that reading and sorting it stays within MEMORY_LIMIT. */
const MAX_BATCH_BYTES = 2 * BATCH_BYTES;
const BATCH_MAX_FILES = 4096;
const MEMORY_LIMIT = '2GB';
/** Files checked between two looks at whether a batch is full (OPEN_FILES of them at a time). */
const DESCRIBE_CHUNK = 4 * OPEN_FILES;
/** The index's catalog name inside its DuckDB instance. */
const INDEX_CATALOG = 's3x_index';
/**
 * Rows per row group (DuckDB's default is 122,880). Records are sorted by day, source, bucket and
 * operation (then principal) as they are ingested, so with small row groups a question skips, by their min/max
 * statistics, the row groups of other buckets and operations, not just of other days.
 */
const ROW_GROUP_ROWS = 16_384;

/**
 * Read the whole archive at `logsDir` into the DuckDB file at `indexPath` (created if missing).
 * Incremental: only files not in the index yet, or whose size or mtime changed, are read; files
 * gone from disk are removed. Each batch of files is one transaction (file rows and records
 * together), so an interrupted ingest never leaves part of a file behind.
 */
export async function ingestArchive(options: IngestArchiveOptions): Promise<IngestResult> {
  const readOptions = readOptionsOf(options);
  const index = await ArchiveIndex.open({ indexPath: options.indexPath, logsDir: options.logsDir, ...readOptions });
  try {
    const layout = await detectLayout(options.logsDir, readOptions);
    return await index.ingest(await listArchive(layout, readOptions), {
      checkChanges: true,
      scope: 'all',
      clock: options.clock,
      batchFiles: options.batchFiles,
      onProgress: options.onProgress,
    });
  } finally {
    await index.close();
  }
}

/** Every log file of the archive: all day folders of a trail layout, or the whole folder. */
export function listArchive(layout: ArchiveLayout, options: ReadOptions = {}): Promise<string[]> {
  // Day folders are found from what exists, so the widest range lists only the folders there are.
  return listLogFiles(layout, { from: '0000/00/00', to: '9999/99/99' }, options);
}

export interface IngestOptions {
  /** Stat every known file to find changed ones (a full ingest); otherwise only new and unreadable files are looked at. */
  checkChanges: boolean;
  /**
   * Which known files the listing covers, so those missing from it are removed: `folders`, those
   * in the listed folders (a question's day folders); `all`, every file (the whole archive listed).
   */
  scope: 'folders' | 'all';
  /** Folders listed even when empty (a trail layout's day folders), so files of a removed folder go too. */
  folders?: readonly string[];
  clock?: () => number;
  batchFiles?: number;
  onProgress?: (progress: IngestProgress) => void;
}

/**
 * A DuckDB file holding CloudTrail records in a table laid out like the local view, and the files
 * they came from. Ingests are serialized; questions read committed data on their own connections.
 */
export class ArchiveIndex {
  private readonly known = new Map<string, KnownFile>();
  /** Known files by folder, so a question's folders are checked without going through every file. */
  private readonly byFolder = new Map<string, Set<string>>();
  /** Summaries of folders' known files, made when first asked for after a change. */
  private readonly summaries = new Map<string, FilesSummary>();
  /**
   * Folders whose files the index holds exactly as listed, with the folder's mtime then and the
   * wall-clock time of the listing; dropped when a file of the folder is remembered or forgotten.
   */
  private readonly synced = new Map<string, { mtimeMs: number; listedAt: number }>();
  private nextFileId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private writes = 0;

  private constructor(
    private readonly db: ScratchDuckDb,
    readonly logsDir: string,
    private readonly regionAndDay: 'path' | 'record',
    private readonly readOptions: ReadOptions,
  ) {}

  /**
   * Ingests that wrote to the index (or tried to) so far. DuckDB plans with the tables' statistics
   * and does not plan a prepared statement again when they change: one prepared before a write may
   * read the new rows wrongly (seen: text cut short), so statements are prepared again after one.
   */
  get writeCount(): number {
    return this.writes;
  }

  /** A connection whose default catalog is the index (each question and ingest uses its own). */
  async connect(): Promise<DuckDBConnection> {
    const connection = await this.db.instance.connect();
    await connection.run(`USE ${INDEX_CATALOG}`);
    return connection;
  }

  /** Open (or create) the index file for the archive at `logsDir`. An index of another archive is refused. */
  static async open(options: { indexPath: string; logsDir: string } & ReadOptions): Promise<ArchiveIndex> {
    const logsDir = path.resolve(options.logsDir);
    const readOptions = readOptionsOf(options);
    const layout = await detectLayout(logsDir, readOptions);
    await mkdir(path.dirname(path.resolve(options.indexPath)), { recursive: true });
    // DuckDB's default (80% of RAM) let a 10M-event ingest grow to 6 GB; 2 GB reads and sorts a
    // batch without spilling (a 340k-event batch needs about 0.8 GB; MAX_BATCH_BYTES, about 500k, 1.2 GB).
    const db = await ScratchDuckDb.open(MEMORY_LIMIT);
    const index = new ArchiveIndex(db, logsDir, layout.kind === 'trail' ? 'path' : 'record', readOptions);
    try {
      const connection = await db.instance.connect();
      try {
        await connection.run(`ATTACH ${quoteLiteral(options.indexPath)} AS ${INDEX_CATALOG} (ROW_GROUP_SIZE ${ROW_GROUP_ROWS})`);
      } catch (error) {
        throw new EngineError(
          `Could not open the index ${options.indexPath} (is another s3x process using it?).`,
          errorDetail(error),
        );
      } finally {
        connection.closeSync();
      }
      await index.prepare();
    } catch (error) {
      await db.close();
      throw error;
    }
    return index;
  }

  private async prepare(): Promise<void> {
    const connection = await this.connect();
    try {
      for (const statement of createTablesSql()) await connection.run(statement);
      for (const macro of TRINO_COMPAT_MACROS) await connection.run(macro);
      const meta = new Map(
        (await connection.runAndReadAll('SELECT name, value FROM index_meta'))
          .getRowObjectsJS()
          .map((row) => [String(row.name), String(row.value)]),
      );
      const probe = await connection.runAndReadAll('SELECT CAST(hash(CAST(? AS VARCHAR)) AS VARCHAR) AS probe', [KEY_HASH_PROBE]);
      const expected = {
        schema: INDEX_SCHEMA_VERSION,
        logs_dir: this.logsDir,
        region_and_day: this.regionAndDay,
        key_hash_probe: String(probe.getRowObjectsJS()[0]?.probe),
      };
      if (meta.size === 0) {
        for (const [name, value] of Object.entries(expected)) {
          await connection.run('INSERT INTO index_meta VALUES (?, ?)', [name, value]);
        }
      } else {
        for (const [name, value] of Object.entries(expected)) {
          if (name === 'key_hash_probe' && meta.get('schema') === INDEX_SCHEMA_VERSION && meta.get(name) !== value) {
            throw new EngineError(
              'The index file was built by a DuckDB that hashes keys otherwise than this one: delete it and ingest again.',
              { detail: `index_meta ${name}: ${meta.get(name)} != ${value}` },
            );
          }
          if (meta.get(name) !== value) {
            throw new EngineError(
              `The index file was built for ${meta.get('logs_dir') ?? 'another archive'} (schema ${meta.get('schema') ?? '?'}), not for ${this.logsDir}: use another index file, or delete it and ingest again.`,
              { detail: `index_meta ${name}: ${meta.get(name)} != ${value}` },
            );
          }
        }
      }
      const rows = (
        await connection.runAndReadAll('SELECT path, size, mtime_ms, records, newest, file_id, unreadable FROM ingested_files')
      ).getRowObjectsJS();
      for (const row of rows) {
        const file: KnownFile = {
          path: String(row.path),
          size: Number(row.size),
          mtimeMs: Number(row.mtime_ms),
          records: Number(row.records),
          newest: row.newest === null ? null : String(row.newest),
          fileId: Number(row.file_id),
          unreadable: row.unreadable === null ? null : String(row.unreadable),
        };
        this.remember(file);
        this.nextFileId = Math.max(this.nextFileId, file.fileId + 1);
      }
      // An ingest interrupted after a batch, before its roll-up was brought up to date.
      await this.refreshRollups(connection);
    } finally {
      connection.closeSync();
    }
  }

  /** The folders the index holds files of. */
  folders(): string[] {
    return [...this.byFolder.keys()];
  }

  /** What the index knows about a file (undefined: never read). */
  fileInfo(filePath: string): KnownFile | undefined {
    return this.known.get(filePath);
  }

  /** What the index holds of a day folder's files (by name, as listed). */
  folderSummary(folder: string): FilesSummary {
    let summary = this.summaries.get(folder);
    if (!summary) {
      const paths = [...(this.byFolder.get(folder) ?? [])].sort();
      const files = paths.map((p) => this.known.get(p) as KnownFile);
      summary = summarizeFiles(files, true);
      this.summaries.set(folder, summary);
    }
    return summary;
  }

  /**
   * Bring these day folders up to date with what they hold on disk: each is listed and its new
   * files read, removed ones dropped, unless the index is in sync with it. In sync: its mtime is
   * the one it had when the index took in its listing, which was older than SETTLED_MS then (a
   * file system with coarse timestamps could add a file within the same tick), and none of its
   * files was unreadable (one may have been completed since, without the folder changing).
   */
  ingestFolders(folders: readonly string[]): Promise<void> {
    return this.inTurn(() => this.ingestFoldersNow(folders));
  }

  private async ingestFoldersNow(folders: readonly string[]): Promise<void> {
    const listings = await Promise.all(
      folders.map(async (folder) => {
        const info = await statFolder(folder);
        const synced = this.synced.get(folder);
        if (
          info &&
          synced?.mtimeMs === info.mtimeMs &&
          synced.listedAt - info.mtimeMs > SETTLED_MS &&
          this.folderSummary(folder).unreadableFiles.length === 0
        ) {
          return undefined;
        }
        // Wall-clock time, compared with the folder's mtime.
        const listedAt = Date.now();
        // A folder gone: its files are removed.
        return { folder, mtimeMs: info?.mtimeMs, listedAt, files: info ? await logFilesIn(folder) : [] };
      }),
    );
    const stale = listings.filter((listing) => listing !== undefined);
    if (stale.length === 0) return;
    const files = stale.flatMap((listing) => listing.files);
    await this.ingestNow(files, { checkChanges: false, scope: 'folders', folders: stale.map((listing) => listing.folder) });
    for (const { folder, mtimeMs, listedAt } of stale) if (mtimeMs !== undefined) this.synced.set(folder, { mtimeMs, listedAt });
  }

  /** Bring the index up to date with these files (the listing of some folders, or of the whole archive). */
  ingest(paths: readonly string[], options: IngestOptions): Promise<IngestResult> {
    return this.inTurn(() => this.ingestNow(paths, options));
  }

  /** Ingests one after another: each sees what the one before committed. */
  private inTurn<T>(ingest: () => Promise<T>): Promise<T> {
    const run = this.queue.then(ingest);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async ingestNow(paths: readonly string[], options: IngestOptions): Promise<IngestResult> {
    const clock = options.clock ?? Date.now;
    const started = clock();
    const listed = new Set(paths);
    const removed: KnownFile[] = [];
    if (options.scope === 'all') {
      for (const file of this.known.values()) if (!listed.has(file.path)) removed.push(file);
    } else {
      const folders = new Set([...(options.folders ?? []), ...paths.map((p) => path.dirname(p))]);
      for (const folder of folders) {
        for (const filePath of this.byFolder.get(folder) ?? []) {
          if (!listed.has(filePath)) removed.push(this.known.get(filePath) as KnownFile);
        }
      }
    }

    // Decide what to read: new files, changed files (a full ingest stats every file), and files
    // found unreadable before, which may have been completed since.
    const candidates: string[] = [];
    let skipped = 0;
    for (const filePath of paths) {
      const known = this.known.get(filePath);
      if (!known) candidates.push(filePath);
      else if (options.checkChanges || known.unreadable !== null) candidates.push(filePath);
      else skipped++;
    }
    const changed = await mapWithLimit(candidates, OPEN_FILES, (filePath) => this.changedSinceRead(filePath));
    const toDescribe = candidates.filter((_, i) => changed[i]);
    skipped += candidates.length - toDescribe.length;

    let events = 0;
    let filesRead = 0;
    const unreadableFiles: UnreadableFile[] = [];
    // Nothing new (the usual case before a question): no connection, no transaction.
    if (toDescribe.length + removed.length > 0) {
      const connection = await this.connect();
      try {
        await connection.run(
          'CREATE TEMP TABLE IF NOT EXISTS batch_files (file_id INTEGER, path VARCHAR, size BIGINT, mtime_ms DOUBLE, region VARCHAR, day VARCHAR)',
        );
        if (removed.length > 0) await this.remove(connection, removed);
        let done = 0;
        let failedCheck = 0;
        let committing: Promise<void> = Promise.resolve();
        // The next batch's files are checked (read through in Node, see describeFile) while DuckDB
        // reads and writes this one: the check and the ingest each take a core.
        for await (const step of this.describeInBatches(toDescribe, options.batchFiles)) {
          await committing;
          committing = (async () => {
            if (step.kind === 'unreadable') {
              const { file, reason } = step;
              await this.commitBatch(connection, [file], new Map([[file.path, reason]]), 'unstructured');
              unreadableFiles.push({ path: file.path, reason });
              failedCheck++;
              return;
            }
            const outcome = await this.ingestBatch(connection, step.batch);
            events += outcome.events;
            filesRead += step.batch.length - outcome.unreadable.length;
            unreadableFiles.push(...outcome.unreadable);
            done += step.batch.length;
            options.onProgress?.({ filesDone: done, filesToRead: toDescribe.length - failedCheck, events });
          })();
          // Awaited before the next step or below; until then a failure must not count as unhandled.
          committing.catch(() => undefined);
        }
        await committing;
        await this.refreshRollups(connection);
      } finally {
        connection.closeSync();
        this.writes++;
      }
    }
    const elapsedMs = clock() - started;
    return {
      filesRead,
      filesSkipped: skipped,
      unreadableFiles,
      filesRemoved: removed.length,
      events,
      elapsedMs,
      eventsPerSec: elapsedMs > 0 ? Math.round((events * 1000) / elapsedMs) : 0,
    };
  }

  /** A file not read yet, or whose size or mtime changed since it was read (or found unreadable). */
  private async changedSinceRead(filePath: string): Promise<boolean> {
    const known = this.known.get(filePath);
    if (!known) return true;
    const info = await statEntry(filePath, this.readOptions);
    return !(info && info.size === known.size && info.mtimeMs === known.mtimeMs);
  }

  /**
   * The files checked (describeFile) in order, OPEN_FILES at a time, each given its new id:
   * consecutive readable files in batches (BatchBuilder), each unreadable one on its own.
   */
  private async *describeInBatches(paths: readonly string[], batchFiles: number | undefined): AsyncGenerator<IngestStep> {
    const pending = new BatchBuilder(batchFiles);
    for (let from = 0; from < paths.length; from += DESCRIBE_CHUNK) {
      const chunk = paths.slice(from, from + DESCRIBE_CHUNK);
      const described = await mapWithLimit(chunk, OPEN_FILES, (filePath) => this.describe(filePath));
      for (const entry of described) {
        const known = this.known.get('file' in entry ? entry.file.path : entry.path);
        const ids = { fileId: this.nextFileId++, previousFileId: known?.fileId };
        if ('reason' in entry) {
          const { reason, ...stats } = entry;
          yield { kind: 'unreadable', file: { ...stats, format: 'lines', textBytes: 0, ...ids }, reason };
        } else {
          for (const batch of pending.add({ ...entry.file, ...ids })) yield { kind: 'batch', batch };
        }
      }
    }
    const last = pending.take();
    if (last.length > 0) yield { kind: 'batch', batch: last };
  }

  /** The file checked, or why it cannot be read (with its size and mtime, to know when it changes). */
  private async describe(
    filePath: string,
  ): Promise<{ file: LogFile } | { path: string; size: number; mtimeMs: number; reason: string }> {
    try {
      return { file: await describeFile(filePath, this.readOptions) };
    } catch (error) {
      const info = await statEntry(filePath, this.readOptions);
      return { path: filePath, size: info?.size ?? 0, mtimeMs: info?.mtimeMs ?? 0, reason: unreadableReason(error) };
    }
  }

  /**
   * One transaction for the batch; when DuckDB cannot read one of its files, the batch is read
   * again as CloudTrail files that are not one line each, then split in halves until the files
   * that fail are found (recorded as unreadable, so they are not read again until they change).
   */
  private async ingestBatch(
    connection: DuckDBConnection,
    batch: FileToRead[],
  ): Promise<{ events: number; unreadable: UnreadableFile[] }> {
    if (batch.length === 0) return { events: 0, unreadable: [] };
    try {
      return { events: await this.commitBatch(connection, batch, new Map(), 'newline_delimited'), unreadable: [] };
    } catch {
      // Pretty-printed `{"Records": [...]}` files are not one object per line: read them whole.
    }
    try {
      return { events: await this.commitBatch(connection, batch, new Map(), 'unstructured'), unreadable: [] };
    } catch (error) {
      if (batch.length === 1) {
        const file = batch[0] as FileToRead;
        const reason = unreadableReason(error);
        await this.commitBatch(connection, [file], new Map([[file.path, reason]]), 'unstructured');
        return { events: 0, unreadable: [{ path: file.path, reason }] };
      }
    }
    const middle = Math.ceil(batch.length / 2);
    const first = await this.ingestBatch(connection, batch.slice(0, middle));
    const second = await this.ingestBatch(connection, batch.slice(middle));
    return { events: first.events + second.events, unreadable: [...first.unreadable, ...second.unreadable] };
  }

  /**
   * In one transaction: drop the records of the previous version of these files, insert their
   * records (except files marked unreadable) and their file rows. Returns the records inserted.
   */
  private async commitBatch(
    connection: DuckDBConnection,
    batch: FileToRead[],
    unreadable: ReadonlyMap<string, string>,
    wrappedAs: 'newline_delimited' | 'unstructured',
  ): Promise<number> {
    await connection.run('BEGIN TRANSACTION');
    try {
      const previous = batch.flatMap((f) => (f.previousFileId === undefined ? [] : [f.previousFileId]));
      if (previous.length > 0) {
        const ids = previous.map(() => '?').join(', ');
        await connection.run(pendingDaysSql(ids), previous);
        await connection.run(`DELETE FROM ${INDEX_TABLE} WHERE file_id IN (${ids})`, previous);
        await connection.run(`DELETE FROM ingested_files WHERE file_id IN (${ids})`, previous);
      }
      await connection.run('DELETE FROM batch_files');
      // Four lists, not a VALUES row per file: binding four parameters per file cost DuckDB about
      // 0.1 ms a file (125 ms a batch of a 10M archive) before the batch's records were read.
      await connection.run(
        `INSERT INTO batch_files
         SELECT file_id, path, size, mtime_ms, ${regionAndDayOfPath('path').join(', ')}
         FROM (SELECT unnest($1::INTEGER[]) AS file_id, unnest($2::VARCHAR[]) AS path, unnest($3::BIGINT[]) AS size,
                 unnest($4::DOUBLE[]) AS mtime_ms)`,
        [
          duckdb.listValue(batch.map((f) => f.fileId)),
          duckdb.listValue(batch.map((f) => f.path)),
          duckdb.listValue(batch.map((f) => BigInt(f.size))),
          duckdb.listValue(batch.map((f) => f.mtimeMs)),
        ],
      );
      const readable = batch.filter((f) => !unreadable.has(f.path));
      let inserted = 0;
      if (readable.length > 0) {
        const result = await connection.run(insertRecordsSql(readable, this.regionAndDay, wrappedAs));
        inserted = Number(result.rowsChanged);
        await connection.run('INSERT INTO rollup_pending SELECT file_id, NULL FROM batch_files');
      }
      const reasons = batch.filter((f) => unreadable.has(f.path));
      const lo = Math.min(...batch.map((f) => f.fileId));
      const hi = Math.max(...batch.map((f) => f.fileId));
      await connection.run(
        `INSERT INTO ingested_files
         SELECT b.path, b.size, b.mtime_ms, coalesce(c.records, 0), c.newest, b.file_id, b.region, nullif(b.day, ''),
           ${reasons.length > 0 ? `CASE b.path ${reasons.map(() => 'WHEN ? THEN ?').join(' ')} END` : 'NULL'}
         FROM batch_files b
         LEFT JOIN (SELECT file_id, count(*) AS records, max(eventtime) AS newest FROM ${INDEX_TABLE}
                    WHERE file_id BETWEEN ${lo} AND ${hi} GROUP BY file_id) c ON c.file_id = b.file_id`,
        reasons.flatMap((f) => [f.path, unreadable.get(f.path) as string]),
      );
      const written = (
        await connection.runAndReadAll(`SELECT path, records, newest FROM ingested_files WHERE file_id BETWEEN ${lo} AND ${hi}`)
      ).getRowObjectsJS();
      await connection.run('COMMIT');
      const byPath = new Map(written.map((row) => [String(row.path), row]));
      for (const file of batch) {
        const row = byPath.get(file.path);
        this.remember({
          path: file.path,
          size: file.size,
          mtimeMs: file.mtimeMs,
          records: Number(row?.records ?? 0),
          newest: row?.newest === null || row?.newest === undefined ? null : String(row.newest),
          fileId: file.fileId,
          unreadable: unreadable.get(file.path) ?? null,
        });
      }
      return inserted;
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** Records and rows of files gone from disk, in one transaction. */
  private async remove(connection: DuckDBConnection, files: readonly KnownFile[]): Promise<void> {
    const ids = files.map((f) => f.fileId);
    const placeholders = ids.map(() => '?').join(', ');
    await connection.run('BEGIN TRANSACTION');
    try {
      await connection.run(pendingDaysSql(placeholders), ids);
      await connection.run(`DELETE FROM ${INDEX_TABLE} WHERE file_id IN (${placeholders})`, ids);
      await connection.run(`DELETE FROM ingested_files WHERE file_id IN (${placeholders})`, ids);
      await connection.run('COMMIT');
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
    for (const file of files) this.forget(file.path);
  }

  /**
   * In one transaction, bring the roll-up up to date with what `rollup_pending` lists: mark the
   * records of the files read whose eventID was now seen twice (and every other copy), then count
   * again each delivery day that a file, a removal or a newly marked record touched.
   */
  private async refreshRollups(connection: DuckDBConnection): Promise<void> {
    const pending = await connection.runAndReadAll('SELECT count(*) AS n FROM rollup_pending');
    if (Number(pending.getRowObjectsJS()[0]?.n ?? 0) === 0) return;
    await connection.run('BEGIN TRANSACTION');
    try {
      await connection.run(
        `CREATE OR REPLACE TEMP TABLE fresh_repeats AS ${(await this.mostlyPending(connection)) ? everyRepeatSql() : pendingRepeatsSql()}`,
      );
      await connection.run(`INSERT INTO rollup_pending
        SELECT DISTINCT NULL, day_number FROM ${INDEX_TABLE} WHERE NOT outside_rollup AND eventid IN (SELECT eventid FROM fresh_repeats)`);
      await this.moveOutOfRollup(connection);
      await connection.run(`CREATE OR REPLACE TEMP TABLE rollup_days AS
        SELECT day_number FROM rollup_pending WHERE day_number IS NOT NULL
        UNION SELECT DISTINCT day_number FROM ${INDEX_TABLE} WHERE file_id IN (SELECT file_id FROM rollup_pending)`);
      await connection.run(`DELETE FROM ${ACTIVITY_ROLLUP_TABLE} WHERE day_number IN (SELECT day_number FROM rollup_days)`);
      await connection.run(activityRollupSql());
      await connection.run('DELETE FROM rollup_pending');
      await connection.run('COMMIT');
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /**
   * Mark the records of `fresh_repeats` outside the roll-up by moving them rather than updating
   * them in place: rewritten at the end of the table, sorted like an ingest, they fill row groups
   * of their own, so a scan of the marked records (`WHERE outside_rollup`) skips every other row
   * group by its statistics. Updated in place, a few in each row group would make all of them read.
   */
  private async moveOutOfRollup(connection: DuckDBConnection): Promise<void> {
    const repeated = `NOT outside_rollup AND eventid IN (SELECT eventid FROM fresh_repeats)`;
    await connection.run(`CREATE OR REPLACE TEMP TABLE moving_records AS SELECT * FROM ${INDEX_TABLE} WHERE ${repeated}`);
    await connection.run(`DELETE FROM ${INDEX_TABLE} WHERE ${repeated}`);
    await connection.run(
      `INSERT INTO ${INDEX_TABLE} BY NAME SELECT * REPLACE (TRUE AS outside_rollup) FROM moving_records ORDER BY ${SORT_ORDER}`,
    );
    await connection.run('DROP TABLE moving_records');
  }

  /** Whether the files read since the last refresh hold most of the index's records (as after a first ingest). */
  private async mostlyPending(connection: DuckDBConnection): Promise<boolean> {
    const reader = await connection.runAndReadAll(
      `SELECT coalesce(sum(records) FILTER (WHERE file_id IN (SELECT file_id FROM rollup_pending)), 0) AS pending,
         coalesce(sum(records), 0) AS total
       FROM ingested_files`,
    );
    const row = reader.getRowObjectsJS()[0];
    return Number(row?.pending ?? 0) * 2 >= Number(row?.total ?? 0);
  }

  private remember(file: KnownFile): void {
    this.known.set(file.path, file);
    const folder = path.dirname(file.path);
    const inFolder = this.byFolder.get(folder) ?? new Set<string>();
    inFolder.add(file.path);
    this.byFolder.set(folder, inFolder);
    this.changed(folder);
  }

  private forget(filePath: string): void {
    this.known.delete(filePath);
    const folder = path.dirname(filePath);
    this.byFolder.get(folder)?.delete(filePath);
    this.changed(folder);
  }

  private changed(folder: string): void {
    this.summaries.delete(folder);
    this.synced.delete(folder);
  }

  async close(): Promise<void> {
    await this.queue;
    await this.db.close();
  }
}

/** The days of the records of these files (`ids`: their placeholders) go pending: a roll-up counted them. */
function pendingDaysSql(ids: string): string {
  return `INSERT INTO rollup_pending SELECT DISTINCT NULL, day_number FROM ${INDEX_TABLE} WHERE file_id IN (${ids})`;
}

/**
 * The eventIDs delivered more than once, over the whole table: when most records are new, one
 * grouping of every eventID is cheaper than first finding the new records' eventIDs in the table.
 */
function everyRepeatSql(): string {
  return `SELECT eventid FROM ${INDEX_TABLE} WHERE eventid IS NOT NULL GROUP BY eventid HAVING count(*) > 1`;
}

/** The eventIDs delivered more than once among those of the files in `rollup_pending` (a few new files: their eventIDs looked up in the table). */
function pendingRepeatsSql(): string {
  return `SELECT eventid FROM ${INDEX_TABLE}
    WHERE eventid IN (SELECT eventid FROM ${INDEX_TABLE} WHERE file_id IN (SELECT file_id FROM rollup_pending))
    GROUP BY eventid HAVING count(*) > 1`;
}

/**
 * The roll-up rows of the days in `rollup_days`: the activity question's groups and sums over the
 * records delivered once, per delivery day and event day (a window's whole event days are read
 * from here, the rest from the records).
 */
function activityRollupSql(): string {
  const e = ACTIVITY_ROLLUP_EXPRESSIONS;
  const computed = rewriteForIndex({
    text: `${e.principal} AS principal, ${e.error_code} AS error_code, ${e.bytes_in} AS bytes_in, ${e.bytes_out} AS bytes_out`,
    params: [],
  }).text;
  return `INSERT INTO ${ACTIVITY_ROLLUP_TABLE}
SELECT "timestamp", day_number, substr(eventtime, 1, 10) AS event_day, eventsource, eventcategory, request_bucket,
  eventname, principal, error_code,
  count(*) AS events, count(error_code) AS errors, sum(bytes_in) AS bytes_in, sum(bytes_out) AS bytes_out,
  min(eventtime) AS first_event, max(eventtime) AS last_event
FROM (SELECT *, ${computed} FROM ${INDEX_TABLE}
      WHERE day_number IN (SELECT day_number FROM rollup_days) AND NOT outside_rollup AND eventtime IS NOT NULL)
GROUP BY ALL`;
}

/**
 * How records are laid out on disk (see ROW_GROUP_ROWS): what questions filter on, coarsest first;
 * a bucket's failed calls before its others, so denied skips the row groups of successes (their
 * `errorcode` is all NULL); last the principal's ARN hash, so that within each operation a
 * principal's calls lie together and a principal's scan decompresses fewer vectors of the columns
 * it reads (at 10M events, principal's week 28% less CPU). Keys and event times are not sorted on:
 * text statistics keep 8 bytes (`reports/`, `2026-11-`), too few for a row group to be skipped by
 * them, and each string key makes the sort dearer.
 */
const SORT_ORDER = 'day_number, eventsource, request_bucket, errorcode IS NULL, eventname, arn_hash';

/**
 * The records of these files as the local view shows them (same columns, names and conversions),
 * with the extracted columns, the day number and each file's id.
 */
export function insertRecordsSql(
  files: readonly FileToRead[],
  regionAndDay: 'path' | 'record',
  wrappedAs: 'newline_delimited' | 'unstructured',
): string {
  const parts: string[] = [];
  const wrapped = files.filter((f) => f.format === 'wrapped');
  if (wrapped.length > 0) {
    // Each file's id found by its place in the statement's own list, not joined to batch_files:
    // DuckDB, not knowing read_json's row count, built a join's hash table from the files read and
    // then unnested and converted every record on one thread (two days of 10M alone: 1.2 of 2 cores, 10.0 s against 8.1).
    const [region, day] = regionAndDayOfPath('f.filename');
    parts.push(`SELECT ${projection('r.', regionAndDay)}
      FROM (SELECT unnest(f."Records") AS r,
              [${wrapped.map((f) => f.fileId).join(', ')}][list_position([${wrapped.map((f) => quoteLiteral(f.path)).join(', ')}], f.filename)] AS file_id,
              ${region} AS region, ${day} AS day
            FROM ${readWrapped(wrapped, RECORD_COLUMNS, wrappedAs)} f) b`);
  }
  for (const format of ['array', 'lines'] as const) {
    const batch = files.filter((f) => f.format === format);
    if (batch.length === 0) continue;
    parts.push(`SELECT ${projection('', regionAndDay)}
      FROM ${readRecords(batch, format, RECORD_COLUMNS)} JOIN batch_files b ON b.path = filename`);
  }
  const { documents, columns } = EXTRACTED_AT_INGEST;
  const parsedDocuments = documents.map((document) => `, ${document.expression} AS ${document.name}`).join('');
  const exceptParsed = documents.length > 0 ? ` EXCLUDE (${documents.map((document) => document.name).join(', ')})` : '';
  return `INSERT INTO ${INDEX_TABLE} BY NAME
SELECT *${exceptParsed},
  ${columns.map((column) => `${column.expression} AS ${column.name}`).join(',\n  ')},
  ${HASHED_COLUMNS.map((hashed) => `hash(${extractedName(hashed.of) ?? hashed.of}) AS ${hashed.column}`).join(',\n  ')},
  ${DAY_NUMBERS_AT_INGEST},
  (${OUTSIDE_ROLLUP_AT_INGEST}) AS outside_rollup
FROM (SELECT *${parsedDocuments}
      FROM (${parts.join('\nUNION ALL\n')}))
ORDER BY ${SORT_ORDER}`;
}

/**
 * EXTRACTED_COLUMNS computed with each JSON document parsed once: DuckDB parses the document again
 * for each json_extract_scalar of it (their expressions read six paths of requestparameters, three
 * of additionaleventdata), while json_extract_string given a list of paths parses it once and
 * returns what each path alone would (test/engines/indexed-extracted.test.ts checks the columns
 * against their expressions). `documents`: those lists, computed first; `columns`: the
 * expressions with each call replaced by its item of the list.
 */
const EXTRACTED_AT_INGEST = (() => {
  const call = /json_extract_scalar\((\w+), '([^']*)'\)/g;
  const pathsOf = new Map<string, string[]>();
  for (const { expression } of EXTRACTED_COLUMNS) {
    for (const [, document, jsonPath] of expression.matchAll(call)) {
      const paths = pathsOf.get(document as string) ?? [];
      if (!paths.includes(jsonPath as string)) paths.push(jsonPath as string);
      pathsOf.set(document as string, paths);
    }
  }
  // A document read at one path is left to its call (it may be read for few records, as in a CASE branch).
  const shared = [...pathsOf].filter(([, paths]) => paths.length > 1);
  const documents = shared.map(([document, paths]) => ({
    name: `${document}_values`,
    expression: `json_extract_string(${document}, [${paths.map((p) => duckDbJsonPath(quoteLiteral(p))).join(', ')}])`,
  }));
  const columns = EXTRACTED_COLUMNS.map(({ name, expression }) => ({
    name,
    expression: expression.replace(call, (text, document: string, jsonPath: string) => {
      const paths = pathsOf.get(document) as string[];
      return paths.length > 1 ? `${document}_values[${paths.indexOf(jsonPath) + 1}]` : text;
    }),
  }));
  return { documents, columns };
})();

/** The column an extracted expression is kept in (computed once, above, rather than parsed again). */
function extractedName(expression: string): string | undefined {
  return EXTRACTED_COLUMNS.find((column) => column.expression === expression)?.name;
}

/**
 * A delivery file's region and day from its folder names, as SQL over the path in `column`: the
 * region as the local view finds it; the day '' outside a trail's day folders (kept as NULL in ingested_files).
 */
export function regionAndDayOfPath(column: string): [region: string, day: string] {
  return [regionFromPath(column), `regexp_extract(${column}, '/CloudTrail/[^/]+/(\\d{4}/\\d{2}/\\d{2})/', 1)`];
}

/**
 * The local view's projection: Athena column names from a record expression; region and day from
 * the file (`b`: its path, or its row of batch_files; once per file) or from the record; the file's id.
 */
function projection(prefix: string, regionAndDay: 'path' | 'record'): string {
  const partitions = regionAndDay === 'path' ? ['b.region AS region', 'b.day AS "timestamp"'] : partitionsFromRecord(prefix);
  return [...athenaColumns(prefix, RECORD_COLUMNS), ...partitions, 'b.file_id'].join(',\n    ');
}

/**
 * Consecutive files gathered into batches of BATCH_BYTES or more, ended where a day folder ends
 * (at most MAX_BATCH_BYTES), or of `fileCount` files when given.
 */
export class BatchBuilder {
  private batch: FileToRead[] = [];
  private bytes = 0;
  private folder = '';

  constructor(private readonly fileCount: number | undefined) {}

  /** Adds the file; returns the batches it completed (the one before its folder, and its own when full). */
  add(file: FileToRead): FileToRead[][] {
    const done: FileToRead[][] = [];
    const folder = path.dirname(file.path);
    if (!this.fileCount && this.bytes >= BATCH_BYTES && folder !== this.folder) done.push(this.take());
    this.batch.push(file);
    this.bytes += file.size;
    this.folder = folder;
    const full = this.fileCount
      ? this.batch.length >= this.fileCount
      : this.bytes >= MAX_BATCH_BYTES || this.batch.length >= BATCH_MAX_FILES;
    if (full) done.push(this.take());
    return done;
  }

  /** The files gathered so far (the last, partial batch). */
  take(): FileToRead[] {
    const batch = this.batch;
    this.batch = [];
    this.bytes = 0;
    return batch;
  }
}

function errorDetail(error: unknown): { cause: unknown; detail: string } {
  return { cause: error, detail: error instanceof Error ? error.message : String(error) };
}
