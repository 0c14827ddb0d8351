import { type ExpiredChange, type ExpiryDeps, revertExpired } from '../approvals/expiry.js';
import { buildAuditRecord, buildDecidedMessage } from './blocks/change-request.js';
import type { ChatClient } from './listeners/change-flow.js';
import { describeSlackError } from './listeners/reply.js';

/** How often time-boxed changes are checked: a `--for 1m` change reverts within this of its time. */
export const EXPIRY_SWEEP_MS = 15_000;

export interface ExpirySweepOptions {
  deps: ExpiryDeps;
  client: ChatClient;
  log: (line: string) => void;
  /** A shutdown waits for a sweep in progress. */
  track?: (run: () => Promise<void>) => Promise<void>;
  everyMs?: number;
}

/** The change's message shows how its time box ended (buttons gone); the revert is told in its thread. */
export async function publishExpired(client: ChatClient, expired: ExpiredChange): Promise<void> {
  const { original, revert } = expired;
  if (!original.messageTs) return;
  await client.chat.update({ channel: original.channelId, ts: original.messageTs, ...buildDecidedMessage(original) });
  await client.chat.postMessage({ channel: original.channelId, thread_ts: original.messageTs, ...buildAuditRecord(revert) });
}

/** Revert expired time-boxed changes every `everyMs`, on every replica (the store makes each happen once). */
export function startExpirySweep(options: ExpirySweepOptions): { stop(): void; sweep(): Promise<void> } {
  const track = options.track ?? ((run: () => Promise<void>) => run());
  let running = false;
  const sweep = () =>
    track(async () => {
      if (running) return;
      running = true;
      try {
        for (const expired of await revertExpired(options.deps)) {
          options.log(`time box of ${expired.original.id} ended: revert ${expired.revert.id} ${expired.revert.state}`);
          // The revert is on record either way; a message Slack would not take is only logged.
          await publishExpired(options.client, expired).catch((error: unknown) =>
            options.log(`could not post the end of the time box of ${expired.original.id}: ${describeSlackError(error)}`),
          );
        }
      } catch (error) {
        options.log(
          `expiry sweep failed (tried again in ${options.everyMs ?? EXPIRY_SWEEP_MS} ms): ${error instanceof Error ? error.message : String(error)}`,
        );
      } finally {
        running = false;
      }
    });
  const timer = setInterval(() => void sweep(), options.everyMs ?? EXPIRY_SWEEP_MS);
  timer.unref();
  return { stop: () => clearInterval(timer), sweep };
}
