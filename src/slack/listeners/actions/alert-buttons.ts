import type { App } from '@slack/bolt';
import { MUTE_MS } from '../../../alerts/feed.js';
import { describeNews, WATCH_MS } from '../../../alerts/watch.js';
import { OBJECT_QUESTION_TABLE } from '../../../answers/object/question.js';
import { buildEventRecordView } from '../../blocks/event-record.js';
import { escapeMrkdwn } from '../../blocks/limits.js';
import { contextBlock } from '../../blocks/message.js';
import { ACTIONS } from '../../ids.js';
import { renderStoredReply } from '../../render.js';
import { alertsOn, checked, mayUseS3x, onAnswerClick, onClick, refuse } from '../click-middleware.js';
import type { ButtonClick } from '../reply.js';
import type { CommandDeps } from '../s3x-command.js';

/**
 * An alert's own buttons: Show event (the record kept with the alert, shown only in the alert's
 * channel) and Mute this rule for an hour (access-checked, written to the audit log). The other
 * buttons of an alert reuse the digest drill-down and the Deny-principal change flow.
 */
export function registerAlertActions(app: App, deps: CommandDeps): void {
  app.action<ButtonClick>(
    ACTIONS.alertEvent,
    ...onClick([mayUseS3x(deps), alertsOn(deps)], async ({ body, action, respond, client, context }) => {
      const alert = await checked(context, 'alerts').store.get((action.value ?? '').slice(0, 300));
      // The value came back from Slack: only an alert posted in this very channel is shown here.
      if (!alert || alert.channel !== body.channel?.id) return refuse(respond, 'That alert is not one of this channel.');
      await client.views.open({
        trigger_id: body.trigger_id,
        view: buildEventRecordView(alert.eventId, { as: 'delivered', json: alert.record }),
      });
    }),
  );
  app.action<ButtonClick>(
    ACTIONS.alertMute,
    ...onClick([mayUseS3x(deps), alertsOn(deps)], async ({ body, action, respond, context }) => {
      const feed = checked(context, 'alerts');
      const rule = feed.rules.rules.find((candidate) => candidate.id === action.value);
      if (!rule) return refuse(respond, 'That button does not name an alert rule.');
      const now = deps.now();
      const until = new Date(now.getTime() + MUTE_MS);
      await feed.store.mute({ ruleId: rule.id, until: until.getTime(), by: body.user.id });
      await deps.approvalStore?.appendAudit({
        at: now.toISOString(),
        requestId: `alert-rule:${rule.id}`,
        actor: body.user.id,
        action: 'mute',
        detail: `muted alert rule ${rule.id} until ${until.toISOString()}`,
      });
      await respond({
        response_type: 'in_channel',
        replace_original: false,
        text: `<@${body.user.id}> muted the alert rule "${rule.title}" until ${until.toISOString().slice(11, 16)} UTC. Alerts it would raise meanwhile are not posted.`,
      });
    }),
  );
}

/**
 * Watch on an object answer: for an hour, events of its question that reach the alert source
 * (late deliveries included) update the answer in place with how many arrived since. Updates go
 * through the click's response_url (Slack: 30 minutes, 5 uses), then as a new private message.
 */
export function registerWatchAction(app: App, deps: CommandDeps): void {
  app.action<ButtonClick>(
    ACTIONS.watch,
    ...onAnswerClick(
      deps,
      async ({ answer: stored, answerId, respond, context }) => {
        const { watches } = checked(context, 'alerts');
        const { reply } = stored;
        if (reply.kind !== 'object-answer' || reply.answer.matchPrefix) {
          return refuse(respond, 'Only answers about one object can be watched.');
        }
        const { answer } = reply;
        const until = new Date(deps.now().getTime() + WATCH_MS);
        const eventNames = OBJECT_QUESTION_TABLE[answer.question].spec.eventNames;
        watches.add(
          { key: answer.key, ...(answer.bucket ? { bucket: answer.bucket } : {}), ...(eventNames ? { eventNames } : {}) },
          answer.events.map((event) => event.eventId),
          async (news) => {
            const message = renderStoredReply(reply, answerId, 0, false);
            await respond({
              response_type: 'ephemeral',
              replace_original: true,
              text: message.text,
              blocks: [contextBlock([escapeMrkdwn(describeNews(news, until))]), ...message.blocks],
            });
          },
        );
        await respond({
          response_type: 'ephemeral',
          replace_original: false,
          text: `Watching \`${answer.key.slice(0, 200)}\` until ${until.toISOString().slice(11, 16)} UTC: late events that reach s3x will update the answer above.`,
        });
      },
      { answerIdOf: (value) => value.slice(0, 100), before: [alertsOn(deps)] },
    ),
  );
}
