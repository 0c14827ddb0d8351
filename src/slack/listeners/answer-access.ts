import { type AccessLists, checkAccess, type GroupMembers } from '../../access/access-policy.js';
import { type AnswerStorage, answerIdExpired, type StoredAnswer } from '../../answers/answer-store.js';

export interface AnswerAccessDeps {
  store: AnswerStorage;
  now: () => Date;
  access: AccessLists;
  groups: GroupMembers;
}

export type AnswerLookup = { ok: true; answer: StoredAnswer } | { ok: false; message: string };

export const ONLY_THE_ASKER_PAGES =
  'Only the person who asked can page through this answer (a page replaces the message for everyone here): use Export CSV.';

export const NOT_YOUR_ANSWER =
  'This answer is private to the person who asked until they share it in this channel: ask the question yourself.';

/**
 * Every button on an answer comes here first: the clicker's own access is checked again (the
 * lists may have changed), then the stored answer is loaded by id and the privacy rule applied:
 * an answer is its asker's until it is shared; once shared in a channel, anyone allowed there
 * may use it (page, export, show event), as they can read it. A button value is never trusted as
 * data: only the id is read from it, and knowing an id gives nothing more.
 */
export async function loadAnswerForClick(
  deps: AnswerAccessDeps,
  click: { userId: string; channelId?: string },
  answerId: string,
): Promise<AnswerLookup> {
  const decision = await checkAccess(deps.access, click, deps.groups);
  if (!decision.allowed) return { ok: false, message: decision.reason };
  const answer = await deps.store.get(answerId);
  if (!answer) return { ok: false, message: missingAnswerMessage(answerId, deps.now()) };
  if (!mayUse(answer, click)) return { ok: false, message: NOT_YOUR_ANSWER };
  return { ok: true, answer };
}

/** The asker, anywhere; anyone else only in a channel where the answer was shared. */
export function mayUse(answer: StoredAnswer, click: { userId: string; channelId?: string }): boolean {
  return answer.userId === click.userId || isSharedIn(answer, click.channelId);
}

/** Whether the answer is public in `channelId` (it was shared there). */
export function isSharedIn(answer: StoredAnswer, channelId: string | undefined): boolean {
  return channelId !== undefined && answer.sharedIn.includes(channelId);
}

/** Only an answer made more than 24 hours ago has expired; any other id was never stored here. */
export function missingAnswerMessage(answerId: string, now: Date): string {
  return answerIdExpired(answerId, now)
    ? 'This answer has expired (answers are kept for 24 hours). Ask the question again.'
    : 'This answer was not found on this deployment (it may come from another s3x, or its store lost it). Ask the question again.';
}
