import type { Markup } from '../../text/markup.js';
import { showControlCharacters } from '../../text/safe-text.js';
import { escapeAndTruncate, inlineCode } from './limits.js';

/** The answers' shared wording in Slack's mrkdwn: code spans, escaped and truncated text, bold. */
export const MRKDWN: Markup = {
  code: inlineCode,
  text: (value, max) => escapeAndTruncate(showControlCharacters(value), max),
  strong: (text) => `*${text}*`,
};
