import type { App } from '@slack/bolt';
import { checkAccess } from '../../../access/access-policy.js';
import { buildApprovalMessage } from '../../blocks/change-request.js';
import { ACTIONS } from '../../ids.js';
import { REMEDIATION_OFF } from '../change-flow.js';
import { type ActionDeps, type ButtonClick, refuse } from './action-deps.js';

/** "Request approval" on a plan preview: draft → pending, posted in the channel for the approvers. */
export function registerSubmitChangeAction(app: App, deps: ActionDeps): void {
  app.action<ButtonClick>(ACTIONS.submitChange, async ({ ack, body, action, respond, client, logger }) => {
    await ack();
    const decision = await checkAccess(deps.access, { userId: body.user.id, channelId: body.channel?.id }, deps.groups);
    if (!decision.allowed) return refuse(respond, decision.reason);
    if (!deps.approvals) return refuse(respond, REMEDIATION_OFF);
    const outcome = await deps.approvals.submit(action.value ?? '', body.user.id);
    if (!outcome.ok) return refuse(respond, outcome.reason);
    const request = outcome.request;
    if (request.messageTs) return refuse(respond, 'This request was already posted for approval.');
    try {
      const posted = await client.chat.postMessage({ channel: request.channelId, ...buildApprovalMessage(request) });
      if (posted.ts) await deps.approvals.attachMessage(request.id, posted.ts);
      await respond({
        response_type: 'ephemeral',
        replace_original: true,
        text: 'Posted for approval. A different approver must approve it.',
      });
    } catch (error) {
      logger.warn(`posting approval request failed: ${error instanceof Error ? error.message : 'unknown'}`);
      await deps.approvals.reject(request.id, body.user.id);
      await refuse(
        respond,
        'Slack would not let s3x post the approval request here: invite @s3x to this channel, then ask again.',
      );
    }
  });
}
