import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/archive.js';
import { REPO_ROOT } from '../helpers/paths.js';

/** Run `src/main.ts` to its exit with only these S3X_/SLACK_/AWS_ settings; its output and exit code. */
async function runApp(extra: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(S3X_|SLACK_|AWS_|ATHENA_|PORT$)/.test(key)),
  );
  const dataDir = await tempDir('s3x-guard-');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src', 'main.ts')], {
    cwd: REPO_ROOT,
    env: { ...inherited, PORT: '0', S3X_DATA_DIR: dataDir, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    // Started anyway (the defect): stop it so the test fails at once rather than at its timeout.
    if (/s3x started/.test(output)) child.kill('SIGKILL');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
  return { code, output };
}

describe('local mode never serves a real AWS account', () => {
  it('refuses to start the console with S3X_ENGINE=athena and a real account, naming the missing setting', async () => {
    const { code, output } = await runApp({
      S3X_ENGINE: 'athena',
      AWS_REGION: 'us-east-1',
      AWS_ACCOUNT_ID: '111122223333',
      // Nothing may reach AWS: if the app got as far as an AWS call, it would fail here instead.
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'example',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    });
    expect(code).toBe(1);
    expect(output).toMatch(/cannot start: Invalid configuration:\n\s+SLACK_BOT_TOKEN: is required with S3X_ENGINE=athena/);
    expect(output).not.toMatch(/s3x started|remediation on|Console:/);
  }, 60_000);
});
