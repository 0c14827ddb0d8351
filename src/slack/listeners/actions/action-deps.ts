import type { App } from '@slack/bolt';
import type { ApprovalService } from '../../../approvals/approval-service.js';
import type { Engine } from '../../../engines/engine.js';
import { buildErrorMessage } from '../../blocks/notice.js';
import type { AnswerAccessDeps } from '../answer-access.js';
import type { ReplyFn } from '../reply.js';

export type { ButtonClick } from '../reply.js';

export interface ActionDeps extends AnswerAccessDeps {
  engine: Engine;
  /** The change flow; undefined when no approvers are configured. */
  approvals?: ApprovalService;
}

/** Tell only the clicker, never replacing the answer they clicked on. */
export async function refuse(respond: ReplyFn, message: string): Promise<void> {
  await respond({ response_type: 'ephemeral', replace_original: false, ...buildErrorMessage(message) });
}

export type ActionRegistrar = (app: App, deps: ActionDeps) => void;
