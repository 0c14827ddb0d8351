import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerStore } from '../../src/answers/answer-store.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { createSlackApp, type SlackApp } from '../../src/slack/app.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { openDatabase } from '../../src/store/database.js';
import { expressEvent, tempDir, writeDeliveryFile } from '../helpers/archive.js';
import { FakeSlackApi } from '../helpers/fake-slack-api.js';
import { buttonClickBody, buttonsIn, ResponseUrlServer, slashCommandBody } from '../helpers/slack.js';
import { SocketModeServer } from '../helpers/socket-mode-server.js';

/**
 * Socket Mode, run: the app (SLACK_APP_TOKEN set) asks the fake Web API's `apps.connections.open`
 * for a WebSocket URL, connects to a loopback server speaking Slack's envelopes, and answers a
 * slash command and a button click delivered over it, as the HTTP tests do over signed requests.
 */

const APP_TOKEN = 'xapp-1-A0TEST-1-0123456789abcdef';
const ASKER = 'U0ASKER';
const OUTSIDER = 'U0OUTSIDER';

const api = new FakeSlackApi();
const sockets = new SocketModeServer();
const responses = new ResponseUrlServer();
let root: string;
let engine: LocalEngine;
let slack: SlackApp;
let responseBase: string;
let urlCounter = 0;

beforeAll(async () => {
  root = await tempDir();
  await writeDeliveryFile(root, '2026/11/20', '20261120T1000Z_a', [
    expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-20T09:55:00Z', key: 'reports/q3.parquet', eventID: 'del-1' }),
  ]);
  engine = await LocalEngine.open({ logsDir: root });
  api.socketModeUrl = await sockets.start();
  const apiUrl = await api.start();
  responseBase = await responses.start();
  slack = createSlackApp(
    {
      botToken: 'xoxb-test',
      appToken: APP_TOKEN,
      port: 0,
      logLevel: 'error',
      apiUrl,
      botIdentity: { botId: 'B1', botUserId: 'U1' },
    },
    {
      engine,
      now: () => new Date('2026-11-24T00:00:00Z'),
      store: new AnswerStore(openDatabase(':memory:'), () => new Date()),
      access: { channels: [], users: [ASKER], groups: [] },
    },
  );
  await slack.start();
});

afterAll(async () => {
  // Stopped by the last test already; again here in case a test before it failed.
  await slack?.stop({ drainTimeoutMs: 1000 });
  await sockets.stop();
  await responses.stop();
  await api.stop();
  await engine?.close();
  await rm(root, { recursive: true, force: true });
});

/** The slash command as a Socket Mode `slash_commands` payload: the same fields as the HTTP form, as JSON. */
function slashCommandPayload(text: string, userId: string, responseUrl: string): Record<string, unknown> {
  return Object.fromEntries(new URLSearchParams(slashCommandBody({ text, response_url: responseUrl, user_id: userId })));
}

/** A button click as a Socket Mode `interactive` payload: the block_actions JSON the HTTP form carries. */
function clickPayload(userId: string, actionId: string, value: string, responseUrl: string): Record<string, unknown> {
  const form = new URLSearchParams(buttonClickBody({ userId, actionId, value, responseUrl }));
  return JSON.parse(form.get('payload') as string) as Record<string, unknown>;
}

describe('Socket Mode over a loopback WebSocket', () => {
  it('opens the connection with the app-level token, never the bot token', () => {
    const opens = api.calls.filter((c) => c.method === 'apps.connections.open');
    expect(opens.length).toBeGreaterThanOrEqual(1);
    expect(opens.every((c) => c.token === APP_TOKEN)).toBe(true);
    expect(sockets.opened).toBe(1);
  });

  it('acks a slash command envelope with the working message, then answers on its response_url', async () => {
    const path = `/cmd-${++urlCounter}`;
    const ack = await sockets.deliver(
      'slash_commands',
      slashCommandPayload(
        'who-deleted reports/q3.parquet --since 2026-11-19 --until 2026-11-21',
        ASKER,
        `${responseBase}${path}`,
      ),
    );
    expect(ack.payload?.response_type).toBe('ephemeral');
    expect(JSON.stringify(ack.payload)).toMatch(/who-deleted|Searching|reports\/q3\.parquet/);
    const [answer] = await responses.waitFor(path);
    expect(JSON.stringify(answer?.blocks)).toContain('reports/q3.parquet');
    expect(buttonsIn(answer?.blocks).some((b) => b.action_id === ACTIONS.showEvent && b.value.endsWith(':del-1'))).toBe(true);
  });

  it('answers a parse error inside the ack itself, with nothing posted afterwards', async () => {
    const path = `/cmd-${++urlCounter}`;
    const ack = await sockets.deliver('slash_commands', slashCommandPayload('who-delted x', ASKER, `${responseBase}${path}`));
    expect(JSON.stringify(ack.payload)).toMatch(/Did you mean .*who-deleted/);
  });

  it('acks a button click envelope and shares the stored answer in the channel', async () => {
    const askPath = `/cmd-${++urlCounter}`;
    await sockets.deliver(
      'slash_commands',
      slashCommandPayload(
        'who-deleted reports/q3.parquet --since 2026-11-19 --until 2026-11-21',
        ASKER,
        `${responseBase}${askPath}`,
      ),
    );
    const [answer] = await responses.waitFor(askPath);
    const share = buttonsIn(answer?.blocks).find((b) => b.action_id === ACTIONS.share);
    expect(share).toBeDefined();
    const clickPath = `/click-${++urlCounter}`;
    const ack = await sockets.deliver(
      'interactive',
      clickPayload(ASKER, ACTIONS.share, share?.value ?? '', `${responseBase}${clickPath}`),
    );
    expect(ack.envelope_id).toBeTruthy();
    const [shared] = await responses.waitFor(clickPath);
    expect(shared?.response_type).toBe('in_channel');
    expect(String(shared?.text)).toContain(`<@${ASKER}> shared`);
  });

  it('refuses a user outside S3X_ALLOWED_USERS over the socket too', async () => {
    const path = `/cmd-${++urlCounter}`;
    const ack = await sockets.deliver(
      'slash_commands',
      slashCommandPayload('who-deleted reports/q3.parquet', OUTSIDER, `${responseBase}${path}`),
    );
    expect(JSON.stringify(ack.payload)).toMatch(/not on the list of people who may use s3x/);
  });

  it('acks every envelope it was sent, and nothing it was not', () => {
    expect(sockets.strays).toEqual([]);
    expect(new Set(sockets.acks.map((a) => a.envelope_id)).size).toBe(sockets.acks.length);
  });

  it('closes the socket when the app stops (SIGTERM drains, then disconnects)', async () => {
    await slack.stop({ drainTimeoutMs: 5000 });
    await expect.poll(() => sockets.closed).toBe(1);
  });
});
