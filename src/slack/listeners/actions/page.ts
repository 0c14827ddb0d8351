import type { App } from '@slack/bolt';
import { ACTIONS } from '../../ids.js';
import { renderStoredReply } from '../../render.js';
import { ONLY_THE_ASKER_PAGES } from '../answer-access.js';
import { onAnswerClick, refuse } from '../click-middleware.js';
import type { ButtonClick } from '../reply.js';
import type { ActionDeps } from './action-deps.js';

/** Previous / Next: the stored answer, another page; the query is not run again. */
export function registerPageAction(app: App, deps: ActionDeps): void {
  const showPage = onAnswerClick(
    deps,
    async ({ answer, answerId, body, action, respond }) => {
      // A page replaces the message clicked on: only the asker's private copy has these buttons.
      if (answer.userId !== body.user.id) return refuse(respond, ONLY_THE_ASKER_PAGES);
      const pageText = (action.value ?? '').split(':')[1] ?? '';
      const page = /^\d{1,6}$/.test(pageText) ? Number(pageText) : 0;
      await respond({
        response_type: 'ephemeral',
        replace_original: true,
        ...renderStoredReply(answer.reply, answerId, page, false),
      });
    },
    { answerIdOf: (value) => value.split(':')[0] ?? '' },
  );
  app.action<ButtonClick>(ACTIONS.previousPage, ...showPage);
  app.action<ButtonClick>(ACTIONS.nextPage, ...showPage);
}
