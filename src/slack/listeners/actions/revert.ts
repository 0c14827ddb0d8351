import type { App } from '@slack/bolt';
import { ACTIONS } from '../../ids.js';
import { showPlan } from '../change-flow.js';
import { onChangeClick, refuse } from '../click-middleware.js';
import type { ButtonClick } from '../reply.js';
import type { ActionDeps } from './action-deps.js';

/** Revert an applied change: planned and approved like any other change. */
export function registerRevertAction(app: App, deps: ActionDeps): void {
  app.action<ButtonClick>(
    ACTIONS.revert,
    ...onChangeClick(deps, async ({ approvals, body, action, respond }) => {
      const original = await approvals.get(action.value ?? '');
      if (original?.state !== 'applied' || !original.plan.revert || !body.channel?.id) {
        return refuse(respond, 'Only an applied change that kept its previous state can be reverted.');
      }
      await showPlan(approvals, original.plan.revert, { userId: body.user.id, channelId: body.channel.id }, respond, original.id);
    }),
  );
}
