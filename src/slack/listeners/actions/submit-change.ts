import type { App } from '@slack/bolt';
import { buildApprovalMessage, CHANGE_INPUTS } from '../../blocks/change-request.js';
import { ACTIONS } from '../../ids.js';
import { typedInput } from '../change-flow.js';
import { onChangeClick, refuse } from '../click-middleware.js';
import { type ButtonClick, describeSlackError, slackErrorCode } from '../reply.js';
import type { ActionDeps } from './action-deps.js';

/** Slack's answers that mean the bot can never post in this conversation as it is. */
const CANNOT_POST_HERE = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action']);

/** "Request approval" on a plan preview: draft → pending, posted in the channel for the approvers. */
export function registerSubmitChangeAction(app: App, deps: ActionDeps): void {
  app.action<ButtonClick>(
    ACTIONS.submitChange,
    ...onChangeClick(deps, async ({ approvals, body, action, respond, client, logger }) => {
      const justification = typedInput(body, CHANGE_INPUTS.justification);
      const outcome = await approvals.submit(action.value ?? '', body.user.id, justification);
      if (!outcome.ok) return refuse(respond, outcome.reason);
      const request = outcome.request;
      if (request.messageTs) return refuse(respond, 'This request was already posted for approval.');
      let ts: string | undefined;
      try {
        ts = (
          await client.chat.postMessage({
            channel: request.channelId,
            ...buildApprovalMessage(request, approvals.mayApprove()),
          })
        ).ts;
      } catch (error) {
        const code = slackErrorCode(error);
        logger.warn(`posting approval request ${request.id} failed: ${describeSlackError(error)}`);
        if (code !== undefined && CANNOT_POST_HERE.has(code)) {
          await approvals.reject(request.id, body.user.id);
          return refuse(
            respond,
            'Slack would not let s3x post the approval request here: invite @s3x to this channel, then ask again.',
          );
        }
        // Slack trouble (5xx, rate limits past the retries): the request stays pending, nothing is lost.
        return refuse(
          respond,
          'Slack did not take the approval message (it may be having trouble). Your request is saved and still pending ' +
            '(`/s3x approvals` lists it): click Request approval again in a minute to post it.',
        );
      }
      if (ts) {
        try {
          await approvals.attachMessage(request.id, ts);
        } catch (error) {
          // The message and its buttons work without this; only its later update is skipped.
          logger.warn(
            `approval request ${request.id} was posted, but its message could not be recorded: ${error instanceof Error ? error.message : 'unknown error'}`,
          );
        }
      }
      await respond({
        response_type: 'ephemeral',
        replace_original: true,
        text: 'Posted for approval. A different approver must approve it.',
      });
    }),
  );
}
