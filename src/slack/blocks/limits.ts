import type { types } from '@slack/bolt';
import { showControlCharacters, showInvisibleKeepingLines } from '../../text/safe-text.js';
import { truncate } from '../../text/truncate.js';

type KnownBlock = types.KnownBlock;

/** @see https://docs.slack.dev/reference/block-kit/blocks ("up to 50 blocks in each message") */
export const MAX_BLOCKS_PER_MESSAGE = 50;
/** @see https://docs.slack.dev/reference/block-kit/blocks ("100 blocks in modals or Home tabs") */
export const MAX_BLOCKS_PER_MODAL = 100;
/** @see https://docs.slack.dev/reference/block-kit/blocks/section-block */
export const MAX_SECTION_TEXT = 3000;
/** @see https://docs.slack.dev/reference/block-kit/blocks/section-block */
export const MAX_SECTION_FIELDS = 10;
/** @see https://docs.slack.dev/reference/block-kit/blocks/section-block */
export const MAX_FIELD_TEXT = 2000;
/** Any text object, e.g. a context element. @see https://docs.slack.dev/reference/block-kit/composition-objects/text-object */
export const MAX_TEXT_OBJECT = 3000;
/** @see https://docs.slack.dev/reference/block-kit/blocks/header-block */
export const MAX_HEADER_TEXT = 150;
/** @see https://docs.slack.dev/reference/block-kit/blocks/context-block */
export const MAX_CONTEXT_ELEMENTS = 10;
/** @see https://docs.slack.dev/reference/block-kit/blocks/actions-block */
export const MAX_ACTIONS_ELEMENTS = 25;
/** @see https://docs.slack.dev/reference/block-kit/block-elements/button-element */
export const MAX_BUTTON_TEXT = 75;
/** @see https://docs.slack.dev/reference/block-kit/block-elements/button-element */
export const MAX_BUTTON_VALUE = 2000;
/** @see https://docs.slack.dev/reference/block-kit/block-elements/button-element */
export const MAX_BUTTON_URL = 3000;
/** @see https://docs.slack.dev/reference/block-kit/block-elements/button-element */
export const MAX_ACTION_ID = 255;
/** @see https://docs.slack.dev/reference/block-kit/blocks (block_id) */
export const MAX_BLOCK_ID = 255;
/**
 * The top-level `text` of a message with blocks. Slack truncates only past 40,000, but this is
 * the notification and screen-reader fallback, so it stays short.
 * @see https://docs.slack.dev/reference/methods/chat.postMessage
 */
export const MAX_FALLBACK_TEXT = 3000;
/**
 * Text across all blocks of one message. Undocumented: Slack answers `msg_blocks_too_long` at
 * about 13.2k characters; a maintainer advises 12,000 to leave room for the block containers.
 * @see https://github.com/slackapi/bolt-js/issues/2509
 * @see https://github.com/slackapi/bolt-js/issues/2867
 */
export const MAX_TOTAL_TEXT = 12_000;
/** Rows of a `table` block, its heading row included. @see https://docs.slack.dev/reference/block-kit/blocks/table-block */
export const MAX_TABLE_ROWS = 100;
/** Cells in a `table` row, and entries of its column_settings. @see https://docs.slack.dev/reference/block-kit/blocks/table-block */
export const MAX_TABLE_COLUMNS = 20;

export type Surface = 'message' | 'modal';

const MRKDWN_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * Slack's required escaping for text it parses: with `<` and `>` escaped, data can never form a
 * link, a user mention or `<!channel>`. Invisible and reordering characters are shown
 * (`[U+200B]`, `␛`), line breaks kept, so data cannot pass for other data.
 * @see https://docs.slack.dev/messaging/formatting-message-text
 */
export function escapeMrkdwn(text: string): string {
  return showInvisibleKeepingLines(text).replace(/[&<>]/g, (char) => MRKDWN_ENTITIES[char] ?? char);
}

/** Escape, then fit in `max` characters without cutting an entity such as `&amp;` or `[U+200B]` in half. */
export function escapeAndTruncate(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  if (max <= 0) return '';
  let out = '';
  // for..of walks code points, so surrogate pairs stay whole too.
  for (const char of text) {
    const piece = escapeMrkdwn(char);
    if (out.length + piece.length > max - 1) break;
    out += piece;
  }
  return `${out}…`;
}

/** A plain_text object (button label, dialog title): invisible characters shown, cut to `max`. */
export function plainText(text: string, max: number): types.PlainTextElement {
  return { type: 'plain_text', text: truncate(showControlCharacters(text), max) };
}

/**
 * A value as mrkdwn inline code, at most `max` characters: escaped, controls shown, and
 * backticks (which would end the span) replaced by the look-alike `ˋ`.
 */
export function inlineCode(value: string, max: number): string {
  const safe = showControlCharacters(value).replaceAll('`', 'ˋ');
  return `\`${escapeAndTruncate(safe, Math.max(1, max - 2))}\``;
}

/** Characters of text in a block, as counted against MAX_TOTAL_TEXT: every `text` string inside it. */
export function blockTextLength(block: unknown): number {
  if (Array.isArray(block)) return block.reduce((sum: number, item) => sum + blockTextLength(item), 0);
  if (typeof block !== 'object' || block === null) return 0;
  let total = 0;
  for (const [name, value] of Object.entries(block)) {
    total += name === 'text' && typeof value === 'string' ? value.length : blockTextLength(value);
  }
  return total;
}

