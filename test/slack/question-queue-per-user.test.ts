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
    // Room for many questions in all, but one at a time per person.
    engine: new QuestionQueue(slow.engine, { concurrent: 4, waiting: 10, perAsker: 1 }),
    now: () => new Date('2026-11-24T00:00:00Z'),
    store: new AnswerStore(openDatabase(':memory:'), () => new Date()),
    access: { channels: [], users: [], groups: [] },
  }));
});

afterAll(async () => {
  await app.stop();
});

const ask = (user: string, path: string, text = 'who-deleted a.txt') =>
  postSigned(eventsUrl, slashCommandBody({ text, user_id: user, response_url: `${responseBase}/${path}` }));

describe('questions per person (S3X_MAX_QUESTIONS_PER_USER), over signed HTTP', () => {
  it("turns away a person's second question inside the ack while the first runs; someone else still gets in", async () => {
    const first = await ask('U0ALICE', 'a1');
    expect(((await first.json()) as { text: string }).text).toMatch(/a\.txt/);
    await expect.poll(() => slow.runs).toBeGreaterThan(0);
    const runsForFirst = slow.runs;

    const second = await ask('U0ALICE', 'a2');
    expect(second.status).toBe(200);
    expect(JSON.stringify(await second.json())).toMatch(/You already have 1 question running or waiting.*Nothing was run/);
    expect(slow.runs).toBe(runsForFirst);

    const other = await ask('U0BOB', 'b1');
    expect(((await other.json()) as { text: string }).text).toMatch(/a\.txt/);
    await expect.poll(() => slow.runs).toBeGreaterThan(runsForFirst);

    // Release everything (each question may run more than one engine query) until both are answered.
    const answered = Promise.all([responses.waitFor('/a1'), responses.waitFor('/b1')]);
    const drain = setInterval(() => slow.held.shift()?.(), 5);
    await answered;
    clearInterval(drain);
    await expect(responses.waitFor('/a2', 1, 500)).rejects.toThrow(/no post/);

    // Answered: Alice may ask again.
    const again = await ask('U0ALICE', 'a3');
    expect(((await again.json()) as { text: string }).text).toMatch(/a\.txt/);
    const drainAgain = setInterval(() => slow.held.shift()?.(), 5);
    await responses.waitFor('/a3');
    clearInterval(drainAgain);
  });

  it('with the queue full too, each refusal keeps its own words: the per-person one and the queue one, in turn', async () => {
    // 4 running and 10 waiting: the queue is full; each of these people has their one question.
    const askers = Array.from({ length: 14 }, (_, i) => `U0FULL${i}`);
    for (const user of askers) expect((await ask(user, `full-${user}`)).status).toBe(200);
    const refusalOf = async (user: string) => JSON.stringify(await (await ask(user, `again-${user}`)).json());
    for (let turn = 0; turn < 2; turn++) {
      expect(await refusalOf('U0FULL0')).toMatch(/You already have 1 question running or waiting/);
      expect(await refusalOf('U0NEWCOMER')).toMatch(/already answering 14 questions/);
    }
    const answered = Promise.all(askers.map((user) => responses.waitFor(`/full-${user}`)));
    const drain = setInterval(() => slow.held.shift()?.(), 5);
    await answered;
    clearInterval(drain);
  });
});
