import type { App } from '@slack/bolt';
import { CHANGE_INPUTS } from '../../blocks/change-request.js';
import { ACTIONS } from '../../ids.js';
import { publishOrTell, typedInput } from '../change-flow.js';
import { onChangeClick, refuse } from '../click-middleware.js';
import type { ButtonClick } from '../reply.js';
import type { ActionDeps } from './action-deps.js';

/** Reject (an approver) or Discard/withdraw (the requester). */
export function registerRejectAction(app: App, deps: ActionDeps): void {
  app.action<ButtonClick>(
    ACTIONS.reject,
    ...onChangeClick(deps, async ({ approvals, body, action, respond, client, logger }) => {
      const outcome = await approvals.reject(action.value ?? '', body.user.id, typedInput(body, CHANGE_INPUTS.rejectReason));
      if (!outcome.ok) return refuse(respond, outcome.reason);
      if (outcome.request.messageTs) await publishOrTell(approvals, client, outcome.request, respond, logger, outcome.message);
      else await respond({ response_type: 'ephemeral', replace_original: true, text: 'Discarded; nothing changed.' });
    }),
  );
}
