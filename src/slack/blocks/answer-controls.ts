import type { types } from '@slack/bolt';
import { formatNumber } from '../../text/numbers.js';
import { ACTIONS } from '../ids.js';
import { MAX_BUTTON_TEXT, plainText } from './limits.js';
import type { KnownBlock } from './message.js';

/** Which page of a stored answer a message shows, and whether it is the private or the shared copy. */
export interface AnswerView {
  answerId: string;
  /** 0-based. */
  page: number;
  pageSize: number;
  /** Posted in the channel: no paging (it would change the message for everyone) and no second share. */
  shared: boolean;
}

export const DEFAULT_PAGE_SIZE = 10;

export function pageCount(items: number, pageSize: number): number {
  return Math.max(1, Math.ceil(items / pageSize));
}

function button(text: string, actionId: string, value: string, style?: 'primary'): types.Button {
  return {
    type: 'button',
    text: { ...plainText(text, MAX_BUTTON_TEXT), emoji: true },
    action_id: actionId,
    value,
    ...(style ? { style } : {}),
  };
}

/** Previous / Next, Export CSV, Share in channel: one actions block under a paged answer. */
export function answerControls(view: AnswerView, totalItems: number): KnownBlock[] {
  const pages = pageCount(totalItems, view.pageSize);
  const elements: types.Button[] = [];
  if (!view.shared && view.page > 0)
    elements.push(button('◀ Previous', ACTIONS.previousPage, `${view.answerId}:${view.page - 1}`));
  if (!view.shared && view.page < pages - 1)
    elements.push(button('Next ▶', ACTIONS.nextPage, `${view.answerId}:${view.page + 1}`));
  if (totalItems > 0) elements.push(button('Export CSV', ACTIONS.exportCsv, view.answerId));
  if (!view.shared) elements.push(button('Share in channel', ACTIONS.share, view.answerId, 'primary'));
  const position: KnownBlock[] =
    pages > 1 && !view.shared
      ? [
          {
            type: 'context',
            elements: [{ type: 'mrkdwn', text: `Page ${view.page + 1} of ${pages} · ${formatNumber(totalItems)} events` }],
          },
        ]
      : [];
  return elements.length > 0 ? [...position, { type: 'actions', block_id: 's3x_answer_controls', elements }] : position;
}

/** The "Show event" accessory for one event row. */
export function showEventAccessory(answerId: string, eventId: string): types.Button | undefined {
  const value = `${answerId}:${eventId}`;
  return eventId !== '' && value.length <= 2000 ? button('Show event', ACTIONS.showEvent, value) : undefined;
}

/** "Watch" under an object answer whose window reaches the last hour: late events update it. */
export function watchBlock(answerId: string): KnownBlock {
  return { type: 'actions', block_id: 's3x_watch', elements: [button('Watch for late events', ACTIONS.watch, answerId)] };
}
