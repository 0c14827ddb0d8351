import { UsageError } from '../errors.js';

const SLACK_ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };

/** Slack escapes `&`, `<`, `>` in command text; undo it in one pass so `&amp;lt;` stays `&lt;`. */
export function decodeSlackEntities(text: string): string {
  return text.replace(/&(?:amp|lt|gt);/g, (entity) => SLACK_ENTITIES[entity] ?? entity);
}

// Slack clients on macOS/iOS often turn " into “ ”; both count as quotes.
const OPEN_QUOTES = new Set(['"', '\u201c']);
const CLOSE_QUOTE_FOR: Record<string, string> = { '"': '"', '\u201c': '\u201d' };

/** One word of command text. `quoted`: it began with a quote, so it is a value even if it reads `--like-an-option`. */
export interface Word {
  text: string;
  quoted: boolean;
}

/**
 * Split command text into words. Double quotes group words (`"a key with spaces"`), a backslash
 * escapes the next character inside quotes; single quotes are ordinary characters, because keys
 * and principals may contain them.
 */
export function tokenize(text: string): string[] {
  return tokenizeWords(text).map((word) => word.text);
}

const OPENING_QUOTE = /["\u201c]/;
const WHITESPACE_RUN = /\s+/u;

/** {@link tokenize}, keeping which words were quoted (S3 keys may start with `--`; quoting one keeps it a key). */
export function tokenizeWords(text: string): Word[] {
  // Without a quote, words are the runs between whitespace: one split instead of a pass per character (every ack parses).
  if (!OPENING_QUOTE.test(text)) {
    return text
      .split(WHITESPACE_RUN)
      .filter((word) => word !== '')
      .map((word) => ({ text: word, quoted: false }));
  }
  const words: Word[] = [];
  let current = '';
  let inToken = false;
  let quoted = false;
  let quote: string | undefined;
  const chars = Array.from(text);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (quote) {
      if (ch === '\\' && i + 1 < chars.length) {
        current += chars[++i];
      } else if (ch === quote || (quote === '\u201d' && ch === '"')) {
        quote = undefined;
      } else {
        current += ch;
      }
      continue;
    }
    if (OPEN_QUOTES.has(ch)) {
      quote = CLOSE_QUOTE_FOR[ch];
      if (!inToken) quoted = true;
      inToken = true;
    } else if (/\s/u.test(ch)) {
      if (inToken) words.push({ text: current, quoted });
      current = '';
      inToken = false;
      quoted = false;
    } else {
      current += ch;
      inToken = true;
    }
  }
  if (quote) throw new UsageError('A quote is not closed. Put the whole key between two `"`.');
  if (inToken) words.push({ text: current, quoted });
  return words;
}
