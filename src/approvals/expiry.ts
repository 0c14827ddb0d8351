import { randomBytes } from 'node:crypto';
import { S3xError, userMessageOf } from '../errors.js';
import { planRevertPolicy } from '../remediation/tighten-plan.js';
import type { AccountPort, ChangeRequest, Plan } from '../remediation/types.js';
import type { ApprovalRequest, ApprovalStore, AuditEntry } from './approval.js';

/** Who the audit log names for the automatic revert of a time-boxed change. */
export const EXPIRY_ACTOR = 's3x (time box)';
/** A claim older than this, never finished (its replica died), may be taken over. */
const CLAIM_TTL_MS = 2 * 60_000;
/** Applied requests read per sweep; time-boxed ones are a few among them. */
const SWEEP_LIMIT = 500;

export interface ExpiryDeps {
  store: ApprovalStore;
  account: AccountPort;
  now: () => Date;
}

/** One time-boxed change whose time ran out: the original (now marked) and the revert on record. */
export interface ExpiredChange {
  original: ApprovalRequest;
  revert: ApprovalRequest;
}

type RevertPolicy = Extract<ChangeRequest, { kind: 'revert-policy' }>;

function isDue(request: ApprovalRequest, now: Date): boolean {
  if (request.state !== 'applied' || !request.revertAt || request.revertedBy) return false;
  if (request.revertAt > now.toISOString()) return false;
  const claim = request.expiryRevert;
  if (!claim) return true;
  return claim.state === 'claimed' && now.getTime() - Date.parse(claim.claimedAt) >= CLAIM_TTL_MS;
}

/** The policy the change wrote, to tell "still as we left it" from "changed by someone since". */
function appliedPolicy(plan: Plan): string | undefined {
  const call = plan.calls.find((c) => c.api === 's3express:PutBucketPolicy');
  return call?.api === 's3express:PutBucketPolicy' ? call.policy : undefined;
}

/**
 * Revert every time-boxed change whose time is up, exactly once across replicas and restarts:
 * a replica first claims the change (compare-and-set on its version); only the winner goes on.
 * The revert restores the policy as it was before the change, and only when the policy is still
 * what the change wrote: a policy someone changed since is left alone, and the refusal recorded.
 * A revert that was applied before a crash is found already done (the policy is the old one).
 */
export async function revertExpired(deps: ExpiryDeps): Promise<ExpiredChange[]> {
  const now = deps.now();
  const due = (await deps.store.listByState('applied', SWEEP_LIMIT)).filter((request) => isDue(request, now));
  const done: ExpiredChange[] = [];
  for (const request of due) {
    const claimed: ApprovalRequest = {
      ...request,
      expiryRevert: {
        id: request.expiryRevert?.id ?? randomBytes(12).toString('hex'),
        claimedAt: now.toISOString(),
        state: 'claimed',
      },
      version: request.version + 1,
    };
    if (!(await deps.store.compareAndSet(claimed, request.version))) continue;
    done.push(await revertOne(deps, claimed));
  }
  return done;
}

async function revertOne(deps: ExpiryDeps, original: ApprovalRequest): Promise<ExpiredChange> {
  const revertId = original.expiryRevert?.id as string;
  const change = original.plan.revert as RevertPolicy;
  const at = deps.now().toISOString();
  let plan: Plan = {
    request: change,
    summary: `Restore the previous bucket policy of ${change.bucket}`,
    diff: '',
    calls: [],
    warnings: [],
  };
  let state: 'applied' | 'failed';
  let outcome: string;
  let refused = false;
  try {
    const current = await deps.account.getBucketPolicy(change.bucket, change.region);
    plan = planRevertPolicy(current, change);
    if (current === change.policy) {
      state = 'applied';
      outcome = 'The time box ended; the previous policy was already back in place.';
    } else if (current !== appliedPolicy(original.plan)) {
      refused = true;
      state = 'failed';
      outcome =
        'The time box ended, but the bucket policy changed since this change was applied, so s3x did not overwrite it. Revert by hand (Revert plans it against the policy as it is now).';
    } else {
      const result = await deps.account.apply(plan.calls, { approverId: EXPIRY_ACTOR, requestId: revertId });
      state = 'applied';
      outcome = `The time box ended: ${result.steps.map((step) => step.detail).join('; ')}`;
    }
  } catch (error) {
    state = 'failed';
    outcome = `The time box ended, but the revert failed: ${userMessageOf(error)}${error instanceof S3xError ? '' : ' Revert by hand.'}`;
  }
  const revert: ApprovalRequest = {
    id: revertId,
    state,
    version: 1,
    plan,
    requesterId: EXPIRY_ACTOR,
    channelId: original.channelId,
    approvals: [],
    requiredApprovals: 0,
    createdAt: at,
    expiresAt: at,
    revertOf: original.id,
    outcome,
    ...(original.messageTs ? { messageTs: original.messageTs } : {}),
  };
  if (!(await deps.store.get(revertId))) await deps.store.create(revert);
  const audit: AuditEntry = {
    at,
    requestId: original.id,
    actor: EXPIRY_ACTOR,
    action: refused ? 'expiry-revert-refused' : state === 'applied' ? 'expiry-reverted' : 'expiry-revert-failed',
    detail: `${outcome} (revert request ${revertId})`,
  };
  const marked = await markDone(deps.store, original, revert, refused, audit);
  return { original: marked, revert };
}

/** Compare-and-set with its audit entry: atomic where the store can do it, else in turn. */
async function transition(store: ApprovalStore, next: ApprovalRequest, expected: number, audit: AuditEntry): Promise<boolean> {
  if (store.transition) return store.transition(next, expected, audit);
  if (!(await store.compareAndSet(next, expected))) return false;
  await store.appendAudit(audit);
  return true;
}

/** The original, marked with how its time box ended (and reverted, when it was), with the audit entry. */
async function markDone(
  store: ApprovalStore,
  claimed: ApprovalRequest,
  revert: ApprovalRequest,
  refused: boolean,
  audit: AuditEntry,
): Promise<ApprovalRequest> {
  let current = claimed;
  for (let attempt = 0; attempt < 5; attempt++) {
    const next: ApprovalRequest = {
      ...current,
      expiryRevert: {
        ...(current.expiryRevert ?? claimed.expiryRevert),
        id: revert.id,
        claimedAt: claimed.expiryRevert?.claimedAt ?? audit.at,
        state: revert.state === 'applied' ? 'done' : refused ? 'refused' : 'failed',
        detail: revert.outcome,
      },
      ...(revert.state === 'applied' ? { revertedBy: revert.id } : {}),
      version: current.version + 1,
    };
    if (await transition(store, next, current.version, audit)) return next;
    const fresh = await store.get(claimed.id);
    if (!fresh || fresh.expiryRevert?.id !== revert.id) return fresh ?? claimed;
    current = fresh;
  }
  return current;
}
