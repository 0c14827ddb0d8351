import type { App } from '@slack/bolt';
import { parseSlackText } from '../../../commands/parse.js';
import { isChangeRequest } from '../../../commands/requests.js';
import { ACTIONS } from '../../ids.js';
import { mayUseS3x, onClick, refuse } from '../click-middleware.js';
import type { ButtonClick } from '../reply.js';
import { answerAs, type CommandDeps, renderAnswer } from '../s3x-command.js';

/** A digest finding's button: ask its question (the value is parsed like typed text, never trusted). */
export function registerDigestDrillAction(app: App, deps: CommandDeps): void {
  app.action<ButtonClick>(
    new RegExp(`^${ACTIONS.digestDrill}_\\d+$`),
    ...onClick([mayUseS3x(deps)], async ({ body, action, respond, logger }) => {
      // A bad value or a failed question is thrown to the guard, which logs it and tells the clicker.
      const request = parseSlackText(action.value ?? '', deps.now(), deps.limits);
      if (isChangeRequest(request) || request.command === 'digest') {
        return refuse(respond, 'That button does not name a question.');
      }
      const reply = await answerAs(body.user.id, request, deps);
      const save = () => deps.store.save({ userId: body.user.id, channelId: body.channel?.id }, reply);
      await respond({ response_type: 'ephemeral', replace_original: false, ...(await renderAnswer(reply, save, false, logger)) });
    }),
  );
}
