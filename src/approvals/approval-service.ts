import { randomBytes } from 'node:crypto';
import type { GroupMembers } from '../access/access-policy.js';
import { S3xError, StoreError, userMessageOf } from '../errors.js';
import type { AccountPort, ApplyResult, ChangeRequest, Plan } from '../remediation/types.js';
import { type ApprovalRequest, type ApprovalStore, type AuditEntry, TERMINAL_STATES } from './approval.js';

export interface ApprovalPolicy {
  /** Slack user ids who may approve (S3X_APPROVERS). */
  approvers: readonly string[];
  /** A Slack user group whose members may approve (S3X_APPROVER_GROUP). */
  approverGroup?: string;
  requiredApprovals: number;
  ttlMs: number;
}

export interface ApprovalDeps {
  store: ApprovalStore;
  account: AccountPort;
  groups: GroupMembers;
  policy: ApprovalPolicy;
  /** Plans a change against the account as it is now (pure planners over freshly read state). */
  plan: (change: ChangeRequest) => Promise<Plan>;
  now: () => Date;
}

/**
 * `notRecorded`: the change was applied (or failed) in the account, but its outcome could not be
 * written to the store; the detail is for the logs, the request's outcome tells the user.
 */
export type Outcome =
  | { ok: true; request: ApprovalRequest; message: string; notRecorded?: string }
  | { ok: false; reason: string; request?: ApprovalRequest; notRecorded?: string };

/**
 * The approval flow. Every transition re-reads the request and writes with compare-and-set on
 * its version, so double clicks, two replicas and restarts end with one application at most.
 */
export class ApprovalService {
  constructor(private readonly deps: ApprovalDeps) {}

