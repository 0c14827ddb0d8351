import type { types } from '@slack/bolt';
import type { Alert } from '../../alerts/alert.js';
import type { AlertsOverview } from '../../alerts/feed.js';
import type { AlertRule } from '../../alerts/rules.js';
import { slashCommand } from '../../answers/digest/formats.js';
import { describeCaller } from '../../answers/wording/callers.js';
import { isDirectoryBucket } from '../../cloudtrail/buckets.js';
import { isPrincipalArn } from '../../commands/parse.js';
import { BUCKET_MAX, CODE_MAX } from '../../text/markup.js';
import { formatCount, formatUtc } from '../../text/numbers.js';
import { truncate } from '../../text/truncate.js';
import { formatInstant } from '../../time/window.js';
import { ACTIONS } from '../ids.js';
import { button, confirm } from './change-request.js';
import { escapeMrkdwn, inlineCode } from './limits.js';
import { buildMessage, contextBlock, headerBlock, type KnownBlock, mrkdwnSection, type SlackMessage } from './message.js';
import { MRKDWN } from './mrkdwn.js';

/** Where the alert's record came from: says how late and how complete the path is. */
export type AlertSource = 'queue' | 'files';

const SEVERITY_MARK: Record<AlertRule['severity'], string> = { critical: '🚨', high: '⚠️', medium: '🔶', low: 'ℹ️' };
const KEY_MAX = 300;
const HOUR = 3_600_000;

/** The honesty footer: what an alert is built from, and what its absence would not prove. */
export function alertFooter(source: AlertSource): string {
  const path =
    source === 'queue'
      ? 'delivered by CloudTrail to EventBridge and an SQS queue (best effort, usually seconds)'
      : 'read from a CloudTrail log file (CloudTrail delivers about 5 minutes late)';
  return `From one CloudTrail record ${path}. Only what a trail logs reaches s3x: no alert does not mean nothing happened.`;
}

function what(alert: Alert): string {
  const { event, count, rule } = alert.firing;
  const where = event.bucket ? ` on ${inlineCode(event.bucket, BUCKET_MAX)}` : '';
  const key = event.key ? ` key ${inlineCode(event.key, KEY_MAX)}` : '';
  const failed = event.errorCode ? ` (failed: ${inlineCode(event.errorCode, CODE_MAX)})` : '';
  const lines = [`*${escapeMrkdwn(event.eventName)}*${where}${key} at ${escapeMrkdwn(formatUtc(event.eventTime))}${failed}`];
  if (count !== undefined && rule.threshold) {
    lines.push(
      `${formatCount(count, 'matching event')} within ${escapeMrkdwn(describeMs(rule.threshold.window))} (the rule fires above ${rule.threshold.count})`,
    );
  }
  if (event.addendum)
    lines.push(`_CloudTrail marks this record as delivered late or updated (${inlineCode(event.addendum, 40)})._`);
  return lines.join('\n');
}

