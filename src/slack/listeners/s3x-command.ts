import type { App, Logger } from '@slack/bolt';
import { accessByLists, checkAccess } from '../../access/access-policy.js';
import { WATCH_MS } from '../../alerts/watch.js';
import { type AnswerDeps, answerRequest, isInstant, isInstantCommand, type Reply } from '../../answers/answer-request.js';
import { isStored } from '../../answers/registry.js';
import { type ApprovalService, REMEDIATION_OFF } from '../../approvals/approval-service.js';
import { SUBCOMMANDS } from '../../commands/grammar.js';
import { parseSlackText } from '../../commands/parse.js';
import { isChangeCommand, isChangeRequest, type S3xRequest } from '../../commands/requests.js';
import { StoreError, userMessageOf } from '../../errors.js';
import type { ChangeRequest } from '../../remediation/types.js';
import { watchBlock } from '../blocks/answer-controls.js';
import { checkBlockLimits } from '../blocks/limits.js';
import { contextBlock, type SlackMessage } from '../blocks/message.js';
import { buildErrorMessage, buildWorkingMessage } from '../blocks/notice.js';
import { SLASH_COMMAND } from '../ids.js';
import { renderReply, renderStoredReply, renderUnsavedReply } from '../render.js';
import type { AnswerAccessDeps } from './answer-access.js';
import { showPlan } from './change-flow.js';
import { failureMessage, onCommand } from './reply.js';

/** What a command's ack carries: always private to the asker. */
type AckMessage = SlackMessage & { response_type: 'ephemeral' };

export interface CommandDeps extends AnswerDeps, AnswerAccessDeps {
  now: () => Date;
  approvals?: ApprovalService;
}

/**
 * `/s3x ...`: parse (pure, microseconds), ack at once (help and errors inside the ack), then
 * answer through the response_url. Answers are ephemeral: only the asker sees them.
 */
export function registerS3xCommand(app: App, deps: CommandDeps): void {
  // A full queue turns many asks away in a row with the same few wordings (the queue's, the asker
  // limit's, which alternate): each one's ack is built once.
  const busyAcks = new Map<string, AckMessage>();
  const busyAck = (busy: string): AckMessage => {
    let ack = busyAcks.get(busy);
    if (!ack) {
      if (busyAcks.size >= BUSY_WORDINGS_KEPT) busyAcks.clear();
      ack = { response_type: 'ephemeral', ...buildErrorMessage(busy) };
      busyAcks.set(busy, ack);
    }
    return ack;
  };
  /** The queue's refusal for this asker, if it is full for them: acked with no work, no second request to Slack. */
  const refusal = (userId: string): AckMessage | undefined => {
    const busy = deps.engine.busyMessage?.(userId);
    return busy ? busyAck(busy) : undefined;
  };
  app.command(
    SLASH_COMMAND,
    onCommand(async ({ ack, command, respond, logger }) => {
      const asker = { userId: command.user_id, channelId: command.channel_id };
      // A question while the queue is full is turned away before its words are parsed (nothing would
      // use them), after the access check; a malformed one then gets the queue's refusal, not its usage error.
      const busy = namesAQuestion(command.text ?? '') ? deps.engine.busyMessage?.(command.user_id) : undefined;
      if (busy) {
        const byLists = accessByLists(deps.access, asker);
        const decision = byLists ?? (await checkAccess(deps.access, asker, deps.groups));
        if (!decision.allowed) {
          await ack({ response_type: 'ephemeral', ...buildErrorMessage(decision.reason) });
          return;
        }
        // Asked again after a group lookup: it may have waited for Slack while questions ended.
        const refused = byLists ? busyAck(busy) : refusal(command.user_id);
        if (refused) {
          await ack(refused);
          return;
        }
      }
      let request: S3xRequest;
      try {
        request = parseSlackText(command.text ?? '', deps.now(), deps.limits);
      } catch (error) {
        await ack({ response_type: 'ephemeral', ...buildErrorMessage(userMessageOf(error)) });
        return;
      }
      if (request.command === 'help') {
        await ack({ response_type: 'ephemeral', ...renderReply(await answerRequest(request, deps)) });
        return;
      }
      const decision = accessByLists(deps.access, asker) ?? (await checkAccess(deps.access, asker, deps.groups));
      if (!decision.allowed) {
        await ack({ response_type: 'ephemeral', ...buildErrorMessage(decision.reason) });
        return;
      }
      if (isChangeRequest(request)) {
        if (!deps.approvals) {
          await ack({ response_type: 'ephemeral', ...buildErrorMessage(REMEDIATION_OFF) });
          return;
        }
        await ack({ response_type: 'ephemeral', text: 'Planning the change…' });
        const change: ChangeRequest =
          request.command === 'tighten'
            ? {
                kind: 'tighten',
                bucket: request.bucket,
                change: request.change,
                ...(request.revertAfterMs ? { revertAfterMs: request.revertAfterMs } : {}),
              }
            : { kind: 'enable-logging', target: request.target };
        await showPlan(deps.approvals, change, asker, respond);
        return;
      }
      if (isInstant(request)) {
        await ack({ response_type: 'ephemeral', ...renderReply(await answerRequest(request, deps)) });
        return;
      }
      const refused = refusal(command.user_id);
      if (refused) {
        await ack(refused);
        return;
      }
      await ack({ response_type: 'ephemeral', ...buildWorkingMessage(describeRequest(request)) });

      let message: SlackMessage;
      let inChannel = false;
      try {
        const reply = await answerAs(command.user_id, request, deps);
        // `/s3x digest` posts for everyone in the channel; every other answer stays private until shared.
        inChannel = reply.kind === 'digest';
        message = await renderAnswer(
          reply,
          () => deps.store.save({ teamId: command.team_id, userId: command.user_id, channelId: command.channel_id }, reply),
          inChannel,
          logger,
          { now: deps.now(), watching: deps.alerts !== undefined },
        );
      } catch (error) {
        message = failureMessage(logger, `s3x ${request.command}`, error);
      }
      // Delivered even if the response_url expired meanwhile (30 min, 5 uses): then through the Web API.
      await respond({ response_type: inChannel ? 'in_channel' : 'ephemeral', replace_original: false, ...message });
    }),
  );
}

