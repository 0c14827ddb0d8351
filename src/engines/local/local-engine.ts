import { randomUUID } from 'node:crypto';
import type { Stats } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DEFAULT_LOCAL_QUERY_TIMEOUT_SECONDS } from '../../defaults.js';
import { EngineError } from '../../errors.js';
import type { Engine, EngineQuery, EngineResult, Row, ScanStats, TableLayout, UnreadableFile } from '../engine.js';
import type { SqlFragment } from '../sql.js';
import { yieldWorkerThreadsToEventLoop } from './background-priority.js';
import { QueryDeadline } from './deadline.js';
import { findDeliveredRecord } from './delivered-record.js';
import {
  CHECKING_FILES,
  type CheckedFiles,
  describeFile,
  detectLayout,
  type LogFile,
  listLogFiles,
  mapWithLimit,
  newestDeliveryFiles,
  OPEN_FILES,
  READ_LIMITS,
  type ReadOptions,
  readOptionsOf,
  statEntry,
  unreadableReason,
} from './log-files.js';
import { ScratchDuckDb } from './scratch-duckdb.js';
import { textRows } from './text-rows.js';
import { buildFileStatsSql, buildViewSql, columnsUsedBy, LOCAL_TABLE_LAYOUT, TRINO_COMPAT_MACROS } from './view.js';

/** What is known about one file, kept per (path, size, mtime): CloudTrail never rewrites a delivered file. */
interface KnownFile {
  file: LogFile;
  /** The stat taken before the check: inode and ctime, which whoever writes the file cannot set back. */
  ino: number;
  ctimeMs: number;
  /** Newest eventTime in the file, once computed (null: it has no events). */
  newest?: string | null;
  unreadable?: string;
}

export interface LocalEngineOptions extends ReadOptions {
  logsDir: string;
  /** Milliseconds clock, injected for elapsed-time figures. */
  clock?: () => number;
  /** A question's DuckDB work is interrupted after this long (S3X_LOCAL_QUERY_TIMEOUT_SECONDS). */
  queryTimeoutMs?: number;
  /** Checks kept from earlier processes; the engine adds its own and saves them when it closes. */
  checkedFiles?: CheckedFiles;
}

/**
 * DuckDB's memory for questions over log files: 512 MB, or 8 times the largest file let through
 * when S3X_MAX_LOG_FILE_MB is raised past 64 (a 63 MB file needed about 460 MB). Past it DuckDB
 * spills to disk or fails the pass (then the files are checked one by one); it never grows the process.
 */
export function localMemoryLimit(options: ReadOptions): string {
  const fileMb = (options.maxFileBytes ?? READ_LIMITS.decompressedBytes) / (1024 * 1024);
  return `${Math.max(512, Math.ceil(8 * fileMb))}MB`;
}

/**
 * DuckDB over CloudTrail files on disk. A view named like the Athena table exposes the same
 * columns, so question SQL runs unchanged; only the delivery-day folders a question asks for are
 * read, and of each record only the columns the question names. One pass over every file per
 * question (an object question's reads only the columns it filters on, then the few files it
 * needs again): the number of records read comes from DuckDB's own profile of that pass.
 */
export class LocalEngine implements Engine {
  readonly table: TableLayout = LOCAL_TABLE_LAYOUT;
  readonly reportsFreshness = true;
  private readonly known = new Map<string, KnownFile>();
  private opening?: Promise<ScratchDuckDb>;

  private constructor(private readonly options: LocalEngineOptions) {}

  static open(options: LocalEngineOptions): Promise<LocalEngine> {
    return Promise.resolve(new LocalEngine(options));
  }

  /**
   * The scratch DuckDB, opened when a question first needs it: after that question's files are
   * checked. Checking grows glibc's heap with the inflated text (8,639 files: about 35 MB, freed but
   * kept by malloc), and DuckDB hands free heap back to the system when it starts its threads, so a
   * first question's DuckDB peak no longer stacks on what its checks left. A failed open is tried
   * again by the next question.
   */
  private database(): Promise<ScratchDuckDb> {
    this.opening ??= openScratchDuckDb(this.options).catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }

