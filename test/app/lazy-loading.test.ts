import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressEvent, removeTempDirs, tempDir, writeDeliveryFile } from '../helpers/archive.js';
import { REPO_ROOT } from '../helpers/paths.js';

// Every module the built `s3x` resolves from ES modules (ours, and the packages we import), one URL a line;
// at exit, every CommonJS module it required (DuckDB's package is required, not imported).
const HOOKS = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.S3X_TEST_LOADED, resolved.url + '\\n');
  return resolved;
}`;
const REGISTER = `import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
register(new URL('./hooks.mjs', import.meta.url));
const required = createRequire(import.meta.url).cache;
process.on('exit', () => appendFileSync(process.env.S3X_TEST_LOADED, Object.keys(required).join('\\n') + '\\n'));`;

let dir: string;
let logs: string;

beforeAll(async () => {
  dir = await tempDir('s3x-lazy-');
  logs = path.join(dir, 'logs');
  await writeDeliveryFile(logs, '2026/11/20', '20261120T1000Z_a', [
    expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-20T09:55:00Z', key: 'a.txt' }),
  ]);
  await writeFile(path.join(dir, 'hooks.mjs'), HOOKS);
  await writeFile(path.join(dir, 'register.mjs'), REGISTER);
});

afterAll(removeTempDirs);

/** The packages a whole `s3x <argv>` process loaded, by name. */
async function packagesLoadedBy(argv: string[]): Promise<Set<string>> {
  const loaded = path.join(dir, `loaded-${argv[0]}.txt`);
  await writeFile(loaded, '');
  await promisify(execFile)(
    process.execPath,
    ['--import', path.join(dir, 'register.mjs'), path.join(REPO_ROOT, 'bin', 's3x.js'), ...argv],
    { cwd: REPO_ROOT, env: { ...process.env, S3X_DATA_DIR: path.join(dir, 'data'), S3X_TEST_LOADED: loaded } },
  );
  const urls = (await readFile(loaded, 'utf8')).split('\n');
  return new Set(urls.map((url) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1]).filter((name) => name !== undefined));
}

describe('what a terminal command loads', () => {
  it('a local question loads DuckDB and none of the AWS SDK', async () => {
    const loaded = await packagesLoadedBy(['who-deleted', 'a.txt', '--logs', logs, '--since', '2026-11-19', '--format', 'json']);
    expect(loaded.has('@duckdb/node-api')).toBe(true);
    expect([...loaded].filter((name) => name.startsWith('@aws-sdk/'))).toEqual([]);
  });

  it('help loads neither DuckDB nor the AWS SDK nor Bolt', async () => {
    const loaded = await packagesLoadedBy(['help']);
    expect([...loaded].filter((name) => /^@aws-sdk\/|^@duckdb\/|^@slack\/|^better-sqlite3$/.test(name))).toEqual([]);
  });
});
