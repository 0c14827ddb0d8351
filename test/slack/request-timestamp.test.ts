import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerStore } from '../../src/answers/answer-store.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import type { SlackApp } from '../../src/slack/app.js';
import { openDatabase } from '../../src/store/database.js';
import { tempDir } from '../helpers/archive.js';
import { postSigned, SlackTestApp, slashCommandBody } from '../helpers/slack.js';

// The app's clock is pinned; requests are signed relative to it, so nothing depends on timing.
const NOW_MS = Date.now();
const NOW_S = Math.floor(NOW_MS / 1000);
let engine: LocalEngine;
let slack: SlackApp;
let eventsUrl: string;
/** Every event that reached Bolt's middleware (i.e. passed signature and timestamp checks). */
const handled: string[] = [];
const app = new SlackTestApp();
let responseBase: string;

beforeAll(async () => {
  engine = await LocalEngine.open({ logsDir: await tempDir() });
  ({ slack, eventsUrl, responseBase } = await app.start(
    {
      engine,
      now: () => new Date(NOW_MS),
      store: new AnswerStore(openDatabase(':memory:'), () => new Date(NOW_MS)),
      access: { channels: [], users: [], groups: [] },
    },
    { requestClock: () => NOW_MS },
  ));
  slack.app.use(async ({ body, next }) => {
    handled.push(String((body as { text?: string }).text));
    await next();
  });
});

afterAll(async () => {
  await app.stop();
  await engine.close();
});

describe('request timestamps', () => {
  it('refuses a correctly signed request dated 10 minutes in the future with 401, handling nothing', async () => {
    const body = slashCommandBody({ text: 'help future', response_url: `${responseBase}/future` });
    const response = await postSigned(eventsUrl, body, { timestamp: NOW_S + 10 * 60 });
    expect(response.status).toBe(401);
    expect(handled).not.toContain('help future');
    expect(slack.inFlight).toBe(0);
  });

  it('refuses one dated 24 hours ahead, and one 6 minutes old', async () => {
    const ahead = slashCommandBody({ text: 'help tomorrow', response_url: `${responseBase}/tomorrow` });
    expect((await postSigned(eventsUrl, ahead, { timestamp: NOW_S + 24 * 3600 })).status).toBe(401);
    const old = slashCommandBody({ text: 'help old', response_url: `${responseBase}/old` });
    expect((await postSigned(eventsUrl, old, { timestamp: NOW_S - 6 * 60 })).status).toBe(401);
    expect(handled).toEqual([]);
  });

  it('accepts a request within the window either way (clock skew of 4 minutes)', async () => {
    const body = slashCommandBody({ text: 'help', response_url: `${responseBase}/skew` });
    const response = await postSigned(eventsUrl, body, { timestamp: NOW_S + 4 * 60 });
    expect(response.status).toBe(200);
    expect(handled).toEqual(['help']);
  });
});
