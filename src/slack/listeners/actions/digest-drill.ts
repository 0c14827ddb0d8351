import type { App } from '@slack/bolt';
import { checkAccess } from '../../../access/access-policy.js';
import { answerRequest } from '../../../answer.js';
import { parseSlackText } from '../../../commands/parse.js';
import { userMessageOf } from '../../../errors.js';
import { ACTIONS } from '../../ids.js';
import { isStorable, renderReply, renderStoredReply } from '../../render.js';
import type { CommandDeps } from '../s3x-command.js';
import { type ButtonClick, refuse } from './action-deps.js';

/** A digest finding's button: ask its question (the value is parsed like typed text, never trusted). */
export function registerDigestDrillAction(app: App, deps: CommandDeps): void {
  app.action<ButtonClick>(new RegExp(`^${ACTIONS.digestDrill}_\\d+$`), async ({ ack, body, action, respond }) => {
    await ack();
    const decision = await checkAccess(deps.access, { userId: body.user.id, channelId: body.channel?.id }, deps.groups);
    if (!decision.allowed) return refuse(respond, decision.reason);
    try {
      const request = parseSlackText(action.value ?? '', deps.now());
      if (request.command === 'enable-logging' || request.command === 'tighten' || request.command === 'digest') {
        return refuse(respond, 'That button does not name a question.');
      }
      const reply = await answerRequest(request, deps);
      const message = isStorable(reply)
        ? renderStoredReply(reply, deps.store.save({ userId: body.user.id, channelId: body.channel?.id }, reply), 0, false)
        : renderReply(reply);
      await respond({ response_type: 'ephemeral', replace_original: false, ...message });
    } catch (error) {
      await refuse(respond, userMessageOf(error));
    }
  });
}
