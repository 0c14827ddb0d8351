import type { DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api';
import { DEFAULT_LOCAL_QUERY_TIMEOUT_SECONDS } from '../../defaults.js';
import { EngineError } from '../../errors.js';
import type { Engine, EngineQuery, EngineResult, Row, TableLayout } from '../engine.js';
import { yieldWorkerThreadsToEventLoop } from '../local/background-priority.js';
import { QueryDeadline } from '../local/deadline.js';
import { findDeliveredRecord } from '../local/delivered-record.js';
import { dayOfFolder, listLogFiles, type ReadOptions, readOptionsOf } from '../local/log-files.js';
import { packedRowsSql, packedTextRows, resultColumnsOf, textRows } from '../local/text-rows.js';
import { ArchiveFolders } from './archive-folders.js';
import { ArchiveIndex, type FilesSummary, summarizeFiles } from './ingest.js';
import { rewriteForIndex } from './rewrite.js';
import { ACTIVITY_ROLLUP_TABLE, INDEX_TABLE } from './schema.js';

/**
 * Connections kept for the next questions: opening one and making the index its default catalog
 * cost a small question about a quarter of its CPU. More are opened when more questions run at once.
 */
const IDLE_CONNECTIONS = 4;
/**
 * Question SQL prepared on each kept connection, by text (the values are parameters, so a question
 * asked again is the same text), until the index is next written to (ArchiveIndex.writeCount):
 * DuckDB then skips parsing it and planning it a first time, about a tenth of an indexed
 * question's time. The oldest is dropped past this many.
 */
const PREPARED_PER_CONNECTION = 32;

/** A connection and the statements prepared on it, most recently used last, since the index's write `preparedAfter`. */
interface QuestionConnection {
  connection: DuckDBConnection;
  prepared: Map<string, PreparedQuestion>;
  preparedAfter: number;
}

/** A question's statement; `packedColumns`: it gives each row as one JSON text (see packedRowsSql), of these columns. */
interface PreparedQuestion {
  statement: DuckDBPreparedStatement;
  packedColumns?: string[];
}

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

/**
 * The local engine's answers from a DuckDB file the archive was ingested into. Before each
 * question the day folders it reads are listed and any file not in the index yet is ingested
 * (a stat per folder when none changed), so answers never miss a delivered file. Question SQL
 * runs unchanged, except that exact expressions the index has precomputed are read from their
 * columns (see rewrite.ts). Files, events and bytes scanned, unreadable files and freshness come
 * from what the index recorded for the files of those days (summed per day folder).
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

  /** Connections of questions that ended, for the next ones: each running question has one of its own. */
  private readonly idleConnections: QuestionConnection[] = [];
  private closed = false;
  private readonly archiveFolders: ArchiveFolders;

  private constructor(
    private readonly index: ArchiveIndex,
    private readonly options: IndexedEngineOptions,
  ) {
    // Found again when a folder changed, so a trail, region or day folder that appears after start is picked up.
    this.archiveFolders = new ArchiveFolders(options.logsDir, readOptionsOf(options));
  }

  static async open(options: IndexedEngineOptions): Promise<IndexedEngine> {
    const index = await ArchiveIndex.open({ indexPath: options.indexPath, logsDir: options.logsDir, ...readOptionsOf(options) });
    return new IndexedEngine(index, options);
  }

  async run(query: EngineQuery): Promise<EngineResult> {
    const clock = this.options.clock ?? Date.now;
    const started = clock();
    // As on the local engine: DuckDB's and libuv's threads (made lazily) yield to the event loop, so acks stay fast.
    yieldWorkerThreadsToEventLoop();
    const scanned = await this.ingestDays(query.days).catch((error: unknown) => {
      throw engineError(error);
    });

    const rewritten = this.options.rewrite === false ? query.sql : rewriteForIndex(query.sql);
    const kept = this.idleConnections.pop() ?? { connection: await this.index.connect(), prepared: new Map(), preparedAfter: 0 };
    if (kept.preparedAfter !== this.index.writeCount) {
      dropPrepared(kept);
      kept.preparedAfter = this.index.writeCount;
    }
    const deadline = new QueryDeadline(this.options.queryTimeoutMs ?? DEFAULT_LOCAL_QUERY_TIMEOUT_SECONDS * 1000);
    let rows: Row[];
    try {
      const { reader, packedColumns } = await deadline.on(kept.connection, async () => {
        const question = await prepared(kept, rewritten.text);
        question.statement.bind([...rewritten.params]);
        return { reader: await question.statement.runAndReadAll(), packedColumns: question.packedColumns };
      });
      rows = packedColumns ? packedTextRows(reader, packedColumns) : textRows(reader);
    } catch (error) {
      // An interrupted or failed connection is not kept (nor what was prepared on it).
      closeConnection(kept);
      throw engineError(error);
    } finally {
      deadline.cancel();
    }
    if (this.closed || this.idleConnections.length >= IDLE_CONNECTIONS) closeConnection(kept);
    else this.idleConnections.push(kept);

    return { rows, stats: { engine: 'local', ...scanned, elapsedMs: clock() - started, warnings: [] } };
  }

  /**
   * Bring the index up to date with the files of the question's days, as the local engine lists
   * them, and sum what it holds of them: per day folder in a trail layout (the layout and day
   * folders are found again, and a day folder listed again, only when a folder changed: see
   * ArchiveFolders and ArchiveIndex.ingestFolders), the whole folder otherwise.
   */
  private async ingestDays(days: { from: string; to: string }): Promise<FilesSummary> {
    const { layout, dayFolders } = await this.archiveFolders.of(days);
    if (layout.kind === 'folder') {
      const paths = await listLogFiles(layout, days, readOptionsOf(this.options));
      await this.index.ingest(paths, { checkChanges: false, scope: 'all' });
      const files = paths.flatMap((p) => this.index.fileInfo(p) ?? []);
      return summarizeFiles(files, false);
    }
    // The day folders there are in the window (never every day of it), and those the index holds files of (maybe removed since).
    const indexed = this.index
      .folders()
      .filter((dir) => layout.regionDirs.some((regionDir) => isDayWithin(dayOfFolder(regionDir, dir), days)));
    const folders = [...new Set([...dayFolders, ...indexed])];
    await this.index.ingestFolders(folders);
    return sumFolders(new Map(folders.map((folder) => [folder, this.index.folderSummary(folder)])));
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
    this.closed = true;
    for (const kept of this.idleConnections.splice(0)) closeConnection(kept);
    await this.index.close();
  }
}