function who(alert: Alert): string {
  const { event } = alert.firing;
  const parts = [`*Who:* ${describeCaller(event.principal, MRKDWN)}`];
  if (event.identityType) parts.push(`(${escapeMrkdwn(truncate(event.identityType, 40))})`);
  const session = [
    event.accessKeyId ? `key ${inlineCode(event.accessKeyId, 40)}` : undefined,
    event.sessionMode ? `${event.sessionMode} session` : undefined,
  ].filter(Boolean);
  const network = [
    event.sourceIp ? `from ${inlineCode(event.sourceIp, 60)}` : undefined,
    event.vpcEndpointId ? `through ${inlineCode(event.vpcEndpointId, 40)}` : undefined,
  ].filter(Boolean);
  return [
    parts.join(' '),
    session.length ? `*Session:* ${session.join(', ')}` : '',
    network.length ? `*Network:* ${network.join(' ')}` : '',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

function where(alert: Alert): string {
  const { event } = alert.firing;
  const parts = [
    event.bucket
      ? `${isDirectoryBucket(event.bucket) ? 'directory bucket' : 'bucket'} ${inlineCode(event.bucket, BUCKET_MAX)}`
      : undefined,
    event.region ? `Region ${inlineCode(event.region, 30)}` : undefined,
    event.account ? `account ${inlineCode(event.account, 20)}` : undefined,
    `source ${inlineCode(event.eventSource, 60)}`,
  ].filter(Boolean);
  return `*Where:* ${parts.join(', ')}`;
}

/** The buttons of an alert; the drill-downs ask ordinary questions around the event's time. */
function actions(alert: Alert): types.Button[] {
  const { event, subject, rule } = alert.firing;
  const at = event.eventMs;
  const range = `--since ${formatInstant(new Date(at - 24 * HOUR))} --until ${formatInstant(new Date(at + HOUR))}`;
  const buttons: types.Button[] = [button('Show event', ACTIONS.alertEvent, alert.key)];
  const history = event.key && event.bucket ? slashCommand(['history', event.key, '--bucket', event.bucket], range) : undefined;
  if (history) buttons.push(button('History of the key', `${ACTIONS.digestDrill}_1`, history));
  const principal = subject === event.principal ? slashCommand(['principal', subject], range) : undefined;
  if (principal) buttons.push(button('What else did this principal do', `${ACTIONS.digestDrill}_2`, principal));
  if (event.bucket && isDirectoryBucket(event.bucket) && isPrincipalArn(event.principal)) {
    buttons.push(
      button(
        'Deny this principal',
        `${ACTIONS.denyPrincipal}_3`,
        `${event.bucket}|${event.principal}`,
        'danger',
        confirm(
          'Plan a deny?',
          'This plans a bucket policy that denies this principal CreateSession on the bucket. Nothing changes until a second person approves it.',
          'Plan it',
        ),
      ),
    );
  }
  buttons.push(
    button(
      'Mute this rule for an hour',
      ACTIONS.alertMute,
      rule.id,
      undefined,
      confirm('Mute this rule?', `No alerts from "${rule.title}" in any channel for the next hour. The mute is audited.`, 'Mute'),
    ),
  );
  return buttons;
}

/** The first alert of a rule and subject: what happened, who, where, the rule, buttons, the honesty footer. */
export function buildAlertMessage(alert: Alert, source: AlertSource): SlackMessage {
  const { rule, notes } = alert.firing;
  const blocks: KnownBlock[] = [
    headerBlock(`${SEVERITY_MARK[rule.severity]} ${rule.title}`),
    mrkdwnSection(what(alert)),
    mrkdwnSection(`${who(alert)}\n${where(alert)}`),
    contextBlock([
      `Rule ${inlineCode(rule.id, 70)}${rule.description ? `: ${escapeMrkdwn(truncate(rule.description, 500))}` : ''}`,
      ...notes.slice(0, 3).map((note) => `_${escapeMrkdwn(truncate(note, 600))}_`),
    ]),
    { type: 'actions', elements: actions(alert) },
    contextBlock([escapeMrkdwn(alertFooter(source))]),
  ];
  return buildMessage(`${rule.title}: ${alert.firing.event.eventName} by ${alert.firing.subject}`, blocks);
}

/** Repeats posted in the first alert's thread, coalesced, with the running count. */
export function buildAlertRepeatMessage(alerts: readonly Alert[], runningCount: number): SlackMessage {
  const shown = alerts.slice(0, 10);
  const lines = shown.map((alert) => `• ${what(alert).split('\n')[0]}`);
  const more = alerts.length - shown.length;
  const first = alerts[0] as Alert;
  const blocks: KnownBlock[] = [
    mrkdwnSection(
      truncate(
        `*${formatCount(alerts.length, 'more alert')}* of this rule for ${describeCaller(first.firing.subject, MRKDWN)} (${runningCount} in this thread so far):\n${lines.join('\n')}${more > 0 ? `\n…and ${more} more` : ''}`,
        2900,
      ),
    ),
    { type: 'actions', elements: [button('Show event', ACTIONS.alertEvent, first.key)] },
  ];
  return buildMessage(`${alerts.length} more: ${first.firing.rule.title} (${runningCount} so far)`, blocks);
}

/** `/s3x alerts`: the rules and their channels, the mutes, the last alerts. */
export function buildAlertsMessage(overview: AlertsOverview): SlackMessage {
  const muted = new Map(overview.mutes.map((mute) => [mute.ruleId, mute]));
  const ruleLines = overview.rules.slice(0, 40).map((rule) => {
    const channel = overview.channels.get(rule.id);
    const mute = muted.get(rule.id);
    return `${SEVERITY_MARK[rule.severity]} ${inlineCode(rule.id, 70)} ${escapeMrkdwn(truncate(rule.title, 100))} → ${channel ? `<#${channel}>` : '_no channel_'}${mute ? ` · muted until ${escapeMrkdwn(formatUtc(new Date(mute.until).toISOString()))} by <@${mute.by}>` : ''}`;
  });
  const recent = overview.recent.slice(0, 15).map((alert) => {
    const state = alert.state === 'posted' ? '' : ' _(not posted yet)_';
    return `• ${escapeMrkdwn(formatUtc(alert.eventTime))} ${inlineCode(alert.ruleId, 70)} ${escapeMrkdwn(alert.eventName)} by ${describeCaller(alert.subject, MRKDWN)}${alert.bucket ? ` on ${inlineCode(alert.bucket, BUCKET_MAX)}` : ''}${state}`;
  });
  const blocks: KnownBlock[] = [
    headerBlock('s3x alerts'),
    mrkdwnSection(truncate(`*Rules* (${overview.rules.length})\n${ruleLines.join('\n')}`, 2990)),
    mrkdwnSection(truncate(recent.length ? `*Last alerts*\n${recent.join('\n')}` : '*Last alerts*\nNone yet.', 2990)),
    contextBlock([escapeMrkdwn(truncate(overview.source, 600))]),
  ];
  return buildMessage(`s3x alerts: ${overview.rules.length} rules, ${overview.mutes.length} muted`, blocks);
}

function describeMs(ms: number): string {
  if (ms % HOUR === 0) return formatCount(ms / HOUR, 'hour');
  if (ms % 60_000 === 0) return formatCount(ms / 60_000, 'minute');
  return formatCount(Math.round(ms / 1000), 'second');
}
