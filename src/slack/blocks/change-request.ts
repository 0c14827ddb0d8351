import type { types } from '@slack/bolt';
import type { ApprovalRequest, MayApprove } from '../../approvals/approval.js';
import { MAX_JUSTIFICATION } from '../../approvals/approval-service.js';
import { EXPIRY_ACTOR } from '../../approvals/expiry.js';
import { planWords } from '../../remediation/plan-words.js';
import { truncate } from '../../text/truncate.js';
import { ACTIONS, VIEWS } from '../ids.js';
import { assertBlockLimits, escapeAndTruncate, escapeMrkdwn, MAX_BUTTON_TEXT, MAX_SECTION_TEXT, plainText } from './limits.js';
import { buildMessage, contextBlock, dividerBlock, type KnownBlock, mrkdwnSection, type SlackMessage } from './message.js';

/** Sections of diff a modal shows (each up to 3,000 characters). */
const DIFF_SECTIONS = 40;

export function button(
  text: string,
  actionId: string,
  value: string,
  style?: 'primary' | 'danger',
  confirm?: types.ConfirmationDialog,
): types.Button {
  return {
    type: 'button',
    text: plainText(text, MAX_BUTTON_TEXT),
    action_id: actionId,
    value,
    ...(style ? { style } : {}),
    ...(confirm ? { confirm } : {}),
  };
}

export function confirm(title: string, text: string, yes: string): types.ConfirmationDialog {
  return {
    title: plainText(title, 100),
    text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(text), 300) },
    confirm: plainText(yes, 30),
    deny: { type: 'plain_text', text: 'Cancel' },
  };
}

/** Input blocks whose typed text comes back with the button clicks of the same message. */
export const CHANGE_INPUTS = {
  justification: { blockId: 's3x_justification', actionId: 'justification' },
  rejectReason: { blockId: 's3x_reject_reason', actionId: 'reason' },
} as const;

/** The plan in words first: what changes, whom it names, who else it reaches; then why, warnings, calls. */
function planBlocks(request: ApprovalRequest): KnownBlock[] {
  const { plan } = request;
  const [headline = plan.summary, ...sentences] = planWords(plan);
  const blocks: KnownBlock[] = [mrkdwnSection(`*${escapeMrkdwn(truncate(headline, 500))}*`)];
  if (sentences.length > 0) blocks.push(mrkdwnSection(escapeMrkdwn(truncate(sentences.join('\n'), 2500))));
  if (request.justification) blocks.push(mrkdwnSection(`*Why:* ${escapeMrkdwn(truncate(request.justification, 600))}`));
  if (plan.warnings.length > 0)
    blocks.push(contextBlock(plan.warnings.slice(0, 5).map((w) => `:warning: ${escapeMrkdwn(truncate(w, 500))}`)));
  const calls = plan.calls.map((call, i) => `${i + 1}. \`${call.api}\``).join('\n');
  blocks.push(contextBlock([`API calls, in order:\n${calls || 'none'}`]));
  if (plan.estimatedMonthlyCostUsd !== undefined)
    blocks.push(contextBlock([`Estimated data-event cost: about $${plan.estimatedMonthlyCostUsd.toFixed(2)} a month.`]));
  return blocks;
}

function showDiffButton(request: ApprovalRequest): types.Button[] {
  return request.plan.diff === '' ? [] : [button('Show diff', ACTIONS.showDiff, request.id)];
}

function textInput(input: { blockId: string; actionId: string }, label: string, placeholder: string): KnownBlock {
  return {
    type: 'input',
    block_id: input.blockId,
    optional: true,
    label: plainText(label, 2000),
    element: {
      type: 'plain_text_input',
      action_id: input.actionId,
      multiline: true,
      max_length: MAX_JUSTIFICATION,
      placeholder: plainText(placeholder, 150),
    },
  } as KnownBlock;
}

/** "<@U1>, <@U2> or a member of <!subteam^S1>, not the requester". */
function whoMayApprove(request: ApprovalRequest, may: MayApprove | undefined): string {
  if (!may) return 'an approver (S3X_APPROVERS / S3X_APPROVER_GROUP), not the requester';
  const people = may.users.filter((user) => user !== request.requesterId).map((user) => person(user));
  const group = may.group ? [`a member of <!subteam^${may.group}>`] : [];
  const all = [...people, ...group];
  const named = all.length <= 1 ? (all[0] ?? 'nobody') : `${all.slice(0, -1).join(', ')} or ${all.at(-1)}`;
  return `${named}, not the requester`;
}

