import type { ApprovalRequest } from '../../src/approvals/approval.js';

/** A request to enable logging for a bucket, waiting for approval, as the change flow stores it. */
export function pendingRequest(id: string, bucket: string): ApprovalRequest {
  return {
    id,
    state: 'pending',
    version: 1,
    plan: {
      request: { kind: 'enable-logging', target: { bucket } },
      summary: `Enable logging for ${bucket}`,
      diff: '',
      calls: [],
      warnings: [],
    },
    requesterId: 'U0ASKER',
    channelId: 'C0TEST',
    approvals: [],
    requiredApprovals: 1,
    createdAt: '2026-11-23T23:00:00.000Z',
    expiresAt: '2026-11-24T23:00:00.000Z',
  };
}