/** Every limit the blocks break, as readable sentences; empty when Slack will accept them. */
export function checkBlockLimits(blocks: readonly KnownBlock[], surface: Surface): string[] {
  const problems: string[] = [];
  const maxBlocks = surface === 'message' ? MAX_BLOCKS_PER_MESSAGE : MAX_BLOCKS_PER_MODAL;
  if (blocks.length > maxBlocks) problems.push(`${blocks.length} blocks (limit ${maxBlocks} per ${surface})`);

  const blockIds = new Set<string>();
  blocks.forEach((block, index) => {
    const at = `block ${index} (${block.type})`;
    const tooLong = (what: string, length: number, limit: number): void => {
      if (length > limit) problems.push(`${at}: ${what} is ${length} characters (limit ${limit})`);
    };
    if (block.block_id !== undefined) {
      tooLong('block_id', block.block_id.length, MAX_BLOCK_ID);
      if (blockIds.has(block.block_id)) problems.push(`${at}: block_id \`${block.block_id}\` is used twice`);
      blockIds.add(block.block_id);
    }
    switch (block.type) {
      case 'section': {
        if (block.text === undefined && (block.fields?.length ?? 0) === 0) problems.push(`${at}: needs text or fields`);
        if (block.text !== undefined) {
          if (block.text.text.length === 0) problems.push(`${at}: text is empty`);
          tooLong('text', block.text.text.length, MAX_SECTION_TEXT);
        }
        const fields = block.fields ?? [];
        if (fields.length > MAX_SECTION_FIELDS) problems.push(`${at}: ${fields.length} fields (limit ${MAX_SECTION_FIELDS})`);
        fields.forEach((field, i) => {
          tooLong(`field ${i}`, field.text.length, MAX_FIELD_TEXT);
        });
        if (block.accessory) checkElement(block.accessory, `${at} accessory`, problems);
        break;
      }
      case 'header':
        tooLong('text', block.text.text.length, MAX_HEADER_TEXT);
        break;
      case 'context': {
        const count = block.elements.length;
        if (count > MAX_CONTEXT_ELEMENTS) problems.push(`${at}: ${count} elements (limit ${MAX_CONTEXT_ELEMENTS})`);
        block.elements.forEach((element, i) => {
          if ('text' in element) tooLong(`element ${i} text`, element.text.length, MAX_TEXT_OBJECT);
        });
        break;
      }
      case 'actions': {
        const count = block.elements.length;
        if (count > MAX_ACTIONS_ELEMENTS) problems.push(`${at}: ${count} elements (limit ${MAX_ACTIONS_ELEMENTS})`);
        const actionIds = new Set<string>();
        block.elements.forEach((element, i) => {
          checkElement(element, `${at} element ${i}`, problems);
          if (element.action_id === undefined) return;
          // action_id must be unique among the elements of one block.
          if (actionIds.has(element.action_id)) problems.push(`${at}: action_id \`${element.action_id}\` is used twice`);
          actionIds.add(element.action_id);
        });
        break;
      }
      case 'table': {
        if (block.rows.length > MAX_TABLE_ROWS) problems.push(`${at}: ${block.rows.length} rows (limit ${MAX_TABLE_ROWS})`);
        block.rows.forEach((row, i) => {
          if (row.length > MAX_TABLE_COLUMNS)
            problems.push(`${at}: row ${i} has ${row.length} cells (limit ${MAX_TABLE_COLUMNS})`);
        });
        const settings = block.column_settings?.length ?? 0;
        if (settings > MAX_TABLE_COLUMNS) problems.push(`${at}: ${settings} column settings (limit ${MAX_TABLE_COLUMNS})`);
        break;
      }
      default:
        break;
    }
  });
  const tables = blocks.filter((block) => block.type === 'table').length;
  if (tables > 1) problems.push(`${tables} table blocks (limit 1 per ${surface})`);

  const totalText = blockTextLength(blocks);
  if (surface === 'message' && totalText > MAX_TOTAL_TEXT) {
    problems.push(`${totalText} characters of text across all blocks (limit about ${MAX_TOTAL_TEXT} per message)`);
  }
  return problems;
}

/** Throw with every violation, so a builder never hands Slack blocks it would reject. */
export function assertBlockLimits(blocks: readonly KnownBlock[], surface: Surface): void {
  const problems = checkBlockLimits(blocks, surface);
  if (problems.length > 0) throw new Error(`Block Kit limits exceeded for a ${surface}:\n- ${problems.join('\n- ')}`);
}

type Element = types.ActionsBlockElement | types.SectionBlockAccessory;

function checkElement(element: Element, at: string, problems: string[]): void {
  const tooLong = (what: string, length: number, limit: number): void => {
    if (length > limit) problems.push(`${at}: ${what} is ${length} characters (limit ${limit})`);
  };
  if ('action_id' in element && element.action_id !== undefined) tooLong('action_id', element.action_id.length, MAX_ACTION_ID);
  if (element.type !== 'button') return;
  tooLong('button text', element.text.text.length, MAX_BUTTON_TEXT);
  if (element.value !== undefined) tooLong('button value', element.value.length, MAX_BUTTON_VALUE);
  if (element.url !== undefined) tooLong('button url', element.url.length, MAX_BUTTON_URL);
}
