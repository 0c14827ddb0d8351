import type { Plan } from '../remediation/types.js';

/**
 * An approval request's life: draft (plan shown to the requester) → pending (posted for approval)
 * → applying (exactly one click wins the compare-and-set) → applied | failed; or rejected /
 * expired / cancelled. Terminal states never change again.
 */
export type ApprovalState = 'draft' | 'pending' | 'applying' | 'applied' | 'failed' | 'rejected' | 'expired';

export interface ApprovalRequest {
  id: string;
  state: ApprovalState;
  /** Bumped on every transition: the compare-and-set token. */
  version: number;
  plan: Plan;
  requesterId: string;
  channelId: string;
  /** The approval message, once posted, so its buttons can be replaced by the outcome. */
  messageTs?: string;
  approvals: string[];
  requiredApprovals: number;
  createdAt: string;
  expiresAt: string;
  /** Set when applied or failed: what happened, for the audit record. */
  outcome?: string;
  /** For a revert: the request it undoes. */
  revertOf?: string;
  /** The program the requester acted through ("MCP client claude-code/1.0 via stdio"), when not Slack itself. */
  requestedVia?: string;
  /** Requested by a Workflow Builder step: its execution, completed when the request reaches a final state. */
  workflowExecutionId?: string;
  /**
   * While `applying`: the replica applying it, and until when that claim holds. The owner renews
   * it while it works; only a request whose lease has run out is taken over by recovery.
   */
  lease?: ApplyLease;
  /**
   * Once decided, who posts the outcome to Slack (the message update and its audit record):
   * `posted` once it is there; before that, a claim that holds until `until` (its replica may
   * die mid-way). Claimed with compare-and-set, so the outcome is posted once.
   */
  announcement?: { posted: true } | { until: string };
  /** Why the requester asks (typed when requesting approval). */
  justification?: string;
  /** Rejected: who rejected (or withdrew) it, and why. */
  rejectedBy?: string;
  rejectReason?: string;
  /** Applied, then undone: the revert request that undid it. */
  revertedBy?: string;
  /** Time-boxed and applied: when s3x reverts it by itself (ISO instant). */
  revertAt?: string;
  /** The automatic revert of a time-boxed change: claimed by one replica, then done or refused. */
  expiryRevert?: { id: string; claimedAt: string; state: 'claimed' | 'done' | 'refused' | 'failed'; detail?: string };
}

export interface ApplyLease {
  owner: string;
  expiresAt: string;
}

/** Who may approve: Slack user ids, and a user group whose members may. */
export interface MayApprove {
  users: string[];
  group?: string;
}

export interface AuditEntry {
  at: string;
  requestId: string;
  actor: string;
  action: string;
  detail: string;
}

/**
 * Where approval requests and the audit log live: SQLite for one replica, DynamoDB for several.
 * Every state change is a compare-and-set on `version`; it returns false when someone else won.
 */
export interface ApprovalStore {
  create(request: ApprovalRequest): Promise<void>;
  get(id: string): Promise<ApprovalRequest | undefined>;
  /** Write `next` only if the stored version is still `expectedVersion`. */
  compareAndSet(next: ApprovalRequest, expectedVersion: number): Promise<boolean>;
  /**
   * Optional: `compareAndSet` and `appendAudit` as one atomic write, so a transition is never on
   * record without its audit entry. Without it the service makes both writes in turn and, if the
   * audit entry fails, puts the request back as it was.
   */
  transition?(next: ApprovalRequest, expectedVersion: number, audit: AuditEntry): Promise<boolean>;
  listByState(state: ApprovalState, limit: number): Promise<ApprovalRequest[]>;
  appendAudit(entry: AuditEntry): Promise<void>;
  recentAudit(limit: number): Promise<AuditEntry[]>;
}

export const TERMINAL_STATES: readonly ApprovalState[] = ['applied', 'failed', 'rejected', 'expired'];
