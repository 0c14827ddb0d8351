import { randomBytes } from 'node:crypto';
import type { GroupMembers } from '../access/access-policy.js';
import { S3xError, StoreError, UsageError, userMessageOf } from '../errors.js';
import type { PlanChange } from '../remediation/planner.js';
import type { AccountPort, ApplyResult, ChangeRequest, Plan } from '../remediation/types.js';
import {
  type ApplyLease,
  type ApprovalRequest,
  type ApprovalStore,
  type AuditEntry,
  type MayApprove,
  TERMINAL_STATES,
} from './approval.js';
import { type ExpiredChange, revertExpired } from './expiry.js';

/** How long an `applying` request stays its replica's without a heartbeat (S3X_APPLY_LEASE_SECONDS). */
export const DEFAULT_APPLY_LEASE_MS = 60_000;

/** Told to whoever asks for a change where no approver is configured (Slack, workflow steps, MCP). */
export const REMEDIATION_OFF = 'Changes are not configured here: set S3X_APPROVERS or S3X_APPROVER_GROUP to enable remediation.';

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
  plan: PlanChange;
  now: () => Date;
  /** This replica's id (the owner of the changes it applies) and the lease length; a random id and 60 s by default. */
  lease?: { owner: string; ms: number };
  /** Lost races and takeovers are logged here: never dropped silently. */
  log?: (message: string) => void;
  /** Run `beat` every `ms` until the returned stop is called; an unref'd interval by default. */
  every?: (ms: number, beat: () => void) => () => void;
}

/** The default `every`: an interval that does not keep the process alive. */
function intervalEvery(ms: number, beat: () => void): () => void {
  const timer = setInterval(beat, ms);
  timer.unref();
  return () => clearInterval(timer);
}

/** An `applying` request this replica holds: the latest version its heartbeats wrote. */
interface HeldLease {
  current(): ApprovalRequest;
  /** Stop renewing; resolves once a renewal in flight has landed, so `current()` is final. */
  release(): Promise<void>;
}

/** The longest justification or reject reason kept (Slack's input is capped at this too). */
export const MAX_JUSTIFICATION = 500;

/**
 * `notRecorded`: the change was applied (or failed) in the account, but its outcome could not be
 * written to the store; the detail is for the logs, the request's outcome tells the user.
 */
export type Outcome =
  | { ok: true; request: ApprovalRequest; message: string; notRecorded?: string }
  | {
      ok: false;
      reason: string;
      request?: ApprovalRequest;
      notRecorded?: string;
      /** This click's compare-and-set lost to another change: it wrote nothing. */
      lostRace?: true;
    };

/**
 * The approval flow. Every transition re-reads the request and writes with compare-and-set on
 * its version, so double clicks, two replicas and restarts end with one application at most.
 */
export class ApprovalService {
  private readonly owner: string;
  private readonly leaseMs: number;
  private readonly log: (message: string) => void;

  constructor(private readonly deps: ApprovalDeps) {
    this.owner = deps.lease?.owner ?? randomBytes(6).toString('hex');
    this.leaseMs = deps.lease?.ms ?? DEFAULT_APPLY_LEASE_MS;
    this.log = deps.log ?? (() => undefined);
  }

