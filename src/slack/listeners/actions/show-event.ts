import type { App } from '@slack/bolt';
import { fetchEventRecord } from '../../../questions/event-record.js';
import { buildEventRecordView, buildLoadingView } from '../../blocks/event-record.js';
import { ACTIONS } from '../../ids.js';
import { onAnswerClick, refuse } from '../click-middleware.js';
import type { ButtonClick } from '../reply.js';
import type { ActionDeps } from './action-deps.js';

/** Show event: open a modal at once (trigger_id lasts 3 s), then fill it with the raw record. */
export function registerShowEventAction(app: App, deps: ActionDeps): void {
  app.action<ButtonClick>(
    ACTIONS.showEvent,
    ...onAnswerClick(
      deps,
      async ({ answer, body, action, respond, client, logger }) => {
        const value = action.value ?? '';
        const split = value.indexOf(':');
        const eventId = value.slice(split + 1);
        const { reply } = answer;
        // Only events of this answer can be shown: the value is checked against the stored rows.
        const known =
          (reply.kind === 'object-answer' || reply.kind === 'bucket-events') &&
          reply.answer.events.some((e) => e.eventId === eventId);
        if (split < 0 || !known || !('answer' in reply)) return refuse(respond, 'That event is not part of this answer.');
        const opened = await client.views.open({ trigger_id: body.trigger_id, view: buildLoadingView() });
        const viewId = opened.view?.id;
        if (!viewId) return refuse(respond, 'Slack did not open the event window. Try again.');
        try {
          const record = await fetchEventRecord(eventId, reply.answer.window, deps.engine);
          await client.views.update({ view_id: viewId, view: buildEventRecordView(eventId, record) });
        } catch (error) {
          logger.error(`Show event failed: ${error instanceof Error ? error.message : 'unknown'}`);
          await refuse(respond, 'The record could not be fetched. Try again in a minute.');
        }
      },
      { answerIdOf },
    ),
  );
}

/** value: `<answerId>:<eventId>` */
function answerIdOf(value: string): string {
  return value.slice(0, value.indexOf(':'));
}
