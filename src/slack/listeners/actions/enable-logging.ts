import type { App } from '@slack/bolt';
import { checkAccess } from '../../../access/access-policy.js';
import { bucketNameProblem } from '../../../cloudtrail/buckets.js';
import { ACTIONS } from '../../ids.js';
import { REMEDIATION_OFF, showPlan } from '../change-flow.js';
import { onClick } from '../reply.js';
import { type ActionDeps, type ButtonClick, refuse } from './action-deps.js';

/** "Enable logging" on a bucket without coverage: plan it and show the requester the preview. */
export function registerEnableLoggingAction(app: App, deps: ActionDeps): void {
  app.action<ButtonClick>(
    ACTIONS.enableLogging,
    onClick(async ({ ack, body, action, respond }) => {
      await ack();
      const decision = await checkAccess(deps.access, { userId: body.user.id, channelId: body.channel?.id }, deps.groups);
      if (!decision.allowed) return refuse(respond, decision.reason);
      if (!deps.approvals) return refuse(respond, REMEDIATION_OFF);
      const bucket = action.value ?? '';
      // The value came back from Slack: validate it like typed input.
      if (bucketNameProblem(bucket) || !body.channel?.id) return refuse(respond, 'That button does not name a valid bucket.');
      await showPlan(
        deps.approvals,
        { kind: 'enable-logging', target: { bucket } },
        { userId: body.user.id, channelId: body.channel.id },
        respond,
      );
    }),
  );
}
