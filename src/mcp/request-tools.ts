import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ApprovalRequest } from '../approvals/approval.js';
import type { ApprovalService } from '../approvals/approval-service.js';
import { commandWords } from '../commands/command-words.js';
import { findSubcommand, type SubcommandSpec } from '../commands/grammar.js';
import { parseCommand } from '../commands/parse.js';
import { UsageError } from '../errors.js';
import type { ChangeRequest } from '../remediation/types.js';
import { type ChatClient, requestApproval } from '../slack/listeners/change-flow.js';
import { inputShapeFor, loggedToolCall, type ToolLog } from './question-tools.js';

/** `--allow-requests`: the changes an assistant may ask for (never apply), and the state of what it asked. */
export const REQUEST_TOOLS = {
  'request-enable-logging': 'enable-logging',
  'request-tighten': 'tighten',
} as const;
export const REQUEST_STATE_TOOL = 'request-state';

export interface RequestToolContext extends ToolLog {
  approvals: ApprovalService;
  client: Pick<ChatClient, 'chat'>;
  /** The Slack user the requests are made for: they can never approve them (a second person must). */
  requester: string;
  /** Where the approval message with Approve / Reject is posted. */
  channel: string;
  now: () => Date;
}

const NEVER_APPLIED =
  'Nothing is changed by this tool: it posts the plan in Slack, where a person other than the requester must approve it; ' +
  's3x applies it then, and only then. Use request-state with the returned id to follow it.';

/** Register the request tools and the state tool. */
export function registerRequestTools(server: McpServer, context: RequestToolContext): void {
  for (const [tool, command] of Object.entries(REQUEST_TOOLS)) {
    const spec = findSubcommand(command) as SubcommandSpec;
    server.registerTool(
      tool,
      {
        title: `Request s3x ${command}`,
        description: `Ask for approval to ${spec.summary} (the plan of \`/s3x ${spec.usage}\`). ${NEVER_APPLIED}`,
        inputSchema: inputShapeFor(spec),
        outputSchema: z.looseObject({}),
        annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
      },
      (args: Record<string, string | undefined>) =>
        loggedToolCall(tool, args, context, async () => {
          const change = changeOf(parseCommand(commandWords(spec, args), context.now()));
          const outcome = await requestApproval(context.approvals, context.client, change, {
            userId: context.requester,
            channelId: context.channel,
            via: `MCP client ${context.caller()}`,
          });
          if (!outcome.ok) throw new UsageError(outcome.reason);
          return describeRequest(outcome.request, context.now());
        }),
    );
  }
  server.registerTool(
    REQUEST_STATE_TOOL,
    {
      title: 'State of an s3x change request',
      description:
        'The state of a change request this server made: pending (waiting for an approver in Slack), applying, applied, failed, rejected (or withdrawn) or expired; with its plan and outcome.',
      inputSchema: { id: z.string().regex(/^[0-9a-f]{24}$/, 'a request id as returned by a request tool (24 hex digits)') },
      outputSchema: z.looseObject({}),
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    ({ id }: { id: string }) =>
      loggedToolCall(REQUEST_STATE_TOOL, { id }, context, async () => {
        const request = await context.approvals.get(id);
        // Only this requester's requests: the assistant reads no one else's plans.
        if (!request || request.requesterId !== context.requester)
          throw new UsageError(`There is no request ${id} made for ${context.requester}.`);
        return describeRequest(request, context.now());
      }),
  );
}

function changeOf(request: ReturnType<typeof parseCommand>): ChangeRequest {
  if (request.command === 'tighten') return { kind: 'tighten', bucket: request.bucket, change: request.change };
  if (request.command === 'enable-logging') return { kind: 'enable-logging', target: request.target };
  throw new Error(`${request.command} is not a change`);
}

/**
 * What the assistant gets back: the state as stored (a pending request past its expiry is
 * reported expired: no click can approve it any more), the plan in words, and the outcome.
 */
export function describeRequest(request: ApprovalRequest, now: Date): Record<string, unknown> {
  const overdue = request.state === 'pending' && now.toISOString() >= request.expiresAt;
  const state = request.state === 'draft' ? 'not-needed' : overdue ? 'expired' : request.state;
  const { plan } = request;
  return {
    id: request.id,
    state,
    requester: request.requesterId,
    channel: request.channelId,
    ...(request.requestedVia ? { requestedVia: request.requestedVia } : {}),
    plan: {
      summary: plan.summary,
      diff: plan.diff,
      warnings: plan.warnings,
      ...(plan.estimatedMonthlyCostUsd !== undefined ? { estimatedMonthlyCostUsd: plan.estimatedMonthlyCostUsd } : {}),
    },
    approvals: { given: request.approvals.length, required: request.requiredApprovals },
    createdAt: request.createdAt,
    expiresAt: request.expiresAt,
    ...(request.outcome ? { outcome: request.outcome } : {}),
    note:
      state === 'not-needed'
        ? 'Nothing to change: the account already is as asked. Nothing was posted.'
        : state === 'pending'
          ? `Posted in Slack channel ${request.channelId}; it changes nothing until a person other than ${request.requesterId} approves it there.`
          : `The request is ${state}.`,
  };
}
