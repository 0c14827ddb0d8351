import type { App } from '@slack/bolt';
import { checkAccess } from '../../../access/access-policy.js';
import { buildDiffView } from '../../blocks/change-request.js';
import { ACTIONS } from '../../ids.js';
import { REMEDIATION_OFF } from '../change-flow.js';
import { onClick } from '../reply.js';
import { type ActionDeps, type ButtonClick, refuse } from './action-deps.js';

/** "Show diff": the plan's full diff in a modal, for whoever may see the change message. */
export function registerShowDiffAction(app: App, deps: ActionDeps): void {
  app.action<ButtonClick>(
    ACTIONS.showDiff,
    onClick(async ({ ack, body, action, respond, client }) => {
      await ack();
      const decision = await checkAccess(deps.access, { userId: body.user.id, channelId: body.channel?.id }, deps.groups);
      if (!decision.allowed) return refuse(respond, decision.reason);
      if (!deps.approvals) return refuse(respond, REMEDIATION_OFF);
      const request = await deps.approvals.get(action.value ?? '');
      // A request is shown where it was asked: a drafted plan only to its requester.
      const visible =
        request !== undefined &&
        request.channelId === body.channel?.id &&
        (request.state !== 'draft' || request.requesterId === body.user.id);
      if (!visible) return refuse(respond, 'No such change request here.');
      await client.views.open({ trigger_id: body.trigger_id, view: buildDiffView(request) });
    }),
  );
}
