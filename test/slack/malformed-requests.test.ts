import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerStore } from '../../src/answers/answer-store.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { openDatabase } from '../../src/store/database.js';
import { tempDir } from '../helpers/archive.js';
import { postSigned, SlackTestApp, slackSignature } from '../helpers/slack.js';

let engine: LocalEngine;
const app = new SlackTestApp();
let base: string;

beforeAll(async () => {
  engine = await LocalEngine.open({ logsDir: await tempDir() });
  ({ base } = await app.start({
    engine,
    now: () => new Date(),
    store: new AnswerStore(openDatabase(':memory:'), () => new Date()),
    access: { channels: [], users: [], groups: [] },
  }));
});

afterAll(async () => {
  await app.stop();
  await engine.close();
});

describe('malformed requests get a 4xx and never crash the app', () => {
  it('a signed JSON body (the Events API shape, which s3x does not subscribe to)', async () => {
    const body = JSON.stringify({ command: '/s3x', text: 'help' });
    const ts = Math.floor(Date.now() / 1000);
    const response = await fetch(`${base}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': slackSignature(body, ts),
      },
      body,
    });
    expect(response.status).toBeLessThan(500);
  });

  it('a signed slash command with its fields missing', async () => {
    const response = await postSigned(`${base}/slack/events`, new URLSearchParams({ command: '/s3x' }).toString());
    expect(response.status).toBeLessThan(500);
  });

  it('a signed block_actions payload that is not JSON', async () => {
    const response = await postSigned(`${base}/slack/events`, new URLSearchParams({ payload: '{not json' }).toString());
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });

  it('an unsigned 5 MB body is refused as too large before anything reads it', async () => {
    const response = await fetch(`${base}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `text=${'a'.repeat(5 * 1024 * 1024)}`,
    });
    expect(response.status).toBe(413);
  });

  it('still answers after all of the above', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
