import { randomUUID } from 'node:crypto';
import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  Logger,
  Middleware,
  RespondFn,
  SlackCommandMiddlewareArgs,
} from '@slack/bolt';
import { S3xError, userMessageOf } from '../../errors.js';
import type { KnownBlock, SlackMessage } from '../blocks/message.js';
import { buildErrorMessage } from '../blocks/notice.js';

/** What s3x sends back to a person: through the response_url, or the Web API when that is gone. */
export interface ReplyMessage {
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
  text: string;
  blocks?: KnownBlock[];
}

/** respond(), but it never throws: see `replyTo`. */
export type ReplyFn = (message: ReplyMessage) => Promise<void>;

/** The Web API calls the fallback makes (a subset of Bolt's client). */
export interface FallbackClient {
  chat: {
    postEphemeral(args: { channel: string; user: string; text: string; blocks?: KnownBlock[] }): Promise<unknown>;
    postMessage(args: { channel: string; text: string; blocks?: KnownBlock[] }): Promise<unknown>;
  };
}

export interface ReplyTarget {
  respond: RespondFn;
  client: FallbackClient;
  logger: Logger;
  userId: string;
  channelId?: string;
  /** For the log line: "the who-deleted answer", "button s3x_approve". */
  what: string;
}

/**
 * Reply through the response_url; when that fails (it lasts 30 minutes and 5 uses, then Slack
 * answers 404/410 and Bolt v5 throws RespondError), post the same message with the Web API to the
 * same person (or channel, for in-channel replies). When that fails too, one log line says what
 * was not delivered. Never throws: a reply that cannot be delivered must not undo the work done.
 */
export function replyTo(target: ReplyTarget): ReplyFn {
  return async (message) => {
    try {
      await target.respond(message);
      return;
    } catch (error) {
      const first = describeSlackError(error);
      if (!target.channelId) {
        target.logger.error(`could not deliver ${target.what} to ${target.userId}: response_url failed (${first})`);
        return;
      }
      const { text, blocks } = message;
      try {
        if (message.response_type === 'in_channel') {
          await target.client.chat.postMessage({ channel: target.channelId, text, ...(blocks ? { blocks } : {}) });
        } else {
          await target.client.chat.postEphemeral({
            channel: target.channelId,
            user: target.userId,
            text,
            ...(blocks ? { blocks } : {}),
          });
        }
        target.logger.warn(`response_url failed (${first}); delivered ${target.what} with the Web API instead`);
      } catch (fallbackError) {
        target.logger.error(
          `could not deliver ${target.what} to ${target.userId}: response_url failed (${first}), ` +
            `and the Web API fallback failed too (${describeSlackError(fallbackError)})`,
        );
      }
    }
  };
}

/**
 * A Slack error for the logs: the platform error code, the HTTP status, or the message. Never the
 * response_url (it is a credential for 30 minutes), which Bolt's RespondError does not carry.
 */
export function describeSlackError(error: unknown): string {
  const data = (error as { data?: { error?: unknown } } | null)?.data;
  if (typeof data?.error === 'string') return data.error;
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number') return `HTTP ${status}`;
  return error instanceof Error ? error.message : 'unknown error';
}

/** The Slack platform error code of a failed Web API call (`not_in_channel`, ...), if it has one. */
export function slackErrorCode(error: unknown): string | undefined {
  const code = (error as { data?: { error?: unknown } } | null)?.data?.error;
  return typeof code === 'string' ? code : undefined;
}

type ListenerArgs = AllMiddlewareArgs & { respond: RespondFn; ack: (...args: never[]) => Promise<void> };
export type Guarded<A extends ListenerArgs> = Omit<A, 'respond'> & { respond: ReplyFn };

/**
 * Every listener runs inside this: its respond() never throws (see `replyTo`), and anything that
 * escapes it is logged and told to the person in user-safe words, never as a stack trace.
 */
export function guarded<A extends ListenerArgs>(
  who: (args: A) => { what: string; userId: string; channelId?: string },
  handler: (args: Guarded<A>) => Promise<void>,
): (args: A) => Promise<void> {
  return async (args) => {
    const target = who(args);
    const respond = replyTo({ ...target, respond: args.respond, client: args.client, logger: args.logger });
    let acked = false;
    // Bolt's own ack, not wrapped in another async function (one promise fewer per ack).
    const ack = (...ackArgs: unknown[]) => {
      acked = true;
      return (args.ack as (...a: unknown[]) => Promise<void>)(...ackArgs);
    };
    try {
      await handler({ ...args, ack, respond } as Guarded<A>);
    } catch (error) {
      const message = failureMessage(args.logger, target.what, error);
      // Not acknowledged yet: acknowledge now, or Slack shows the person a timeout. A command's ack carries the message.
      if (!acked && 'command' in args) {
        await ack({ response_type: 'ephemeral', ...message }).catch(() => undefined);
        return;
      }
      if (!acked) await ack().catch(() => undefined);
      await respond({ response_type: 'ephemeral', replace_original: false, ...message });
    }
  };
}

/**
 * A failure for the log (with a reference the person can quote when it was unexpected) and for the
 * person, in user-safe words, never as a stack trace.
 */
export function failureMessage(logger: Logger, what: string, error: unknown): SlackMessage {
  const reference = randomUUID().slice(0, 8);
  if (error instanceof S3xError) logger.warn(`${what} failed (${error.code}): ${error.message}`);
  else logger.error(`${what} failed (ref ${reference})`, error);
  return buildErrorMessage(userMessageOf(error, reference));
}

export type ButtonClick = BlockAction<ButtonAction>;
export type CommandArgs = Guarded<SlackCommandMiddlewareArgs & AllMiddlewareArgs>;

/** The slash command listener, guarded. */
export function onCommand(handler: (args: CommandArgs) => Promise<void>): Middleware<SlackCommandMiddlewareArgs> {
  return guarded<SlackCommandMiddlewareArgs & AllMiddlewareArgs>(
    ({ command }) => ({ what: 'the /s3x reply', userId: command.user_id, channelId: command.channel_id }),
    handler,
  );
}
