import type { TimeWindow } from '../time/window.js';

/** The four questions about one object key. */
export const OBJECT_QUESTIONS = ['who-deleted', 'who-wrote', 'who-read', 'history'] as const;
export type ObjectQuestionName = (typeof OBJECT_QUESTIONS)[number];

export interface ObjectQuestionRequest {
  command: ObjectQuestionName;
  key: string;
  /** `who-deleted --prefix`: \`key\` is a prefix, matched literally, and every key starting with it counts. */
  matchPrefix?: true;
  bucket?: string;
  window: TimeWindow;
}

export interface HelpRequest {
  command: 'help';
  topic?: string;
}

export interface ActivityRequest {
  command: 'activity';
  bucket: string;
  window: TimeWindow;
}

export interface PrincipalRequest {
  command: 'principal';
  principal: string;
  window: TimeWindow;
}

export interface DeniedRequest {
  command: 'denied';
  bucket?: string;
  window: TimeWindow;
}

export interface BucketEventsRequest {
  command: 'bucket-events';
  bucket: string;
  window: TimeWindow;
}

export interface StatusRequest {
  command: 'status';
  /** Judge coverage from here to now (default: the last STATUS_WINDOW_DAYS days). */
  since?: Date;
}

export interface EnableLoggingRequest {
  command: 'enable-logging';
  /** One bucket, or every directory bucket (`--all`). */
  target: { bucket: string } | { all: true };
}

export type TightenChange =
  /**
   * `principalId`: the record's `userIdentity.principalId` (`AROA…:session` for a role session),
   * when the deny comes from a logged event; it pins the deny to that role's unique id.
   */
  | { kind: 'deny'; principalArn: string; principalId?: string }
  | { kind: 'read-only'; principalArn?: string }
  | { kind: 'vpce'; vpceId: string };

export interface TightenRequest {
  command: 'tighten';
  bucket: string;
  change: TightenChange;
  /** `--for 4h`: the change reverts itself this long after it is applied. */
  revertAfterMs?: number;
}

export interface ApprovalsRequest {
  command: 'approvals';
}

export interface AuditRequest {
  command: 'audit';
}

export interface AlertsRequest {
  command: 'alerts';
}

export interface DigestRequest {
  command: 'digest';
  /** `YYYY-MM-DD`; default: yesterday. */
  date?: string;
}

/** Everything `/s3x ...` can ask, already validated. */
export type S3xRequest =
  | HelpRequest
  | ObjectQuestionRequest
  | ActivityRequest
  | PrincipalRequest
  | DeniedRequest
  | BucketEventsRequest
  | StatusRequest
  | EnableLoggingRequest
  | TightenRequest
  | ApprovalsRequest
  | AuditRequest
  | AlertsRequest
  | DigestRequest;

export type CommandName = S3xRequest['command'];

/** The requests for a change, applied only after a second person's approval: never answered as questions. */
export type ChangeRequest = EnableLoggingRequest | TightenRequest;
const CHANGE_COMMANDS: readonly CommandName[] = ['enable-logging', 'tighten'];

export function isChangeCommand(name: CommandName): boolean {
  return CHANGE_COMMANDS.includes(name);
}

export function isChangeRequest(request: S3xRequest): request is ChangeRequest {
  return isChangeCommand(request.command);
}