/** The subcommands the question queue answers: not help, not those answered inside the ack, not changes. */
const QUESTION_NAMES: ReadonlySet<string> = new Set(
  SUBCOMMANDS.map((spec) => spec.name).filter((name) => !isInstantCommand(name) && !isChangeCommand(name)),
);
const FIRST_WORD = /^\s*(\S+)/;
/** Refusal wordings whose acks are kept; past it they are built again (a queue's wordings are a few). */
const BUSY_WORDINGS_KEPT = 8;

/** Whether the text starts with the name of a subcommand the question queue answers (as parseSlackText reads the name). */
function namesAQuestion(text: string): boolean {
  const word = FIRST_WORD.exec(text)?.[1];
  return word !== undefined && QUESTION_NAMES.has(word.toLowerCase());
}

/** A question's answer, counted as one of the asker's questions (S3X_MAX_QUESTIONS_PER_USER). */
export function answerAs(asker: string, request: S3xRequest, deps: CommandDeps): Promise<Reply> {
  const answer = () => answerRequest(request, deps);
  return deps.engine.askAs ? deps.engine.askAs(asker, answer) : answer();
}

/**
 * An answer as Slack shows it: stored for paging, export and sharing when worth it. If the store
 * cannot take it (busy, full), the answer is still shown, without the buttons that need it.
 */
export async function renderAnswer(
  reply: Reply,
  save: () => Promise<string>,
  shared: boolean,
  logger: Logger,
  options: { now?: Date; watching?: boolean } = {},
): Promise<SlackMessage> {
  if (!isStored(reply)) return withAlertsCoverageNote(renderReply(reply), reply, options.watching === true);
  let answerId: string;
  try {
    answerId = await save();
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    logger.warn(`could not store the ${reply.kind} answer (${error.code}): ${error.message}`);
    return renderUnsavedReply(reply, error.reason);
  }
  const message = renderStoredReply(reply, answerId, 0, shared);
  // Late events can still arrive for a window that reaches the last hour: offer to watch for them.
  const now = options.now;
  // A watch follows one key (the alert feed matches keys exactly), so a prefix answer offers none.
  if (!options.watching || shared || !now || reply.kind !== 'object-answer' || reply.answer.matchPrefix) return message;
  if (reply.answer.window.until.getTime() < now.getTime() - WATCH_MS) return message;
  const blocks = [...message.blocks, watchBlock(answerId)];
  return checkBlockLimits(blocks, 'message').length === 0 ? { ...message, blocks } : message;
}

function describeRequest(request: S3xRequest): string {
  switch (request.command) {
    case 'who-deleted':
      return request.matchPrefix ? `what was deleted under \`${request.key}\`` : `who deleted \`${request.key}\``;
    case 'who-wrote':
      return `who wrote \`${request.key}\``;
    case 'who-read':
      return `who read \`${request.key}\``;
    case 'history':
      return `the history of \`${request.key}\``;
    case 'bucket-events':
      return `bucket-level events on \`${request.bucket}\``;
    default:
      return request.command;
  }
}

/** Real-time alerts see what the trails log: data events reach EventBridge, and s3x, only for covered buckets. */
export const ALERTS_COVERAGE_NOTE =
  'Real-time alerts see the same coverage: object events reach EventBridge, and s3x alerts, only for buckets a logging trail covers.';

/** Where alerts run, `/s3x status` says what they can see; an extra line, left out when the message is full. */
function withAlertsCoverageNote(message: SlackMessage, reply: Reply, alertsOn: boolean): SlackMessage {
  if (!alertsOn || reply.kind !== 'status') return message;
  const blocks = [...message.blocks, contextBlock([ALERTS_COVERAGE_NOTE])];
  return checkBlockLimits(blocks, 'message').length === 0 ? { ...message, blocks } : message;
}
