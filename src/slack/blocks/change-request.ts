import type { types } from '@slack/bolt';
import type { ApprovalRequest } from '../../approvals/approval.js';
import { planWords } from '../../remediation/plan-words.js';
import { ACTIONS } from '../ids.js';
import { escapeMrkdwn, MAX_BUTTON_TEXT, MAX_SECTION_TEXT, plainText, truncate } from './limits.js';
import { buildMessage, contextBlock, dividerBlock, type KnownBlock, mrkdwnSection, type SlackMessage } from './message.js';

const DIFF_SECTIONS = 4;

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

/** The plan as code blocks: summary, warnings, the diff (cut to fit, with a note). */
function planBlocks(request: ApprovalRequest): KnownBlock[] {
  const { plan } = request;
  const [headline = plan.summary, ...sentences] = planWords(plan);
  const blocks: KnownBlock[] = [mrkdwnSection(`*${escapeMrkdwn(truncate(headline, 500))}*`)];
  if (sentences.length > 0) blocks.push(mrkdwnSection(escapeMrkdwn(truncate(sentences.join('\n'), 2500))));
  if (plan.warnings.length > 0)
    blocks.push(contextBlock(plan.warnings.slice(0, 5).map((w) => `:warning: ${escapeMrkdwn(truncate(w, 500))}`)));
  const diff = escapeMrkdwn(plan.diff).replaceAll('```', 'ˋˋˋ');
  const size = MAX_SECTION_TEXT - 10;
  for (let i = 0; i < Math.min(DIFF_SECTIONS, Math.ceil(diff.length / size)); i++) {
    blocks.push(mrkdwnSection(`\`\`\`${diff.slice(i * size, (i + 1) * size)}\`\`\``));
  }
  if (diff.length > DIFF_SECTIONS * size)
    blocks.push(contextBlock(['The diff is longer than a message holds; the calls below are complete.']));
  const calls = plan.calls.map((call, i) => `${i + 1}. \`${call.api}\``).join('\n');
  blocks.push(contextBlock([`API calls, in order:\n${calls || 'none'}`]));
  if (plan.estimatedMonthlyCostUsd !== undefined)
    blocks.push(contextBlock([`Estimated data-event cost: about $${plan.estimatedMonthlyCostUsd.toFixed(2)} a month.`]));
  return blocks;
}

/** What the requester sees first: the plan, and a button (behind a confirm dialog) to ask for approval. */
export function buildPlanPreview(request: ApprovalRequest): SlackMessage {
  const empty = request.plan.calls.length === 0;
  const blocks: KnownBlock[] = [
    ...planBlocks(request),
    ...(empty
      ? [contextBlock(['Nothing to change.'])]
      : [
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
            ],
          } as KnownBlock,
        ]),
  ];
  return buildMessage(`Plan: ${request.plan.summary}`, blocks);
}

/** Posted in the channel for the approvers: the plan, who asked, until when, Approve / Reject. */
export function buildApprovalMessage(request: ApprovalRequest): SlackMessage {
  const blocks: KnownBlock[] = [
    mrkdwnSection(`:lock: <@${request.requesterId}> asks to change the account. A different approver must approve.`),
    ...planBlocks(request),
    contextBlock([
      `Request \`${request.id}\` · ${request.approvals.length} of ${request.requiredApprovals} approvals · expires ${request.expiresAt.replace('T', ' ').slice(0, 16)} UTC`,
    ]),
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

/** The approval message once decided: buttons gone, the outcome in their place (and Revert when possible). */
export function buildDecidedMessage(request: ApprovalRequest): SlackMessage {
  const revertable = request.state === 'applied' && request.plan.revert !== undefined;
  const blocks: KnownBlock[] = [
    mrkdwnSection(`${STATE_LINES[request.state] ?? request.state}: ${escapeMrkdwn(truncate(request.plan.summary, 400))}`),
    ...(request.outcome ? [contextBlock([escapeMrkdwn(truncate(request.outcome, 1500))])] : []),
    contextBlock([
      `Requested by <@${request.requesterId}>${request.approvals.length ? `, approved by ${request.approvals.map((a) => `<@${a}>`).join(', ')}` : ''} · request \`${request.id}\``,
    ]),
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
  return buildMessage(`${request.state}: ${request.plan.summary}`, blocks);
}

/** The audit record posted in the thread of the approval message. */
export function buildAuditRecord(request: ApprovalRequest): SlackMessage {
  const lines = [
    `*Audit* · request \`${request.id}\` · ${request.state}`,
    `Change: ${escapeMrkdwn(truncate(request.plan.summary, 400))}`,
    `Requested by <@${request.requesterId}> at ${request.createdAt}`,
    `Approved by ${request.approvals.map((a) => `<@${a}>`).join(', ') || 'nobody'}`,
    `API calls: ${request.plan.calls.map((c) => c.api).join(', ') || 'none'}`,
    ...(request.outcome ? [`Outcome: ${escapeMrkdwn(truncate(request.outcome, 1500))}`] : []),
  ];
  return buildMessage(`Audit: ${request.state} ${request.plan.summary}`, [mrkdwnSection(lines.join('\n'))]);
}
