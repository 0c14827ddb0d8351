import type { Logger } from '@slack/bolt';
import { type ApprovalRequest, TERMINAL_STATES } from '../../approvals/approval.js';
import type { ApprovalService, Outcome } from '../../approvals/approval-service.js';
import { SlackPostError } from '../../errors.js';
import type { ChangeRequest } from '../../remediation/types.js';
import { buildApprovalMessage, buildAuditRecord, buildDecidedMessage, buildPlanPreview } from '../blocks/change-request.js';
import { type ButtonClick, describeSlackError, type ReplyFn } from './reply.js';

/** The Web API calls the change flow makes (a subset of Bolt's client, so tests and replicas share it). */
export interface ChatClient extends StepClient {
  chat: {
    postMessage(args: { channel: string; text: string; blocks: unknown[]; thread_ts?: string }): Promise<{ ts?: string }>;
    update(args: { channel: string; ts: string; text: string; blocks: unknown[] }): Promise<unknown>;
  };
}

/** The Web API calls that complete a step (Bolt's client has them). */
export interface StepClient {
  functions: {
    completeSuccess(args: { function_execution_id: string; outputs: Record<string, unknown> }): Promise<unknown>;
    completeError(args: { function_execution_id: string; error: string }): Promise<unknown>;
  };
}

/**
 * Plan a change and show the requester the preview (never posted anywhere else yet). A planning or
 * store failure is thrown to the guarded listener, which logs it and tells the requester.
 */
export async function showPlan(
  approvals: ApprovalService,
  change: ChangeRequest,
  who: { userId: string; channelId: string },
  respond: ReplyFn,
  revertOf?: string,
): Promise<void> {
  const draft = await approvals.draft(change, who.userId, who.channelId, { revertOf });
  await respond({ response_type: 'ephemeral', replace_original: false, ...buildPlanPreview(draft) });
}

/**
 * Plan a change and post it for approval at once, with no preview: for a requester who is not
 * clicking in Slack (a Workflow Builder step, an assistant over `s3x mcp --allow-requests`).
 * `beforeSubmit` runs on the draft before anyone can see it. An empty plan stays a draft, never
 * posted. When Slack will not take the approval message, the request is withdrawn (nobody could
 * approve it) and a SlackPostError says so.
 */
export async function requestApproval(
  approvals: ApprovalService,
  client: Pick<ChatClient, 'chat'>,
  change: ChangeRequest,
  who: { userId: string; channelId: string; via?: string },
  beforeSubmit: (draft: ApprovalRequest) => Promise<void> = async () => undefined,
): Promise<Outcome> {
  const draft = await approvals.draft(change, who.userId, who.channelId, who.via ? { via: who.via } : {});
  if (draft.plan.calls.length === 0) return { ok: true, request: draft, message: draft.plan.summary };
  await beforeSubmit(draft);
  const submitted = await approvals.submit(draft.id, who.userId);
  if (!submitted.ok) return submitted;
  let ts: string | undefined;
  try {
    ts = (
      await client.chat.postMessage({
        channel: who.channelId,
        ...buildApprovalMessage(submitted.request, approvals.mayApprove()),
      })
    ).ts;
  } catch (error) {
    await approvals.reject(draft.id, who.userId);
    throw new SlackPostError(
      `Slack did not take the approval message in ${who.channelId} (${describeSlackError(error)}), so request ${draft.id} was withdrawn and nothing will change. Invite @s3x to that channel if it is not there, then ask again.`,
    );
  }
  if (ts) await approvals.attachMessage(draft.id, ts);
  return { ...submitted, request: (await approvals.get(draft.id)) ?? submitted.request };
}

/**
 * Replace the approval message's buttons with its current state; post the audit record once
 * decided; complete the Workflow Builder step that asked for it, if one did. The step is completed
 * even when Slack will not take the message update (and the other way round).
 */
export async function publishDecision(client: ChatClient, request: ApprovalRequest): Promise<void> {
  const results = await Promise.allSettled([publishMessage(client, request), completeWorkflowStep(client, request)]);
  for (const result of results) if (result.status === 'rejected') throw result.reason;
}

async function publishMessage(client: ChatClient, request: ApprovalRequest): Promise<void> {
  if (!request.messageTs) return;
  const decided = request.state !== 'pending';
  const message = decided ? buildDecidedMessage(request) : buildApprovalMessage(request);
  await client.chat.update({ channel: request.channelId, ts: request.messageTs, ...message });
  if (decided)
    await client.chat.postMessage({ channel: request.channelId, thread_ts: request.messageTs, ...buildAuditRecord(request) });
}

