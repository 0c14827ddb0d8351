import { randomBytes } from 'node:crypto';
import { Cron } from 'croner';
import { type DigestLease, postOnce } from './digest-lease.js';

export interface DigestScheduleOptions {
  cron: string;
  timeZone: string;
  lease: DigestLease;
  /** Build and post the digest for a day (YYYY-MM-DD); throws on failure. */
  post: (day: string) => Promise<void>;
  now: () => Date;
  log: (message: string) => void;
  /** Runs each digest run (claim, post, mark posted), so a graceful shutdown can wait for it. */
  track?: (run: () => Promise<void>) => Promise<void>;
  /** Run `work` after `delayMs` (a retry when a claim expires); a timer by default. Returns a cancel. */
  later?: (delayMs: number, work: () => Promise<void>) => () => void;
}

/** The default `later`: a timer that does not keep the process alive. */
function timerLater(delayMs: number, work: () => Promise<void>): () => void {
  const timer = setTimeout(() => void work(), delayMs);
  timer.unref();
  return () => clearTimeout(timer);
}

/** The calendar day (YYYY-MM-DD) of an instant in a time zone. */
export function dayIn(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

/** A run reports on the day before it, in the digest's time zone. */
export function digestDayFor(runAt: Date, timeZone: string): string {
  const today = dayIn(runAt, timeZone);
  const date = new Date(`${today}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() - 1);
  return date.toISOString().slice(0, 10);
}

/**
 * Post the digest on schedule. Every replica runs the schedule; the lease lets exactly one post each
 * day. A run missed while the app was down is posted at start, once. A failing run is logged and
 * its day released for the next attempt; it never stops the app. A day held by another claim that
 * is not posted yet (maybe a replica killed mid-run, or this one before a restart) is tried again
 * when that claim expires, so a kill -9 delays the digest instead of losing it.
 */
export function startDigestSchedule(options: DigestScheduleOptions): { stop(): void; runMissed(): Promise<void> } {
  const owner = randomBytes(6).toString('hex');
  const later = options.later ?? timerLater;
  const pending = new Set<() => void>();
  let stopped = false;
  const retryWhenExpired = async (day: string) => {
    const expiresAt = await options.lease.claimExpiresAt(day);
    if (!expiresAt || stopped) return;
    // At least a second: a claim that expires right now but was just taken again must not spin.
    const delay = Math.max(expiresAt.getTime() - options.now().getTime(), 1000);
    const cancel = later(delay, async () => {
      pending.delete(cancel);
      if (!stopped) await runFor(day);
    });
    pending.add(cancel);
  };
  const claimAndPost = async (day: string) => {
    let result: 'posted' | 'taken';
    try {
      result = await postOnce(options.lease, day, owner, () => options.post(day));
    } catch (error) {
      options.log(`digest for ${day} failed: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (result === 'taken') await retryWhenExpired(day);
    else options.log(`digest for ${day} posted`);
  };
  const track = options.track ?? ((run: () => Promise<void>) => run());
  const runFor = (day: string): Promise<void> =>
    track(() =>
      claimAndPost(day).catch((error: unknown) => {
        options.log(`digest for ${day} could not be claimed: ${error instanceof Error ? error.message : String(error)}`);
      }),
    );
  const job = new Cron(
    options.cron,
    { timezone: options.timeZone, protect: true, catch: (error) => options.log(`digest schedule error: ${String(error)}`) },
    async () => runFor(digestDayFor(options.now(), options.timeZone)),
  );
  return {
    stop: () => {
      stopped = true;
      job.stop();
      for (const cancel of pending) cancel();
      pending.clear();
    },
    async runMissed() {
      const previous = job.previousRuns(1, options.now())[0];
      if (!previous) return;
      // The claim decides: a posted day is refused, a day left claimed by a crash is retried once expired.
      await runFor(digestDayFor(previous, options.timeZone));
    },
  };
}
