import type { Reply, ReplyOf } from '../answers/answer-request.js';
import type { ObjectAnswer } from '../answers/object/question.js';
import { needsLogging } from '../answers/status/question.js';
import { isPrincipalArn } from '../commands/parse.js';
import { denyTargetLabel, denyTargetOf } from '../remediation/tighten-plan.js';
import { formatNumber } from '../text/numbers.js';
import { truncate } from '../text/truncate.js';
import { buildActivityMessage } from './blocks/activity.js';
import { buildAlertsMessage } from './blocks/alert.js';
import { type AnswerView, answerControls } from './blocks/answer-controls.js';
import { buildApprovalsMessage, buildAuditMessage } from './blocks/approvals.js';
import { buildBucketEventsMessage } from './blocks/bucket-events.js';
import { buildDeniedMessage } from './blocks/denied.js';
import { buildDigestMessage } from './blocks/digest.js';
import { buildHelpMessage } from './blocks/help.js';
import { checkBlockLimits } from './blocks/limits.js';
import { contextBlock, type KnownBlock, type SlackMessage } from './blocks/message.js';
import { buildNotAvailableMessage } from './blocks/notice.js';
import { buildObjectAnswerMessage, buildObjectAnswerPage, objectAnswerPageSize } from './blocks/object-answer.js';
import { buildPrincipalMessage } from './blocks/principal.js';
import { buildStatusMessage } from './blocks/status.js';
import { ACTIONS } from './ids.js';

/** One Slack view per kind of reply: a new kind without one does not compile. */
const SLACK_VIEWS: { [K in Reply['kind']]: (reply: ReplyOf<K>) => SlackMessage } = {
  help: (reply) => buildHelpMessage(reply.topic),
  'object-answer': (reply) => buildObjectAnswerMessage(reply.answer, reply.coverage?.note ?? reply.missingLogs),
  'bucket-events': (reply) => buildBucketEventsMessage(reply.answer),
  status: (reply) => buildStatusMessage(reply.answer),
  approvals: (reply) => buildApprovalsMessage(reply.pending),
  digest: (reply) => buildDigestMessage(reply.digest, { csvNote: 'Export CSV has every finding.' }),
  audit: (reply) => buildAuditMessage(reply.entries),
  activity: (reply) => buildActivityMessage(reply.answer),
  principal: (reply) => buildPrincipalMessage(reply.answer),
  denied: (reply) => buildDeniedMessage(reply.answer),
  'not-available': (reply) => buildNotAvailableMessage(reply.command),
  alerts: (reply) => (reply.overview ? buildAlertsMessage(reply.overview) : buildNotAvailableMessage('alerts')),
};

function viewOf<K extends Reply['kind']>(reply: ReplyOf<K>): (reply: ReplyOf<K>) => SlackMessage {
  return SLACK_VIEWS[reply.kind as K];
}

/** The reply as one Slack message, without the buttons a stored answer gets. */
export function renderReply(reply: Reply): SlackMessage {
  return viewOf(reply)(reply);
}

/**
 * An answer that could not be stored (the state database was busy or full): shown all the same,
 * as one message without the buttons that need the stored copy, and saying so. `reason` is s3x's
 * own wording (StoreError.reason).
 */
export function renderUnsavedReply(reply: Reply, reason: string): SlackMessage {
  const message = renderReply(reply);
  const note = `:warning: s3x could not save this answer (${reason}), so paging, Show event, Export CSV and Share are off for it. Ask again in a minute to get them.`;
  const blocks = [...message.blocks, contextBlock([note])];
  return checkBlockLimits(blocks, 'message').length === 0
    ? { ...message, blocks }
    : { ...message, blocks: [contextBlock([note]), ...message.blocks.slice(0, -1)] };
}

