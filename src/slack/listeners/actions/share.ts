import type { App } from '@slack/bolt';
import { ACTIONS } from '../../ids.js';
import { renderSharedReply } from '../../render.js';
import { onAnswerClick, refuse } from '../click-middleware.js';
import type { ButtonClick } from '../reply.js';
import type { ActionDeps } from './action-deps.js';

/** Share in channel: post the first page for everyone (an ephemeral message cannot be made public, so it is a new one). */
export function registerShareAction(app: App, deps: ActionDeps): void {
  app.action<ButtonClick>(
    ACTIONS.share,
    ...onAnswerClick(deps, async ({ answer, answerId, body, respond }) => {
      const channelId = body.channel?.id;
      if (!channelId) return refuse(respond, 'Share in channel works in a channel only.');
      // Recorded first: from now on anyone allowed in this channel may use the shared answer's buttons.
      await deps.store.markShared(answerId, channelId);
      await respond({
        response_type: 'in_channel',
        replace_original: false,
        ...renderSharedReply(answer.reply, answerId, body.user.id),
      });
    }),
  );
}
