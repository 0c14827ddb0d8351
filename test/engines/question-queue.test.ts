import { describe, expect, it } from 'vitest';
import type { Engine, EngineQuery, EngineResult } from '../../src/engines/engine.js';
import { QuestionQueue } from '../../src/engines/question-queue.js';
import { sql } from '../../src/engines/sql.js';
import { EngineBusyError } from '../../src/errors.js';

/** An engine whose runs finish only when the test says so. */
function gatedEngine() {
  const started: string[] = [];
  const release = new Map<string, () => void>();
  const engine: Engine = {
    table: { name: 'cloudtrail_logs', partitionedByDay: true },
    reportsFreshness: true,
    run: (query: EngineQuery) => {
      const name = query.sql.params[0] as string;
      started.push(name);
      return new Promise<EngineResult>((resolve) => {
        release.set(name, () =>
          resolve({
            rows: [{ name }],
            stats: { engine: 'local', unreadableFiles: [], bytesScanned: 0, elapsedMs: 0, warnings: [] },
          }),
        );
      });
    },
    close: async () => {},
  };
  return { engine, started, release: (name: string) => release.get(name)?.() };
}

const ask = (name: string): EngineQuery => ({ sql: sql`SELECT ${name}`, days: { from: '2026/11/01', to: '2026/11/02' } });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('QuestionQueue', () => {
  it('runs at most `concurrent` at once, then the waiting ones in order', async () => {
    const { engine, started, release } = gatedEngine();
    const queue = new QuestionQueue(engine, { concurrent: 2, waiting: 5 });
    const answers = ['a', 'b', 'c', 'd'].map((name) => queue.run(ask(name)));
    await tick();
    expect(started).toEqual(['a', 'b']);
    release('b');
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    release('a');
    release('c');
    await tick();
    await tick();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    release('d');
    expect((await Promise.all(answers)).map((r) => r.rows[0]?.name)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('turns a question away at once when the queue is full, and runs nothing for it', async () => {
    const { engine, started, release } = gatedEngine();
    const queue = new QuestionQueue(engine, { concurrent: 1, waiting: 1 });
    const first = queue.run(ask('a'));
    const second = queue.run(ask('b'));
    const refused = queue.run(ask('c'));
    await expect(refused).rejects.toBeInstanceOf(EngineBusyError);
    await expect(refused).rejects.toMatchObject({
      userMessage: expect.stringMatching(/already answering 2 questions.*ask again/),
    });
    release('a');
    await tick();
    release('b');
    await Promise.all([first, second]);
    expect(started).toEqual(['a', 'b']);
    // Room again once the queue drained.
    const later = queue.run(ask('d'));
    await tick();
    release('d');
    expect((await later).rows[0]?.name).toBe('d');
  });

  it('frees the slot when a run fails', async () => {
    const failing: Engine = {
      table: { name: 't', partitionedByDay: true },
      reportsFreshness: false,
      run: () => Promise.reject(new Error('boom')),
      close: async () => {},
    };
    const queue = new QuestionQueue(failing, { concurrent: 1, waiting: 0 });
    await expect(queue.run(ask('a'))).rejects.toThrow('boom');
    await expect(queue.run(ask('b'))).rejects.toThrow('boom');
  });
});

describe('QuestionQueue.busyMessage', () => {
  it('is set exactly when a new question would be turned away', async () => {
    const { engine, release } = gatedEngine();
    const queue = new QuestionQueue(engine, { concurrent: 1, waiting: 1 });
    expect(queue.busyMessage()).toBeUndefined();
    const first = queue.run(ask('a'));
    expect(queue.busyMessage()).toBeUndefined();
    const second = queue.run(ask('b'));
    expect(queue.busyMessage()).toMatch(/already answering 2 questions/);
    await tick();
    release('a');
    await tick();
    // `b` runs now and nothing waits: room for one more.
    expect(queue.busyMessage()).toBeUndefined();
    release('b');
    await Promise.all([first, second]);
    expect(queue.busyMessage()).toBeUndefined();
  });
});

describe('QuestionQueue.askAs', () => {
  it('lets one person have at most perAsker questions running or waiting, others still get in', async () => {
    const { engine, release } = gatedEngine();
    const queue = new QuestionQueue(engine, { concurrent: 1, waiting: 10, perAsker: 2 });
    // One question of U1's runs two engine queries: it still counts once.
    const first = queue.askAs('U1', () => Promise.all([queue.run(ask('a1')), queue.run(ask('a2'))]));
    const second = queue.askAs('U1', () => queue.run(ask('b')));
    expect(queue.busyMessage('U1')).toMatch(/You already have 2 questions running or waiting.*S3X_MAX_QUESTIONS_PER_USER=2/);
    const refused = queue.askAs('U1', () => queue.run(ask('c')));
    await expect(refused).rejects.toBeInstanceOf(EngineBusyError);
    await expect(refused).rejects.toMatchObject({ userMessage: expect.stringMatching(/Nothing was run/) });
    // Someone else is not held back by U1's share.
    expect(queue.busyMessage('U2')).toBeUndefined();
    const other = queue.askAs('U2', () => queue.run(ask('d')));
    for (const name of ['a1', 'a2', 'b', 'd']) {
      await tick();
      release(name);
    }
    await Promise.all([first, second, other]);
    // Answered: U1 may ask again.
    expect(queue.busyMessage('U1')).toBeUndefined();
    const again = queue.askAs('U1', () => queue.run(ask('e')));
    await tick();
    release('e');
    expect((await again).rows[0]?.name).toBe('e');
  });

  it("frees the person's share when their question fails", async () => {
    const failing: Engine = {
      table: { name: 't', partitionedByDay: true },
      reportsFreshness: false,
      run: () => Promise.reject(new Error('boom')),
      close: async () => {},
    };
    const queue = new QuestionQueue(failing, { concurrent: 1, waiting: 0, perAsker: 1 });
    await expect(queue.askAs('U1', () => queue.run(ask('a')))).rejects.toThrow('boom');
    await expect(queue.askAs('U1', () => queue.run(ask('b')))).rejects.toThrow('boom');
  });
});