/** The statement for this text on this connection, prepared now if it was not (or was dropped). */
async function prepared(kept: QuestionConnection, text: string): Promise<PreparedQuestion> {
  let question = kept.prepared.get(text);
  if (question) kept.prepared.delete(text);
  else question = await prepareQuestion(kept.connection, text);
  kept.prepared.set(text, question);
  // One statement is added at a time, so at most one is over the bound: the least recently used, first in the map.
  if (kept.prepared.size > PREPARED_PER_CONNECTION) {
    const [oldest, dropped] = kept.prepared.entries().next().value as [string, PreparedQuestion];
    kept.prepared.delete(oldest);
    dropped.statement.destroySync();
  }
  return question;
}

/** The question's SQL prepared, giving its rows packed when its columns allow (known once it is prepared as written). */
async function prepareQuestion(connection: DuckDBConnection, text: string): Promise<PreparedQuestion> {
  const statement = await connection.prepare(text);
  const columns = resultColumnsOf(statement);
  const packed = packedRowsSql(text, columns);
  if (packed === undefined) return { statement };
  statement.destroySync();
  return { statement: await connection.prepare(packed), packedColumns: columns.map((column) => column.name) };
}

function dropPrepared(kept: QuestionConnection): void {
  for (const question of kept.prepared.values()) question.statement.destroySync();
  kept.prepared.clear();
}

function closeConnection(kept: QuestionConnection): void {
  dropPrepared(kept);
  kept.connection.closeSync();
}

/** A day folder's `YYYY/MM/DD` (undefined: not a day folder) falls within the days asked. */
function isDayWithin(day: string | undefined, days: { from: string; to: string }): boolean {
  return day !== undefined && day >= days.from && day <= days.to;
}

/**
 * The day folders' summaries added up, in order. The newest event is told as the local engine
 * tells it: from the last files (by name, which starts with the delivery time) of the last day
 * folder (by path) with files read.
 */
function sumFolders(summaries: ReadonlyMap<string, FilesSummary>): FilesSummary {
  let last: string | undefined;
  for (const [folder, summary] of summaries) if (summary.filesScanned > 0 && (last === undefined || folder > last)) last = folder;
  const all = [...summaries.values()];
  const newestEventTime = last === undefined ? undefined : summaries.get(last)?.newestEventTime;
  return {
    filesScanned: all.reduce((sum, s) => sum + s.filesScanned, 0),
    unreadableFiles: all.flatMap((s) => s.unreadableFiles),
    eventsScanned: all.reduce((sum, s) => sum + s.eventsScanned, 0),
    bytesScanned: all.reduce((sum, s) => sum + s.bytesScanned, 0),
    ...(newestEventTime ? { newestEventTime } : {}),
  };
}

function engineError(error: unknown): EngineError {
  if (error instanceof EngineError) return error;
  return new EngineError('The local engine could not run this question over its index of the log files.', {
    cause: error,
    detail: error instanceof Error ? error.message : String(error),
  });
}
