import type { AllMiddlewareArgs, Context, Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import { checkAccess } from '../../access/access-policy.js';
import type { AlertsFeed } from '../../alerts/feed.js';
import type { StoredAnswer } from '../../answers/answer-store.js';
import { type ApprovalService, REMEDIATION_OFF } from '../../approvals/approval-service.js';
import { buildErrorMessage } from '../blocks/notice.js';
import { type AnswerAccessDeps, loadAnswerForClick } from './answer-access.js';
import { type ButtonClick, guarded, type ReplyFn } from './reply.js';

/**
 * Button listeners are Bolt listener chains: `guardClick` (ack, then everything after it guarded),
 * the checks this button needs, each run again at every click, then the listener itself, which
 * only parses the value, makes its one call and replies.
 */
export type ClickMiddleware = Middleware<SlackActionMiddlewareArgs<ButtonClick>>;

/** What a button listener gets: acknowledged already, and its respond() never throws (see `replyTo`). */
export type ClickArgs = Omit<SlackActionMiddlewareArgs<ButtonClick> & AllMiddlewareArgs, 'ack' | 'respond' | 'next'> & {
  respond: ReplyFn;
};

/** A stored answer the clicker may use, loaded by `storedAnswer`. */
export interface AnswerClick {
  answerId: string;
  answer: StoredAnswer;
}

/** What the checks found, passed down the chain in Bolt's per-request context. */
interface ClickState {
  reply: ReplyFn;
  approvals?: ApprovalService;
  alerts?: AlertsFeed;
  answer?: AnswerClick;
}

const CLICK_STATE = 's3xClick';

const ALERTS_OFF = 'Alerts are not running here.';

/** Tell only the clicker, never replacing the answer they clicked on. */
export async function refuse(respond: ReplyFn, message: string): Promise<void> {
  await respond({ response_type: 'ephemeral', replace_original: false, ...buildErrorMessage(message) });
}

/**
 * First in every button's chain: ack at once (Slack waits 3 s), then run the checks and the listener
 * guarded, so that whatever escapes them is logged and told to the clicker in user-safe words.
 */
const guardClick: ClickMiddleware = guarded<SlackActionMiddlewareArgs<ButtonClick> & AllMiddlewareArgs>(
  ({ action, body }) => ({ what: `button ${action.action_id}`, userId: body.user.id, channelId: body.channel?.id }),
  async ({ ack, respond, context, next }) => {
    await ack();
    const state: ClickState = { reply: respond };
    context[CLICK_STATE] = state;
    await next();
  },
);

function stateOf(context: Context): ClickState {
  const state = context[CLICK_STATE] as ClickState | undefined;
  if (!state) throw new Error('a button check ran outside onClick');
  return state;
}

function clicker(body: ButtonClick): { userId: string; channelId?: string } {
  return { userId: body.user.id, channelId: body.channel?.id };
}

type AccessDeps = Pick<AnswerAccessDeps, 'access' | 'groups'>;

/** Who may use s3x, asked again at every click: the lists and groups may have changed since the message. */
export function mayUseS3x(deps: AccessDeps): ClickMiddleware {
  return async ({ body, context, next }) => {
    const decision = await checkAccess(deps.access, clicker(body), deps.groups);
    if (!decision.allowed) return refuse(stateOf(context).reply, decision.reason);
    await next();
  };
}

/** The change flow exists only where approvers are configured. */
function changesOn(deps: { approvals?: ApprovalService }): ClickMiddleware {
  return featureOn('approvals', deps.approvals, REMEDIATION_OFF);
}

/** Alert buttons work only where the alert feed runs. */
export function alertsOn(deps: { alerts?: AlertsFeed }): ClickMiddleware {
  return featureOn('alerts', deps.alerts, ALERTS_OFF);
}

/** Refused with `off` where the feature is not configured; otherwise passed down the chain as `key`. */
function featureOn<K extends 'approvals' | 'alerts'>(key: K, feature: ClickState[K], off: string): ClickMiddleware {
  return async ({ context, next }) => {
    const state = stateOf(context);
    if (!feature) return refuse(state.reply, off);
    state[key] = feature;
    await next();
  };
}

/**
 * The stored answer a button names, for a clicker who may use it (see `loadAnswerForClick`, which
 * checks the clicker's access too). Only the id is read from the value, as `answerIdOf` cuts it.
 */
function storedAnswer(deps: AnswerAccessDeps, answerIdOf: (value: string) => string): ClickMiddleware {
  return async ({ body, action, context, next }) => {
    const state = stateOf(context);
    const answerId = answerIdOf(action.value ?? '');
    const lookup = await loadAnswerForClick(deps, clicker(body), answerId);
    if (!lookup.ok) return refuse(state.reply, lookup.message);
    state.answer = { answerId, answer: lookup.answer };
    await next();
  };
}

/** A button's chain for app.action: the guard, `checks` in order, then `listener`. */
export function onClick(checks: ClickMiddleware[], listener: (args: ClickArgs) => Promise<void>): ClickMiddleware[] {
  return [guardClick, ...checks, (args) => listener({ ...args, respond: stateOf(args.context).reply })];
}

/** A change-flow button: for people allowed to use s3x, where changes are configured. */
export function onChangeClick(
  deps: AccessDeps & { approvals?: ApprovalService },
  listener: (args: ClickArgs & { approvals: ApprovalService }) => Promise<void>,
): ClickMiddleware[] {
  return onClick([mayUseS3x(deps), changesOn(deps)], (args) =>
    listener({ ...args, approvals: checked(args.context, 'approvals') }),
  );
}

/**
 * A button on a stored answer. Its value is the answer id unless `answerIdOf` cuts the id out of
 * it; `before` runs ahead of the answer's lookup.
 */
export function onAnswerClick(
  deps: AnswerAccessDeps,
  listener: (args: ClickArgs & AnswerClick) => Promise<void>,
  { answerIdOf = (value) => value, before = [] }: { answerIdOf?: (value: string) => string; before?: ClickMiddleware[] } = {},
): ClickMiddleware[] {
  return onClick([...before, storedAnswer(deps, answerIdOf)], (args) =>
    listener({ ...args, ...checked(args.context, 'answer') }),
  );
}

/** What a check earlier in this button's chain passed down (`alertsOn` → `alerts`, ...). */
export function checked<K extends 'approvals' | 'alerts' | 'answer'>(context: Context, key: K): NonNullable<ClickState[K]> {
  const value = stateOf(context)[key];
  // A listener registered without the check it relies on: a bug, told to the clicker by the guard.
  if (value === undefined) throw new Error(`no check passed down ${key} for this button`);
  return value as NonNullable<ClickState[K]>;
}
