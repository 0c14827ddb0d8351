import { formatCount } from '../text/numbers.js';
import type { AlertEvent } from './event.js';

/** How long a Watch lasts after the click. */
export const WATCH_MS = 3_600_000;
/** Watches kept at once (per replica); the oldest is dropped past this. */
const MAX_WATCHES = 500;

export interface WatchedQuestion {
  key: string;
  bucket?: string;
  /** Undefined: any event naming the key (history). */
  eventNames?: readonly string[];
}

export interface WatchNews {
  /** Matching events that arrived since the answer was given. */
  count: number;
  /** Of those, records CloudTrail marks with an `addendum` (delivered late, updated). */
  markedLate: number;
}

interface Watch {
  question: WatchedQuestion;
  known: Set<string>;
  until: number;
  news: WatchNews;
  update: (news: WatchNews) => Promise<void>;
  /** Updates run one at a time; events meanwhile are folded into the next one. */
  updating?: Promise<void>;
  dirty: boolean;
}

/**
 * Answers that update themselves: for an hour after Watch is clicked, every event that reaches the
 * alert source (queue or new files) and matches the answer's question (same key, bucket, event
 * names) and was not in the answer counts as new; the answer's message is updated with the count.
 */
export class AnswerWatches {
  private readonly watches: Watch[] = [];

  constructor(
    private readonly now: () => number,
    private readonly log: (message: string) => void,
  ) {}

  add(question: WatchedQuestion, knownEventIds: Iterable<string>, update: (news: WatchNews) => Promise<void>): void {
    this.watches.push({
      question,
      known: new Set(knownEventIds),
      until: this.now() + WATCH_MS,
      news: { count: 0, markedLate: 0 },
      update,
      dirty: false,
    });
    if (this.watches.length > MAX_WATCHES) this.watches.shift();
  }

  get active(): number {
    return this.watches.filter((watch) => watch.until > this.now()).length;
  }

  observe(event: AlertEvent): void {
    const now = this.now();
    for (let i = this.watches.length - 1; i >= 0; i--) {
      const watch = this.watches[i] as Watch;
      if (watch.until <= now) {
        this.watches.splice(i, 1);
        continue;
      }
      if (!matches(watch.question, event) || watch.known.has(event.eventId)) continue;
      watch.known.add(event.eventId);
      watch.news = { count: watch.news.count + 1, markedLate: watch.news.markedLate + (event.addendum ? 1 : 0) };
      this.flush(watch);
    }
  }

  private flush(watch: Watch): void {
    if (watch.updating) {
      watch.dirty = true;
      return;
    }
    watch.dirty = false;
    watch.updating = watch
      .update(watch.news)
      .catch((error: unknown) =>
        this.log(`watch: could not update an answer (${error instanceof Error ? error.message : String(error)})`),
      )
      .finally(() => {
        watch.updating = undefined;
        if (watch.dirty) this.flush(watch);
      });
  }
}

function matches(question: WatchedQuestion, event: AlertEvent): boolean {
  if (event.key !== question.key) return false;
  if (question.bucket !== undefined && event.bucket !== question.bucket) return false;
  return question.eventNames === undefined || question.eventNames.includes(event.eventName);
}

/** "2 new events since you asked (1 marked by CloudTrail as delivered late)". */
export function describeNews(news: WatchNews, until: Date): string {
  const late = news.markedLate > 0 ? ` (${news.markedLate} marked by CloudTrail as delivered late or updated)` : '';
  return `👀 ${formatCount(news.count, 'new event')} since you asked${late}. Watching until ${until.toISOString().slice(11, 16)} UTC; ask again for the full answer.`;
}
