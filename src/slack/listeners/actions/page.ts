import type { App } from '@slack/bolt';
import { ACTIONS } from '../../ids.js';
import { renderStoredReply } from '../../render.js';
import { loadAnswerForClick, ONLY_THE_ASKER_PAGES } from '../answer-access.js';
import { onClick } from '../reply.js';
import { type ActionDeps, type ButtonClick, refuse } from './action-deps.js';

/** Previous / Next: the stored answer, another page; the query is not run again. */
export function registerPageAction(app: App, deps: ActionDeps): void {
  const showPage = onClick(async ({ ack, body, action, respond }) => {
    await ack();
    const [answerId = '', pageText = ''] = (action.value ?? '').split(':');
    const lookup = await loadAnswerForClick(deps, { userId: body.user.id, channelId: body.channel?.id }, answerId);
    if (!lookup.ok) return refuse(respond, lookup.message);
    // A page replaces the message clicked on: only the asker's private copy has these buttons.
    if (lookup.answer.userId !== body.user.id) return refuse(respond, ONLY_THE_ASKER_PAGES);
    const page = /^\d{1,6}$/.test(pageText) ? Number(pageText) : 0;
    await respond({
      response_type: 'ephemeral',
      replace_original: true,
      ...renderStoredReply(lookup.answer.reply, answerId, page, false),
    });
  });
  app.action<ButtonClick>(ACTIONS.previousPage, showPage);
  app.action<ButtonClick>(ACTIONS.nextPage, showPage);
}
