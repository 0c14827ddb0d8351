import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AnswerStore } from '../../src/answers/answer-store.js';
import { describeConfig, loadConfig } from '../../src/config.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { createSlackApp, type SlackApp } from '../../src/slack/app.js';
import { openDatabase } from '../../src/store/database.js';
import { expressEvent, tempDir, writeDeliveryFile } from '../helpers/archive.js';
import { postSigned, ResponseUrlServer, SIGNING_SECRET, slackSignature, slashCommandBody } from '../helpers/slack.js';

const BOT_TOKEN = 'xoxb-0000-secret-token-value';
const responses = new ResponseUrlServer();
const captured: string[] = [];
let engine: LocalEngine;
let slack: SlackApp;
let url: string;
let responseBase: string;

beforeAll(async () => {
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      captured.push(
        args
          .map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : typeof a === 'string' ? a : JSON.stringify(a)))
          .join(' '),
      );
    });
  }
  const root = await tempDir();
  await writeDeliveryFile(root, '2026/11/20', '20261120T1010Z_a', [
    expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-20T10:02:00Z', key: 'k' }),
  ]);
  engine = await LocalEngine.open({ logsDir: root });
  slack = createSlackApp(
    {
      botToken: BOT_TOKEN,
      signingSecret: SIGNING_SECRET,
      port: 0,
      logLevel: 'debug',
      botIdentity: { botId: 'B1', botUserId: 'U1' },
    },
    {
      engine,
      now: () => new Date('2026-11-24T00:00:00Z'),
      store: new AnswerStore(openDatabase(':memory:'), () => new Date()),
      access: { channels: [], users: [], groups: [] },
    },
  );
  url = `http://127.0.0.1:${(await slack.start()).port}/slack/events`;
  responseBase = await responses.start();
});

afterAll(async () => {
  await slack.stop();
  await responses.stop();
  await engine.close();
  vi.restoreAllMocks();
});

describe('secrets never appear in logs', () => {
  it('not the token, the signing secret or a response_url, at debug level, through good and bad requests', async () => {
    const responseUrl = `${responseBase}/hooks/T0/B0/secret-response-path`;
    await postSigned(
      url,
      slashCommandBody({ text: 'who-deleted k --since 2026-11-19 --until 2026-11-21', response_url: responseUrl }),
    );
    await responses.waitFor('/hooks/T0/B0/secret-response-path');
    const body = slashCommandBody({ text: 'help', response_url: responseUrl });
    const ts = Math.floor(Date.now() / 1000);
    await postSigned(url, body, { signature: slackSignature(body, ts, 'wrong'), timestamp: ts });
    await postSigned(url, slashCommandBody({ text: 'who-deleted k --since nonsense', response_url: responseUrl }));
    // Bolt's debug logging went through the console spies: the check reads real log lines.
    expect(captured.some((line) => line.includes('bolt-app'))).toBe(true);
    // The start-up line describes the configuration: with AWS credentials in the environment too.
    captured.push(
      JSON.stringify(
        describeConfig(
          loadConfig({
            SLACK_BOT_TOKEN: BOT_TOKEN,
            SLACK_SIGNING_SECRET: SIGNING_SECRET,
            SLACK_APP_TOKEN: 'xapp-1-secret-app-token',
            AWS_ACCESS_KEY_ID: 'AKIASECRETKEYID00000',
            AWS_SECRET_ACCESS_KEY: 'aws-secret-access-key-value',
            AWS_SESSION_TOKEN: 'aws-session-token-value',
          }),
        ),
      ),
    );
    const logs = captured.join('\n');
    expect(logs).not.toContain('secret-token-value');
    expect(logs).not.toContain(SIGNING_SECRET);
    expect(logs).not.toContain('secret-response-path');
    for (const secret of ['secret-app-token', 'AKIASECRETKEYID00000', 'aws-secret-access-key-value', 'aws-session-token-value']) {
      expect(logs).not.toContain(secret);
    }
  });
});
