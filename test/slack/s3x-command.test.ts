import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerStore } from '../../src/answers/answer-store.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { openDatabase } from '../../src/store/database.js';
import { expressEvent, tempDir, writeDeliveryFile } from '../helpers/archive.js';
import { postSigned, SlackTestApp, slackSignature, slashCommandBody } from '../helpers/slack.js';

const DELETER = 'arn:aws:sts::111122223333:assumed-role/DataEngineer/mallory';
let engine: LocalEngine;
let eventsUrl: string;
let baseUrl: string;
const app = new SlackTestApp();
const { responses } = app;
let responseBase: string;

beforeAll(async () => {
  const root = await tempDir();
  await writeDeliveryFile(root, '2026/11/20', '20261120T1010Z_a', [
    expressEvent({
      eventName: 'DeleteObject',
      eventTime: '2026-11-20T10:02:00Z',
      key: 'reports/q3.parquet',
      arn: DELETER,
      eventID: 'del-1',
    }),
  ]);
  engine = await LocalEngine.open({ logsDir: root });
  ({
    base: baseUrl,
    eventsUrl,
    responseBase,
  } = await app.start({
    engine,
    now: () => new Date('2026-11-24T00:00:00Z'),
    store: new AnswerStore(openDatabase(':memory:'), () => new Date()),
    access: { channels: [], users: [], groups: [] },
  }));
});

afterAll(async () => {
  await app.stop();
  await engine.close();
});

describe('/s3x over signed HTTP', () => {
  it('acks a signed who-deleted at once and answers through the response_url with the deleter', async () => {
    const body = slashCommandBody({
      text: 'who-deleted reports/q3.parquet --bucket hot--use1-az4--x-s3 --since 2026-11-19 --until 2026-11-21',
      response_url: `${responseBase}/answer-1`,
    });
    const response = await postSigned(eventsUrl, body);
    expect(response.status).toBe(200);
    const ack = (await response.json()) as { response_type: string; text: string };
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toMatch(/reports\/q3\.parquet/);
    // The ack came back before the answer: the query runs after it.
    const [answer] = await responses.waitFor('/answer-1');
    expect(answer?.response_type).toBe('ephemeral');
    expect(JSON.stringify(answer?.blocks)).toContain(DELETER);
    expect(String(answer?.text)).toContain('mallory');
  });

  it('refuses a badly signed request with 401 and never answers', async () => {
    const body = slashCommandBody({ text: 'who-deleted reports/q3.parquet', response_url: `${responseBase}/bad-signature` });
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await postSigned(eventsUrl, body, { signature: slackSignature(body, timestamp, 'wrong-secret') });
    expect(response.status).toBe(401);
    await expect(responses.waitFor('/bad-signature', 1, 1500)).rejects.toThrow(/no post/);
  });

  it('refuses a stale (replayed) request with 401', async () => {
    const body = slashCommandBody({ text: 'who-deleted reports/q3.parquet', response_url: `${responseBase}/stale` });
    const response = await postSigned(eventsUrl, body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(response.status).toBe(401);
    await expect(responses.waitFor('/stale', 1, 1500)).rejects.toThrow(/no post/);
  });

  it('refuses a request with no signature headers', async () => {
    const response = await fetch(eventsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'command=%2Fs3x',
    });
    expect(response.status).toBe(401);
  });

  it('answers help inside the ack', async () => {
    const response = await postSigned(eventsUrl, slashCommandBody({ text: 'help', response_url: `${responseBase}/help` }));
    const ack = (await response.json()) as { blocks: unknown[] };
    expect(JSON.stringify(ack.blocks)).toContain('who-deleted');
  });

  it('answers bad input with a short message, not a stack trace', async () => {
    const response = await postSigned(
      eventsUrl,
      slashCommandBody({ text: 'who-deleted k --since yesterday', response_url: `${responseBase}/bad` }),
    );
    expect(response.status).toBe(200);
    const ack = (await response.json()) as { text: string };
    expect(ack.text).toMatch(/not a time/);
    expect(ack.text).not.toMatch(/at .*\.ts:\d+/);
  });

  it('posts /s3x digest in the channel, for everyone', async () => {
    await postSigned(eventsUrl, slashCommandBody({ text: 'digest --date 2026-11-20', response_url: `${responseBase}/digest` }));
    const [digest] = await responses.waitFor('/digest');
    expect(digest?.response_type).toBe('in_channel');
    expect(String(digest?.text)).toContain('2026-11-20');
  });

  it('serves /healthz', async () => {
    const response = await fetch(`${baseUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });
});
