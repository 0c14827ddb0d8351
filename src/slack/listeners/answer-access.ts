import { type AccessLists, checkAccess, type GroupMembers } from '../../access/access-policy.js';
import type { AnswerStore, StoredAnswer } from '../../store/answer-store.js';

export interface AnswerAccessDeps {
  store: AnswerStore;
  access: AccessLists;
  groups: GroupMembers;
}

export type AnswerLookup = { ok: true; answer: StoredAnswer } | { ok: false; message: string };

/**
 * Every button on an answer comes here first: the clicker's own access is checked again (the
 * lists may have changed, the answer may be shared), then the stored answer is loaded by id.
 * A button value is never trusted as data: only the id is read from it.
 */
export async function loadAnswerForClick(
  deps: AnswerAccessDeps,
  click: { userId: string; channelId?: string },
  answerId: string,
): Promise<AnswerLookup> {
  const decision = await checkAccess(deps.access, click, deps.groups);
  if (!decision.allowed) return { ok: false, message: decision.reason };
  const answer = deps.store.load(answerId);
  if (!answer) return { ok: false, message: 'This answer has expired (answers are kept for 24 hours). Ask the question again.' };
  return { ok: true, answer };
}
