import type { App } from '@slack/bolt';
import { checkAccess } from '../../../access/access-policy.js';
import { CHANGE_INPUTS } from '../../blocks/change-request.js';
import { ACTIONS } from '../../ids.js';
import { publishOrTell, REMEDIATION_OFF, typedInput } from '../change-flow.js';
import { onClick } from '../reply.js';
import { type ActionDeps, type ButtonClick, refuse } from './action-deps.js';

/** Reject (an approver) or Discard/withdraw (the requester). */
export function registerRejectAction(app: App, deps: ActionDeps): void {
  app.action<ButtonClick>(
    ACTIONS.reject,
    onClick(async ({ ack, body, action, respond, client, logger }) => {
      await ack();
      const decision = await checkAccess(deps.access, { userId: body.user.id, channelId: body.channel?.id }, deps.groups);
      if (!decision.allowed) return refuse(respond, decision.reason);
      if (!deps.approvals) return refuse(respond, REMEDIATION_OFF);
      const reason = typedInput(body, CHANGE_INPUTS.rejectReason);
      const outcome = await deps.approvals.reject(action.value ?? '', body.user.id, reason);
      if (!outcome.ok) return refuse(respond, outcome.reason);
      if (outcome.request.messageTs)
        await publishOrTell(deps.approvals, client, outcome.request, respond, logger, outcome.message);
      else await respond({ response_type: 'ephemeral', replace_original: true, text: 'Discarded; nothing changed.' });
    }),
  );
}
