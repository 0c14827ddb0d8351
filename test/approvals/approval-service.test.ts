import { describe, expect, it, vi } from 'vitest';
import { type ApprovalPolicy, ApprovalService } from '../../src/approvals/approval-service.js';
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

function setup(options: { policy?: Partial<ApprovalPolicy>; file?: string; now?: () => Date; plan?: () => Promise<Plan> } = {}) {
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

  it('marks a request interrupted mid-apply as failed on restart, never applying it again', async () => {
    const file = `${await tempDir()}/state.sqlite`;
    const first = setup({ file });
    const id = await pendingRequest(first.service);
    const stored = await first.store.get(id);
    // Simulate a crash right after the pending → applying transition.
    await first.store.compareAndSet({ ...stored!, state: 'applying', version: stored!.version + 1 }, stored!.version);
    const restarted = setup({ file });
    expect(await restarted.service.recoverInterrupted()).toBe(1);
    expect((await restarted.service.get(id))?.state).toBe('failed');
    expect(await restarted.service.approve(id, 'U0APPROVER')).toMatchObject({ ok: false });
    expect(restarted.apply).not.toHaveBeenCalled();
  });

  it('keeps an append-only audit log of every transition', async () => {
    const { service, store } = setup();
    const id = await pendingRequest(service);
    await service.approve(id, 'U0APPROVER');
    const actions = (await store.recentAudit(10)).map((e) => e.action).reverse();
    expect(actions).toEqual(['planned', 'requested', 'approved', 'applied']);
  });
});