  /** Plan the change and keep it as a draft the requester sees before asking anyone. */
  async draft(change: ChangeRequest, requesterId: string, channelId: string, revertOf?: string): Promise<ApprovalRequest> {
    const plan = await this.deps.plan(change);
    const now = this.deps.now();
    const request: ApprovalRequest = {
      id: randomBytes(12).toString('hex'),
      state: 'draft',
      version: 1,
      plan,
      requesterId,
      channelId,
      approvals: [],
      requiredApprovals: this.deps.policy.requiredApprovals,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.deps.policy.ttlMs).toISOString(),
      ...(revertOf ? { revertOf } : {}),
    };
    // If the audit entry fails after the create, the draft is never shown, so it is never submitted: it just expires.
    await this.recorded(
      async () => {
        await this.deps.store.create(request);
        await this.audit(request, requesterId, 'planned', plan.summary);
      },
      (reason) => `The plan could not be saved: ${reason}. Nothing was requested or changed; try again in a minute.`,
    );
    return request;
  }

  /** The requester asks for approval: draft → pending. */
  async submit(id: string, userId: string): Promise<Outcome> {
    const request = await this.live(id);
    if (!request.ok) return request;
    const current = request.request;
    if (current.requesterId !== userId)
      return { ok: false, reason: 'Only the person who planned this change can submit it.', request: current };
    if (current.state !== 'draft') return { ok: true, request: current, message: `This request is already ${current.state}.` };
    if (current.plan.calls.length === 0)
      return { ok: false, reason: 'There is nothing to change: the plan is empty.', request: current };
    const next = { ...current, state: 'pending' as const, version: current.version + 1 };
    const moved = await this.recorded(
      () => this.transition(current, next, userId, 'requested', next.plan.summary),
      (reason) =>
        `Your request for approval could not be saved: ${reason}. Nothing was posted; click Request approval again in a minute.`,
    );
    if (!moved) return this.lost(id);
    return { ok: true, request: next, message: 'Approval requested.' };
  }

  /** Record where the approval message was posted, so its buttons can be replaced later. */
  async attachMessage(id: string, messageTs: string): Promise<void> {
    await this.annotate(id, { messageTs });
  }

  /** Record the Workflow Builder step that asked for this request, so its final state completes the step. */
  async attachWorkflowStep(id: string, workflowExecutionId: string): Promise<void> {
    await this.annotate(id, { workflowExecutionId });
  }

  /**
   * Expire every pending request whose time is up, so a request nobody clicks still ends (and a
   * workflow step waiting on it completes). Returns the requests this call expired: of two
   * replicas sweeping at once, each expiry is returned to one only.
   */
  async expireOverdue(limit = 100): Promise<ApprovalRequest[]> {
    const now = this.deps.now().toISOString();
    const expired: ApprovalRequest[] = [];
    for (const request of await this.deps.store.listByState('pending', limit)) {
      if (now < request.expiresAt) continue;
      const next = await this.expire(request);
      if (next) expired.push(next);
    }
    return expired;
  }

  async approve(id: string, userId: string): Promise<Outcome> {
    const live = await this.live(id);
    if (!live.ok) return live;
    const current = live.request;
    if (current.state !== 'pending')
      return { ok: false, reason: `This request is ${current.state}; it cannot be approved.`, request: current };
    const refusal = await this.refuseApprover(current, userId);
    if (refusal) return { ok: false, reason: refusal, request: current };
    const approvals = [...current.approvals, userId];
    const enough = approvals.length >= current.requiredApprovals;
    const next: ApprovalRequest = { ...current, approvals, state: enough ? 'applying' : 'pending', version: current.version + 1 };
    // The compare-and-set is the guard: of two simultaneous clicks, only one moves the version on.
    // Nothing is applied unless the approval and its audit entry are both on record.
    const moved = await this.recorded(
      () => this.transition(current, next, userId, 'approved', `${approvals.length} of ${current.requiredApprovals} approvals`),
      (reason) =>
        `Your approval could not be recorded: ${reason}. Nothing was applied and the request is still pending; approve again in a minute.`,
    );
    if (!moved) return this.lost(id);
    if (!enough) return { ok: true, request: next, message: `Approved (${approvals.length} of ${current.requiredApprovals}).` };
    return this.apply(next, userId);
  }

  async reject(id: string, userId: string): Promise<Outcome> {
    const live = await this.live(id);
    if (!live.ok) return live;
    const current = live.request;
    if (current.state !== 'pending' && current.state !== 'draft')
      return { ok: false, reason: `This request is ${current.state}.`, request: current };
    const mayReject = current.requesterId === userId || (await this.isApprover(userId));
    if (!mayReject) return { ok: false, reason: 'Only an approver or the requester can reject this request.', request: current };
    const next = { ...current, state: 'rejected' as const, version: current.version + 1 };
    const moved = await this.recorded(
      () =>
        this.transition(
          current,
          next,
          userId,
          'rejected',
          current.requesterId === userId ? 'withdrawn by the requester' : 'rejected by an approver',
        ),
      (reason) => `Your rejection could not be recorded: ${reason}. The request is unchanged; try again in a minute.`,
    );
    if (!moved) return this.lost(id);
    return { ok: true, request: next, message: 'Rejected.' };
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    return this.deps.store.get(id);
  }

  async pending(limit = 20): Promise<ApprovalRequest[]> {
    return this.deps.store.listByState('pending', limit);
  }

  /**
   * After a crash: a request left in `applying` may or may not have reached AWS. It is never
   * applied again automatically; it is marked failed so a person checks and asks again.
   */
  async recoverInterrupted(): Promise<number> {
    let recovered = 0;
    for (const request of await this.deps.store.listByState('applying', 100)) {
      const next = {
        ...request,
        state: 'failed' as const,
        version: request.version + 1,
        outcome: 'Interrupted while applying (s3x restarted). Check the account with /s3x status before asking again.',
      };
      if (await this.transition(request, next, 's3x', 'interrupted', next.outcome)) recovered++;
    }
    return recovered;
  }

  /** Apply once: re-plan first, and refuse if the account changed since the plan was approved. */
  private async apply(request: ApprovalRequest, approverId: string): Promise<Outcome> {
    let result: ApplyResult | undefined;
    let outcome: string;
    let state: 'applied' | 'failed';
    try {
      const fresh = await this.deps.plan(request.plan.request);
      if (JSON.stringify(fresh.calls) !== JSON.stringify(request.plan.calls)) {
        throw new StalePlanError(
          'The account changed since this plan was made, so nothing was applied. Ask again to see a fresh plan.',
        );
      }
      result = await this.deps.account.apply(request.plan.calls, { approverId, requestId: request.id });
      state = 'applied';
      outcome = `Applied: ${result.steps.map((s) => s.detail).join('; ')}`;
    } catch (error) {
      state = 'failed';
      outcome = `Failed: ${userMessageOf(error)}`;
    }
    const next: ApprovalRequest = { ...request, state, outcome, version: request.version + 1 };
    try {
      // Only the winner of the pending → applying transition gets here, so this write cannot race.
      // What happened in the account has happened: it is never undone in the store.
      await this.transition(request, next, approverId, state, outcome, { undoOnAuditFailure: false });
    } catch (error) {
      // Applied (or failed) but not on record: say so rather than pretend. At the next start the
      // request, still "applying" in the store, is marked failed for a person to check.
      const reason = error instanceof StoreError ? error.reason : 'its state database could not be written';
      const told: ApprovalRequest = {
        ...next,
        outcome: `${outcome} (s3x could not record this outcome: ${reason}. Check the audit log and /s3x status.)`,
      };
      const notRecorded = `${request.id} ${state}: ${error instanceof Error ? error.message : String(error)}`;
      return state === 'applied'
        ? { ok: true, request: told, message: told.outcome ?? outcome, notRecorded }
        : { ok: false, reason: told.outcome ?? outcome, request: told, notRecorded };
    }
    return state === 'applied' ? { ok: true, request: next, message: outcome } : { ok: false, reason: outcome, request: next };
  }

  /** Load a request, expiring it if its time is up. */
  private async live(
    id: string,
  ): Promise<{ ok: true; request: ApprovalRequest } | { ok: false; reason: string; request?: ApprovalRequest }> {
    const request = await this.deps.store.get(id);
    if (!request) return { ok: false, reason: 'No such approval request.' };
    if (TERMINAL_STATES.includes(request.state)) return { ok: true, request };
    if (this.deps.now().toISOString() >= request.expiresAt && (request.state === 'pending' || request.state === 'draft')) {
      // Expired either way: if the store cannot take the write now, the next click tries again.
      await this.expire(request);
      return {
        ok: false,
        reason: 'This request has expired. Ask again to get a fresh plan.',
        request: { ...request, state: 'expired', version: request.version + 1 },
      };
    }
    return { ok: true, request };
  }

  /** `request` → expired; the expired request if this call made the transition, undefined otherwise. */
  private async expire(request: ApprovalRequest): Promise<ApprovalRequest | undefined> {
    const next = { ...request, state: 'expired' as const, version: request.version + 1 };
    const moved = await this.transition(request, next, 's3x', 'expired', `not approved by ${request.expiresAt}`).catch(
      () => false,
    );
    return moved ? next : undefined;
  }

  /** Set fields that are not part of the state machine (where it was posted, who asked), retrying lost races. */
  private async annotate(
    id: string,
    fields: Pick<ApprovalRequest, 'messageTs'> | Pick<ApprovalRequest, 'workflowExecutionId'>,
  ): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.deps.store.get(id);
      if (!current) return;
      if (await this.deps.store.compareAndSet({ ...current, ...fields, version: current.version + 1 }, current.version)) return;
    }
  }

  private async lost(id: string): Promise<Outcome> {
    const request = await this.deps.store.get(id);
    return {
      ok: false,
      reason: `Someone else acted on this request first; it is now ${request?.state ?? 'gone'}.`,
      ...(request ? { request } : {}),
    };
  }

  private async refuseApprover(request: ApprovalRequest, userId: string): Promise<string | undefined> {
    if (userId === request.requesterId) return 'You cannot approve your own request: a different approver must.';
    if (request.approvals.includes(userId)) return 'You have already approved this request.';
    if (!(await this.isApprover(userId))) return 'You are not an approver (S3X_APPROVERS / S3X_APPROVER_GROUP).';
    return undefined;
  }

  private async isApprover(userId: string): Promise<boolean> {
    if (this.deps.policy.approvers.includes(userId)) return true;
    const group = this.deps.policy.approverGroup;
    return group !== undefined && (await this.deps.groups.membersOf(group)).includes(userId);
  }

  private async audit(request: ApprovalRequest, actor: string, action: string, detail: string): Promise<void> {
    await this.deps.store.appendAudit(this.auditEntry(request, actor, action, detail));
  }

  private auditEntry(request: ApprovalRequest, actor: string, action: string, detail: string): AuditEntry {
    return { at: this.deps.now().toISOString(), requestId: request.id, actor, action, detail };
  }

  /**
   * `current` → `next` (compare-and-set on the version) with its audit entry. Atomic where the
   * store can do it; otherwise two writes, and a failed audit entry puts the request back as it
   * was, so no transition is ever on record without its audit entry.
   */
  private async transition(
    current: ApprovalRequest,
    next: ApprovalRequest,
    actor: string,
    action: string,
    detail: string,
    options: { undoOnAuditFailure: boolean } = { undoOnAuditFailure: true },
  ): Promise<boolean> {
    const entry = this.auditEntry(next, actor, action, detail);
    const { store } = this.deps;
    if (store.transition) return store.transition(next, current.version, entry);
    if (!(await store.compareAndSet(next, current.version))) return false;
    try {
      await store.appendAudit(entry);
    } catch (error) {
      if (options.undoOnAuditFailure)
        await store.compareAndSet({ ...current, version: next.version + 1 }, next.version).catch(() => false);
      throw error;
    }
    return true;
  }

  /** A store failure, told in the words of what the user was doing and what did not happen. */
  private async recorded<T>(write: () => Promise<T>, message: (reason: string) => string): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      throw new StoreError(message(error.reason), { cause: error, detail: error.message, reason: error.reason });
    }
  }
}

class StalePlanError extends S3xError {
  readonly code = 'stale_plan';
}