  async run(query: EngineQuery): Promise<EngineResult> {
    const clock = this.options.clock ?? Date.now;
    const started = clock();
    // Threads appear lazily (DuckDB's, libuv's pool): lower each new one before it does the work.
    yieldWorkerThreadsToEventLoop();
    // Checking new files is bounded per file (READ_LIMITS); all of the question, by its deadline.
    const deadline = new QueryDeadline(this.options.queryTimeoutMs ?? DEFAULT_LOCAL_QUERY_TIMEOUT_SECONDS * 1000);
    try {
      const { rows, stats } = await this.answer(query, deadline);
      return { rows, stats: { ...stats, elapsedMs: clock() - started } };
    } finally {
      deadline.cancel();
    }
  }

  private async answer(
    query: EngineQuery,
    deadline: QueryDeadline,
  ): Promise<{ rows: Row[]; stats: Omit<ScanStats, 'elapsedMs'> }> {
    // Re-detected each time so a trail folder that appears after start is picked up.
    const layout = await detectLayout(this.options.logsDir, this.readOptions);
    const listed = await listLogFiles(layout, query.days, this.readOptions);
    const looked = await mapWithLimit(listed, OPEN_FILES, (p) => {
      if (deadline.expired) throw deadline.error();
      return this.lookUp(p);
    });
    const known = await mapWithLimit(looked, CHECKING_FILES, (entry) => {
      if (deadline.expired) throw deadline.error();
      return 'unchecked' in entry ? this.check(entry.unchecked, entry.info) : Promise.resolve(entry);
    });
    let readable = known.filter((k) => !k.unreadable).map((k) => k.file);
    const unreadableFiles: UnreadableFile[] = known
      .filter((k) => k.unreadable)
      .map((k) => ({ path: k.file.path, reason: k.unreadable as string }));
    const regionAndDay = layout.kind === 'trail' ? 'path' : 'record';
    // Opened now that the files are checked (see database()); a DuckDB that cannot start fails the question as the engine's error.
    await this.database().catch((error: unknown) => {
      throw engineError(error);
    });

    let answer: { rows: Row[]; recordsRead?: number };
    try {
      answer = await this.ask(query, readable, regionAndDay, deadline);
    } catch (firstError) {
      if (deadline.expired) throw firstError;
      // One file DuckDB cannot read fails the whole pass: find such files, then ask again without them.
      const broken = await this.findUnreadable(readable, deadline);
      if (broken.length === 0) throw engineError(firstError);
      const brokenPaths = new Set(broken.map((b) => b.path));
      readable = readable.filter((f) => !brokenPaths.has(f.path));
      unreadableFiles.push(...broken);
      answer = await this.ask(query, readable, regionAndDay, deadline).catch((error: unknown) => {
        throw engineError(error);
      });
    }
    const newest = await this.newestEvent(readable, layout.kind === 'trail', deadline);
    return {
      rows: answer.rows,
      stats: {
        engine: 'local',
        filesScanned: readable.length,
        unreadableFiles,
        ...(answer.recordsRead === undefined ? {} : { eventsScanned: answer.recordsRead }),
        bytesScanned: readable.reduce((sum, f) => sum + f.size, 0),
        newestEventTime: newest ?? undefined,
        warnings: [],
      },
    };
  }

  async deliveredRecord(eventId: string, days: { from: string; to: string }): Promise<string | undefined> {
    const connection = await (await this.database()).instance.connect();
    try {
      return await findDeliveredRecord(connection, this.options.logsDir, eventId, days, this.readOptions);
    } catch (error) {
      throw engineError(error);
    } finally {
      connection.closeSync();
    }
  }

  /**
   * The question over a view of just these files and just the columns it names. When it names the
   * files it needs first (EngineQuery.neededFiles), those are found over every file, with the
   * columns that query names, and the question reads only them; the records read are then that pass's.
   */
  private async ask(query: EngineQuery, files: LogFile[], regionAndDay: 'path' | 'record', deadline: QueryDeadline) {
    const connection = await (await this.database()).instance.connect();
    try {
      const run = (sqlOf: SqlFragment, over: LogFile[]) => this.profiled(connection, sqlOf, over, regionAndDay, deadline);
      if (!query.neededFiles) return await run(query.sql, files);
      const needed = await run(query.neededFiles, files);
      const neededPaths = new Set(needed.rows.map((row) => row.filename));
      const answer = await run(
        query.sql,
        files.filter((f) => neededPaths.has(f.path)),
      );
      return { rows: answer.rows, recordsRead: needed.recordsRead };
    } finally {
      connection.closeSync();
    }
  }

