import type { App } from '@slack/bolt';
import { checkAccess } from '../../../access/access-policy.js';
import { ACTIONS } from '../../ids.js';
import { publishDecision, REMEDIATION_OFF } from '../change-flow.js';
import { type ActionDeps, type ButtonClick, refuse } from './action-deps.js';

/** Approve: who may use s3x, then who may approve (not the requester), then apply exactly once. */
export function registerApproveAction(app: App, deps: ActionDeps): void {
  app.action<ButtonClick>(ACTIONS.approve, async ({ ack, body, action, respond, client }) => {
    await ack();
    const decision = await checkAccess(deps.access, { userId: body.user.id, channelId: body.channel?.id }, deps.groups);
    if (!decision.allowed) return refuse(respond, decision.reason);
    if (!deps.approvals) return refuse(respond, REMEDIATION_OFF);
    const outcome = await deps.approvals.approve(action.value ?? '', body.user.id);
    // Refusals that did not change the request go to the clicker only.
    if (!outcome.ok && (!outcome.request || outcome.request.state === 'pending')) return refuse(respond, outcome.reason);
    if (outcome.request) await publishDecision(client, outcome.request);
    if (!outcome.ok) await refuse(respond, outcome.reason);
  });
}
