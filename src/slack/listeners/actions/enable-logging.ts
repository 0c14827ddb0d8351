import type { App } from '@slack/bolt';
import { bucketNameProblem } from '../../../cloudtrail/buckets.js';
import { ACTIONS } from '../../ids.js';
import { showPlan } from '../change-flow.js';
import { onChangeClick, refuse } from '../click-middleware.js';
import type { ButtonClick } from '../reply.js';
import type { ActionDeps } from './action-deps.js';

/** "Enable logging" on a bucket without coverage: plan it and show the requester the preview. */
export function registerEnableLoggingAction(app: App, deps: ActionDeps): void {
  app.action<ButtonClick>(
    ACTIONS.enableLogging,
    ...onChangeClick(deps, async ({ approvals, body, action, respond }) => {
      const bucket = action.value ?? '';
      // The value came back from Slack: validate it like typed input.
      if (bucketNameProblem(bucket) || !body.channel?.id) return refuse(respond, 'That button does not name a valid bucket.');
      await showPlan(
        approvals,
        { kind: 'enable-logging', target: { bucket } },
        { userId: body.user.id, channelId: body.channel.id },
        respond,
      );
    }),
  );
}