  /** One query over a view of these files and the columns it names, profiled for the records read. */
  private async profiled(
    connection: DuckDBConnection,
    query: SqlFragment,
    files: LogFile[],
    regionAndDay: 'path' | 'record',
    deadline: QueryDeadline,
  ): Promise<{ rows: Row[]; recordsRead?: number }> {
    const profile = path.join((await this.database()).tempDir, `profile-${randomUUID()}.json`);
    try {
      const reader = await deadline.on(connection, async () => {
        await connection.run(buildViewSql(files, regionAndDay, columnsUsedBy(query.text, regionAndDay)));
        await connection.run(`PRAGMA enable_profiling = 'json'`);
        await connection.run(`PRAGMA profiling_output = '${profile.replaceAll("'", "''")}'`);
        const result = await connection.runAndReadAll(query.text, [...query.params]);
        await connection.run('PRAGMA disable_profiling');
        return result;
      });
      return { rows: textRows(reader), recordsRead: await recordsReadIn(profile) };
    } finally {
      await rm(profile, { force: true });
    }
  }

  /** Files that fail a full read of every column, found by halving batches (one bad file fails its batch). */
  private async findUnreadable(files: LogFile[], deadline: QueryDeadline): Promise<UnreadableFile[]> {
    const broken: UnreadableFile[] = [];
    const connection = await (await this.database()).instance.connect();
    const check = async (batch: LogFile[], format: LogFile['format']): Promise<void> => {
      if (batch.length === 0) return;
      try {
        await deadline.on(connection, () => connection.run(buildFileStatsSql(batch, format)));
      } catch (error) {
        if (deadline.expired) throw error;
        if (batch.length === 1) {
          const file = batch[0] as LogFile;
          const reason = unreadableReason(error);
          this.known.set(file.path, { ...this.identityOf(file.path), file, unreadable: reason });
          broken.push({ path: file.path, reason });
          return;
        }
        const middle = Math.ceil(batch.length / 2);
        await check(batch.slice(0, middle), format);
        await check(batch.slice(middle), format);
      }
    };
    try {
      for (const format of ['wrapped', 'array', 'lines'] as const) {
        await check(
          files.filter((f) => f.format === format),
          format,
        );
      }
    } finally {
      connection.closeSync();
    }
    return broken;
  }

  /**
   * The newest event in the newest delivery files: logs are complete up to about there. In a trail
   * layout these are the last files (by name, which starts with the delivery time) of the newest
   * day folder read; a plain folder is read whole. Computed once per file.
   */
  private async newestEvent(files: LogFile[], trailLayout: boolean, deadline: QueryDeadline): Promise<string | null> {
    if (files.length === 0) return null;
    const newestFiles = newestDeliveryFiles(files, trailLayout);
    const missing = newestFiles.filter((f) => this.known.get(f.path)?.newest === undefined);
    if (missing.length > 0) {
      const connection = await (await this.database()).instance.connect();
      try {
        for (const format of ['wrapped', 'array', 'lines'] as const) {
          const batch = missing.filter((f) => f.format === format);
          if (batch.length === 0) continue;
          const rows = await deadline
            .on(connection, () => connection.runAndReadAll(buildFileStatsSql(batch, format, columnsUsedBy(''))))
            .then((reader) => reader.getRowObjectsJS())
            // Freshness is a footnote: a file that cannot be read here leaves it unknown, never fails the answer.
            .catch(() => []);
          const newestByFile = new Map(rows.map((r) => [String(r.filename), r.newest ? String(r.newest) : null]));
          for (const file of batch) {
            if (newestByFile.has(file.path))
              this.known.set(file.path, { ...this.identityOf(file.path), file, newest: newestByFile.get(file.path) ?? null });
          }
        }
      } finally {
        connection.closeSync();
      }
    }
    return newestFiles.reduce<string | null>((max, f) => {
      const newest = this.known.get(f.path)?.newest;
      return newest && (!max || newest > max) ? newest : max;
    }, null);
  }

  /**
   * A stat() per file per question; what is known of a file not seen before, or changed since, is
   * `unchecked` until `check` reads it (a file found unreadable is checked again once its size or
   * mtime changes: it may have been completed; a gzip bomb is not decompressed again for every question).
   */
  private async lookUp(filePath: string): Promise<KnownFile | { unchecked: string; info: Stats | undefined }> {
    const cached = this.known.get(filePath);
    const info = await statEntry(filePath, this.readOptions);
    const unchanged =
      cached &&
      info &&
      info.size === cached.file.size &&
      info.mtimeMs === cached.file.mtimeMs &&
      info.ino === cached.ino &&
      info.ctimeMs === cached.ctimeMs;
    return unchanged ? cached : { unchecked: filePath, info };
  }

