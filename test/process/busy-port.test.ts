import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';
import { freePort, localAppEnv, prepareDataDir } from './harness.js';

let dataDir: string;
let holder: Server;
let port: number;

beforeAll(async () => {
  dataDir = await prepareDataDir();
  port = await freePort();
  // Another process's server on the port, as a first `npm start` would be.
  holder = createServer();
  await new Promise<void>((resolve) => holder.listen(port, '0.0.0.0', resolve));
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => holder.close(() => resolve()));
  await rm(dataDir, { recursive: true, force: true });
});

describe('a second start on a busy port', () => {
  it('says so in one line and exits 1, without a stack trace', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src', 'main.ts')], {
      cwd: REPO_ROOT,
      env: localAppEnv({ dataDir, port }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toEqual([
      `[s3x] cannot start: port ${port} is already in use (is s3x already running?). Stop the other process or set PORT to another port.`,
    ]);
  }, 60_000);
});