/** A stored answer, one page of it, with its buttons. */
export function renderStoredReply(reply: Reply, answerId: string, page: number, shared: boolean): SlackMessage {
  if (reply.kind === 'object-answer') {
    const view: AnswerView = { answerId, page, pageSize: objectAnswerPageSize(reply.answer), shared };
    const paged = buildObjectAnswerPage(reply.answer, view, reply.coverage?.note ?? reply.missingLogs);
    // Extras, each only while the message stays within Slack's limits.
    const extras = shared ? [] : [principalDrillActions(reply.answer, view), denyPrincipalActions(reply.answer, view)];
    const blocks = [...paged.blocks];
    for (const extra of extras) {
      if (extra && checkBlockLimits([...blocks, extra], 'message').length === 0) blocks.push(extra);
    }
    const message = { ...paged, blocks };
    const bucket = reply.answer.bucket;
    // Not logged for (part of) the window: offer the fix right where the gap was found.
    if (!reply.coverage || !bucket || shared || reply.unknownBucket || !needsLogging(reply.coverage)) return message;
    return { ...message, blocks: [...message.blocks, enableLoggingActions(bucket)] };
  }
  const message = withDenyButtons(renderReply(reply), reply, shared);
  const controls = answerControls({ answerId, page: 0, pageSize: Number.MAX_SAFE_INTEGER, shared }, itemCount(reply));
  const withControls = { ...message, blocks: [...message.blocks, ...controls] };
  // Controls are extras: a message already at Slack's limits goes out without them rather than failing.
  return checkBlockLimits(withControls.blocks, 'message').length === 0 ? withControls : message;
}

/**
 * A shared answer, as posted in the channel: who shared it and how much of it the post shows
 * ("15 of 159 events shown"), since the channel sees page 1 only.
 */
export function renderSharedReply(reply: Reply, answerId: string, sharedBy: string): SlackMessage {
  const message = renderStoredReply(reply, answerId, 0, true);
  const shown = shownOfTotal(reply);
  const line = `Shared by <@${sharedBy}>${shown ? ` · ${formatNumber(shown.shown)} of ${formatNumber(shown.total)} events shown` : ''}`;
  const blocks = [contextBlock([line]), ...message.blocks];
  const text = `<@${sharedBy}> shared: ${message.text}`;
  return checkBlockLimits(blocks, 'message').length === 0 ? { text, blocks } : { ...message, text };
}

/** How many events page 1 shows of all that matched, for answers that list events. */
function shownOfTotal(reply: Reply): { shown: number; total: number } | undefined {
  if (reply.kind === 'object-answer')
    return { shown: Math.min(objectAnswerPageSize(reply.answer), reply.answer.events.length), total: reply.answer.totalMatches };
  return undefined;
}

/** A denied answer scoped to one directory bucket offers "Deny <principal>" for its denied callers. */
function withDenyButtons(message: SlackMessage, reply: Reply, shared: boolean): SlackMessage {
  if (shared || reply.kind !== 'denied' || !reply.answer.bucket?.endsWith('--x-s3')) return message;
  const bucket = reply.answer.bucket;
  const block = denyButtons(
    reply.answer.groups.flatMap((g) => (g.principal && isPrincipalArn(g.principal) ? [{ bucket, arn: g.principal }] : [])),
  );
  if (!block) return message;
  const blocks = [...message.blocks, block];
  return checkBlockLimits(blocks, 'message').length === 0 ? { ...message, blocks } : message;
}

interface DenyButtonTarget {
  bucket: string;
  arn: string;
  /** The record's principalId, so the deny names that very session. */
  principalId?: string;
}

/** The value a "Deny" button carries back: `<bucket>|<arn>[|<principalId>]`. */
function denyButtonValue(target: DenyButtonTarget): string {
  return [target.bucket, target.arn, ...(target.principalId ? [target.principalId] : [])].join('|');
}

