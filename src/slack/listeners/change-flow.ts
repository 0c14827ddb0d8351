import type { RespondFn } from '@slack/bolt';
import type { ApprovalRequest } from '../../approvals/approval.js';
import type { ApprovalService } from '../../approvals/approval-service.js';
import { userMessageOf } from '../../errors.js';
import type { ChangeRequest } from '../../remediation/types.js';
import { buildApprovalMessage, buildAuditRecord, buildDecidedMessage, buildPlanPreview } from '../blocks/change-request.js';
import { buildErrorMessage } from '../blocks/notice.js';

/** The Web API calls the change flow makes (a subset of Bolt's client, so tests and replicas share it). */
export interface ChatClient {
  chat: {
    postMessage(args: { channel: string; text: string; blocks: unknown[]; thread_ts?: string }): Promise<{ ts?: string }>;
    update(args: { channel: string; ts: string; text: string; blocks: unknown[] }): Promise<unknown>;
  };
}

/** Plan a change and show the requester the preview (never posted anywhere else yet). */
export async function showPlan(
  approvals: ApprovalService,
  change: ChangeRequest,
  who: { userId: string; channelId: string },
  respond: RespondFn,
  revertOf?: string,
): Promise<void> {
  try {
    const draft = await approvals.draft(change, who.userId, who.channelId, revertOf);
    await respond({ response_type: 'ephemeral', replace_original: false, ...buildPlanPreview(draft) });
  } catch (error) {
    await respond({ response_type: 'ephemeral', replace_original: false, ...buildErrorMessage(userMessageOf(error)) });
  }
}

/** Replace the approval message's buttons with its current state; post the audit record once decided. */
export async function publishDecision(client: ChatClient, request: ApprovalRequest): Promise<void> {
  if (!request.messageTs) return;
  const decided = request.state !== 'pending';
  const message = decided ? buildDecidedMessage(request) : buildApprovalMessage(request);
  await client.chat.update({ channel: request.channelId, ts: request.messageTs, ...message });
  if (decided)
    await client.chat.postMessage({ channel: request.channelId, thread_ts: request.messageTs, ...buildAuditRecord(request) });
}

export const REMEDIATION_OFF = 'Changes are not configured here: set S3X_APPROVERS or S3X_APPROVER_GROUP to enable remediation.';