  /**
   * Plan the change and keep it as a draft the requester sees before asking anyone. `via`: the
   * requester acts through a program (an assistant over MCP), named in the audit log and the message.
   */
  async draft(
    change: ChangeRequest,
    requesterId: string,
    channelId: string,
    { revertOf, via }: { revertOf?: string; via?: string } = {},
  ): Promise<ApprovalRequest> {
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
      ...(via ? { requestedVia: via } : {}),
    };
    // If the audit entry fails after the create, the draft is never shown, so it is never submitted: it just expires.
    await this.recorded(
      async () => {
        await this.deps.store.create(request);
        await this.audit(request, actorOf(request, requesterId), 'planned', plan.summary);
      },
      (reason) => `The plan could not be saved: ${reason}. Nothing was requested or changed; try again in a minute.`,
    );
    return request;
  }

  /** The requester asks for approval, saying why: draft → pending. */
  async submit(id: string, userId: string, justification?: string): Promise<Outcome> {
    const request = await this.live(id);
    if (!request.ok) return request;
    const current = request.request;
    if (current.requesterId !== userId)
      return { ok: false, reason: 'Only the person who planned this change can submit it.', request: current };
    if (current.state !== 'draft') return { ok: true, request: current, message: `This request is already ${current.state}.` };
    if (current.plan.calls.length === 0)
      return { ok: false, reason: 'There is nothing to change: the plan is empty.', request: current };
    const why = justification?.trim().slice(0, MAX_JUSTIFICATION);
    const next = { ...current, state: 'pending' as const, version: current.version + 1, ...(why ? { justification: why } : {}) };
    const moved = await this.recorded(
      () =>
        this.transition(
          current,
          next,
          actorOf(current, userId),
          'requested',
          why ? `${next.plan.summary} · why: ${why}` : next.plan.summary,
        ),
      (reason) =>
        `Your request for approval could not be saved: ${reason}. Nothing was posted; click Request approval again in a minute.`,
    );
    if (!moved) return this.lost(id);
    return { ok: true, request: next, message: 'Approval requested.' };
  }

  /** Who may approve, as configured now (S3X_APPROVERS, S3X_APPROVER_GROUP): shown on approval messages. */
  mayApprove(): MayApprove {
    const { approvers, approverGroup } = this.deps.policy;
    return { users: [...approvers], ...(approverGroup ? { group: approverGroup } : {}) };
  }

  /** Record where the approval message was posted, so its buttons can be replaced later. */
  async attachMessage(id: string, messageTs: string): Promise<void> {
    await this.update(id, `its approval message ${messageTs}`, (current) => ({ ...current, messageTs }));
  }

  /** Record the Workflow Builder step that asked for this request, so its final state completes the step. */
  async attachWorkflowStep(id: string, workflowExecutionId: string): Promise<void> {
    await this.update(id, `its workflow step ${workflowExecutionId}`, (current) => ({ ...current, workflowExecutionId }));
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

  /**
   * Of every click and recovery round that would post a decided request's outcome to Slack (the
   * message update and the audit record in its thread), only the first gets true, and a later
   * one only once a claim that was never posted has run out (a lease long: its replica died).
   * `announced` marks it posted; `releaseAnnouncement` gives it back when Slack did not take it.
   */
  async claimAnnouncement(id: string): Promise<boolean> {
    const now = this.deps.now().toISOString();
    const until = new Date(this.deps.now().getTime() + this.leaseMs).toISOString();
    const claimed = await this.update(id, 'the claim to announce its outcome', (current) => {
      const held = current.announcement && ('posted' in current.announcement || current.announcement.until > now);
      return TERMINAL_STATES.includes(current.state) && !held ? { ...current, announcement: { until } } : undefined;
    });
    return claimed !== undefined;
  }

  async announced(id: string): Promise<void> {
    await this.update(id, 'that its outcome was posted', (current) => ({ ...current, announcement: { posted: true } }));
  }

  async releaseAnnouncement(id: string): Promise<void> {
    await this.update(id, 'the release of its announcement', (current) => {
      if (!current.announcement || 'posted' in current.announcement) return undefined;
      const { announcement: _announcement, ...rest } = current;
      return rest;
    });
  }

  /**
   * Apply `change` to the stored request with compare-and-set, reading again when another write
   * came first (five tries). Returns the written request, or undefined when `change` declined or
   * every try lost (logged: never dropped silently).
   */
  private async update(
    id: string,
    what: string,
    change: (current: ApprovalRequest) => ApprovalRequest | undefined,
  ): Promise<ApprovalRequest | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.deps.store.get(id);
      const next = current && change(current);
      if (!current || !next) return undefined;
      const written = { ...next, version: current.version + 1 };
      if (await this.deps.store.compareAndSet(written, current.version)) return written;
    }
    this.log(`request ${id}: ${what} was not recorded: five writes in a row lost to other changes`);
    return undefined;
  }

  /**
   * Revert the time-boxed changes whose time is up (`--for`), each exactly once across replicas;
   * returns what this call reverted (or found it must not), for the messages.
   */
  async revertTimeBoxed(): Promise<ExpiredChange[]> {
    return revertExpired(this.deps);
  }

  async approve(id: string, userId: string): Promise<Outcome> {
    const live = await this.live(id);
    if (!live.ok) return live;
    const current = live.request;
    if (current.state !== 'pending')
      return { ok: false, reason: `This request is ${current.state}; it cannot be approved.`, request: current };
    const refusal = await this.refuseApprover(current, userId);
    if (refusal) {
      // Refused attempts are on record too, with who tried; a store hiccup here must not hide the refusal.
      await this.audit(current, userId, 'approval-refused', refusal).catch(() => undefined);
      return { ok: false, reason: refusal, request: current };
    }
    const approvals = [...current.approvals, userId];
    const enough = approvals.length >= current.requiredApprovals;
    const next: ApprovalRequest = {
      ...current,
      approvals,
      state: enough ? 'applying' : 'pending',
      version: current.version + 1,
      ...(enough ? { lease: this.newLease() } : {}),
    };
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

  /** An approver rejects (with a reason), or the requester withdraws: the rejecter is on record. */
  async reject(id: string, userId: string, reason?: string): Promise<Outcome> {
    const live = await this.live(id);
    if (!live.ok) return live;
    const current = live.request;
    if (current.state !== 'pending' && current.state !== 'draft')
      return { ok: false, reason: `This request is ${current.state}.`, request: current };
    const mayReject = current.requesterId === userId || (await this.isApprover(userId));
    if (!mayReject) return { ok: false, reason: 'Only an approver or the requester can reject this request.', request: current };
    const why = reason?.trim().slice(0, MAX_JUSTIFICATION);
    const next: ApprovalRequest = {
      ...current,
      state: 'rejected',
      version: current.version + 1,
      rejectedBy: userId,
      ...(why ? { rejectReason: why } : {}),
    };
    const who = current.requesterId === userId ? 'withdrawn by the requester' : 'rejected by an approver';
    const moved = await this.recorded(
      () => this.transition(current, next, userId, 'rejected', why ? `${who}: ${why}` : who),
      (reason) => `Your rejection could not be recorded: ${reason}. The request is unchanged; try again in a minute.`,
    );
    if (!moved) return this.lost(id);
    return { ok: true, request: next, message: 'Rejected.' };
  }

  /**
   * An applied revert marks the change it undid, so that change's message shows "reverted" and no
   * longer offers Revert. Returns the marked request, or undefined when there is nothing to mark.
   */
  async markReverted(revert: ApprovalRequest): Promise<ApprovalRequest | undefined> {
    if (revert.state !== 'applied' || !revert.revertOf) return undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      const original = await this.deps.store.get(revert.revertOf);
      if (original?.state !== 'applied') return undefined;
      if (original.revertedBy) return original;
      const next = { ...original, revertedBy: revert.id, version: original.version + 1 };
      const approver = revert.approvals.at(-1) ?? 's3x';
      if (await this.transition(original, next, approver, 'reverted', `by request ${revert.id}`)) return next;
    }
    return undefined;
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    return this.deps.store.get(id);
  }

  async pending(limit = 20): Promise<ApprovalRequest[]> {
    return this.deps.store.listByState('pending', limit);
  }

  /**
   * A request left `applying` by a replica that stopped (crash, kill -9, a lost host) is taken
   * over once its lease has run out, never before: a live replica renews its lease while it
   * applies. It is never applied again; s3x reads the account and records what is true there:
   * applied when the account has the change, failed when it has none or part of it. Returns
   * the requests it decided, so their approval messages can be updated.
   */
  async recoverExpired(): Promise<ApprovalRequest[]> {
    const decided: ApprovalRequest[] = [];
    for (const listed of await this.deps.store.listByState('applying', 100)) {
      if (!this.leaseExpired(listed)) continue;
      // The list is eventually consistent (DynamoDB's index): decide on a fresh read.
      const request = await this.deps.store.get(listed.id);
      if (request?.state !== 'applying' || !this.leaseExpired(request)) continue;
      const claimed: ApprovalRequest = { ...request, lease: this.newLease(), version: request.version + 1 };
      if (!(await this.deps.store.compareAndSet(claimed, request.version))) {
        this.log(
          `request ${request.id}: changed by another replica (a takeover, or its owner renewing) before this one could take it over; left to it`,
        );
        continue;
      }
      this.log(
        `request ${request.id}: its lease (replica ${request.lease?.owner ?? 'unknown'}) expired while applying; checking the account`,
      );
      const held = this.holdLease(claimed);
      let verdict: { state: 'applied' | 'failed'; outcome: string };
      try {
        verdict = await this.checkAccount(claimed);
      } catch (error) {
        await held.release();
        this.log(
          `request ${request.id}: the account could not be read (${error instanceof Error ? error.message : String(error)}); tried again once this lease expires`,
        );
        continue;
      }
      await held.release();
      const write = await this.writeHeld(
        held.current(),
        (fresh) => ({ ...withoutLease(fresh), ...verdict }),
        (from, next) => this.transition(from, next, 's3x', verdict.state, verdict.outcome),
      );
      if ('written' in write) decided.push(write.written);
      else
        this.log(
          `request ${request.id}: lost its lease while the account was checked (${write.lost}); the outcome is left to the new owner`,
        );
    }
    return decided;
  }

  /** What the account says about an interrupted change: the plan knows what "applied" looks like. */
  private async checkAccount(request: ApprovalRequest): Promise<{ state: 'applied' | 'failed'; outcome: string }> {
    const interrupted = 'Interrupted while applying (the replica applying it stopped).';
    let fresh: Plan;
    try {
      fresh = await this.deps.plan(request.plan.request);
    } catch (error) {
      // A definite answer about the account (the bucket is gone), not a failure to read it.
      if (!(error instanceof UsageError)) throw error;
      return { state: 'failed', outcome: `${interrupted} s3x checked the account: ${error.userMessage}` };
    }
    if (fresh.calls.length === 0)
      return { state: 'applied', outcome: `Applied: s3x checked the account after the interruption and it has the change.` };
    if (JSON.stringify(fresh.calls) === JSON.stringify(request.plan.calls))
      return {
        state: 'failed',
        outcome: `${interrupted} s3x checked the account: the change is not in it, so nothing was applied. Ask again to apply it.`,
      };
    return {
      state: 'failed',
      outcome: `${interrupted} s3x checked the account: it has part of the change, or changed since. Check it with /s3x status before asking again.`,
    };
  }

  /**
   * Write `build(current)` over a request this replica is applying. A lost compare-and-set is a
   * takeover only when the lease changed: a write that kept it (the approval message's ts landing
   * after a quick approve, a workflow step) is read again and built upon, so it is neither lost
   * nor mistaken for recovery. Otherwise `lost` says, for the logs, what the store holds now.
   */
  private async writeHeld(
    held: ApprovalRequest,
    build: (current: ApprovalRequest) => ApprovalRequest,
    write: (current: ApprovalRequest, next: ApprovalRequest) => Promise<boolean>,
  ): Promise<{ written: ApprovalRequest } | { lost: string }> {
    let current = held;
    for (let attempt = 0; attempt < 5; attempt++) {
      const next = { ...build(current), version: current.version + 1 };
      if (await write(current, next)) return { written: next };
      const fresh = await this.deps.store.get(held.id);
      if (fresh?.state !== 'applying' || !sameLease(fresh.lease, held.lease)) return { lost: takenOver(fresh) };
      current = fresh;
    }
    return { lost: 'five writes in a row lost to other changes of the request' };
  }

  private newLease(): ApplyLease {
    return { owner: this.owner, expiresAt: new Date(this.deps.now().getTime() + this.leaseMs).toISOString() };
  }

  /** A request without a lease was left by a version of s3x without leases: nobody renews it. */
  private leaseExpired(request: ApprovalRequest): boolean {
    return !request.lease || request.lease.expiresAt <= this.deps.now().toISOString();
  }

  /** Renew the lease on `request` every third of its length until released; a lost renewal is logged. */
  private holdLease(request: ApprovalRequest): HeldLease {
    let current = request;
    let lost = false;
    let renewing: Promise<void> = Promise.resolve();
    const renew = async () => {
      if (lost) return;
      const lease = this.newLease();
      try {
        const write = await this.writeHeld(
          current,
          (fresh) => ({ ...fresh, lease }),
          (from, next) => this.deps.store.compareAndSet(next, from.version),
        );
        if ('written' in write) current = write.written;
        else {
          lost = true;
          this.log(`request ${request.id}: lease lost: ${write.lost} while this replica was applying it`);
        }
      } catch (error) {
        this.log(
          `request ${request.id}: lease not renewed (${error instanceof Error ? error.message : String(error)}); trying again`,
        );
      }
    };
    const every = this.deps.every ?? intervalEvery;
    const stop = every(Math.max(1, Math.floor(this.leaseMs / 3)), () => {
      renewing = renewing.then(renew);
    });
    return {
      current: () => current,
      release: async () => {
        stop();
        await renewing;
      },
    };
  }

  /** Apply once: re-plan first, and refuse if the account changed since the plan was approved. */
  private async apply(request: ApprovalRequest, approverId: string): Promise<Outcome> {
    const held = this.holdLease(request);
    let result: ApplyResult | undefined;
    let outcome: string;
    let state: 'applied' | 'failed';
    try {
      const fresh = await this.deps.plan(request.plan.request, 'apply');
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
    } finally {
      await held.release();
    }
    const current = held.current();
    // Time-boxed: the revert was planned with the change; from now on the expiry sweep owns it.
    const revertAfterMs = state === 'applied' && request.plan.revert ? request.plan.revertAfterMs : undefined;
    const revertAt = revertAfterMs ? new Date(this.deps.now().getTime() + revertAfterMs).toISOString() : undefined;
    const decided = (fresh: ApprovalRequest): ApprovalRequest => ({
      ...withoutLease(fresh),
      state,
      outcome: revertAt ? `${outcome}. Reverts itself at ${revertAt.replace('T', ' ').slice(0, 16)} UTC.` : outcome,
      ...(revertAt ? { revertAt } : {}),
    });
    let next = { ...decided(current), version: current.version + 1 };
    let notRecorded: string | undefined;
    try {
      // What happened in the account has happened: it is never undone in the store.
      const write = await this.writeHeld(current, decided, (from, to) =>
        this.transition(from, to, approverId, state, outcome, { undoOnAuditFailure: false }),
      );
      if ('written' in write) next = write.written;
      else {
        // Taken over (this replica stopped renewing its lease for longer than the lease): the new
        // owner recorded what it found in the account; the audit log gets what this replica did.
        notRecorded = `${request.id} ${state}: ${write.lost} before this outcome was recorded`;
        this.log(`request ${notRecorded}; the outcome goes to the audit log`);
        await this.audit(next, approverId, state, `${outcome} (recorded after recovery had taken the request over)`);
      }
    } catch (error) {
      // Applied (or failed) but not on record: say so rather than pretend. Once the lease runs
      // out, recovery checks the account and records what it finds.
      const reason = error instanceof StoreError ? error.reason : 'its state database could not be written';
      notRecorded = `${request.id} ${state}: ${error instanceof Error ? error.message : String(error)}`;
      const told: ApprovalRequest = {
        ...next,
        outcome: `${outcome} (s3x could not record this outcome: ${reason}. Check the audit log and /s3x status.)`,
      };
      return state === 'applied'
        ? { ok: true, request: told, message: told.outcome ?? outcome, notRecorded }
        : { ok: false, reason: told.outcome ?? outcome, request: told, notRecorded };
    }
    const extra = notRecorded ? { notRecorded } : {};
    return state === 'applied'
      ? { ok: true, request: next, message: outcome, ...extra }
      : { ok: false, reason: outcome, request: next, ...extra };
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
      () => undefined,
    );
    if (moved === false) this.log(`request ${request.id}: another click or sweep changed it while it was being expired`);
    return moved ? next : undefined;
  }

  /** A click whose compare-and-set lost: nothing of it was written, and its listener writes nothing either. */
  private async lost(id: string): Promise<Outcome> {
    const request = await this.deps.store.get(id);
    this.log(`request ${id}: a click lost the race to another change; it is now ${request?.state ?? 'gone'}`);
    return {
      ok: false,
      lostRace: true,
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
      if (options.undoOnAuditFailure) {
        const undone = await store.compareAndSet({ ...current, version: next.version + 1 }, next.version).catch(() => false);
        if (!undone) this.log(`request ${next.id}: its audit entry for ${action} failed, and it could not be put back as it was`);
      }
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

function sameLease(a: ApplyLease | undefined, b: ApplyLease | undefined): boolean {
  return a !== undefined && b !== undefined && a.owner === b.owner && a.expiresAt === b.expiresAt;
}

/** What a lost write found, for the logs: who holds the request now, or what it became. */
function takenOver(found: ApprovalRequest | undefined): string {
  if (!found) return 'the request is gone from the store';
  if (found.state === 'applying') return `the request was taken over by recovery (replica ${found.lease?.owner ?? 'unknown'})`;
  return `the request was taken over by recovery and recorded ${found.state}`;
}

function withoutLease(request: ApprovalRequest): ApprovalRequest {
  const { lease: _lease, ...rest } = request;
  return rest;
}

/** Who acted, for the audit log: the requester of a request made through a program is named with it. */
function actorOf(request: ApprovalRequest, userId: string): string {
  return request.requestedVia && userId === request.requesterId ? `${userId} via ${request.requestedVia}` : userId;
}