  /** The checking read, unless an earlier process kept a passed check of the file as it is now. */
  private async check(filePath: string, info: Stats | undefined): Promise<KnownFile> {
    const checked = info && this.options.checkedFiles?.find(filePath, info);
    const described = checked ?? (await describeFileSafely(filePath, this.readOptions));
    if (info && !checked && !('error' in described)) this.options.checkedFiles?.remember(described, info);
    const known: KnownFile =
      'error' in described
        ? {
            file: { path: filePath, size: info?.size ?? -1, mtimeMs: info?.mtimeMs ?? -1, format: 'lines', textBytes: 0 },
            unreadable: described.error,
            ino: info?.ino ?? -1,
            ctimeMs: info?.ctimeMs ?? -1,
          }
        : { file: described, ino: info?.ino ?? -1, ctimeMs: info?.ctimeMs ?? -1 };
    this.known.set(filePath, known);
    return known;
  }

  /** The inode and ctime a file was checked with; none known means it is checked again next time. */
  private identityOf(filePath: string): Pick<KnownFile, 'ino' | 'ctimeMs'> {
    const known = this.known.get(filePath);
    return { ino: known?.ino ?? -1, ctimeMs: known?.ctimeMs ?? -1 };
  }

  private get readOptions(): ReadOptions {
    return readOptionsOf(this.options);
  }

  async close(): Promise<void> {
    // Keeping the checks is an optimisation: a data dir that cannot be written only costs the next process a re-check.
    await this.options.checkedFiles?.save().catch(() => undefined);
    // Nothing to close when no question opened DuckDB, or its open failed.
    await (await this.opening?.catch(() => undefined))?.close();
  }
}

async function openScratchDuckDb(options: LocalEngineOptions): Promise<ScratchDuckDb> {
  const db = await ScratchDuckDb.open(localMemoryLimit(options));
  // DuckDB's threads start with it: lowered like the others (see run).
  yieldWorkerThreadsToEventLoop();
  const connection = await db.instance.connect();
  try {
    for (const macro of TRINO_COMPAT_MACROS) await connection.run(macro);
  } finally {
    connection.closeSync();
  }
  return db;
}

function engineError(error: unknown): EngineError {
  if (error instanceof EngineError) return error;
  return new EngineError('The local engine could not run this question over the log files.', {
    cause: error,
    detail: error instanceof Error ? error.message : String(error),
  });
}

interface ProfileNode {
  operator_type?: string;
  operator_name?: string;
  operator_cardinality?: number;
  extra_info?: Record<string, unknown>;
  children?: ProfileNode[];
}

/**
 * Records the pass read, from DuckDB's JSON profile: what the JSON readers produced (after UNNEST
 * for delivery files, which hold one `Records` array each). Undefined when the profile is missing
 * or a reader filtered rows itself: then the answer shows files and bytes, not a wrong count.
 */
async function recordsReadIn(profilePath: string): Promise<number | undefined> {
  const text = await readFile(profilePath, 'utf8').catch(() => undefined);
  if (!text) return undefined;
  let total = 0;
  let filteredInReader = false;
  const name = (node: ProfileNode) => (node.operator_name ?? node.operator_type ?? '').trim();
  const walk = (node: ProfileNode, parent?: ProfileNode) => {
    const children = node.children ?? [];
    if (name(node) === 'UNNEST' && children.some((c) => name(c) === 'READ_JSON')) total += node.operator_cardinality ?? 0;
    else if (name(node) === 'READ_JSON' && (!parent || name(parent) !== 'UNNEST')) total += node.operator_cardinality ?? 0;
    // A filter pushed into the reader makes its count the rows kept, not the rows read.
    if (name(node) === 'READ_JSON' && Object.keys(node.extra_info ?? {}).some((key) => /filter/i.test(key)))
      filteredInReader = true;
    for (const child of children) walk(child, node);
  };
  try {
    walk(JSON.parse(text) as ProfileNode);
  } catch {
    return undefined;
  }
  return filteredInReader ? undefined : total;
}

async function describeFileSafely(filePath: string, options: ReadOptions): Promise<LogFile | { path: string; error: string }> {
  try {
    return await describeFile(filePath, options);
  } catch (error) {
    return { path: filePath, error: unreadableReason(error) };
  }
}
