import { rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerStore } from '../../src/answers/answer-store.js';
import { consoleRoutes } from '../../src/console/console-routes.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { createSlackApp, type SlackApp } from '../../src/slack/app.js';
import { openDatabase } from '../../src/store/database.js';
import { tempDir } from '../helpers/archive.js';
import { SIGNING_SECRET } from '../helpers/slack.js';

// One socket, kept alive: the second request must travel on the connection the 413 answered,
// or on a fresh one if the server said it closes it; never be reset.
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
let engine: LocalEngine;
let slack: SlackApp;
let port = 0;
let logsDir: string;

beforeAll(async () => {
  logsDir = await tempDir();
  engine = await LocalEngine.open({ logsDir });
  const console = consoleRoutes({ signingSecret: SIGNING_SECRET, baseUrl: () => `http://127.0.0.1:${port}` });
  slack = createSlackApp(
    {
      botToken: 'xoxb-test',
      signingSecret: SIGNING_SECRET,
      port: 0,
      logLevel: 'error',
      botIdentity: { botId: 'B1', botUserId: 'U1' },
      extraRoutes: console.routes,
    },
    {
      engine,
      now: () => new Date(),
      store: new AnswerStore(openDatabase(':memory:'), () => new Date()),
      access: { channels: [], users: [], groups: [] },
    },
  );
  port = (await slack.start()).port;
});

afterAll(async () => {
  agent.destroy();
  await slack.stop();
  await engine.close();
  await rm(logsDir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  connection: string | undefined;
}

function send(path: string, method: string, body?: Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('a keep-alive client across a 413 (a load balancer reusing its connection)', () => {
  it('Bolt refuses an oversized /slack/events body, says it closes, and the next request on the agent succeeds', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 'a');
    const refused = await send('/slack/events', 'POST', big, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(refused).toEqual({ status: 413, connection: 'close' });
    // Answered on a new connection, which stays alive: only the refused request closes its connection.
    expect(await send('/healthz', 'GET')).toEqual({ status: 200, connection: 'keep-alive' });
  });

  it('the console refuses an oversized command body the same way', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, ' ');
    const asThePage = { 'content-type': 'application/json', origin: `http://127.0.0.1:${port}` };
    const refused = await send('/console/command', 'POST', big, asThePage);
    expect(refused).toEqual({ status: 413, connection: 'close' });
    // Answered on a new connection, which stays alive: only the refused request closes its connection.
    expect(await send('/healthz', 'GET')).toEqual({ status: 200, connection: 'keep-alive' });
  });
});
