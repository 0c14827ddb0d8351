import type { App } from '@slack/bolt';
import { checkAccess } from '../../../access/access-policy.js';
import { buildNotAvailableMessage } from '../../blocks/notice.js';
import { ACTIONS } from '../../ids.js';
import { type ActionDeps, type ButtonClick, refuse } from './action-deps.js';

/**
 * "Enable logging" on a bucket without coverage. The change itself (plan, confirm, second
 * person's approval, apply) is the remediation flow; until it ships, the button says so.
 */
export function registerEnableLoggingAction(app: App, deps: ActionDeps): void {
  app.action<ButtonClick>(ACTIONS.enableLogging, async ({ ack, body, respond }) => {
    await ack();
    const decision = await checkAccess(deps.access, { userId: body.user.id, channelId: body.channel?.id }, deps.groups);
    if (!decision.allowed) return refuse(respond, decision.reason);
    await respond({ response_type: 'ephemeral', replace_original: false, ...buildNotAvailableMessage('enable-logging') });
  });
}
