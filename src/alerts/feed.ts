import type { AlertMute, AlertStore, StoredAlert } from './alert-store.js';
import type { AlertRule, RulesFile } from './rules.js';
import type { AnswerWatches } from './watch.js';

/** What the app knows about alerting, for `/s3x alerts` and the alert buttons. */
export interface AlertsFeed {
  store: AlertStore;
  rules: RulesFile;
  /** The channel a rule's alerts go to; undefined when none is configured. */
  channelOf(ruleId: string): string | undefined;
  /** Where alerts come from now, in words (or why there is no source). */
  source: string;
  /** Answers watching for late events; the alert source feeds them every event it reads. */
  watches: AnswerWatches;
}

export interface AlertsOverview {
  rules: readonly AlertRule[];
  channels: ReadonlyMap<string, string | undefined>;
  mutes: readonly AlertMute[];
  recent: readonly StoredAlert[];
  source: string;
}

export const MUTE_MS = 3_600_000;

export async function alertsOverview(feed: AlertsFeed, now: Date): Promise<AlertsOverview> {
  const [mutes, recent] = await Promise.all([feed.store.activeMutes(now.getTime()), feed.store.recent(15)]);
  return {
    rules: feed.rules.rules,
    channels: new Map(feed.rules.rules.map((rule) => [rule.id, feed.channelOf(rule.id)])),
    mutes,
    recent,
    source: feed.source,
  };
}
