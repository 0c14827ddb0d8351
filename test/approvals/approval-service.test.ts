import { describe, expect, it, vi } from 'vitest';
import { type ApprovalDeps, type ApprovalPolicy, ApprovalService } from '../../src/approvals/approval-service.js';
import { SqliteApprovalStore } from '../../src/approvals/sqlite-approval-store.js';
import type { AccountPort, ChangeRequest, Plan } from '../../src/remediation/types.js';
import { openDatabase } from '../../src/store/database.js';
import { tempDir } from '../helpers/archive.js';

const CHANGE: ChangeRequest = { kind: 'enable-logging', target: { bucket: 'hot--use1-az4--x-s3' } };
const PLAN: Plan = {
  request: CHANGE,
  summary: 'Log S3 Express objects of hot--use1-az4--x-s3 on trail main',
  diff: '+ selector',
  calls: [{ api: 'cloudtrail:StartLogging', region: 'us-east-1', trailName: 'main' }],
  warnings: [],
};

function setup(
  options: {
    policy?: Partial<ApprovalPolicy>;
    file?: string;
    now?: () => Date;
    plan?: () => Promise<Plan>;
    log?: (message: string) => void;
    every?: ApprovalDeps['every'];
  } = {},
) {
  const store = new SqliteApprovalStore(openDatabase(options.file ?? ':memory:'));
  const apply = vi.fn(async () => ({
    steps: [{ api: 'cloudtrail:StartLogging' as const, ok: true, detail: 'StartLogging main' }],
  }));
  const account: AccountPort = { readState: vi.fn(), getBucketPolicy: vi.fn(), apply };
  const service = new ApprovalService({
    store,
    account,
    groups: { membersOf: async (group) => (group === 'S0APPROVERS' ? ['U0GROUPIE'] : []) },
    policy: {
      approvers: ['U0APPROVER', 'U0SECOND'],
      approverGroup: 'S0APPROVERS',
      requiredApprovals: 1,
      ttlMs: 3600_000,
      ...options.policy,
    },
    plan: options.plan ?? (async () => PLAN),
    now: options.now ?? (() => new Date('2026-11-24T10:00:00Z')),
    ...(options.log ? { log: options.log } : {}),
    ...(options.every ? { every: options.every } : {}),
  });
  return { service, store, apply };
}

async function pendingRequest(service: ApprovalService) {
  const draft = await service.draft(CHANGE, 'U0REQUESTER', 'C0OPS');
  const submitted = await service.submit(draft.id, 'U0REQUESTER');
  expect(submitted.ok).toBe(true);
  return draft.id;
}

