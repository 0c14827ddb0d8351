import type { App } from '@slack/bolt';
import { bucketNameProblem, isDirectoryBucket } from '../../../cloudtrail/buckets.js';
import { isPrincipalArn } from '../../../commands/parse.js';
import { ACTIONS } from '../../ids.js';
import { showPlan } from '../change-flow.js';
import { onChangeClick, refuse } from '../click-middleware.js';
import type { ButtonClick } from '../reply.js';
import type { ActionDeps } from './action-deps.js';

/** `userIdentity.principalId` as CloudTrail writes it: a unique id, and for a session `:<session name>`. */
const PRINCIPAL_ID = /^[A-Z0-9]{16,128}(:[\w+=,.@-]{2,64})?$/;

/** "Deny <principal>" on a who-deleted row: plan `tighten <bucket> --deny <arn>` for the requester to review. */
export function registerDenyPrincipalAction(app: App, deps: ActionDeps): void {
  // One id per button (ids must be unique within a block), all handled here.
  app.action<ButtonClick>(
    new RegExp(`^${ACTIONS.denyPrincipal}_\\d+$`),
    ...onChangeClick(deps, async ({ approvals, body, action, respond }) => {
      const [bucket = '', principalArn = '', principalId, ...extra] = (action.value ?? '').split('|');
      // The value came back from Slack: validate it like typed input.
      if (
        bucketNameProblem(bucket) ||
        !isDirectoryBucket(bucket) ||
        !isPrincipalArn(principalArn) ||
        (principalId !== undefined && !PRINCIPAL_ID.test(principalId)) ||
        extra.length > 0 ||
        !body.channel?.id
      ) {
        return refuse(respond, 'That button does not name a directory bucket and a principal ARN.');
      }
      await showPlan(
        approvals,
        { kind: 'tighten', bucket, change: { kind: 'deny', principalArn, ...(principalId ? { principalId } : {}) } },
        { userId: body.user.id, channelId: body.channel.id },
        respond,
      );
    }),
  );
}
