import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DuckDBInstance } from '@duckdb/node-api';
import { duckdb } from './duckdb.js';

/**
 * An in-memory DuckDB with a temp folder of its own (spill files, profiles), removed on close.
 * The system temp dir, not the working directory (which may be read-only in a container); one folder
 * per instance, so closing one never removes another's spill files.
 */
export class ScratchDuckDb {
  private constructor(
    readonly instance: DuckDBInstance,
    readonly tempDir: string,
  ) {}

  static async open(memoryLimit: string): Promise<ScratchDuckDb> {
    const tempDir = await mkdtemp(path.join(tmpdir(), 's3x-duckdb-'));
    try {
      // Results are ordered by the questions themselves, so DuckDB need not keep insertion order (faster, less memory).
      const instance = await duckdb.DuckDBInstance.create(':memory:', {
        temp_directory: tempDir,
        preserve_insertion_order: 'false',
        memory_limit: memoryLimit,
      });
      return new ScratchDuckDb(instance, tempDir);
    } catch (error) {
      await rm(tempDir, { recursive: true, force: true });
      throw error;
    }
  }

  async close(): Promise<void> {
    this.instance.closeSync();
    await rm(this.tempDir, { recursive: true, force: true });
  }
}
