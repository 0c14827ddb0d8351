import type { Reply } from '../answer.js';
import { buildBucketEventsMessage } from './blocks/bucket-events.js';
import { buildHelpMessage } from './blocks/help.js';
import type { SlackMessage } from './blocks/message.js';
import { buildNotAvailableMessage } from './blocks/notice.js';
import { buildObjectAnswerMessage } from './blocks/object-answer.js';

/** Pick the builder for a reply. */
export function renderReply(reply: Reply): SlackMessage {
  switch (reply.kind) {
    case 'help':
      return buildHelpMessage(reply.topic);
    case 'object-answer':
      return buildObjectAnswerMessage(reply.answer);
    case 'bucket-events':
      return buildBucketEventsMessage(reply.answer);
    case 'not-available':
      return buildNotAvailableMessage(reply.command);
  }
}
