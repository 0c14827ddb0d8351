import type { App } from '@slack/bolt';
import { checkAccess } from '../../../access/access-policy.js';
import { ACTIONS } from '../../ids.js';
import { REMEDIATION_OFF, showPlan } from '../change-flow.js';
import { onClick } from '../reply.js';
import { type ActionDeps, type ButtonClick, refuse } from './action-deps.js';

/** Revert an applied change: planned and approved like any other change. */
export function registerRevertAction(app: App, deps: ActionDeps): void {
  app.action<ButtonClick>(
    ACTIONS.revert,
    onClick(async ({ ack, body, action, respond }) => {
      await ack();
      const decision = await checkAccess(deps.access, { userId: body.user.id, channelId: body.channel?.id }, deps.groups);
      if (!decision.allowed) return refuse(respond, decision.reason);
      if (!deps.approvals) return refuse(respond, REMEDIATION_OFF);
      const original = await deps.approvals.get(action.value ?? '');
      if (original?.state !== 'applied' || !original.plan.revert || !body.channel?.id) {
        return refuse(respond, 'Only an applied change that kept its previous state can be reverted.');
      }
      await showPlan(
        deps.approvals,
        original.plan.revert,
        { userId: body.user.id, channelId: body.channel.id },
        respond,
        original.id,
      );
    }),
  );
}
