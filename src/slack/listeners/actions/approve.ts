import type { App } from '@slack/bolt';
import { TERMINAL_STATES } from '../../../approvals/approval.js';
import { ACTIONS } from '../../ids.js';
import { publishOrTell, publishReverted } from '../change-flow.js';
import { onChangeClick, refuse } from '../click-middleware.js';
import type { ButtonClick } from '../reply.js';
import type { ActionDeps } from './action-deps.js';

/** Approve: who may use s3x, then who may approve (not the requester), then apply exactly once. */
export function registerApproveAction(app: App, deps: ActionDeps): void {
  app.action<ButtonClick>(
    ACTIONS.approve,
    ...onChangeClick(deps, async ({ approvals, body, action, respond, client, logger }) => {
      // A store failure throws before anything is applied; the guard tells the approver to try again.
      const outcome = await approvals.approve(action.value ?? '', body.user.id);
      if (outcome.notRecorded) logger.error(`change request outcome not recorded in the store: ${outcome.notRecorded}`);
      // A click that changed nothing (a refusal, a lost race, a change still being applied) writes
      // nothing to Slack either: only the clicker is told.
      if (!outcome.ok && (!outcome.request || outcome.lostRace || !TERMINAL_STATES.includes(outcome.request.state)))
        return refuse(respond, outcome.reason);
      const told = outcome.ok ? outcome.message : outcome.reason;
      // Published once per decision: a late click publishes only a decision Slack never took.
      if (outcome.request?.messageTs)
        await publishOrTell(approvals, client, outcome.request, respond, logger, told, {
          unrecorded: outcome.notRecorded !== undefined,
        });
      if (outcome.ok && outcome.request.revertOf) await publishReverted(approvals, client, outcome.request, logger);
      if (!outcome.ok) await refuse(respond, outcome.reason);
      // No approval message on record to update (its post could not be recorded): tell the approver here.
      else if (!outcome.request.messageTs) await respond({ response_type: 'ephemeral', replace_original: false, text: told });
    }),
  );
}
