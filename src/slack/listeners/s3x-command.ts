import { randomUUID } from 'node:crypto';
import type { App } from '@slack/bolt';
import { checkAccess } from '../../access/access-policy.js';
import { type AnswerDeps, answerRequest, isInstant } from '../../answer.js';
import type { ApprovalService } from '../../approvals/approval-service.js';
import { parseSlackText } from '../../commands/parse.js';
import type { S3xRequest } from '../../commands/requests.js';
import { S3xError, userMessageOf } from '../../errors.js';
import type { ChangeRequest } from '../../remediation/types.js';
import { buildErrorMessage, buildWorkingMessage } from '../blocks/notice.js';
import { SLASH_COMMAND } from '../ids.js';
import { isStorable, renderReply, renderStoredReply } from '../render.js';
import type { AnswerAccessDeps } from './answer-access.js';
import { REMEDIATION_OFF, showPlan } from './change-flow.js';

export interface CommandDeps extends AnswerDeps, AnswerAccessDeps {
  now: () => Date;
  approvals?: ApprovalService;
}

/**
 * `/s3x ...`: parse (pure, microseconds), ack at once (help and errors inside the ack), then
 * answer through the response_url. Answers are ephemeral: only the asker sees them.
 */
export function registerS3xCommand(app: App, deps: CommandDeps): void {
  app.command(SLASH_COMMAND, async ({ ack, command, respond, logger }) => {
    let request: S3xRequest;
    try {
      request = parseSlackText(command.text ?? '', deps.now());
    } catch (error) {
      await ack({ response_type: 'ephemeral', ...buildErrorMessage(userMessageOf(error)) });
      return;
    }
    if (request.command === 'help') {
      await ack({ response_type: 'ephemeral', ...renderReply(await answerRequest(request, deps)) });
      return;
    }
    const decision = await checkAccess(deps.access, { userId: command.user_id, channelId: command.channel_id }, deps.groups);
    if (!decision.allowed) {
      await ack({ response_type: 'ephemeral', ...buildErrorMessage(decision.reason) });
      return;
    }
    if (request.command === 'enable-logging' || request.command === 'tighten') {
      if (!deps.approvals) {
        await ack({ response_type: 'ephemeral', ...buildErrorMessage(REMEDIATION_OFF) });
        return;
      }
      await ack({ response_type: 'ephemeral', text: 'Planning the change…' });
      const change: ChangeRequest =
        request.command === 'tighten'
          ? { kind: 'tighten', bucket: request.bucket, change: request.change }
          : { kind: 'enable-logging', target: request.target };
      await showPlan(deps.approvals, change, { userId: command.user_id, channelId: command.channel_id }, respond);
      return;
    }
    if (isInstant(request)) {
      await ack({ response_type: 'ephemeral', ...renderReply(await answerRequest(request, deps)) });
      return;
    }
    await ack({ response_type: 'ephemeral', ...buildWorkingMessage(describeRequest(request)) });

    let message: ReturnType<typeof renderReply>;
    let inChannel = false;
    try {
      const reply = await answerRequest(request, deps);
      // `/s3x digest` posts for everyone in the channel; every other answer stays private until shared.
      inChannel = reply.kind === 'digest';
      if (isStorable(reply)) {
        const answerId = deps.store.save(
          { teamId: command.team_id, userId: command.user_id, channelId: command.channel_id },
          reply,
        );
        message = renderStoredReply(reply, answerId, 0, inChannel);
      } else {
        message = renderReply(reply);
      }
    } catch (error) {
      const reference = randomUUID().slice(0, 8);
      if (error instanceof S3xError) logger.warn(`s3x ${request.command} failed (${error.code}): ${error.message}`);
      else logger.error(`s3x ${request.command} failed (ref ${reference})`, error);
      message = buildErrorMessage(userMessageOf(error, reference));
    }
    try {
      await respond({ response_type: inChannel ? 'in_channel' : 'ephemeral', replace_original: false, ...message });
    } catch (error) {
      // An expired response_url (30 min, 5 uses) cannot be answered another way without a channel post.
      logger.error(
        `could not deliver the ${request.command} answer: ${error instanceof Error ? error.message : 'unknown error'}`,
      );
    }
  });
}

function describeRequest(request: S3xRequest): string {
  switch (request.command) {
    case 'who-deleted':
      return `who deleted \`${request.key}\``;
    case 'who-wrote':
      return `who wrote \`${request.key}\``;
    case 'who-read':
      return `who read \`${request.key}\``;
    case 'history':
      return `the history of \`${request.key}\``;
    case 'bucket-events':
      return `bucket-level events on \`${request.bucket}\``;
    default:
      return request.command;
  }
}
