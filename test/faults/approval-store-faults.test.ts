import { describe, expect, it } from 'vitest';
import type { ApprovalStore, AuditEntry } from '../../src/approvals/approval.js';
import { ApprovalService } from '../../src/approvals/approval-service.js';
import { SqliteApprovalStore } from '../../src/approvals/sqlite-approval-store.js';
import { StoreError } from '../../src/errors.js';
import { createPlanner } from '../../src/remediation/planner.js';
import { SandboxAccount } from '../../src/sandbox/sandbox-account.js';
import { openDatabase } from '../../src/store/database.js';
import { APPROVER, NOW, REQUESTER, UNCOVERED } from './harness.js';

/**
 * A store without the atomic `transition` (as the DynamoDB one is): the service writes the state,
 * then the audit entry. `failAudit` makes the next audit entries for an action fail as a busy store would.
 */
class TwoWriteStore implements ApprovalStore {
  readonly failAudit = new Set<string>();
  constructor(private readonly inner: SqliteApprovalStore) {}
  create = (request: Parameters<ApprovalStore['create']>[0]) => this.inner.create(request);
  get = (id: string) => this.inner.get(id);
  compareAndSet = (next: Parameters<ApprovalStore['compareAndSet']>[0], version: number) =>
    this.inner.compareAndSet(next, version);
  listByState = (state: Parameters<ApprovalStore['listByState']>[0], limit: number) => this.inner.listByState(state, limit);
  recentAudit = (limit: number) => this.inner.recentAudit(limit);
  async appendAudit(entry: AuditEntry): Promise<void> {
    if (this.failAudit.has(entry.action)) {
      throw new StoreError('s3x could not save the audit log: its state database is busy. Try again in a minute.', {
        reason: 'its state database is busy',
      });
    }
    await this.inner.appendAudit(entry);
  }
}

function setup() {
  const db = openDatabase(':memory:');
  const sandbox = new SandboxAccount(db, { now: () => NOW });
  sandbox.seedDefaults();
  const store = new TwoWriteStore(new SqliteApprovalStore(db));
  let applies = 0;
  const account = {
    readState: () => sandbox.readState(),
    getBucketPolicy: (bucket: string, region: string) => sandbox.getBucketPolicy(bucket, region),
    apply: async (...args: Parameters<SandboxAccount['apply']>) => {
      applies += 1;
      return sandbox.apply(...args);
    },
  };
  const service = new ApprovalService({
    store,
    account,
    groups: { membersOf: async () => [] },
    policy: { approvers: [APPROVER], requiredApprovals: 1, ttlMs: 3600_000 },
    plan: createPlanner(account, { protectedPrincipals: [] }),
    now: () => NOW,
  });
  return { store, service, applies: () => applies };
}

describe('approval transitions on a store without atomic writes (DynamoDB)', () => {
  it('an approval whose audit entry fails is put back to pending, nothing applied; approving again applies once', async () => {
    const { store, service, applies } = setup();
    const draft = await service.draft({ kind: 'enable-logging', target: { bucket: UNCOVERED } }, REQUESTER, 'C1');
    await service.submit(draft.id, REQUESTER);
    store.failAudit.add('approved');

    const failure = await service.approve(draft.id, APPROVER).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(StoreError);
    expect((failure as StoreError).userMessage).toBe(
      'Your approval could not be recorded: its state database is busy. Nothing was applied and the request is still pending; approve again in a minute.',
    );
    expect(applies()).toBe(0);
    const back = await store.get(draft.id);
    expect(back?.state).toBe('pending');
    expect(back?.approvals).toEqual([]);
    expect((await store.recentAudit(10)).map((e) => e.action)).toEqual(['requested', 'planned']);

    store.failAudit.clear();
    const outcome = await service.approve(draft.id, APPROVER);
    expect(outcome.ok).toBe(true);
    expect(applies()).toBe(1);
    expect((await store.get(draft.id))?.state).toBe('applied');
  });

  it('an applied change whose audit entry fails stays applied (never put back), and the outcome says it was not recorded', async () => {
    const { store, service, applies } = setup();
    const draft = await service.draft({ kind: 'enable-logging', target: { bucket: UNCOVERED } }, REQUESTER, 'C1');
    await service.submit(draft.id, REQUESTER);
    store.failAudit.add('applied');

    const outcome = await service.approve(draft.id, APPROVER);

    expect(outcome.ok).toBe(true);
    expect(applies()).toBe(1);
    expect(outcome.notRecorded).toContain(`${draft.id} applied`);
    expect(outcome.request?.outcome).toMatch(/s3x could not record this outcome: its state database is busy/);
    expect((await store.get(draft.id))?.state).toBe('applied');
  });
});
