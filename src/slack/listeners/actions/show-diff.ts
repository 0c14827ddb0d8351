import type { App } from '@slack/bolt';
import { buildDiffView } from '../../blocks/change-request.js';
import { ACTIONS } from '../../ids.js';
import { onChangeClick, refuse } from '../click-middleware.js';
import type { ButtonClick } from '../reply.js';
import type { ActionDeps } from './action-deps.js';

/** "Show diff": the plan's full diff in a modal, for whoever may see the change message. */
export function registerShowDiffAction(app: App, deps: ActionDeps): void {
  app.action<ButtonClick>(
    ACTIONS.showDiff,
    ...onChangeClick(deps, async ({ approvals, body, action, respond, client }) => {
      const request = await approvals.get(action.value ?? '');
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
