import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../../src/approvals/approval.js';
import { ApprovalService } from '../../src/approvals/approval-service.js';
import { EXPIRY_ACTOR, revertExpired } from '../../src/approvals/expiry.js';
import { SqliteApprovalStore } from '../../src/approvals/sqlite-approval-store.js';
import { parseCommand } from '../../src/commands/parse.js';
import { tokenize } from '../../src/commands/tokenize.js';
import { createPlanner } from '../../src/remediation/planner.js';
import { planRevertPolicy } from '../../src/remediation/tighten-plan.js';
import type { ChangeRequest } from '../../src/remediation/types.js';
import { SandboxAccount } from '../../src/sandbox/sandbox-account.js';
import { openDatabase } from '../../src/store/database.js';
import { tempDir } from '../helpers/archive.js';

const BUCKET = 'analytics-hot--use1-az4--x-s3';
const MALLORY = 'arn:aws:sts::111122223333:assumed-role/DataEngineer/mallory';
const START = new Date('2026-12-02T06:00:00Z');

let root: string;
let file: string;
let clock: Date;
const now = () => clock;

/** One replica: its own connection to the shared SQLite file, the sandbox account, the approval service. */
function replica() {
  const db = openDatabase(file);
  const account = new SandboxAccount(db, { now });
  const store = new SqliteApprovalStore(db);
  const service = new ApprovalService({
    store,
    account,
    groups: { membersOf: async () => [] },
    policy: { approvers: ['U0APPROVER'], requiredApprovals: 1, ttlMs: 3600_000 },
    plan: createPlanner(account, { protectedPrincipals: ['arn:aws:iam::111122223333:role/s3x'] }),
    now,
  });
  return { account, store, service, deps: { store, account, now } };
}

/** `/s3x tighten … --for 4h`, parsed as typed, requested and approved: the applied request. */
async function applyTimeBoxed(r: ReturnType<typeof replica>, duration = '4h'): Promise<ApprovalRequest> {
  const parsed = parseCommand(tokenize(`tighten ${BUCKET} --deny ${MALLORY} --for ${duration}`), now());
  if (parsed.command !== 'tighten') throw new Error('not a tighten');
  const change: ChangeRequest = {
    kind: 'tighten',
    bucket: parsed.bucket,
    change: parsed.change,
    revertAfterMs: parsed.revertAfterMs,
  };
  const draft = await r.service.draft(change, 'U0REQUESTER', 'C0OPS');
  await r.service.submit(draft.id, 'U0REQUESTER', 'INC-4711');
  const applied = await r.service.approve(draft.id, 'U0APPROVER');
  if (!applied.ok) throw new Error(applied.reason);
  return applied.request;
}

