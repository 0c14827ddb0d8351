import type { ApprovalService } from '../approvals/approval-service.js';
import { announceDecision, type ChatClient } from './listeners/change-flow.js';

export interface ApplyRecoveryOptions {
  approvals: ApprovalService;
  client: ChatClient;
  /** How often to look for expired leases: half the lease, so a takeover comes within 1.5 leases. */
  everyMs: number;
  log: (message: string) => void;
  /** Runs each round, so a graceful shutdown waits for it. */
  track: (work: () => Promise<void>) => Promise<void>;
}

/**
 * At start and then periodically: take over the changes whose replica stopped while applying
 * them (their lease ran out), record what the account shows, and replace their approval
 * message's buttons with that outcome and its audit record, as a decision would.
 */
export function startApplyRecovery(options: ApplyRecoveryOptions): { stop(): void; runNow(): Promise<void> } {
  let running = false;
  const round = async () => {
    if (running) return;
    running = true;
    try {
      for (const request of await options.approvals.recoverExpired()) {
        options.log(`request ${request.id} was interrupted while applying; the account was checked: ${request.state}`);
        try {
          await announceDecision(options.approvals, options.client, request);
        } catch (error) {
          options.log(
            `could not update the approval message of interrupted request ${request.id}: ${error instanceof Error ? error.message : 'unknown error'}`,
          );
        }
      }
    } catch (error) {
      options.log(`recovery of interrupted changes failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void options.track(round), options.everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer), runNow: () => options.track(round) };
}
