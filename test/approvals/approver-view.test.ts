import { describe, expect, it, vi } from 'vitest';
import { ApprovalService } from '../../src/approvals/approval-service.js';
import { SqliteApprovalStore } from '../../src/approvals/sqlite-approval-store.js';
import { planRevertPolicy, planTighten } from '../../src/remediation/tighten-plan.js';
import type { AccountPort, Plan } from '../../src/remediation/types.js';
import {
  buildApprovalMessage,
  buildAuditRecord,
  buildDecidedMessage,
  buildDiffView,
  buildPlanPreview,
  CHANGE_INPUTS,
} from '../../src/slack/blocks/change-request.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { openDatabase } from '../../src/store/database.js';
import { buttonsIn } from '../helpers/slack.js';

const BUCKET = 'analytics-hot--use1-az4--x-s3';
const MALLORY = 'arn:aws:sts::111122223333:assumed-role/DataEngineer/mallory';
const TIGHTEN = { bucket: BUCKET, region: 'us-east-1', account: '111122223333' };
/** A real plan: mallory's session denied, bob seen on the bucket (not blocked), a role session of etl seen too. */
const PLAN: Plan = planTighten(
  null,
  { ...TIGHTEN, change: { kind: 'deny', principalArn: MALLORY, principalId: 'AROA3EXAMPLEDATAENG01:mallory' } },
  ['arn:aws:iam::111122223333:role/s3x'],
  {
    days: 7,
    principals: [{ arn: 'arn:aws:sts::111122223333:assumed-role/DataEngineer/bob', userId: 'AROA3EXAMPLEDATAENG01:bob' }],
  },
);

function setup(plan: Plan = PLAN) {
  const store = new SqliteApprovalStore(openDatabase(':memory:'));
  const account: AccountPort = {
    readState: vi.fn(),
    getBucketPolicy: vi.fn(),
    apply: vi.fn(async () => ({ steps: [{ api: 's3express:PutBucketPolicy' as const, ok: true, detail: 'PutBucketPolicy' }] })),
  };
  const service = new ApprovalService({
    store,
    account,
    groups: { membersOf: async () => ['U0GROUPIE'] },
    policy: { approvers: ['U0APPROVER', 'U0SECOND'], approverGroup: 'S0APPROVERS', requiredApprovals: 1, ttlMs: 3600_000 },
    plan: async (change) => (change.kind === 'revert-policy' ? planRevertPolicy('{"changed":true}', change) : plan),
    now: () => new Date('2026-12-02T06:00:00Z'),
  });
  return { service, store };
}

const textOf = (blocks: unknown): string => JSON.stringify(blocks);

