import { createRequire } from 'node:module';
import type * as DuckDbApi from '@duckdb/node-api';

/**
 * DuckDB's Node API, the one place it is loaded. Required, not imported: the package is CommonJS,
 * and an `import` of it makes Node scan its sixty files for their export names first (measured:
 * 166-204 ms against 73-96 ms for a process's first load). Types come from `import type`, which
 * costs nothing at run time.
 */
export const duckdb = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDbApi;