/** One button per (bucket, principal), labelled with both: "Deny DataEngineer/bob on analytics-hot". */
function denyButtons(targets: readonly DenyButtonTarget[]): KnownBlock | undefined {
  const unique = new Map<string, DenyButtonTarget>();
  for (const target of targets) {
    const key = `${target.bucket}|${target.arn}`;
    if (!unique.has(key) && denyButtonValue(target).length <= 2000) unique.set(key, target);
  }
  const usable = [...unique.values()].slice(0, 5);
  if (usable.length === 0) return undefined;
  return {
    type: 'actions',
    block_id: 's3x_deny_principals',
    elements: usable.map((target, i) => ({
      type: 'button',
      text: {
        type: 'plain_text',
        text: truncate(`Deny ${denyTargetLabel(denyTargetOf(target.arn))} on ${bucketBaseName(target.bucket)}`, 75),
      },
      action_id: `${ACTIONS.denyPrincipal}_${i}`,
      value: denyButtonValue(target),
    })),
  } as KnownBlock;
}

/** "analytics-hot" for `analytics-hot--use1-az4--x-s3`: the part people say. */
function bucketBaseName(bucket: string): string {
  return bucket.replace(/--[a-z0-9-]+--x-s3$/, '');
}

/** `2024-07-01T12:34Z`: a window edge as typed text; `up` rounds to the next minute so the edge stays inside. */
function minuteText(date: Date, up: boolean): string {
  const minute = 60_000;
  const ms = up ? Math.ceil(date.getTime() / minute) * minute : Math.floor(date.getTime() / minute) * minute;
  return `${new Date(ms).toISOString().slice(0, 16)}Z`;
}

/**
 * "What else did DataEngineer/mallory do?" for the principals on this page: the `principal`
 * question over the answer's window, one click away (the value is parsed like typed text).
 */
function principalDrillActions(answer: ObjectAnswer, view: AnswerView): KnownBlock | undefined {
  const page = answer.events.slice(view.page * view.pageSize, (view.page + 1) * view.pageSize);
  const window = `--since ${minuteText(answer.window.since, false)} --until ${minuteText(answer.window.until, true)}`;
  // Only ARNs IAM could have issued: a hostile one from a log file gets no button (and would not parse).
  const arns = [
    ...new Set(page.flatMap((event) => (event.principalArn && isPrincipalArn(event.principalArn) ? [event.principalArn] : []))),
  ]
    .map((arn) => ({ arn, value: `principal ${arn} ${window}` }))
    .filter(({ value }) => value.length <= 2000)
    .slice(0, 5);
  if (arns.length === 0) return undefined;
  return {
    type: 'actions',
    block_id: 's3x_principal_drill',
    elements: arns.map(({ arn, value }, i) => ({
      type: 'button',
      text: { type: 'plain_text', text: truncate(`What else did ${denyTargetLabel(denyTargetOf(arn))} do?`, 75) },
      action_id: `${ACTIONS.digestDrill}_${i}`,
      value,
    })),
  } as KnownBlock;
}

/** "Deny <principal>" for the people who deleted in a directory bucket, on this page: the fix one click away. */
function denyPrincipalActions(answer: ObjectAnswer, view: AnswerView): KnownBlock | undefined {
  if (answer.question !== 'who-deleted') return undefined;
  const page = answer.events.slice(view.page * view.pageSize, (view.page + 1) * view.pageSize);
  return denyButtons(
    page.flatMap((event) =>
      event.errorCode === null && event.principalArn && isPrincipalArn(event.principalArn) && event.bucket?.endsWith('--x-s3')
        ? [{ bucket: event.bucket, arn: event.principalArn, ...(event.principalId ? { principalId: event.principalId } : {}) }]
        : [],
    ),
  );
}

function enableLoggingActions(bucket: string): KnownBlock {
  return {
    type: 'actions',
    block_id: 's3x_coverage_fix',
    elements: [
      { type: 'button', text: { type: 'plain_text', text: 'Enable logging' }, action_id: ACTIONS.enableLogging, value: bucket },
    ],
  };
}

function itemCount(reply: Reply): number {
  return reply.kind === 'bucket-events' ? reply.answer.events.length : 0;
}
