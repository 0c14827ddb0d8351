import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerStore } from '../../src/answers/answer-store.js';
import { QuestionQueue } from '../../src/engines/question-queue.js';
import { openDatabase } from '../../src/store/database.js';
import { HeldEngine } from '../helpers/held-engine.js';
import { postSigned, SlackTestApp, slashCommandBody } from '../helpers/slack.js';

/** Holds every question until released, counting what it was asked. */
const slow = new HeldEngine();

let eventsUrl: string;
const app = new SlackTestApp();
const { responses } = app;
let responseBase: string;

beforeAll(async () => {
  ({ eventsUrl, responseBase } = await app.start({
    engine: new QuestionQueue(slow.engine, { concurrent: 1, waiting: 1 }),
    now: () => new Date('2026-11-24T00:00:00Z'),
    store: new AnswerStore(openDatabase(':memory:'), () => new Date()),
    access: { channels: [], users: [], groups: [] },
  }));
});

afterAll(async () => {
  await app.stop();
});

const ask = (path: string) =>
  postSigned(eventsUrl, slashCommandBody({ text: 'who-deleted a.txt', response_url: `${responseBase}/${path}` }));

describe('a full question queue, over signed HTTP', () => {
  it('turns the next question away inside the ack, runs nothing for it, and answers the queued ones later', async () => {
    const first = await ask('q1');
    expect(((await first.json()) as { text: string }).text).toMatch(/a\.txt/);
    const second = await ask('q2');
    expect(((await second.json()) as { text: string }).text).toMatch(/a\.txt/);
    await expect.poll(() => slow.runs).toBe(1);

    const third = await ask('q3');
    expect(third.status).toBe(200);
    expect(JSON.stringify(await third.json())).toMatch(/already answering 2 questions.*ask again in a minute/);

    // A question may take more than one engine query (its events, then what the logs hold for the
    // window): release each as it comes until both queued questions are answered.
    const answered = (path: string) => responses.received.some((r) => r.path === path);
    await expect
      .poll(
        () => {
          slow.held.shift()?.();
          return answered('/q1') && answered('/q2');
        },
        { timeout: 20_000, interval: 50 },
      )
      .toBe(true);
    // The turned-away question never reached the engine and gets no later answer.
    const runsForTwo = slow.runs;
    await expect(responses.waitFor('/q3', 1, 1000)).rejects.toThrow(/no post/);
    expect(slow.held).toHaveLength(0);
    expect(slow.runs).toBe(runsForTwo);
  });
});

describe('a question turned away before its words are parsed', () => {
  /** Always full: no question may run or wait. */
  const start = (access: { channels: string[]; users: string[]; groups: string[] }) => {
    const full = new SlackTestApp();
    return {
      full,
      started: full.start({
        engine: new QuestionQueue(new HeldEngine().engine, { concurrent: 0, waiting: 0 }),
        now: () => new Date('2026-11-24T00:00:00Z'),
        store: new AnswerStore(openDatabase(':memory:'), () => new Date()),
        access,
      }),
    };
  };
  const ackOf = async (url: string, text: string, base: string) =>
    JSON.stringify(await (await postSigned(url, slashCommandBody({ text, response_url: `${base}/r` }))).json());

  it('still answers help, and a malformed question gets the queue refusal', async () => {
    const { full, started } = start({ channels: [], users: [], groups: [] });
    const { eventsUrl: url, responseBase: base } = await started;
    try {
      expect(await ackOf(url, 'help', base)).not.toMatch(/already answering/);
      expect(await ackOf(url, 'WHO-DELETED a.txt', base)).toMatch(/already answering 0 questions/);
      expect(await ackOf(url, 'who-deleted', base)).toMatch(/already answering 0 questions/);
      expect(await ackOf(url, 'no-such-command', base)).not.toMatch(/already answering/);
    } finally {
      await full.stop();
    }
  });

  it('checks access first: someone not allowed is told so, not that the queue is full', async () => {
    const { full, started } = start({ channels: [], users: ['USOMEONEELSE'], groups: [] });
    const { eventsUrl: url, responseBase: base } = await started;
    try {
      const acked = await ackOf(url, 'who-deleted a.txt', base);
      expect(acked).toMatch(/not on the list of people who may use s3x/);
      expect(acked).not.toMatch(/already answering/);
    } finally {
      await full.stop();
    }
  });
});
