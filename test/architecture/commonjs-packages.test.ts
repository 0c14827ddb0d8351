import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';

/**
 * The CommonJS packages every local question loads. An ES `import` (static or dynamic) of one makes
 * Node scan its files for their export names before it runs: DuckDB's took 166-204 ms to load
 * imported against 73-96 ms required (bench/RESULTS.md, stop 34). Each is required in one module.
 */
const REQUIRED_IN: Record<string, string> = {
  '@duckdb/node-api': 'src/engines/local/duckdb.ts',
  'better-sqlite3': 'src/store/database.ts',
};

/** The packages a source text loads with an ES import: `import type` is erased and costs nothing. */
function esImportsOf(text: string): string[] {
  const packages = Object.keys(REQUIRED_IN).map((name) => name.replace(/[/@.-]/g, '\\$&'));
  const from = `'(${packages.join('|')})'`;
  const found: string[] = [];
  for (const match of text.matchAll(new RegExp(`^import\\s+(?!type\\b)[^;]*?from\\s+${from}`, 'gm')))
    found.push(match[1] as string);
  for (const match of text.matchAll(new RegExp(`\\bimport\\(\\s*${from}\\s*\\)`, 'g'))) found.push(match[1] as string);
  return found;
}

async function sourceFiles(): Promise<string[]> {
  const entries = await readdir(path.join(REPO_ROOT, 'src'), { recursive: true });
  return entries.filter((entry) => entry.endsWith('.ts')).map((entry) => path.join('src', entry));
}

describe('CommonJS packages are required, not imported', () => {
  it('tells an ES import of one from a type import', () => {
    expect(esImportsOf("import {\n  type DuckDBType,\n  DuckDBTypeId,\n} from '@duckdb/node-api';\n")).toEqual([
      '@duckdb/node-api',
    ]);
    expect(esImportsOf("import Database from 'better-sqlite3';\n")).toEqual(['better-sqlite3']);
    expect(esImportsOf("const api = await import('@duckdb/node-api');\n")).toEqual(['@duckdb/node-api']);
    expect(
      esImportsOf("import type { DuckDBConnection } from '@duckdb/node-api';\nimport type Db from 'better-sqlite3';\n"),
    ).toEqual([]);
  });

  it('no source module imports DuckDB or SQLite; each is required in its one module', async () => {
    const imported: string[] = [];
    const requiredIn = new Map<string, string[]>();
    for (const file of await sourceFiles()) {
      const text = await readFile(path.join(REPO_ROOT, file), 'utf8');
      for (const name of esImportsOf(text)) imported.push(`${file} imports ${name}`);
      for (const name of Object.keys(REQUIRED_IN)) {
        if (text.includes(`createRequire(import.meta.url)('${name}')`))
          requiredIn.set(name, [...(requiredIn.get(name) ?? []), file]);
      }
    }
    expect(imported).toEqual([]);
    expect(Object.fromEntries(requiredIn)).toEqual(
      Object.fromEntries(Object.entries(REQUIRED_IN).map(([name, file]) => [name, [file]])),
    );
  });
});
