import { EngineBusyError } from '../errors.js';
import type { Engine, EngineQuery, EngineResult, TableLayout } from './engine.js';

export interface QuestionQueueLimits {
  /** Questions the engine runs at once; more only compete for the same cores (or Athena's query quota). */
  concurrent: number;
  /** Questions waiting for a turn; past this, new ones are turned away at once instead of queueing for hours. */
  waiting: number;
  /** Questions one person may have running or waiting (through `askAs`), so one person cannot take every turn; unset: no limit. */
  perAsker?: number;
}

/**
 * Any engine, with at most `concurrent` questions running and `waiting` queued, and at most
 * `perAsker` questions from one person (counted by `askAs`). Without it, a
 * burst of questions starts all of them together: every one lists and reads its files at the same
 * time, memory grows without bound and the event loop (which must ack Slack within 3 s) starves.
 */
export class QuestionQueue implements Engine {
  private running = 0;
  private readonly queue: Array<() => void> = [];
  /** Questions running or waiting, per asker. */
  private readonly byAsker = new Map<string, number>();

  readonly deliveredRecord?: Engine['deliveredRecord'];

  constructor(
    private readonly inner: Engine,
    private readonly limits: QuestionQueueLimits,
  ) {
    const delivered = inner.deliveredRecord?.bind(inner);
    if (delivered) this.deliveredRecord = (eventId, days) => this.inTurn(() => delivered(eventId, days));
  }

  get table(): TableLayout {
    return this.inner.table;
  }

  get reportsFreshness(): boolean {
    return this.inner.reportsFreshness;
  }

  run(query: EngineQuery): Promise<EngineResult> {
    return this.inTurn(() => this.inner.run(query));
  }

  private async inTurn<T>(work: () => Promise<T>): Promise<T> {
    await this.turn();
    try {
      return await work();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }

  /**
   * `work` (one question, which may run several engine queries) counted as one of `asker`'s
   * questions; refused with EngineBusyError when they already have `perAsker` running or waiting.
   */
  async askAs<T>(asker: string, work: () => Promise<T>): Promise<T> {
    const busy = this.askerBusyMessage(asker);
    if (busy) throw new EngineBusyError(busy);
    this.byAsker.set(asker, (this.byAsker.get(asker) ?? 0) + 1);
    try {
      return await work();
    } finally {
      const left = (this.byAsker.get(asker) ?? 1) - 1;
      if (left > 0) this.byAsker.set(asker, left);
      else this.byAsker.delete(asker);
    }
  }

  busyMessage(asker?: string): string | undefined {
    const mine = asker === undefined ? undefined : this.askerBusyMessage(asker);
    if (mine) return mine;
    if (this.running < this.limits.concurrent || this.queue.length < this.limits.waiting) return undefined;
    return `s3x is already answering ${this.running + this.queue.length} questions. Nothing was run; ask again in a minute.`;
  }

  private askerBusyMessage(asker: string): string | undefined {
    const mine = this.byAsker.get(asker) ?? 0;
    const limit = this.limits.perAsker;
    if (limit === undefined || mine < limit) return undefined;
    return `You already have ${mine} question${mine === 1 ? '' : 's'} running or waiting, the most one person may have (S3X_MAX_QUESTIONS_PER_USER=${limit}). Nothing was run; ask again when one has been answered.`;
  }

  private turn(): Promise<void> {
    if (this.running < this.limits.concurrent) {
      this.running++;
      return Promise.resolve();
    }
    const busy = this.busyMessage();
    if (busy) return Promise.reject(new EngineBusyError(busy));
    // The slot is handed over by the finishing run (running stays the same), so no one can jump the queue.
    return new Promise((resolve) => this.queue.push(resolve));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
