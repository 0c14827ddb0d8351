import type { Alert } from '../alerts/alert.js';
import type { AlertStore } from '../alerts/alert-store.js';
import { type AlertSource, buildAlertMessage, buildAlertRepeatMessage } from './blocks/alert.js';
import { describeSlackError, slackErrorCode } from './listeners/reply.js';

/** The Web API call posting needs (the app's own client in production). */
export interface AlertChatClient {
  chat: {
    postMessage(args: { channel: string; text: string; blocks: unknown[]; thread_ts?: string }): Promise<{ ts?: string }>;
  };
}

export interface AlertPosterOptions {
  client: AlertChatClient;
  store: AlertStore;
  source: AlertSource;
  now: () => number;
  log: (message: string) => void;
  /** At most one message per channel per this long (Slack: about one per second per channel). */
  intervalMs?: number;
  /** Longest wait between attempts after Slack failures. */
  maxBackoffMs?: number;
}

/**
 * Slack answers these the same however often it is asked: the channel or the token is wrong. The
 * alerts of that post are let go (their source keeps them and logs), instead of holding every
 * other alert of the channel behind them.
 */
const PERMANENT_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'restricted_action',
]);

interface Waiting {
  alert: Alert;
  resolve: () => void;
  reject: (error: Error) => void;
}

interface ChannelQueue {
  waiting: Waiting[];
  timer?: NodeJS.Timeout;
  lastSentAt: number;
  failures: number;
  sending: boolean;
}

/**
 * Posts alerts, paced per channel: one message per channel per `intervalMs`. What waits meanwhile
 * is coalesced: alerts of the rule and subject of an open thread go into that thread as one reply
 * with the running count. A failed post (Slack down, 429s past the client's own retries) keeps
 * the alerts queued and tries again later: nothing is dropped; `post` resolves once the alert is
 * in Slack and marked posted in the store.
 */
export class AlertPoster {
  private readonly channels = new Map<string, ChannelQueue>();
  private readonly intervalMs: number;
  private readonly maxBackoffMs: number;
  private stopped = false;

  constructor(private readonly options: AlertPosterOptions) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 60_000;
  }

  post(alert: Alert): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('alert posting has stopped'));
    return new Promise((resolve, reject) => {
      const queue = this.queueOf(alert.channel);
      queue.waiting.push({ alert, resolve, reject });
      this.schedule(alert.channel, queue);
    });
  }

  /** Alerts still waiting, across channels. */
  get backlog(): number {
    let total = 0;
    for (const queue of this.channels.values()) total += queue.waiting.length;
    return total;
  }

  /** Stop posting; what waits is rejected (its claim lapses and its source keeps it for a retry). */
  stop(): void {
    this.stopped = true;
    for (const queue of this.channels.values()) {
      clearTimeout(queue.timer);
      for (const item of queue.waiting.splice(0)) item.reject(new Error('alert posting has stopped'));
    }
  }

  private queueOf(channel: string): ChannelQueue {
    let queue = this.channels.get(channel);
    if (!queue) {
      queue = { waiting: [], lastSentAt: Number.NEGATIVE_INFINITY, failures: 0, sending: false };
      this.channels.set(channel, queue);
    }
    return queue;
  }

  private schedule(channel: string, queue: ChannelQueue): void {
    if (queue.timer || queue.sending || queue.waiting.length === 0 || this.stopped) return;
    const backoff = queue.failures === 0 ? this.intervalMs : Math.min(this.maxBackoffMs, this.intervalMs * 2 ** queue.failures);
    const delay = Math.max(0, queue.lastSentAt + backoff - this.options.now());
    queue.timer = setTimeout(() => {
      queue.timer = undefined;
      void this.sendOne(channel, queue);
    }, delay);
  }

  private async sendOne(channel: string, queue: ChannelQueue): Promise<void> {
    queue.sending = true;
    // The pace counts from the start of a send: one message a second, not one a second plus Slack's answer time.
    const startedAt = this.options.now();
    try {
      await this.sendHead(channel, queue);
      queue.failures = 0;
    } catch (error) {
      const code = slackErrorCode(error);
      if (code !== undefined && PERMANENT_ERRORS.has(code)) {
        const given = queue.waiting.splice(0);
        this.options.log(
          `alert post to ${channel} refused by Slack (${code}): ${given.length} alert(s) not posted; check the channel and the bot's membership`,
        );
        for (const item of given) item.reject(new Error(`Slack refused the post to ${channel} (${code})`));
      } else {
        queue.failures += 1;
        this.options.log(
          `alert post to ${channel} failed (attempt ${queue.failures}; ${queue.waiting.length} waiting, kept): ${describeSlackError(error)}`,
        );
      }
    } finally {
      queue.lastSentAt = startedAt;
      queue.sending = false;
      this.schedule(channel, queue);
    }
  }

  /** One message: the head alert opens a thread, or it and every waiting alert of its group go into the open one. */
  private async sendHead(channel: string, queue: ChannelQueue): Promise<void> {
    const head = queue.waiting[0];
    if (!head) return;
    const { store, client, now } = this.options;
    const { rule, subject } = head.alert.firing;
    const thread = await store.openThread(channel, rule.id, subject, now());
    if (!thread) {
      const posted = await client.chat.postMessage({ channel, ...buildAlertMessage(head.alert, this.options.source) });
      const ts = posted.ts ?? '';
      queue.waiting.shift();
      await store.startThread({ channel, ruleId: rule.id, subject, ts, startedAt: now(), count: 1 });
      await this.settle([head], ts);
      return;
    }
    const group = queue.waiting.filter((item) => item.alert.firing.rule.id === rule.id && item.alert.firing.subject === subject);
    const reply = await client.chat.postMessage({
      channel,
      thread_ts: thread.ts,
      ...buildAlertRepeatMessage(
        group.map((item) => item.alert),
        thread.count + group.length,
      ),
    });
    queue.waiting = queue.waiting.filter((item) => !group.includes(item));
    await store.addToThread(channel, rule.id, subject, group.length);
    await this.settle(group, reply.ts ?? '');
  }

  /** Mark posted, then tell the waiting source; a store failure here is the source's to retry. */
  private async settle(items: readonly Waiting[], ts: string): Promise<void> {
    for (const item of items) {
      try {
        await this.options.store.markPosted(item.alert.key, ts, this.options.now());
        item.resolve();
      } catch (error) {
        item.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }
}