/** A Slack user as a mention; s3x itself (a time box's revert) by name. */
function person(id: string): string {
  return /^[UW][A-Z0-9]{2,}$/.test(id) ? `<@${id}>` : escapeMrkdwn(id);
}

function utcMinute(iso: string): string {
  return `${iso.replace('T', ' ').slice(0, 16)} UTC`;
}

/** The diff, in full, in a modal ("Show diff"): the message keeps the plan in words. */
export function buildDiffView(request: ApprovalRequest): types.ModalView {
  const diff = escapeMrkdwn(request.plan.diff).replaceAll('```', 'ˋˋˋ');
  const size = MAX_SECTION_TEXT - 10;
  const sections = Math.ceil(diff.length / size);
  const shown = Math.min(sections, DIFF_SECTIONS);
  const blocks: KnownBlock[] = [mrkdwnSection(`*${escapeMrkdwn(truncate(request.plan.summary, 500))}*`)];
  for (let i = 0; i < shown; i++) blocks.push(mrkdwnSection(`\`\`\`${diff.slice(i * size, (i + 1) * size)}\`\`\``));
  if (sections === 0) blocks.push(contextBlock(['No difference: nothing changes.']));
  if (sections > shown)
    blocks.push(contextBlock(['The diff is longer than a window holds; the API calls applied are the stored plan in full.']));
  assertBlockLimits(blocks, 'modal');
  return {
    type: 'modal',
    callback_id: VIEWS.planDiff,
    title: plainText('Diff', 24),
    close: plainText('Close', 24),
    blocks,
  };
}

/** What the requester sees first: the plan, why (typed here), and a button (behind a confirm dialog) to ask for approval. */
export function buildPlanPreview(request: ApprovalRequest): SlackMessage {
  const empty = request.plan.calls.length === 0;
  const blocks: KnownBlock[] = [
    ...planBlocks(request),
    ...(empty
      ? [contextBlock(['Nothing to change.'])]
      : [
          textInput(
            CHANGE_INPUTS.justification,
            'Why is this change needed?',
            'e.g. mallory deleted reports/2024/ at 03:12; INC-4711',
          ),
          {
            type: 'actions',
            block_id: 's3x_plan',
            elements: [
              button(
                'Request approval',
                ACTIONS.submitChange,
                request.id,
                'primary',
                confirm(
                  'Request approval?',
                  `${request.plan.summary}. A different approver must approve before anything changes.`,
                  'Request',
                ),
              ),
              button('Discard', ACTIONS.reject, request.id),
              ...showDiffButton(request),
            ],
          } as KnownBlock,
        ]),
  ];
  return buildMessage(`Plan: ${request.plan.summary}`, blocks);
}

/** " through MCP client …": the program a request came through (its name is the client's own, so escaped). */
function requestedVia(request: ApprovalRequest): string {
  return request.requestedVia ? ` through ${escapeAndTruncate(request.requestedVia, 120)}` : '';
}

/** Posted in the channel for the approvers: the plan in words, why, who may approve, until when, Approve / Reject. */
export function buildApprovalMessage(request: ApprovalRequest, mayApprove?: MayApprove): SlackMessage {
  const blocks: KnownBlock[] = [
    mrkdwnSection(`:lock: ${person(request.requesterId)} asks to change the account${requestedVia(request)}.`),
    ...planBlocks(request),
    ...(request.justification ? [] : [contextBlock(['No reason was given.'])]),
    contextBlock([
      `Who may approve: ${whoMayApprove(request, mayApprove)} · ${request.approvals.length} of ${request.requiredApprovals} approvals · expires ${utcMinute(request.expiresAt)} · request \`${request.id}\``,
    ]),
    textInput(CHANGE_INPUTS.rejectReason, 'Reason, if you reject', 'What is wrong with this change?'),
    {
      type: 'actions',
      block_id: 's3x_approval',
      elements: [
        button(
          'Approve',
          ACTIONS.approve,
          request.id,
          'primary',
          confirm('Approve and apply?', `${request.plan.summary}. This changes the account now.`, 'Approve'),
        ),
        button(
          'Reject',
          ACTIONS.reject,
          request.id,
          'danger',
          confirm('Reject?', 'The request will be closed; nothing changes.', 'Reject'),
        ),
        ...showDiffButton(request),
      ],
    } as KnownBlock,
  ];
  return buildMessage(`Approval needed: ${request.plan.summary}`, blocks);
}

const STATE_LINES: Record<string, string> = {
  applied: ':white_check_mark: *Applied*',
  failed: ':x: *Failed*',
  rejected: ':no_entry_sign: *Rejected*',
  expired: ':hourglass: *Expired*',
  pending: ':lock: *Waiting for approval*',
  applying: ':gear: *Applying…*',
  draft: ':memo: *Draft*',
};

