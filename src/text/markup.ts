import { showControlCharacters } from './safe-text.js';
import { truncate } from './truncate.js';

/** How the shared wording writes values and emphasis: Slack mrkdwn or plain terminal text. */
export interface Markup {
  /** An AWS or user value shown verbatim (inline code in Slack), at most `max` characters. */
  code(value: string, max: number): string;
  /** Untrusted prose, such as an error reason. */
  text(value: string, max: number): string;
  /** Emphasis around wording this module wrote (values inside are already marked up). */
  strong(text: string): string;
}

export const PLAIN_MARKUP: Markup = {
  code: (value, max) => truncate(showControlCharacters(value), max),
  text: (value, max) => truncate(showControlCharacters(value), max),
  strong: (text) => text,
};

/** Longest bucket name, ARN and error code shown in wording; the JSON and CSV formats keep them whole. */
export const BUCKET_MAX = 80;
export const ARN_MAX = 200;
export const CODE_MAX = 80;