/** The text typed in one of the message's inputs (justification, reject reason), as the click carries it. */
export function typedInput(body: ButtonClick, input: { blockId: string; actionId: string }): string | undefined {
  const value = body.state?.values?.[input.blockId]?.[input.actionId]?.value;
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/**
 * After an applied revert: the change it undid is marked reverted, and its message shows that, with
 * no Revert button left. Best effort: the revert itself is applied and on record either way.
 */
export async function publishReverted(
  approvals: ApprovalService,
  client: ChatClient,
  revert: ApprovalRequest,
  logger: Logger,
): Promise<void> {
  try {
    const original = await approvals.markReverted(revert);
    if (original?.messageTs)
      await client.chat.update({ channel: original.channelId, ts: original.messageTs, ...buildDecidedMessage(original) });
  } catch (error) {
    logger.warn(`could not mark ${revert.revertOf} as reverted by ${revert.id}: ${describeSlackError(error)}`);
  }
}

/**
 * Complete the step that asked for `request`, once the request is final: applied, rejected or
 * expired complete it with the outcome; a change that was approved but failed to apply fails it.
 */
export async function completeWorkflowStep(client: StepClient, request: ApprovalRequest): Promise<void> {
  const executionId = request.workflowExecutionId;
  if (executionId === undefined || !TERMINAL_STATES.includes(request.state)) return;
  if (request.state === 'failed') {
    await client.functions.completeError({
      function_execution_id: executionId,
      error: `Request ${request.id} was approved but the change failed: ${request.outcome ?? 'no detail recorded'}`,
    });
    return;
  }
  const detail = {
    applied: request.outcome ?? 'Applied.',
    rejected: 'Rejected or withdrawn.',
    expired: `Not approved by ${request.expiresAt}.`,
  };
  await client.functions.completeSuccess({
    function_execution_id: executionId,
    outputs: { request_id: request.id, outcome: request.state, detail: detail[request.state as keyof typeof detail] },
  });
}

/**
 * Expire the pending requests whose time is up and publish each (message, audit record, waiting
 * workflow step). Run periodically: an expiry otherwise happens only when someone clicks.
 */
export const publishExpired = sweep(
  (approvals) => approvals.expireOverdue(),
  async (request, approvals, client) => void (await announceDecision(approvals, client, request)),
  (request) => `the expiry of approval request ${request.id}`,
);

/**
 * Revert the time-boxed changes whose time is up; each change's message shows how its time box
 * ended (no Revert left once reverted), and the revert's audit record goes in its thread.
 */
export const publishTimeBoxesEnded = sweep(
  (approvals) => approvals.revertTimeBoxed(),
  async ({ original, revert }, _approvals, client) => {
    if (!original.messageTs) return;
    await client.chat.update({ channel: original.channelId, ts: original.messageTs, ...buildDecidedMessage(original) });
    await client.chat.postMessage({ channel: original.channelId, thread_ts: original.messageTs, ...buildAuditRecord(revert) });
  },
  ({ original }) => `the end of the time box of ${original.id}`,
);

/**
 * A periodic sweep: `run` it, then publish each result on its own, so one Slack will not take is
 * logged and the rest still go out. Resolves to how many results the sweep had.
 */
function sweep<T>(
  run: (approvals: ApprovalService) => Promise<T[]>,
  publish: (result: T, approvals: ApprovalService, client: ChatClient) => Promise<void>,
  describe: (result: T) => string,
): (approvals: ApprovalService, client: ChatClient, logger: Pick<Logger, 'warn'>) => Promise<number> {
  return async (approvals, client, logger) => {
    const results = await run(approvals);
    for (const result of results) {
      try {
        await publish(result, approvals, client);
      } catch (error) {
        logger.warn(`could not publish ${describe(result)}: ${describeSlackError(error)}`);
      }
    }
    return results.length;
  };
}

/**
 * `publishDecision`, once per decision across clicks, replicas and the expiry sweep: a decided request is
 * published only by whoever claims its announcement, so a late or losing click rewrites nothing
 * and posts no second audit record. When Slack does not take it, the claim is given back and
 * the next click on the message publishes it; when its replica died mid-way, the claim runs
 * out after a lease. False when someone else had it. `unrecorded`: an
 * outcome the store could not take (so nothing to claim there): published as it is.
 */
export async function announceDecision(
  approvals: ApprovalService,
  client: ChatClient,
  request: ApprovalRequest,
  { unrecorded = false }: { unrecorded?: boolean } = {},
): Promise<boolean> {
  if (!request.messageTs && request.workflowExecutionId === undefined) return false;
  const claim = request.state !== 'pending' && !unrecorded;
  if (claim && !(await approvals.claimAnnouncement(request.id))) return false;
  try {
    await publishDecision(client, request);
  } catch (error) {
    if (claim) await approvals.releaseAnnouncement(request.id).catch(() => undefined);
    throw error;
  }
  // Not on record: the claim runs out, and a later click may post the outcome again.
  if (claim) await approvals.announced(request.id).catch(() => undefined);
  return true;
}

/**
 * `announceDecision`, for listeners: the decision is in the store already, so when Slack will not
 * take the update (5xx, rate limits past the retries) it is logged and the clicker is told what
 * happened, with `told`; the message may still show its buttons, and a later click on them shows
 * the recorded state.
 */
export async function publishOrTell(
  approvals: ApprovalService,
  client: ChatClient,
  request: ApprovalRequest,
  respond: ReplyFn,
  logger: Logger,
  told: string,
  options: { unrecorded?: boolean } = {},
): Promise<void> {
  try {
    await announceDecision(approvals, client, request, options);
  } catch (error) {
    logger.warn(`could not update the approval message of ${request.id}: ${describeSlackError(error)}`);
    await respond({
      response_type: 'ephemeral',
      replace_original: false,
      text: `${told} (Slack did not take the update of the approval message or its audit record, so the message may still show its buttons; the decision stands.)`,
    });
  }
}
