import { stat } from 'node:fs/promises';
import { DEFAULT_LOCAL_QUERY_TIMEOUT_SECONDS } from '../../defaults.js';
import { EngineError } from '../../errors.js';
import type { Engine, EngineQuery, EngineResult, Row, TableLayout, UnreadableFile } from '../engine.js';
import { yieldWorkerThreadsToEventLoop } from '../local/background-priority.js';
import { QueryDeadline } from '../local/deadline.js';
import { findDeliveredRecord } from '../local/delivered-record.js';
import {
  type ArchiveLayout,
  dayFolders,
  dayOfFolder,
  detectLayout,
  listLogFiles,
  logFilesIn,
  newestDeliveryFiles,
  type ReadOptions,
  readOptionsOf,
} from '../local/log-files.js';
import { textRows } from '../local/text-rows.js';
import { ArchiveIndex, type KnownFile } from './ingest.js';
import { rewriteForIndex } from './rewrite.js';
import { ACTIVITY_ROLLUP_TABLE, INDEX_TABLE } from './schema.js';

export interface IndexedEngineOptions extends ReadOptions {
  logsDir: string;
  /** The DuckDB file the archive is ingested into (created if missing). */
  indexPath: string;
  /** Milliseconds clock, injected for elapsed-time figures. */
  clock?: () => number;
  /** Read precomputed columns instead of the expressions they hold (default true; false runs question SQL as written). */
  rewrite?: boolean;
  /** A question's query is interrupted after this long (S3X_LOCAL_QUERY_TIMEOUT_SECONDS). */
  queryTimeoutMs?: number;
}

/** A folder listing is reused only when the folder's mtime is older than this when it was listed. */
const SETTLED_MS = 2000;

/**
 * The local engine's answers from a DuckDB file the archive was ingested into. Before each
 * question the day folders it reads are listed and any file not in the index yet is ingested
 * (a readdir per folder when nothing is new), so answers never miss a delivered file. Question SQL
 * runs unchanged, except that exact expressions the index has precomputed are read from their
 * columns (see rewrite.ts). Files, events and bytes scanned, unreadable files and freshness come
 * from what the index recorded for the files of those days.
 */
export class IndexedEngine implements Engine {
  readonly table: TableLayout = {
    name: INDEX_TABLE,
    partitionedByDay: true,
    rescanIsCheap: true,
    activityRollup: ACTIVITY_ROLLUP_TABLE,
    repeatMark: 'outside_rollup',
  };
  readonly reportsFreshness = true;

  private readonly folders = new Map<string, { mtimeMs: number; listedAt: number; files: string[] }>();

  private constructor(
    private readonly index: ArchiveIndex,
    private readonly options: IndexedEngineOptions,
  ) {}

  static async open(options: IndexedEngineOptions): Promise<IndexedEngine> {
    const index = await ArchiveIndex.open({ indexPath: options.indexPath, logsDir: options.logsDir, ...readOptionsOf(options) });
    return new IndexedEngine(index, options);
  }

  async run(query: EngineQuery): Promise<EngineResult> {
    const clock = this.options.clock ?? Date.now;
    const started = clock();
    // As on the local engine: DuckDB's and libuv's threads (made lazily) yield to the event loop, so acks stay fast.
    yieldWorkerThreadsToEventLoop();
    // Re-detected each time so a trail folder that appears after start is picked up.
    const layout = await detectLayout(this.options.logsDir, readOptionsOf(this.options));
    const { paths, folders } = await this.listFiles(layout, query.days);
    await this.index
      .ingest(paths, { checkChanges: false, scope: layout.kind === 'trail' ? 'folders' : 'all', folders })
      .catch((error: unknown) => {
        throw engineError(error);
      });

    const rewritten = this.options.rewrite === false ? query.sql : rewriteForIndex(query.sql);
    const connection = await this.index.connect();
    const deadline = new QueryDeadline(this.options.queryTimeoutMs ?? DEFAULT_LOCAL_QUERY_TIMEOUT_SECONDS * 1000);
    let rows: Row[];
    try {
      const reader = await deadline.on(connection, () => connection.runAndReadAll(rewritten.text, [...rewritten.params]));
      rows = textRows(reader);
    } catch (error) {
      throw engineError(error);
    } finally {
      deadline.cancel();
      connection.closeSync();
    }

    const files = paths.map((p) => this.index.fileInfo(p)).filter((f): f is KnownFile => f !== undefined);
    const readable = files.filter((f) => f.unreadable === null);
    const unreadableFiles: UnreadableFile[] = files
      .filter((f) => f.unreadable !== null)
      .map((f) => ({ path: f.path, reason: f.unreadable as string }));
    const newest = newestEvent(readable, layout.kind === 'trail');
    return {
      rows,
      stats: {
        engine: 'local',
        filesScanned: readable.length,
        unreadableFiles,
        eventsScanned: readable.reduce((sum, f) => sum + f.records, 0),
        bytesScanned: readable.reduce((sum, f) => sum + f.size, 0),
        ...(newest ? { newestEventTime: newest } : {}),
        elapsedMs: clock() - started,
        warnings: [],
      },
    };
  }

