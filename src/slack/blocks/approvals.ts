import type { ApprovalRequest, AuditEntry } from '../../approvals/approval.js';
import { truncate } from '../../text/truncate.js';
import { escapeMrkdwn } from './limits.js';
import { buildMessage, contextBlock, type KnownBlock, mrkdwnSection, type SlackMessage } from './message.js';

const SHOWN = 20;

/** `/s3x approvals`: pending requests, newest first. */
export function buildApprovalsMessage(pending: readonly ApprovalRequest[]): SlackMessage {
  if (pending.length === 0)
    return buildMessage('No approval requests are pending.', [mrkdwnSection('No approval requests are pending.')]);
  const blocks: KnownBlock[] = [mrkdwnSection(`*${pending.length} pending approval request${pending.length === 1 ? '' : 's'}*`)];
  for (const request of pending.slice(0, SHOWN)) {
    blocks.push(
      mrkdwnSection(
        `• ${escapeMrkdwn(truncate(request.plan.summary, 300))}\n  requested by <@${request.requesterId}> in <#${request.channelId}> · ${request.approvals.length} of ${request.requiredApprovals} approvals · expires ${request.expiresAt.slice(0, 16).replace('T', ' ')} UTC`,
      ),
    );
  }
  if (pending.length > SHOWN) blocks.push(contextBlock([`…and ${pending.length - SHOWN} more.`]));
  return buildMessage(`${pending.length} pending approval requests`, blocks);
}

/** `/s3x audit`: the most recent entries of the append-only audit log. */
export function buildAuditMessage(entries: readonly AuditEntry[]): SlackMessage {
  if (entries.length === 0)
    return buildMessage('The audit log is empty.', [mrkdwnSection('The audit log is empty: no change has been planned yet.')]);
  const lines = entries
    .slice(0, 40)
    .map(
      (e) =>
        `\`${e.at.slice(0, 19).replace('T', ' ')}\` ${escapeMrkdwn(e.action)} by ${/^[UW][A-Z0-9]+$/.test(e.actor) ? `<@${e.actor}>` : escapeMrkdwn(e.actor)} · \`${e.requestId.slice(0, 8)}\` · ${escapeMrkdwn(truncate(e.detail, 150))}`,
    );
  const blocks: KnownBlock[] = [mrkdwnSection('*Recent changes (audit log)*')];
  for (let i = 0; i < lines.length; i += 10) blocks.push(mrkdwnSection(lines.slice(i, i + 10).join('\n')));
  return buildMessage(`${entries.length} audit entries`, blocks);
}
