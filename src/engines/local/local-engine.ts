import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { EngineError } from '../../errors.js';
import type { Engine, EngineQuery, EngineResult, Row, TableLayout, UnreadableFile } from '../engine.js';
import { type ArchiveLayout, describeFile, detectLayout, type LogFile, listLogFiles } from './log-files.js';
import { buildFileStatsSql, buildViewSql, LOCAL_TABLE, TRINO_COMPAT_MACROS } from './view.js';

interface FileStats {
  file: LogFile;
  records: number;
  newest: string | null;
  unreadable?: string;
}

export interface LocalEngineOptions {
  logsDir: string;
  /** Milliseconds clock, injected for elapsed-time figures. */
  clock?: () => number;
}

/**
 * DuckDB over CloudTrail files on disk. A view named like the Athena table exposes the same
 * columns, so question SQL runs unchanged; only the delivery-day folders a question asks for are read.
 */
export class LocalEngine implements Engine {
  readonly table: TableLayout = { name: LOCAL_TABLE, partitionedByDay: true };
  readonly reportsFreshness = true;
  private readonly fileStats = new Map<string, FileStats>();
  private layout?: ArchiveLayout;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly options: LocalEngineOptions,
  ) {}

  static async open(options: LocalEngineOptions): Promise<LocalEngine> {
    // Spill to the system temp dir, not the working directory (which may be read-only in a container).
    const instance = await DuckDBInstance.create(':memory:', { temp_directory: path.join(tmpdir(), 's3x-duckdb') });
    const engine = new LocalEngine(instance, options);
    const connection = await instance.connect();
    try {
      for (const macro of TRINO_COMPAT_MACROS) await connection.run(macro);
    } finally {
      connection.closeSync();
    }
    return engine;
  }

  async run(query: EngineQuery): Promise<EngineResult> {
    const clock = this.options.clock ?? Date.now;
    const started = clock();
    // Re-detected each time so a trail folder that appears after start is picked up.
    this.layout = await detectLayout(this.options.logsDir);
    const paths = await listLogFiles(this.layout, query.days);
    const stats = await this.statsFor(paths);
    const readable = stats.filter((s) => !s.unreadable);
    const unreadableFiles: UnreadableFile[] = stats
      .filter((s) => s.unreadable)
      .map((s) => ({ path: s.file.path, reason: s.unreadable as string }));

    const connection = await this.instance.connect();
    try {
      await connection.run(
        buildViewSql(
          readable.map((s) => s.file),
          this.layout.kind === 'trail' ? 'path' : 'record',
        ),
      );
      const reader = await connection.runAndReadAll(query.sql.text, [...query.sql.params]);
      const rows = reader.getRowObjectsJS().map(toTextRow);
      const newest = readable.reduce<string | null>((max, s) => (s.newest && (!max || s.newest > max) ? s.newest : max), null);
      return {
        rows,
        stats: {
          engine: 'local',
          filesScanned: readable.length,
          unreadableFiles,
          eventsScanned: readable.reduce((sum, s) => sum + s.records, 0),
          bytesScanned: readable.reduce((sum, s) => sum + s.file.size, 0),
          newestEventTime: newest ?? undefined,
          elapsedMs: clock() - started,
          warnings: [],
        },
      };
    } catch (error) {
      throw new EngineError('The local engine could not run this question over the log files.', {
        cause: error,
        detail: error instanceof Error ? error.message : String(error),
      });
    } finally {
      connection.closeSync();
    }
  }

  /** Stats for each file, computed once per (path, size, mtime): CloudTrail never rewrites a delivered file. */
  private async statsFor(paths: readonly string[]): Promise<FileStats[]> {
    const described = await Promise.all(paths.map((p) => this.describeCached(p)));
    const fresh: LogFile[] = [];
    for (const item of described) {
      if ('error' in item) {
        this.fileStats.set(item.path, {
          file: { path: item.path, size: 0, mtimeMs: 0, format: 'lines' },
          records: 0,
          newest: null,
          unreadable: item.error,
        });
        continue;
      }
      const cached = this.fileStats.get(item.path);
      if (!cached || cached.file.size !== item.size || cached.file.mtimeMs !== item.mtimeMs) fresh.push(item);
    }
    if (fresh.length > 0) {
      const connection = await this.instance.connect();
      try {
        for (const format of ['wrapped', 'array', 'lines'] as const) {
          await this.computeStats(
            connection,
            fresh.filter((f) => f.format === format),
            format,
          );
        }
      } finally {
        connection.closeSync();
      }
    }
    return paths.map((p) => this.fileStats.get(p)).filter((s): s is FileStats => s !== undefined);
  }

  /** A stat() per file per question; the sniffing read only for files not seen before (or changed). */
  private async describeCached(filePath: string): Promise<LogFile | { path: string; error: string }> {
    const cached = this.fileStats.get(filePath);
    if (cached && !cached.unreadable) {
      const info = await stat(filePath).catch(() => undefined);
      if (info && info.size === cached.file.size && info.mtimeMs === cached.file.mtimeMs) return cached.file;
    }
    return describeFileSafely(filePath);
  }

  private async computeStats(connection: DuckDBConnection, files: LogFile[], format: LogFile['format']): Promise<void> {
    if (files.length === 0) return;
    try {
      const rows = (await connection.runAndReadAll(buildFileStatsSql(files, format))).getRowObjectsJS();
      const byName = new Map(rows.map((r) => [String(r.filename), r]));
      for (const file of files) {
        const row = byName.get(file.path);
        this.fileStats.set(file.path, {
          file,
          records: row ? Number(row.records) : 0,
          newest: row?.newest ? String(row.newest) : null,
        });
      }
    } catch (error) {
      if (files.length === 1) {
        this.fileStats.set(files[0]!.path, { file: files[0]!, records: 0, newest: null, unreadable: shortReason(error) });
        return;
      }
      // One bad file fails the batch: split to find it, keep the rest.
      const middle = Math.ceil(files.length / 2);
      await this.computeStats(connection, files.slice(0, middle), format);
      await this.computeStats(connection, files.slice(middle), format);
    }
  }

  async close(): Promise<void> {
    this.instance.closeSync();
  }
}

async function describeFileSafely(filePath: string): Promise<LogFile | { path: string; error: string }> {
  try {
    return await describeFile(filePath);
  } catch (error) {
    return { path: filePath, error: shortReason(error) };
  }
}

/** First line of a DuckDB/Node error, without the file path (the answer names the file already). */
function shortReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n')[0] ?? message;
  return firstLine.replace(/ in file "[^"]*"/, '').slice(0, 200);
}

function toTextRow(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) {
    out[key] = value === null || value === undefined ? null : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return out;
}
