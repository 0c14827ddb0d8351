import { rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnswerStore } from '../../src/answers/answer-store.js';
import { type ConsoleRoutes, consoleRoutes } from '../../src/console/console-routes.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { createSlackApp, type SlackApp } from '../../src/slack/app.js';
import type { TwinMessage } from '../../src/slack-twin/workspace.js';
import { openDatabase } from '../../src/store/database.js';
import { tempDir } from '../helpers/archive.js';
import { SIGNING_SECRET } from '../helpers/slack.js';

const BOT_TOKEN = 'xoxb-console-security-test';
const COMMAND = JSON.stringify({ userId: 'U0APPROVER', channelId: 'C0CONSOLE', text: 'enable-logging --all' });
let logsDir: string;
let engine: LocalEngine;
let slack: SlackApp;
let console: ConsoleRoutes;
let port = 0;
let base = '';
/** Stands in for Bolt's /slack/events: records what the console sends, so the response_url can be read. */
let fakeBolt: Server;
let delivered: URLSearchParams[] = [];

beforeAll(async () => {
  logsDir = await tempDir();
  engine = await LocalEngine.open({ logsDir });
  fakeBolt = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      delivered.push(new URLSearchParams(body));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => fakeBolt.listen(0, '127.0.0.1', resolve));
  const boltUrl = `http://127.0.0.1:${(fakeBolt.address() as AddressInfo).port}/slack/events`;
  console = consoleRoutes({ signingSecret: SIGNING_SECRET, baseUrl: () => base, eventsUrl: () => boltUrl, botToken: BOT_TOKEN });
  slack = createSlackApp(
    {
      botToken: BOT_TOKEN,
      signingSecret: SIGNING_SECRET,
      port: 0,
      host: '127.0.0.1',
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
  base = `http://127.0.0.1:${port}`;
});

beforeEach(() => {
  delivered = [];
});

afterAll(async () => {
  console.close();
  await slack.stop();
  await new Promise<void>((resolve) => fakeBolt.close(() => resolve()));
  await engine.close();
  await rm(logsDir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: string;
}

/** A raw HTTP request, so that Host and Origin are exactly what an attacker's browser would send. */
function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        // The event stream never ends by itself: its first frame is enough.
        if (path === '/console/stream' && text.includes('\n\n')) res.destroy();
      });
      res.on('close', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The messages the console holds (the stream's first frame, as the page gets it). */
async function messages(): Promise<TwinMessage[]> {
  const answer = await send('GET', '/console/stream', { host: `127.0.0.1:${port}` });
  const frame = JSON.parse(answer.body.slice('data: '.length).split('\n\n')[0] ?? '{}') as { messages: TwinMessage[] };
  return frame.messages;
}

describe('a page on another site cannot drive the local console', () => {
  it('refuses a cross-site text/plain POST (what a form or a no-cors fetch sends), and runs nothing', async () => {
    const before = (await messages()).length;
    const crossSite = await send(
      'POST',
      '/console/command',
      { host: `127.0.0.1:${port}`, origin: 'http://evil.example', 'content-type': 'text/plain' },
      COMMAND,
    );
    expect(crossSite.status).toBe(403);
    expect(JSON.parse(crossSite.body)).toEqual({ ok: false, error: 'cross_origin' });
    // Same origin but not JSON: only a CORS-preflighted request (which the console never grants) can carry JSON.
    const textPlain = await send(
      'POST',
      '/console/command',
      { host: `127.0.0.1:${port}`, origin: base, 'content-type': 'text/plain' },
      COMMAND,
    );
    expect(JSON.parse(textPlain.body)).toEqual({ ok: false, error: 'json_required' });
    // Without an Origin (not the page) either.
    const noOrigin = await send(
      'POST',
      '/console/action',
      { host: `127.0.0.1:${port}`, 'content-type': 'application/json' },
      '{}',
    );
    expect(noOrigin.status).toBe(403);
    expect(delivered).toEqual([]);
    expect((await messages()).length).toBe(before);
  });

  it('the page itself (JSON, same origin) is served', async () => {
    const ok = await send(
      'POST',
      '/console/command',
      { host: `127.0.0.1:${port}`, origin: base, 'content-type': 'application/json' },
      JSON.stringify({ userId: 'U0REQUESTER', channelId: 'C0CONSOLE', text: 'help' }),
    );
    expect(ok.status).toBe(200);
    expect(delivered.map((form) => form.get('text'))).toEqual(['help']);
  });

  it('refuses every route when Host names another site (DNS rebinding: evil.example resolving to 127.0.0.1)', async () => {
    const host = `evil.example:${port}`;
    const origin = `http://${host}`;
    const json = { host, origin, 'content-type': 'application/json' };
    const attempts: Array<[string, string, Record<string, string>, string?]> = [
      ['GET', '/', { host }],
      ['GET', '/console/stream', { host }],
      ['POST', '/console/command', json, COMMAND],
      ['POST', '/console/action', json, '{}'],
      ['GET', '/console/files/F000001', { host }],
      ['POST', '/api/chat.postMessage', { host, authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/json' }, '{}'],
      ['POST', '/console/response/x', { host, 'content-type': 'application/json' }, '{}'],
      ['POST', '/console/upload/F000001', { host }, 'x'],
    ];
    for (const [method, path, headers, body] of attempts) {
      const answer = await send(method, path, headers, body);
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(JSON.parse(answer.body), `${method} ${path}`).toEqual({ ok: false, error: 'unknown_host' });
    }
    expect(delivered).toEqual([]);
  });

  it('builds response_url and upload URLs from its configured address, never from the Host header', async () => {
    // localhost is served (it is this machine), but the URLs handed to the bot still name the configured address.
    const host = `localhost:${port}`;
    const ok = await send(
      'POST',
      '/console/command',
      { host, origin: `http://${host}`, 'content-type': 'application/json' },
      JSON.stringify({ userId: 'U0REQUESTER', channelId: 'C0CONSOLE', text: 'help' }),
    );
    expect(ok.status).toBe(200);
    expect(delivered[0]?.get('response_url')).toMatch(new RegExp(`^${base}/console/response/[0-9a-f-]{36}$`));
    const upload = await send(
      'POST',
      '/api/files.getUploadURLExternal',
      { host, authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/json' },
      JSON.stringify({ filename: 'x.csv', length: 1 }),
    );
    expect(JSON.parse(upload.body).upload_url).toMatch(new RegExp(`^${base}/console/upload/F`));
    // A Host naming another port on this machine (the answer was posted to port 8088) is not served at all.
    const otherPort = await send(
      'POST',
      '/console/command',
      { host: '127.0.0.1:8088', origin: 'http://127.0.0.1:8088', 'content-type': 'application/json' },
      COMMAND,
    );
    expect(otherPort.status).toBe(403);
  });

  it("refuses a browser on the bot's own routes (Web API, response_url, upload), even from the console's origin", async () => {
    const before = (await messages()).length;
    const forged = await send(
      'POST',
      '/api/chat.postMessage',
      { host: `127.0.0.1:${port}`, origin: base, authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/json' },
      JSON.stringify({ channel: 'C0CONSOLE', text: 'Approve this', blocks: [] }),
    );
    expect(forged.status).toBe(403);
    expect(JSON.parse(forged.body)).toEqual({ ok: false, error: 'browser_not_allowed' });
    const fetchMetadata = await send(
      'POST',
      '/api/chat.postMessage',
      { host: `127.0.0.1:${port}`, 'sec-fetch-site': 'cross-site', authorization: `Bearer ${BOT_TOKEN}` },
      'channel=C0CONSOLE&text=x',
    );
    expect(fetchMetadata.status).toBe(403);
    expect((await messages()).length).toBe(before);
  });
});