describe('what an approver sees', () => {
  it('the approval message leads with the plan in words, why, who else is blocked and who may approve; the diff is behind Show diff', async () => {
    const { service } = setup();
    const draft = await service.draft(PLAN.request, 'U0REQUESTER', 'C0OPS');
    const preview = buildPlanPreview(draft);
    expect(preview.blocks.some((b) => b.type === 'input' && b.block_id === CHANGE_INPUTS.justification.blockId)).toBe(true);
    const submitted = await service.submit(draft.id, 'U0REQUESTER', '  mallory deleted reports/2024/ at 03:12; INC-4711  ');
    if (!submitted.ok) throw new Error(submitted.reason);
    const message = buildApprovalMessage(submitted.request, service.mayApprove());
    const text = textOf(message.blocks);
    expect(text).toContain(`Block new sessions of DataEngineer/mallory on ${BUCKET}`);
    expect(text).toContain('Blocks no other principal seen on this bucket in the last 7 days.');
    expect(text).toContain('*Why:* mallory deleted reports/2024/ at 03:12; INC-4711');
    expect(text).toMatch(/Who may approve: <@U0APPROVER>, <@U0SECOND> or a member of <!subteam\^S0APPROVERS>, not the requester/);
    expect(text).toContain('expires 2026-12-02 07:00 UTC');
    // No JSON in the message itself: the diff opens in a modal.
    expect(text).not.toContain('Effect');
    expect(buttonsIn(message.blocks).map((b) => b.action_id)).toEqual([ACTIONS.approve, ACTIONS.reject, ACTIONS.showDiff]);
    expect(textOf(buildDiffView(submitted.request).blocks)).toContain('AROA3EXAMPLEDATAENG01:mallory');
  });

  it('a rejection carries its reason and names the rejecter, in the message and the audit record', async () => {
    const { service, store } = setup();
    const draft = await service.draft(PLAN.request, 'U0REQUESTER', 'C0OPS');
    await service.submit(draft.id, 'U0REQUESTER');
    const rejected = await service.reject(draft.id, 'U0SECOND', 'wrong bucket: mallory used analytics-cold');
    if (!rejected.ok) throw new Error(rejected.reason);
    expect(rejected.request).toMatchObject({ rejectedBy: 'U0SECOND', rejectReason: 'wrong bucket: mallory used analytics-cold' });
    const audit = buildAuditRecord(rejected.request).blocks;
    expect(textOf(audit)).toContain('Rejected by <@U0SECOND>: wrong bucket: mallory used analytics-cold');
    expect(textOf(audit)).not.toContain('nobody');
    const decided = buildDecidedMessage(rejected.request);
    expect(textOf(decided.blocks)).toContain('Rejected by <@U0SECOND>');
    expect(buttonsIn(decided.blocks)).toEqual([]);
    const entries = await store.recentAudit(10);
    expect(entries.find((e) => e.action === 'rejected')).toMatchObject({
      actor: 'U0SECOND',
      detail: 'rejected by an approver: wrong bucket: mallory used analytics-cold',
    });
  });

  it('refused approval attempts are in the audit log with their actor', async () => {
    const { service, store } = setup();
    const draft = await service.draft(PLAN.request, 'U0REQUESTER', 'C0OPS');
    await service.submit(draft.id, 'U0REQUESTER');
    await service.approve(draft.id, 'U0REQUESTER');
    await service.approve(draft.id, 'U0OUTSIDER');
    const refused = (await store.recentAudit(20)).filter((e) => e.action === 'approval-refused');
    expect(refused.map((e) => e.actor).sort()).toEqual(['U0OUTSIDER', 'U0REQUESTER']);
    expect(refused.find((e) => e.actor === 'U0OUTSIDER')?.detail).toMatch(/not an approver/);
  });

  it('an expired request says so, with its approvals, not "approved by nobody"', async () => {
    const { service } = setup();
    const draft = await service.draft(PLAN.request, 'U0REQUESTER', 'C0OPS');
    const expired = { ...draft, state: 'expired' as const };
    expect(textOf(buildAuditRecord(expired).blocks)).toContain('Expired at 2026-12-02 07:00 UTC with 0 of 1 approvals');
  });

  it('after a revert is applied, the original Applied message shows Reverted and no active Revert', async () => {
    const { service } = setup();
    const draft = await service.draft(PLAN.request, 'U0REQUESTER', 'C0OPS');
    await service.submit(draft.id, 'U0REQUESTER');
    const applied = await service.approve(draft.id, 'U0APPROVER');
    if (!applied.ok) throw new Error(applied.reason);
    expect(buttonsIn(buildDecidedMessage(applied.request).blocks).map((b) => b.action_id)).toEqual([ACTIONS.revert]);
    const revertDraft = await service.draft(PLAN.revert as NonNullable<Plan['revert']>, 'U0REQUESTER', 'C0OPS', {
      revertOf: draft.id,
    });
    await service.submit(revertDraft.id, 'U0REQUESTER');
    const reverted = await service.approve(revertDraft.id, 'U0SECOND');
    if (!reverted.ok) throw new Error(reverted.reason);
    const original = await service.markReverted(reverted.request);
    expect(original).toMatchObject({ state: 'applied', revertedBy: revertDraft.id });
    const message = buildDecidedMessage(original as NonNullable<typeof original>);
    expect(textOf(message.blocks)).toContain('*Reverted*');
    expect(buttonsIn(message.blocks)).toEqual([]);
    // Marking twice is harmless.
    expect(await service.markReverted(reverted.request)).toMatchObject({ revertedBy: revertDraft.id });
  });
});
