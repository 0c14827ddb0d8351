import type { types } from '@slack/bolt';
import type { Row } from '../../engines/engine.js';
import { escapeUnsafeJson } from '../../safe-text.js';
import { VIEWS } from '../ids.js';
import { assertBlockLimits, escapeMrkdwn, MAX_SECTION_TEXT } from './limits.js';
import type { KnownBlock } from './message.js';

const MAX_MODAL_BLOCKS = 100;

/** A modal showing one raw CloudTrail record, pretty-printed, split over sections of Slack's size. */
export function buildEventRecordView(eventId: string, record: Row | undefined): types.ModalView {
  const blocks: KnownBlock[] = record
    ? recordBlocks(record)
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

function recordBlocks(record: Row): KnownBlock[] {
  // Invisible and control characters in the record as JSON `\u` escapes: visible, and still the record.
  const text = escapeUnsafeJson(
    JSON.stringify(
      Object.fromEntries(
        Object.entries(record)
          .filter(([, v]) => v !== null)
          .map(([k, v]) => [k, parseMaybeJson(v)]),
      ),
      null,
      2,
    ),
  );
  // Code fences around escaped text: ``` inside the record must not close the fence.
  const body = escapeMrkdwn(text).replaceAll('```', 'ˋˋˋ');
  const chunkSize = MAX_SECTION_TEXT - 10;
  const chunks: string[] = [];
  for (let i = 0; i < body.length && chunks.length < MAX_MODAL_BLOCKS - 1; i += chunkSize) {
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
