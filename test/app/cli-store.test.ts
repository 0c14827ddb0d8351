import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { answerRequest } from '../../src/answers/answer-request.js';
import * as statusFormats from '../../src/answers/status/formats.js';
import { openWiring } from '../../src/app/wiring.js';
import { DynamoDbApprovalStore } from '../../src/aws/dynamodb/approval-store.js';
import { runCli } from '../../src/cli.js';
import { loadConfig } from '../../src/config.js';
import { systemClock } from '../../src/time/clock.js';
import { expressEvent, tempDir, writeDeliveryFile } from '../helpers/archive.js';
import { Dynalite } from '../helpers/dynalite.js';
import { withoutElapsed } from '../helpers/replies.js';
import { pendingRequest } from './pending-request.js';

/** The CLI reads what the app reads: the store the config names, and (locally) the sandbox account. */
const NOW = new Date('2026-11-24T00:00:00Z');
let logs: string;
const made: string[] = [];

beforeAll(async () => {
  logs = await tempDir('s3x-cli-store-logs-');
  made.push(logs);
  await writeDeliveryFile(logs, '2026/11/20', '20261120T1000Z_a', [
    expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-20T09:55:00Z', key: 'a.txt', eventID: 'delete-1' }),
  ]);
});

afterAll(async () => {
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

async function cli(argv: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, env, { out: (t) => (out += t), err: (t) => (err += t) }, () => NOW);
  return { code, out, err };
}

describe('the CLI and the app read the same things', () => {
  it('S3X_STORE=dynamodb: `s3x approvals` lists the requests in the shared table', async () => {
    const dynalite = await new Dynalite().start();
    const dataDir = await tempDir('s3x-cli-store-');
    made.push(dataDir);
    try {
      const table = await dynalite.createTable();
      const client = dynalite.client();
      const store = new DynamoDbApprovalStore(client, { table, clock: systemClock });
      await store.create(pendingRequest('req-in-dynamodb', 'b--use1-az4--x-s3'));
      client.destroy();
      // The SDK reads its endpoint and credentials from the process's environment, as in production.
      const env = dynalite.env(table);
      for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
      const { code, out, err } = await cli(['approvals', '--logs', logs, '--format', 'json'], { ...env, S3X_DATA_DIR: dataDir });
      expect(err).toBe('');
      expect(code).toBe(0);
      expect((JSON.parse(out) as Array<{ id: string }>).map((r) => r.id)).toEqual(['req-in-dynamodb']);
    } finally {
      vi.unstubAllEnvs();
      await dynalite.stop();
    }
  });

  it('locally, once the app made its state, `s3x status` answers from the sandbox account, as `/s3x status` does', async () => {
    const dataDir = await tempDir('s3x-cli-status-');
    made.push(dataDir);
    // What `npm start` does first: the state file, with the sandbox account seeded in it.
    const app = await openWiring(loadConfig({ S3X_DATA_DIR: dataDir }), {
      logsDir: logs,
      replicaId: 'app',
      state: 'create',
      log: () => undefined,
      now: () => NOW,
    });
    const slackReply = await answerRequest({ command: 'status' }, app.answers);
    await app.close();
    if (slackReply.kind !== 'status') throw new Error(slackReply.kind);
    expect(slackReply.answer.source).toBe('sandbox');
    const { code, out } = await cli(['status', '--logs', logs, '--format', 'json'], { S3X_DATA_DIR: dataDir });
    expect(code).toBe(0);
    expect(withoutElapsed(JSON.parse(out))).toEqual(withoutElapsed(JSON.parse(statusFormats.toJson(slackReply.answer))));
  });

  it('before the app ever ran, `s3x status` reads the logs and makes no state file', async () => {
    const dataDir = await tempDir('s3x-cli-status-');
    made.push(dataDir);
    const { code, out } = await cli(['status', '--logs', logs, '--format', 'json'], { S3X_DATA_DIR: dataDir });
    expect(code).toBe(0);
    expect((JSON.parse(out) as { source: string }).source).toBe('logs');
    expect(existsSync(path.join(dataDir, 's3x.sqlite'))).toBe(false);
  });
});
