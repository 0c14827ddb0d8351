import type { ApprovalService } from '../../../approvals/approval-service.js';
import type { Engine } from '../../../engines/engine.js';
import type { AnswerAccessDeps } from '../answer-access.js';

export interface ActionDeps extends AnswerAccessDeps {
  engine: Engine;
  /** The change flow; undefined when no approvers are configured. */
  approvals?: ApprovalService;
}
