import type { App } from '@slack/bolt';
import { checkAccess } from '../../../access/access-policy.js';
import { MUTE_MS } from '../../../alerts/feed.js';
import type { Row } from '../../../engines/engine.js';
import { buildEventRecordView } from '../../blocks/event-record.js';
import { ACTIONS } from '../../ids.js';
import { onClick } from '../reply.js';
import type { CommandDeps } from '../s3x-command.js';
import { type ButtonClick, refuse } from './action-deps.js';

const ALERTS_OFF = 'Alerts are not running here.';

/**
 * An alert's own buttons: Show event (the record kept with the alert, shown only in the alert's
 * channel) and Mute this rule for an hour (access-checked, written to the audit log). The other
 * buttons of an alert reuse the digest drill-down and the Deny-principal change flow.
 */
export function registerAlertActions(app: App, deps: CommandDeps): void {
  app.action<ButtonClick>(
    ACTIONS.alertEvent,
    onClick(async ({ ack, body, action, respond, client }) => {
      await ack();
      const decision = await checkAccess(deps.access, { userId: body.user.id, channelId: body.channel?.id }, deps.groups);
      if (!decision.allowed) return refuse(respond, decision.reason);
      if (!deps.alerts) return refuse(respond, ALERTS_OFF);
      const alert = await deps.alerts.store.get((action.value ?? '').slice(0, 300));
      // The value came back from Slack: only an alert posted in this very channel is shown here.
      if (!alert || alert.channel !== body.channel?.id) return refuse(respond, 'That alert is not one of this channel.');
      await client.views.open({ trigger_id: body.trigger_id, view: buildEventRecordView(alert.eventId, recordOf(alert.record)) });
    }),
  );
  app.action<ButtonClick>(
    ACTIONS.alertMute,
    onClick(async ({ ack, body, action, respond }) => {
      await ack();
      const decision = await checkAccess(deps.access, { userId: body.user.id, channelId: body.channel?.id }, deps.groups);
      if (!decision.allowed) return refuse(respond, decision.reason);
      const feed = deps.alerts;
      if (!feed) return refuse(respond, ALERTS_OFF);
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

/** The stored record as the modal's rows (each top-level field; nested ones as JSON text). */
function recordOf(text: string): Row | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    return Object.fromEntries(
      Object.entries(parsed).map(([name, value]) => [
        name,
        value === null || value === undefined ? null : typeof value === 'string' ? value : JSON.stringify(value),
      ]),
    );
  } catch {
    return undefined;
  }
}
