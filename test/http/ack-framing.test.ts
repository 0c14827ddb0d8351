import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerStore } from '../../src/answers/answer-store.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { openDatabase } from '../../src/store/database.js';
import { tempDir } from '../helpers/archive.js';
import { postSigned, SlackTestApp, slashCommandBody } from '../helpers/slack.js';

let engine: LocalEngine;
let eventsUrl: string;
let responseBase: string;
const app = new SlackTestApp();

beforeAll(async () => {
  engine = await LocalEngine.open({ logsDir: await tempDir() });
  ({ eventsUrl, responseBase } = await app.start({
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

describe('the ack on the wire', () => {
  it('carries its body with a Content-Length, not chunked', async () => {
    const body = slashCommandBody({ text: 'help', response_url: `${responseBase}/framing` });
    const response = await postSigned(eventsUrl, body);
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('transfer-encoding')).toBeNull();
    expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
  });
});