/** Who decided, in one line: approved by, rejected by (and why), withdrawn, expired unapproved. */
function decisionLine(request: ApprovalRequest): string {
  const approvedBy = request.approvals.map((a) => person(a)).join(', ');
  switch (request.state) {
    case 'rejected': {
      const reason = request.rejectReason ? `: ${escapeMrkdwn(truncate(request.rejectReason, 600))}` : ' (no reason given)';
      if (!request.rejectedBy) return `Rejected${reason}`;
      return request.rejectedBy === request.requesterId
        ? `Withdrawn by the requester ${person(request.rejectedBy)}${request.rejectReason ? reason : ''}`
        : `Rejected by ${person(request.rejectedBy)}${reason}`;
    }
    case 'expired':
      return `Expired at ${utcMinute(request.expiresAt)} with ${request.approvals.length} of ${request.requiredApprovals} approvals${approvedBy ? ` (${approvedBy})` : ''}`;
    default:
      if (request.requesterId === EXPIRY_ACTOR && request.revertOf)
        return `Applied by s3x when the time box of request \`${request.revertOf}\` ended (approved with that change)`;
      return approvedBy ? `Approved by ${approvedBy}` : 'Not approved by anyone';
  }
}

/** A time-boxed change: when it reverts itself, or how its time box ended when it was not reverted. */
function timeBoxLines(request: ApprovalRequest): KnownBlock[] {
  if (!request.revertAt || request.revertedBy) return [];
  const ended = request.expiryRevert;
  if (ended && ended.state !== 'claimed')
    return [contextBlock([`:warning: ${escapeMrkdwn(truncate(ended.detail ?? 'The time box ended; not reverted.', 1500))}`])];
  return [contextBlock([`:hourglass_flowing_sand: Time-boxed: reverts itself at ${utcMinute(request.revertAt)}.`])];
}

/** The approval message once decided: buttons gone, the outcome in their place (and Revert when possible). */
export function buildDecidedMessage(request: ApprovalRequest): SlackMessage {
  const reverted = request.revertedBy !== undefined;
  const revertable = request.state === 'applied' && request.plan.revert !== undefined && !reverted;
  const blocks: KnownBlock[] = [
    mrkdwnSection(
      `${STATE_LINES[request.state] ?? request.state}${reverted ? ' · :leftwards_arrow_with_hook: *Reverted*' : ''}: ${escapeMrkdwn(truncate(request.plan.summary, 400))}`,
    ),
    ...(request.outcome ? [contextBlock([escapeMrkdwn(truncate(request.outcome, 1500))])] : []),
    ...(reverted ? [contextBlock([`Undone by request \`${request.revertedBy}\`.`])] : []),
    ...timeBoxLines(request),
    ...(request.justification ? [contextBlock([`Why: ${escapeMrkdwn(truncate(request.justification, 600))}`])] : []),
    contextBlock([`Requested by ${person(request.requesterId)} · ${decisionLine(request)} · request \`${request.id}\``]),
    ...(revertable
      ? [
          dividerBlock(),
          {
            type: 'actions',
            block_id: 's3x_revert',
            elements: [
              button(
                'Revert',
                ACTIONS.revert,
                request.id,
                undefined,
                confirm('Plan a revert?', 'Restores the bucket policy exactly as it was before, after approval.', 'Plan revert'),
              ),
            ],
          } as KnownBlock,
        ]
      : []),
  ];
  return buildMessage(`${reverted ? 'reverted' : request.state}: ${request.plan.summary}`, blocks);
}

/** The audit record posted in the thread of the approval message. */
export function buildAuditRecord(request: ApprovalRequest): SlackMessage {
  const lines = [
    `*Audit* · request \`${request.id}\` · ${request.state}`,
    `Change: ${escapeMrkdwn(truncate(request.plan.summary, 400))}`,
    `Requested by ${person(request.requesterId)} at ${request.createdAt}`,
    ...(request.justification ? [`Why: ${escapeMrkdwn(truncate(request.justification, 600))}`] : []),
    decisionLine(request),
    `API calls: ${request.plan.calls.map((c) => c.api).join(', ') || 'none'}`,
    ...(request.outcome ? [`Outcome: ${escapeMrkdwn(truncate(request.outcome, 1500))}`] : []),
  ];
  return buildMessage(`Audit: ${request.state} ${request.plan.summary}`, [mrkdwnSection(lines.join('\n'))]);
}
