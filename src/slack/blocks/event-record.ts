import type { types } from '@slack/bolt';
import { RECORD_COLUMNS } from '../../cloudtrail/record-schema.js';
import type { Row } from '../../engines/engine.js';
import type { EventRecord } from '../../questions/event-record.js';
import { escapeUnsafeJson } from '../../text/safe-text.js';
import { VIEWS } from '../ids.js';
import { assertBlockLimits, escapeMrkdwn, MAX_SECTION_TEXT } from './limits.js';
import type { KnownBlock } from './message.js';

const MAX_MODAL_BLOCKS = 100;

/** Said under a record read from Athena's table rather than from the delivered file. */
export const TABLE_ROW_NOTE =
  'Read from the Athena table, which keeps parsed columns, not the delivered file: nested field names are lower-case and ' +
  'fields the record did not have are left out. The file itself is in the trail’s S3 bucket.';

/** A modal showing one CloudTrail record, pretty-printed, split over sections of Slack's size. */
export function buildEventRecordView(eventId: string, record: EventRecord | undefined): types.ModalView {
  const blocks: KnownBlock[] = record
    ? [
        ...recordBlocks(record.as === 'delivered' ? deliveredText(record.json) : tableRowText(record.row)),
        ...(record.as === 'table-row'
          ? [{ type: 'context' as const, elements: [{ type: 'mrkdwn' as const, text: escapeMrkdwn(TABLE_ROW_NOTE) }] }]
          : []),
      ]
    : [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `No record with eventID \`${escapeMrkdwn(eventId.replaceAll('`', 'ˋ'))}\` was found in the answer's window.`,
          },
        },
      ];
  assertBlockLimits(blocks, 'modal');
  return {
    type: 'modal',
    callback_id: VIEWS.eventRecord,
    title: { type: 'plain_text', text: 'CloudTrail event' },
    close: { type: 'plain_text', text: 'Close' },
    blocks,
  };
}

/** The modal shown at once (a trigger_id lasts 3 seconds), replaced when the record arrives. */
export function buildLoadingView(): types.ModalView {
  return {
    type: 'modal',
    callback_id: VIEWS.eventRecord,
    title: { type: 'plain_text', text: 'CloudTrail event' },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: ':hourglass_flowing_sand: Fetching the record…' } }],
  };
}

/** The delivered record, indented; its own field names, order and values (text that is not JSON is shown as is). */
function deliveredText(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}

const JSON_NAMES = new Map(RECORD_COLUMNS.map(([jsonName, , athenaName]) => [athenaName, jsonName]));

/** Athena's row with CloudTrail's top-level field names back, columns the record did not have left out. */
function tableRowText(row: Row): string {
  return JSON.stringify(
    Object.fromEntries(
      Object.entries(row)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [JSON_NAMES.get(k) ?? k, parseMaybeJson(v)]),
    ),
    null,
    2,
  );
}

function recordBlocks(text: string): KnownBlock[] {
  // Invisible and control characters in the record as JSON `\u` escapes: visible, and still the record.
  // Code fences around escaped text: ``` inside the record must not close the fence.
  const body = escapeMrkdwn(escapeUnsafeJson(text)).replaceAll('```', 'ˋˋˋ');
  const chunkSize = MAX_SECTION_TEXT - 10;
  const chunks: string[] = [];
  // Room is kept for the "cut" line and the table-row note.
  for (let i = 0; i < body.length && chunks.length < MAX_MODAL_BLOCKS - 2; i += chunkSize) {
    // Never cut an escape sequence like &amp; in two.
    let end = Math.min(body.length, i + chunkSize);
    const amp = body.lastIndexOf('&', end);
    if (amp > end - 5 && amp >= i && body.indexOf(';', amp) >= end) end = amp;
    chunks.push(body.slice(i, end));
    i = end - chunkSize;
  }
  const blocks: KnownBlock[] = chunks.map((chunk) => ({
    type: 'section',
    text: { type: 'mrkdwn', text: `\`\`\`${chunk}\`\`\`` },
  }));
  if (chunks.join('').length < body.length) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'The record is longer than a Slack modal holds; the rest is cut.' }],
    });
  }
  return blocks;
}

function parseMaybeJson(value: string | null): unknown {
  if (value === null) return null;
  if (!/^[[{]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
