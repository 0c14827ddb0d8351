import type { App } from '@slack/bolt';
import { checkAccess } from '../../../access/access-policy.js';
import { TERMINAL_STATES } from '../../../approvals/approval.js';
import { ACTIONS } from '../../ids.js';
import { publishOrTell, publishReverted, REMEDIATION_OFF } from '../change-flow.js';
import { onClick } from '../reply.js';
import { type ActionDeps, type ButtonClick, refuse } from './action-deps.js';

/** Approve: who may use s3x, then who may approve (not the requester), then apply exactly once. */
export function registerApproveAction(app: App, deps: ActionDeps): void {
  app.action<ButtonClick>(
    ACTIONS.approve,
    onClick(async ({ ack, body, action, respond, client, logger }) => {
      await ack();
      const decision = await checkAccess(deps.access, { userId: body.user.id, channelId: body.channel?.id }, deps.groups);
      if (!decision.allowed) return refuse(respond, decision.reason);
      if (!deps.approvals) return refuse(respond, REMEDIATION_OFF);
      // A store failure throws before anything is applied; the guard tells the approver to try again.
      const outcome = await deps.approvals.approve(action.value ?? '', body.user.id);
      if (outcome.notRecorded) logger.error(`change request outcome not recorded in the store: ${outcome.notRecorded}`);
      // A click that changed nothing (a refusal, a lost race, a change still being applied) writes
      // nothing to Slack either: only the clicker is told.
      if (!outcome.ok && (!outcome.request || outcome.lostRace || !TERMINAL_STATES.includes(outcome.request.state)))
        return refuse(respond, outcome.reason);
      const told = outcome.ok ? outcome.message : outcome.reason;
      // Published once per decision: a late click publishes only a decision Slack never took.
      if (outcome.request?.messageTs)
        await publishOrTell(deps.approvals, client, outcome.request, respond, logger, told, {
          unrecorded: outcome.notRecorded !== undefined,
        });
      if (outcome.ok && outcome.request.revertOf) await publishReverted(deps.approvals, client, outcome.request, logger);
      if (!outcome.ok) await refuse(respond, outcome.reason);
      // No approval message on record to update (its post could not be recorded): tell the approver here.
      else if (!outcome.request.messageTs) await respond({ response_type: 'ephemeral', replace_original: false, text: told });
    }),
  );
}
