import { type Alert, summarize } from './alert.js';
import { type AlertStore, alertKey } from './alert-store.js';
import type { RuleEvaluator } from './evaluate.js';
import { type AlertEvent, toAlertEvent } from './event.js';
import type { AlertPoster } from './poster.js';
import type { RulesFile } from './rules.js';

export interface AlertPipelineOptions {
  evaluator: RuleEvaluator;
  rules: RulesFile;
  store: AlertStore;
  poster: AlertPoster;
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

/** A batch of records (one delivery file, one queue message) → evaluate → dedupe → post. */
export class AlertPipeline {
  private readonly unroutedWarned = new Set<string>();

  constructor(private readonly options: AlertPipelineOptions) {}

  /** The channel of a rule's alerts, or undefined when none is configured. */
  channelOf(ruleId: string): string | undefined {
    const rule = this.options.rules.rules.find((candidate) => candidate.id === ruleId);
    return rule?.channel ?? this.options.rules.channel ?? this.options.defaultChannel;
  }

  async handle(records: readonly unknown[]): Promise<BatchResult> {
    const { evaluator, store, poster, owner, now, leaseMs, log } = this.options;
    const muted = new Set((await store.activeMutes(now())).map((mute) => mute.ruleId));
    const posts: Array<Promise<void>> = [];
    let events = 0;
    let refused = 0;
    let busy = false;
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
        const alert: Alert = { key: alertKey(event.eventId, firing.rule.id), channel, firing };
        const claim = await store.claim(summarize(alert), owner, now(), leaseMs);
        if (claim === 'claimed') posts.push(poster.post(alert));
        else if (claim === 'busy') busy = true;
      }
      this.options.onEvent?.(event);
    }
    const outcomes = await Promise.allSettled(posts);
    const failed = outcomes.filter((outcome) => outcome.status === 'rejected');
    for (const outcome of failed) log(`alert not recorded as posted: ${String((outcome as PromiseRejectedResult).reason)}`);
    return { events, refused, posted: posts.length - failed.length, complete: !busy && failed.length === 0 };
  }
}