describe('ApprovalService', () => {
  it('refuses the requester approving their own request, then applies on a different approver', async () => {
    const { service, apply } = setup();
    const id = await pendingRequest(service);
    const own = await service.approve(id, 'U0REQUESTER');
    expect(own).toMatchObject({ ok: false, reason: expect.stringMatching(/cannot approve your own/) });
    const outsider = await service.approve(id, 'U0NOBODY');
    expect(outsider).toMatchObject({ ok: false, reason: expect.stringMatching(/not an approver/) });
    const approved = await service.approve(id, 'U0APPROVER');
    expect(approved).toMatchObject({ ok: true, request: { state: 'applied', approvals: ['U0APPROVER'] } });
    expect(apply).toHaveBeenCalledTimes(1);
    expect(apply).toHaveBeenCalledWith(PLAN.calls, { approverId: 'U0APPROVER', requestId: id });
  });

  it('accepts a member of the approver group', async () => {
    const { service } = setup();
    const id = await pendingRequest(service);
    expect(await service.approve(id, 'U0GROUPIE')).toMatchObject({ ok: true, request: { state: 'applied' } });
  });

  it('applies exactly once when two approvals arrive at the same time', async () => {
    const { service, apply } = setup();
    const id = await pendingRequest(service);
    const results = await Promise.all([
      service.approve(id, 'U0APPROVER'),
      service.approve(id, 'U0SECOND'),
      service.approve(id, 'U0APPROVER'),
    ]);
    expect(apply).toHaveBeenCalledTimes(1);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it('applies once across two service instances on the same SQLite file (two replicas)', async () => {
    const file = `${await tempDir()}/state.sqlite`;
    const one = setup({ file });
    const two = setup({ file });
    const id = await pendingRequest(one.service);
    await Promise.all([one.service.approve(id, 'U0APPROVER'), two.service.approve(id, 'U0SECOND')]);
    expect(one.apply.mock.calls.length + two.apply.mock.calls.length).toBe(1);
  });

  it('survives a restart between request and approval', async () => {
    const file = `${await tempDir()}/state.sqlite`;
    const id = await pendingRequest(setup({ file }).service);
    const restarted = setup({ file });
    expect(await restarted.service.approve(id, 'U0APPROVER')).toMatchObject({ ok: true, request: { state: 'applied' } });
  });

  it('needs the configured number of approvals', async () => {
    const { service, apply } = setup({ policy: { requiredApprovals: 2 } });
    const id = await pendingRequest(service);
    expect(await service.approve(id, 'U0APPROVER')).toMatchObject({ ok: true, request: { state: 'pending' } });
    expect(await service.approve(id, 'U0APPROVER')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/already approved/),
    });
    expect(await service.approve(id, 'U0SECOND')).toMatchObject({ ok: true, request: { state: 'applied' } });
    expect(apply).toHaveBeenCalledTimes(1);
  });

  it('expires a request that waited too long; it cannot be approved', async () => {
    let now = new Date('2026-11-24T10:00:00Z');
    const { service, apply } = setup({ now: () => now });
    const id = await pendingRequest(service);
    now = new Date('2026-11-24T11:00:01Z');
    expect(await service.approve(id, 'U0APPROVER')).toMatchObject({ ok: false, reason: expect.stringMatching(/expired/) });
    expect((await service.get(id))?.state).toBe('expired');
    expect(apply).not.toHaveBeenCalled();
  });

  it('refuses to apply when the account changed since the plan (nothing is applied)', async () => {
    let calls = PLAN.calls;
    const { service, apply } = setup({ plan: async () => ({ ...PLAN, calls }) });
    const id = await pendingRequest(service);
    calls = [{ api: 'cloudtrail:StartLogging', region: 'us-east-1', trailName: 'other' }];
    expect(await service.approve(id, 'U0APPROVER')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/account changed/),
      request: { state: 'failed' },
    });
    expect(apply).not.toHaveBeenCalled();
  });

  /** A crash right after the pending → applying transition, by a replica whose lease (owner, until) is given. */
  async function leftApplying(store: SqliteApprovalStore, id: string, lease: { owner: string; expiresAt: string }) {
    const stored = await store.get(id);
    if (!stored) throw new Error('request missing');
    const applying = { ...stored, state: 'applying' as const, version: stored.version + 1, lease };
    expect(await store.compareAndSet(applying, stored.version)).toBe(true);
  }

  it('leaves a request alone while the replica applying it holds a live lease', async () => {
    const file = `${await tempDir()}/state.sqlite`;
    const first = setup({ file });
    const id = await pendingRequest(first.service);
    await leftApplying(first.store, id, { owner: 'other-replica', expiresAt: '2026-11-24T10:00:30.000Z' });
    const starting = setup({ file });
    expect(await starting.service.recoverExpired()).toEqual([]);
    expect((await starting.service.get(id))?.state).toBe('applying');
    expect(starting.apply).not.toHaveBeenCalled();
  });

  it('takes over an expired lease and marks it failed when the account does not have the change, never applying it', async () => {
    const file = `${await tempDir()}/state.sqlite`;
    const first = setup({ file });
    const id = await pendingRequest(first.service);
    await leftApplying(first.store, id, { owner: 'dead-replica', expiresAt: '2026-11-24T09:59:59.000Z' });
    const log = vi.fn();
    const restarted = setup({ file, log });
    const decided = await restarted.service.recoverExpired();
    expect(decided).toMatchObject([{ id, state: 'failed', outcome: expect.stringMatching(/change is not in it/) }]);
    expect(decided[0]?.lease).toBeUndefined();
    expect(log).toHaveBeenCalledWith(expect.stringContaining('dead-replica'));
    expect(await restarted.service.approve(id, 'U0APPROVER')).toMatchObject({ ok: false });
    expect(restarted.apply).not.toHaveBeenCalled();
    expect((await restarted.store.recentAudit(1))[0]).toMatchObject({ requestId: id, actor: 's3x', action: 'failed' });
  });

  it('takes over an expired lease and records applied when the account already has the change', async () => {
    const file = `${await tempDir()}/state.sqlite`;
    const first = setup({ file });
    const id = await pendingRequest(first.service);
    await leftApplying(first.store, id, { owner: 'dead-replica', expiresAt: '2026-11-24T09:59:59.000Z' });
    // The account as the dead replica left it: planning the same change now finds nothing to do.
    const restarted = setup({ file, plan: async () => ({ ...PLAN, calls: [] }) });
    expect(await restarted.service.recoverExpired()).toMatchObject([{ id, state: 'applied' }]);
    expect(restarted.apply).not.toHaveBeenCalled();
    expect((await restarted.store.recentAudit(1))[0]).toMatchObject({ requestId: id, action: 'applied' });
  });

  it('a replica whose request was taken over while it applied still puts what it did in the audit log, and logs it', async () => {
    const file = `${await tempDir()}/state.sqlite`;
    const log = vi.fn();
    const slow = setup({ file, log });
    const id = await pendingRequest(slow.service);
    // While this replica applies, recovery elsewhere decides the request (as if its lease had run out).
    slow.apply.mockImplementationOnce(async () => {
      const stored = await slow.store.get(id);
      if (!stored) throw new Error('request missing');
      await slow.store.compareAndSet(
        { ...stored, state: 'failed', outcome: 'taken over', version: stored.version + 1 },
        stored.version,
      );
      return { steps: [{ api: 'cloudtrail:StartLogging' as const, ok: true, detail: 'StartLogging main' }] };
    });
    const outcome = await slow.service.approve(id, 'U0APPROVER');
    expect(outcome.notRecorded).toMatch(/taken over by recovery/);
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/taken over by recovery/));
    const last = (await slow.store.recentAudit(1))[0];
    expect(last).toMatchObject({ requestId: id, action: 'applied', actor: 'U0APPROVER' });
    expect(last?.detail).toMatch(/recorded after recovery had taken the request over/);
  });

  it('a write that keeps the lease (the approval message ts landing after a quick approve) is built upon, not read as a takeover', async () => {
    let now = new Date('2026-11-24T10:00:00Z');
    const beats: Array<() => void> = [];
    const log = vi.fn();
    const { service, store, apply } = setup({
      now: () => now,
      log,
      every: (_ms, beat) => {
        beats.push(beat);
        return () => undefined;
      },
    });
    const id = await pendingRequest(service);
    apply.mockImplementationOnce(async () => {
      // The requester's click is still recording where its message went; then a heartbeat renews.
      await service.attachMessage(id, '1764000000.000100');
      now = new Date('2026-11-24T10:00:50Z');
      for (const beat of beats) beat();
      await new Promise((resolve) => setTimeout(resolve, 10));
      await service.attachMessage(id, '1764000000.000200');
      return { steps: [{ api: 'cloudtrail:StartLogging' as const, ok: true, detail: 'StartLogging main' }] };
    });
    const outcome = await service.approve(id, 'U0APPROVER');
    expect(outcome).toMatchObject({ ok: true, request: { state: 'applied', messageTs: '1764000000.000200' } });
    expect(outcome.notRecorded).toBeUndefined();
    const stored = await store.get(id);
    expect(stored).toMatchObject({ state: 'applied', messageTs: '1764000000.000200' });
    expect(stored?.lease).toBeUndefined();
    expect(log).not.toHaveBeenCalled();
    const audit = (await store.recentAudit(10)).filter((e) => e.requestId === id).map((e) => e.action);
    expect(audit.reverse()).toEqual(['planned', 'requested', 'approved', 'applied']);
  });

  it('renews the lease while applying, and the final write follows the renewed version', async () => {
    let now = new Date('2026-11-24T10:00:00Z');
    const beats: Array<() => void> = [];
    const { service, store, apply } = setup({
      now: () => now,
      every: (_ms, beat) => {
        beats.push(beat);
        return () => undefined;
      },
    });
    const id = await pendingRequest(service);
    let renewed: string | undefined;
    apply.mockImplementationOnce(async () => {
      now = new Date('2026-11-24T10:00:50Z');
      for (const beat of beats) beat();
      await new Promise((resolve) => setTimeout(resolve, 10));
      renewed = (await store.get(id))?.lease?.expiresAt;
      return { steps: [{ api: 'cloudtrail:StartLogging' as const, ok: true, detail: 'StartLogging main' }] };
    });
    expect(await service.approve(id, 'U0APPROVER')).toMatchObject({ ok: true, request: { state: 'applied' } });
    expect(renewed).toBe('2026-11-24T10:01:50.000Z');
    expect((await store.get(id))?.lease).toBeUndefined();
  });

  it('keeps an append-only audit log of every transition', async () => {
    const { service, store } = setup();
    const id = await pendingRequest(service);
    await service.approve(id, 'U0APPROVER');
    const actions = (await store.recentAudit(10)).map((e) => e.action).reverse();
    expect(actions).toEqual(['planned', 'requested', 'approved', 'applied']);
  });
});
