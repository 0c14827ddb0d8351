/** What one alert says, kept with it so `/s3x alerts` and Show event need no second lookup. */
export interface AlertSummary {
  ruleId: string;
  ruleTitle: string;
  channel: string;
  /** Who the alert is about (principal, or source IP for per-IP thresholds). */
  subject: string;
  eventId: string;
  eventName: string;
  eventTime: string;
  bucket?: string;
  objectKey?: string;
  /** Threshold rules: matching events in the window when it fired. */
  count?: number;
  /** The CloudTrail record as JSON text (bounded). */
  record: string;
}

export interface StoredAlert extends AlertSummary {
  /** `<eventID>#<rule id>`: the dedupe key (one alert per event and rule, across replicas and restarts). */
  key: string;
  state: 'claimed' | 'posted';
  owner: string;
  claimedAt: number;
  postedAt?: number;
  /** The Slack message (or thread reply) that carries it. */
  ts?: string;
}

/**
 * `claimed`: the caller posts it now. `posted`: someone already did (a duplicate delivery).
 * `busy`: another consumer holds a live claim; leave the source message for later.
 */
export type ClaimResult = 'claimed' | 'posted' | 'busy';

/** The first alert of a rule and subject in a channel; repeats within the thread window go under it. */
export interface AlertThread {
  channel: string;
  ruleId: string;
  subject: string;
  ts: string;
  startedAt: number;
  /** Alerts in the thread, the first included. */
  count: number;
}

export interface AlertMute {
  ruleId: string;
  until: number;
  by: string;
}

/** Repeats of one rule and subject within this long of the first alert go into its thread. */
export const THREAD_WINDOW_MS = 15 * 60_000;

/**
 * Where alerts are deduplicated (on eventID and rule), their threads counted and rules muted:
 * SQLite for one replica, DynamoDB for several. Claims and thread openings are conditional writes.
 */
export interface AlertStore {
  /** Claim an alert for posting; a claim older than `leaseMs` that was never posted may be taken over. */
  claim(alert: AlertSummary & { key: string }, owner: string, now: number, leaseMs: number): Promise<ClaimResult>;
  /** Still working on these (a post waiting for its turn): keep the claims from lapsing. */
  renew(keys: readonly string[], owner: string, now: number): Promise<void>;
  /** The alert is in Slack: never post it again. */
  markPosted(key: string, ts: string, now: number): Promise<void>;
  get(key: string): Promise<StoredAlert | undefined>;
  recent(limit: number): Promise<StoredAlert[]>;
  /** The open thread (started within THREAD_WINDOW_MS of `now`) of a rule and subject in a channel. */
  openThread(channel: string, ruleId: string, subject: string, now: number): Promise<AlertThread | undefined>;
  /** Record a new thread; false when a live one exists already (another replica opened it). */
  startThread(thread: Omit<AlertThread, 'count'> & { count: number }): Promise<boolean>;
  /** Add `added` alerts to a thread; the new running count. */
  addToThread(channel: string, ruleId: string, subject: string, added: number): Promise<number>;
  mute(mute: AlertMute): Promise<void>;
  activeMutes(now: number): Promise<AlertMute[]>;
}

/** What a store keeps of an alert beside its summary; a missing `postedAt` or `ts` may come back as undefined. */
type AlertClaim = Omit<StoredAlert, keyof AlertSummary | 'postedAt' | 'ts'> & {
  postedAt: number | undefined;
  ts: string | undefined;
};

/** A stored alert as every store reads it back: the summary saved as JSON, then its claim. */
export function storedAlert(summaryJson: string, { postedAt, ts, ...claim }: AlertClaim): StoredAlert {
  return {
    ...(JSON.parse(summaryJson) as AlertSummary),
    ...claim,
    ...(postedAt === undefined ? {} : { postedAt }),
    ...(ts === undefined ? {} : { ts }),
  };
}

export function alertKey(eventId: string, ruleId: string): string {
  return `${eventId}#${ruleId}`;
}
