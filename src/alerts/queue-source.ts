import { recordsOf } from './event.js';
import type { BatchResult } from './pipeline.js';

/** Messages worked on at once; the next receive waits below this (each message's alerts may wait for Slack). */
const MAX_IN_FLIGHT = 100;
/** A queue message body larger than this is not parsed (SQS allows 256 KiB; EventBridge events are at most that). */
const MAX_BODY_CHARS = 512 * 1024;

/** One received message, as the queue source reads it. */
export interface QueueMessage {
  id?: string;
  /** What extending or deleting this delivery of the message takes. */
  receipt?: string;
  body?: string;
  /** How many times the queue has handed it out, for the log line of a message left for the dead-letter queue. */
  receiveCount?: string;
}

/** The queue EventBridge delivers CloudTrail events to, as the queue source uses it (SQS: src/aws/sqs). */
export interface AlertQueueClient {
  /** Long-polls for a few messages; each is then hidden from other receivers for `visibilitySeconds`. */
  receive(queueUrl: string, visibilitySeconds: number, signal: AbortSignal): Promise<QueueMessage[]>;
  /** Hides a received message for another `visibilitySeconds`. */
  extendVisibility(queueUrl: string, receipt: string, visibilitySeconds: number): Promise<void>;
  delete(queueUrl: string, receipt: string): Promise<void>;
}

export interface QueueSourceOptions {
  client: AlertQueueClient;
  queueUrl: string;
  handle: (records: readonly unknown[]) => Promise<BatchResult>;
  log: (message: string) => void;
  /** Each received message stays invisible this long, extended while its alerts are being posted. */
  visibilitySeconds: number;
  /** After a failed receive (network, throttling, permissions), wait this long before the next. */
  retryMs?: number;
  /** Before each ReceiveMessage, after each message; tests use it to pause at exact points. */
  hooks?: { afterHandled?: (messageId: string) => Promise<void> };
}

/**
 * The AWS alert source: EventBridge delivers CloudTrail events to an SQS queue; this long-polls
 * it. A message is deleted only once every alert from it is recorded as posted; while it is being
 * worked on its visibility is extended, so no other replica receives it meanwhile. A message that
 * is not an event (malformed JSON, no readable record) is left alone with a log line: the queue's
 * redrive policy moves it to the dead-letter queue after maxReceiveCount receives. Nothing stops
 * the loop but `stop()`.
 */
export class QueueSource {
  private stopped = false;
  private running?: Promise<void>;
  private readonly abort = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: QueueSourceOptions) {}

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.running;
    await Promise.all(this.inFlight);
  }

  private async loop(): Promise<void> {
    const { client, queueUrl, log, visibilitySeconds } = this.options;
    while (!this.stopped) {
      // Messages are worked on while the next receive waits: one slow post holds up no other alert.
      while (this.inFlight.size >= MAX_IN_FLIGHT) await Promise.race(this.inFlight);
      let messages: QueueMessage[];
      try {
        messages = await client.receive(queueUrl, visibilitySeconds, this.abort.signal);
      } catch (error) {
        if (this.stopped) return;
        log(`alerts: receiving from the queue failed (${describe(error)}); trying again`);
        await new Promise((resolve) => setTimeout(resolve, this.options.retryMs ?? 5000));
        continue;
      }
      for (const message of messages) {
        const work = this.work(message).finally(() => this.inFlight.delete(work));
        this.inFlight.add(work);
      }
    }
  }

  private async work(message: QueueMessage): Promise<void> {
    const { client, queueUrl, log, visibilitySeconds } = this.options;
    const id = message.id ?? '?';
    const receipt = message.receipt;
    if (!receipt) return;
    const records = parseBody(message.body);
    if (!records) {
      log(
        `alerts: queue message ${id} is not a CloudTrail event (receive ${message.receiveCount ?? '?'}); left for the dead-letter queue`,
      );
      return;
    }
    // Extend at a third of the timeout, so a slow post never lets the message reappear.
    const extender = setInterval(
      () => {
        client
          .extendVisibility(queueUrl, receipt, visibilitySeconds)
          .catch((error: unknown) => log(`alerts: could not extend queue message ${id} (${describe(error)})`));
      },
      (visibilitySeconds * 1000) / 3,
    );
    try {
      const result = await this.options.handle(records);
      if (result.refused > 0 && result.events === 0) {
        log(`alerts: queue message ${id} holds no readable CloudTrail record; left for the dead-letter queue`);
        return;
      }
      await this.options.hooks?.afterHandled?.(id);
      if (!result.complete) return;
      await client.delete(queueUrl, receipt);
    } catch (error) {
      log(`alerts: queue message ${id} not finished (${describe(error)}); it comes back after its visibility timeout`);
    } finally {
      clearInterval(extender);
    }
  }
}

/** The records of an EventBridge event (or any CloudTrail JSON) in a message body; undefined when it is not one. */
function parseBody(body: string | undefined): unknown[] | undefined {
  if (!body || body.length > MAX_BODY_CHARS) return undefined;
  try {
    const records = recordsOf(JSON.parse(body));
    return records.length > 0 ? records : undefined;
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : String(error);
}
