import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as DuckDbApi from '@duckdb/node-api';

// Required, not imported: the package is CommonJS, and an `import` of it makes Node scan its sixty
// files for their export names first (measured: about 150 ms of CPU at each process start).
const { DuckDBInstance } = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDbApi;
type DuckDBInstance = DuckDbApi.DuckDBInstance;

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
      const instance = await DuckDBInstance.create(':memory:', {
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
