import { type Alert, summarize } from './alert.js';
import { type AlertStore, alertKey } from './alert-store.js';
import type { RuleEvaluator } from './evaluate.js';
import { type AlertEvent, toAlertEvent } from './event.js';
import type { RulesFile } from './rules.js';

export interface AlertPipelineOptions {
  evaluator: RuleEvaluator;
  rules: RulesFile;
  store: AlertStore;
  /** Posts an alert to its channel (the Slack poster). */
  poster: { post(alert: Alert): Promise<void> };
  /** S3X_ALERTS_CHANNEL: where rules without their own channel (or the file's) post. */
  defaultChannel?: string;
  /** This replica, for claims. */
  owner: string;
  now: () => number;
  /** A claim not posted within this long may be taken over (by a restart or another replica). */
  leaseMs: number;
  log: (message: string) => void;
  /** Every readable event, after evaluation (answers that watch for late events listen here). */
  onEvent?: (event: AlertEvent) => void;
}

export interface BatchResult {
  events: number;
  /** Records refused as unreadable (no eventID, time, source or name). */
  refused: number;
  /** Alerts posted by this call. */
  posted: number;
  /** Every alert of the batch is in Slack (posted now or before): the source may let it go. */
  complete: boolean;
}

/** What became of one alert of a batch. */
type Outcome = 'posted-now' | 'posted-before' | 'busy';

/** A batch of records (one delivery file, one queue message) → evaluate → dedupe → post. */
export class AlertPipeline {
  private readonly unroutedWarned = new Set<string>();
  /** Posts in progress by key: a second copy of the event (another message, the same batch) waits for the first. */
  private readonly inFlight = new Map<string, Promise<Outcome>>();

  constructor(private readonly options: AlertPipelineOptions) {}

  /** The channel of a rule's alerts, or undefined when none is configured. */
  channelOf(ruleId: string): string | undefined {
    const rule = this.options.rules.rules.find((candidate) => candidate.id === ruleId);
    return rule?.channel ?? this.options.rules.channel ?? this.options.defaultChannel;
  }

  async handle(records: readonly unknown[]): Promise<BatchResult> {
    const { evaluator, store, now, log } = this.options;
    const muted = new Set((await store.activeMutes(now())).map((mute) => mute.ruleId));
    const outcomes: Array<Promise<Outcome>> = [];
    let events = 0;
    let refused = 0;
    for (const record of records) {
      const event = toAlertEvent(record);
      if (!event) {
        refused += 1;
        continue;
      }
      events += 1;
      for (const firing of evaluator.evaluate(event)) {
        if (muted.has(firing.rule.id)) continue;
        const channel = this.channelOf(firing.rule.id);
        if (!channel) {
          if (!this.unroutedWarned.has(firing.rule.id))
            log(`alert rule ${firing.rule.id} fired but has no channel: set S3X_ALERTS_CHANNEL`);
          this.unroutedWarned.add(firing.rule.id);
          continue;
        }
        const key = alertKey(event.eventId, firing.rule.id);
        // Set before the first await: a second copy of the event handled meanwhile joins this one.
        let outcome = this.inFlight.get(key);
        if (!outcome) {
          outcome = this.claimAndPost({ key, channel, firing });
          this.inFlight.set(key, outcome);
          void outcome.finally(() => this.inFlight.delete(key)).catch(() => undefined);
        }
        outcomes.push(outcome);
      }
      this.options.onEvent?.(event);
    }
    const settled = await Promise.allSettled(outcomes);
    let posted = 0;
    let complete = true;
    for (const result of settled) {
      if (result.status === 'rejected') {
        complete = false;
        log(`alert not recorded as posted: ${String(result.reason)}`);
      } else if (result.value === 'busy') complete = false;
      else if (result.value === 'posted-now') posted += 1;
    }
    return { events, refused, posted, complete };
  }

  /** Claim the alert in the store; when ours, post it, renewing the claim while it waits its turn. */
  private async claimAndPost(alert: Alert): Promise<Outcome> {
    const { store, poster, owner, now, leaseMs } = this.options;
    const claim = await store.claim(summarize(alert), owner, now(), leaseMs);
    if (claim === 'busy') return 'busy';
    if (claim === 'posted') return 'posted-before';
    await this.renewingClaims([alert.key], poster.post(alert));
    return 'posted-now';
  }

  /** While posts wait their turn (pacing, Slack retries), renew their claims so no one else takes them over. */
  private async renewingClaims<T>(keys: readonly string[], work: Promise<T>): Promise<T> {
    if (keys.length === 0) return work;
    const { store, owner, now, leaseMs, log } = this.options;
    const timer = setInterval(() => {
      store.renew(keys, owner, now()).catch((error: unknown) => log(`alerts: could not renew claims (${String(error)})`));
    }, leaseMs / 3);
    try {
      return await work;
    } finally {
      clearInterval(timer);
    }
  }
}