beforeEach(async () => {
  root = await tempDir('s3x-expiry-');
  file = path.join(root, 'state.sqlite');
  clock = START;
  replica().account.seedDefaults();
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('time-boxed changes', () => {
  it('--for 4h: the plan says so, the applied change carries its revert time, and nothing reverts early', async () => {
    const r = replica();
    const before = await r.account.getBucketPolicy(BUCKET, 'us-east-1');
    const applied = await applyTimeBoxed(r);
    expect(applied.plan.words?.join(' ')).toContain('Time-boxed: s3x restores the previous policy 4 hours after it is applied.');
    expect(applied.revertAt).toBe('2026-12-02T10:00:00.000Z');
    expect(await r.account.getBucketPolicy(BUCKET, 'us-east-1')).not.toBe(before);
    clock = new Date('2026-12-02T09:59:59Z');
    expect(await revertExpired(r.deps)).toEqual([]);
  });

  it('reverts once when its time is up, even with two replicas sweeping at once; audited, original marked reverted', async () => {
    const a = replica();
    const b = replica();
    const before = await a.account.getBucketPolicy(BUCKET, 'us-east-1');
    const applied = await applyTimeBoxed(a);
    clock = new Date('2026-12-02T10:00:00Z');
    const [fromA, fromB] = await Promise.all([revertExpired(a.deps), revertExpired(b.deps)]);
    expect([...fromA, ...fromB]).toHaveLength(1);
    const [expired] = [...fromA, ...fromB];
    expect(expired?.revert).toMatchObject({ state: 'applied', revertOf: applied.id, requesterId: EXPIRY_ACTOR });
    expect(expired?.original).toMatchObject({ id: applied.id, revertedBy: expired?.revert.id, expiryRevert: { state: 'done' } });
    expect(await a.account.getBucketPolicy(BUCKET, 'us-east-1')).toBe(before);
    const audit = (await a.store.recentAudit(50)).filter((e) => e.requestId === applied.id && e.action === 'expiry-reverted');
    expect(audit).toHaveLength(1);
    expect(audit[0]?.actor).toBe(EXPIRY_ACTOR);
    // A later sweep, or a restarted replica, finds nothing more to do.
    clock = new Date('2026-12-02T11:00:00Z');
    expect(await revertExpired(replica().deps)).toEqual([]);
  });

  it('a replica that died after applying the revert: the next one finds it done and does not apply again', async () => {
    const r = replica();
    const before = await r.account.getBucketPolicy(BUCKET, 'us-east-1');
    const applied = await applyTimeBoxed(r, '1m');
    clock = new Date(START.getTime() + 60_000);
    // The dead replica's claim and its revert, but no record of the outcome.
    const stored = (await r.store.get(applied.id)) as ApprovalRequest;
    await r.store.compareAndSet(
      {
        ...stored,
        expiryRevert: { id: 'dead0replica0revert0', claimedAt: clock.toISOString(), state: 'claimed' },
        version: stored.version + 1,
      },
      stored.version,
    );
    const revert = applied.plan.revert;
    if (revert?.kind !== 'revert-policy') throw new Error('no revert');
    const current = await r.account.getBucketPolicy(BUCKET, revert.region);
    await r.account.apply(planRevertPolicy(current, revert).calls, {
      approverId: EXPIRY_ACTOR,
      requestId: 'dead0replica0revert0',
    });
    // Within the claim's time nobody takes over; after it, the next sweep records the revert as done.
    expect(await revertExpired(r.deps)).toEqual([]);
    clock = new Date(clock.getTime() + 2 * 60_000);
    const [expired] = await revertExpired(replica().deps);
    expect(expired?.revert).toMatchObject({
      id: 'dead0replica0revert0',
      state: 'applied',
      outcome: expect.stringMatching(/already back/),
    });
    expect(await r.account.getBucketPolicy(BUCKET, 'us-east-1')).toBe(before);
  });

  it('a policy changed by someone since is not overwritten: the refusal is recorded and the change stays marked', async () => {
    const r = replica();
    const applied = await applyTimeBoxed(r, '1m');
    const changed = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ByHand',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111122223333:role/app' },
          Action: 's3express:CreateSession',
          Resource: `arn:aws:s3express:us-east-1:111122223333:bucket/${BUCKET}`,
        },
      ],
    });
    await r.account.apply([{ api: 's3express:PutBucketPolicy', region: 'us-east-1', bucket: BUCKET, policy: changed }], {
      approverId: 'U0SOMEONE',
      requestId: 'by-hand',
    });
    clock = new Date(START.getTime() + 60_000);
    const [expired] = await revertExpired(r.deps);
    expect(expired?.revert.state).toBe('failed');
    expect(expired?.original).toMatchObject({ expiryRevert: { state: 'refused' } });
    expect(expired?.original.revertedBy).toBeUndefined();
    expect(await r.account.getBucketPolicy(BUCKET, 'us-east-1')).toBe(changed);
    expect((await r.store.recentAudit(50)).some((e) => e.requestId === applied.id && e.action === 'expiry-revert-refused')).toBe(
      true,
    );
    clock = new Date(START.getTime() + 10 * 60_000);
    expect(await revertExpired(r.deps)).toEqual([]);
  });

  it('--for takes 1m to 30d only', () => {
    for (const bad of ['0m', '45s', '31d', '4', '-1h', '1e3m']) {
      expect(() => parseCommand(tokenize(`tighten ${BUCKET} --deny ${MALLORY} --for ${bad}`), START), bad).toThrow(
        /duration from 1m to 30d/,
      );
    }
    const ok = parseCommand(tokenize(`tighten ${BUCKET} --deny ${MALLORY} --for 90m`), START);
    expect(ok).toMatchObject({ revertAfterMs: 90 * 60_000 });
  });
});