  /**
   * The files of the question's days, as the local engine lists them. A day folder is listed
   * again only when its mtime changed (a file came or went), or was too recent to trust: a
   * file system with coarse timestamps could add a file within the same tick.
   */
  private async listFiles(layout: ArchiveLayout, days: { from: string; to: string }) {
    const readOptions = readOptionsOf(this.options);
    if (layout.kind === 'folder') return { paths: await listLogFiles(layout, days, readOptions), folders: [] };
    // The day folders there are in the window (never every day of it), and those the index holds files of (maybe removed since).
    const existing = (await Promise.all(layout.regionDirs.map((regionDir) => dayFolders(regionDir, days, readOptions)))).flat();
    const indexed = this.index
      .folders()
      .filter((dir) => layout.regionDirs.some((regionDir) => isDayWithin(dayOfFolder(regionDir, dir), days)));
    const folders = [...new Set([...existing, ...indexed])];
    const listings = await Promise.all(
      folders.map(async (dir) => {
        const info = await stat(dir).catch(() => undefined);
        if (!info) {
          this.folders.delete(dir);
          return [];
        }
        const cached = this.folders.get(dir);
        if (cached && cached.mtimeMs === info.mtimeMs && cached.listedAt - info.mtimeMs > SETTLED_MS) return cached.files;
        // Wall-clock time, compared with the folder's mtime.
        const listedAt = Date.now();
        const files = await logFilesIn(dir);
        this.folders.set(dir, { mtimeMs: info.mtimeMs, listedAt, files });
        return files;
      }),
    );
    return { paths: listings.flat(), folders };
  }

  /** Read from the log file itself: the index keeps columns, not the record as delivered. */
  async deliveredRecord(eventId: string, days: { from: string; to: string }): Promise<string | undefined> {
    const connection = await this.index.connect();
    try {
      return await findDeliveredRecord(connection, this.options.logsDir, eventId, days, readOptionsOf(this.options));
    } catch (error) {
      throw engineError(error);
    } finally {
      connection.closeSync();
    }
  }

  async close(): Promise<void> {
    await this.index.close();
  }
}

/** A day folder's `YYYY/MM/DD` (undefined: not a day folder) falls within the days asked. */
function isDayWithin(day: string | undefined, days: { from: string; to: string }): boolean {
  return day !== undefined && day >= days.from && day <= days.to;
}

/**
 * The newest event in the newest delivery files, as the local engine tells it: in a trail layout
 * the last files (by name, which starts with the delivery time) of the newest day folder; a plain
 * folder's files all count.
 */
function newestEvent(files: readonly KnownFile[], trailLayout: boolean): string | undefined {
  let newest: string | undefined;
  for (const file of newestDeliveryFiles(files, trailLayout))
    if (file.newest && (!newest || file.newest > newest)) newest = file.newest;
  return newest;
}

function engineError(error: unknown): EngineError {
  if (error instanceof EngineError) return error;
  return new EngineError('The local engine could not run this question over its index of the log files.', {
    cause: error,
    detail: error instanceof Error ? error.message : String(error),
  });
}
