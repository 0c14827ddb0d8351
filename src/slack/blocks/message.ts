import type { types } from '@slack/bolt';
import { assertBlockLimits, escapeAndTruncate, MAX_FALLBACK_TEXT, MAX_HEADER_TEXT, plainText } from './limits.js';

export type KnownBlock = types.KnownBlock;

/** What every builder returns: the blocks plus the `text` that notifications and screen readers use. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/**
 * Every builder ends here. `fallback` is plain text: it is escaped here because Slack parses a
 * message's `text` for links and mentions too. Blocks that break a limit throw.
 */
export function buildMessage(fallback: string, blocks: KnownBlock[]): SlackMessage {
  assertBlockLimits(blocks, 'message');
  return { text: escapeAndTruncate(fallback, MAX_FALLBACK_TEXT), blocks };
}

/** A section of mrkdwn the caller has already escaped and sized. */
export function mrkdwnSection(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/** One mrkdwn element per line, already escaped and sized. */
export function contextBlock(lines: readonly string[]): KnownBlock {
  return { type: 'context', elements: lines.map((text) => ({ type: 'mrkdwn', text })) };
}

/** Headers carry only s3x's own wording, never AWS or user data. */
export function headerBlock(text: string): KnownBlock {
  return { type: 'header', text: plainText(text, MAX_HEADER_TEXT) };
}

export function dividerBlock(): KnownBlock {
  return { type: 'divider' };
}
