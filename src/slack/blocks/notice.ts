import { findSubcommand } from '../../commands/grammar.js';
import { SLASH_COMMAND } from '../ids.js';
import { escapeAndTruncate, escapeMrkdwn, inlineCode, MAX_SECTION_TEXT } from './limits.js';
import { buildMessage, mrkdwnSection, type SlackMessage } from './message.js';

const WARNING = '⚠️';

/**
 * A problem the user can read and act on. `userMessage` is raw text that may quote what they
 * typed inside backticks; it is escaped here, so backticks still format but `<…>` cannot mention.
 */
export function buildErrorMessage(userMessage: string): SlackMessage {
  const text = `${WARNING} ${userMessage}`;
  return buildMessage(text, [mrkdwnSection(escapeAndTruncate(text, MAX_SECTION_TEXT))]);
}

/** A subcommand in the grammar that this version does not answer yet: say so, never pretend. */
export function buildNotAvailableMessage(command: string): SlackMessage {
  const spec = findSubcommand(command);
  const purpose = spec ? `Purpose: ${escapeMrkdwn(spec.summary)}.\n` : '';
  const text =
    `${inlineCode(`${SLASH_COMMAND} ${command}`, 100)} is not available yet in this version of s3x; it is planned.\n` +
    purpose +
    `${inlineCode(`${SLASH_COMMAND} help`, 20)} lists what works today.`;
  const fallback = `${SLASH_COMMAND} ${command} is not available yet in this version of s3x; it is planned. ${SLASH_COMMAND} help lists what works today.`;
  return buildMessage(fallback, [mrkdwnSection(text)]);
}

/**
 * The immediate reply while CloudTrail is searched. `summary` is raw text such as
 * ``who deleted `key` ``; it is escaped here, so pass it unescaped.
 */
export function buildWorkingMessage(summary: string): SlackMessage {
  const text = `Searching CloudTrail for ${summary}…`;
  return buildMessage(text, [mrkdwnSection(`:mag: ${escapeAndTruncate(text, MAX_SECTION_TEXT - 6)}`)]);
}
