import type { Reply } from '../answer.js';
import { needsLogging } from '../questions/status.js';
import { buildActivityMessage } from './blocks/activity.js';
import { type AnswerView, answerControls } from './blocks/answer-controls.js';
import { buildApprovalsMessage, buildAuditMessage } from './blocks/approvals.js';
import { buildBucketEventsMessage } from './blocks/bucket-events.js';
import { buildDeniedMessage } from './blocks/denied.js';
import { buildHelpMessage } from './blocks/help.js';
import { checkBlockLimits } from './blocks/limits.js';
import type { KnownBlock, SlackMessage } from './blocks/message.js';
import { buildNotAvailableMessage } from './blocks/notice.js';
import { buildObjectAnswerMessage, buildObjectAnswerPage, objectAnswerPageSize } from './blocks/object-answer.js';
import { buildPrincipalMessage } from './blocks/principal.js';
import { buildStatusMessage } from './blocks/status.js';
import { ACTIONS } from './ids.js';

/** Pick the builder for a reply that is not stored (help, notices). */
export function renderReply(reply: Reply): SlackMessage {
  switch (reply.kind) {
    case 'help':
      return buildHelpMessage(reply.topic);
    case 'object-answer':
      return buildObjectAnswerMessage(reply.answer);
    case 'bucket-events':
      return buildBucketEventsMessage(reply.answer);
    case 'status':
      return buildStatusMessage(reply.answer);
    case 'approvals':
      return buildApprovalsMessage(reply.pending);
    case 'audit':
      return buildAuditMessage(reply.entries);
    case 'activity':
      return buildActivityMessage(reply.answer);
    case 'principal':
      return buildPrincipalMessage(reply.answer);
    case 'denied':
      return buildDeniedMessage(reply.answer);
    case 'not-available':
      return buildNotAvailableMessage(reply.command);
  }
}

/** Whether a reply is worth storing for paging, export and sharing. */
export function isStorable(reply: Reply): boolean {
  return (
    reply.kind !== 'help' &&
    reply.kind !== 'not-available' &&
    reply.kind !== 'status' &&
    reply.kind !== 'approvals' &&
    reply.kind !== 'audit'
  );
}

/** A stored answer, one page of it, with its buttons. */
export function renderStoredReply(reply: Reply, answerId: string, page: number, shared: boolean): SlackMessage {
  if (reply.kind === 'object-answer') {
    const view: AnswerView = { answerId, page, pageSize: objectAnswerPageSize(reply.answer), shared };
    const message = buildObjectAnswerPage(reply.answer, view, reply.coverage?.note);
    const bucket = reply.answer.bucket;
    // Not logged for (part of) the window: offer the fix right where the gap was found.
    if (!reply.coverage || !bucket || shared || !needsLogging(reply.coverage)) return message;
    return { ...message, blocks: [...message.blocks, enableLoggingActions(bucket)] };
  }
  const message = renderReply(reply);
  const controls = answerControls({ answerId, page: 0, pageSize: Number.MAX_SAFE_INTEGER, shared }, itemCount(reply));
  const withControls = { ...message, blocks: [...message.blocks, ...controls] };
  // Controls are extras: a message already at Slack's limits goes out without them rather than failing.
  return checkBlockLimits(withControls.blocks, 'message').length === 0 ? withControls : message;
}

function enableLoggingActions(bucket: string): KnownBlock {
  return {
    type: 'actions',
    block_id: 's3x_coverage_fix',
    elements: [
      { type: 'button', text: { type: 'plain_text', text: 'Enable logging' }, action_id: ACTIONS.enableLogging, value: bucket },
    ],
  };
}

function itemCount(reply: Reply): number {
  return reply.kind === 'bucket-events' ? reply.answer.events.length : 0;
}
