import type { AdvancedEventSelector, EventSelector } from '../cloudtrail/selectors.js';
import type { Trail } from '../cloudtrail/trail.js';
import type { TightenChange } from '../commands/requests.js';

/** A change s3x can make to an account, as asked for (before planning). */
export type ChangeRequest =
  | { kind: 'enable-logging'; target: { bucket: string } | { all: true } }
  /** `revertAfterMs`: time-boxed (`--for`): reverted automatically this long after it is applied. */
  | { kind: 'tighten'; bucket: string; change: TightenChange; revertAfterMs?: number }
  /** Restore a bucket policy exactly as it was before an applied tighten (null: there was none). */
  | { kind: 'revert-policy'; bucket: string; region: string; policy: string | null };

/** One AWS API call a plan makes, with every value it sends. Applied in order; nothing else is called. */
export type PlannedCall =
  | {
      api: 'cloudtrail:CreateTrail';
      region: string;
      name: string;
      s3BucketName: string;
      isMultiRegionTrail: true;
      enableLogFileValidation: true;
    }
  | { api: 's3:PutBucketPolicy'; bucket: string; policy: string }
  | { api: 'cloudtrail:PutEventSelectors'; region: string; trailName: string; advancedEventSelectors: AdvancedEventSelector[] }
  | { api: 'cloudtrail:StartLogging'; region: string; trailName: string }
  | { api: 's3express:PutBucketPolicy'; region: string; bucket: string; policy: string }
  | { api: 's3express:DeleteBucketPolicy'; region: string; bucket: string };

/** What will change, shown before anything happens; stored with the approval request. */
export interface Plan {
  request: ChangeRequest;
  /** One line: "Add S3 Express data events for bucket X to trail Y". */
  summary: string;
  /** Human-readable before/after (selectors or policy), unified-diff style lines. */
  diff: string;
  calls: PlannedCall[];
  /** Calls that undo the change exactly (tighten: restore the previous policy byte for byte). */
  revert?: ChangeRequest;
  /** Time-boxed: `revert` is applied by s3x this long after the change is applied. */
  revertAfterMs?: number;
  /** Plain sentences of what will change, shown before the diff. */
  words?: string[];
  /** A tighten: who else seen on the bucket lately the new statement would block. */
  alsoBlocks?: AlsoBlocks;
  /** Data-event cost estimate, when known (enable-logging). */
  estimatedMonthlyCostUsd?: number;
  warnings: string[];
}

/**
 * Principals seen on the bucket in the last `days` days (other than the one named) that the new
 * statement applies to. `unknown`: the logs could not be read, so nobody can be said to be spared.
 */
export type AlsoBlocks = { days: number; principals: string[] } | { days: number; unknown: string };

/**
 * A trail as plans need it: the domain Trail's identity and state, with its log bucket and
 * selectors under the names of the calls a plan makes (CreateTrail, PutEventSelectors).
 */
export interface TrailState extends Pick<Trail, 'name' | 'arn' | 'homeRegion' | 'isMultiRegion' | 'isLogging'> {
  s3BucketName?: string;
  advancedEventSelectors?: AdvancedEventSelector[];
  eventSelectors?: EventSelector[];
}

/** The account as plans see it: read through an AccountPort just before planning. */
export interface AccountState {
  account: string;
  region: string;
  trails: TrailState[];
  directoryBuckets: Array<{ name: string; region: string }>;
}

/** Who may never be locked out by a tighten: the approvers' roles and s3x's own. */
export interface ProtectedPrincipals {
  arns: string[];
}

export interface ApplyResult {
  /** What each call did, in order, for the audit record. */
  steps: Array<{ api: PlannedCall['api']; ok: boolean; detail: string }>;
}

/** The account s3x changes: real AWS (adapter) or the local sandbox. Same interface, same plans. */
export interface AccountPort {
  readState(): Promise<AccountState>;
  /** The directory bucket's policy text exactly as stored, or null when it has none. */
  getBucketPolicy(bucket: string, region: string): Promise<string | null>;
  /**
   * Make the calls in order. `actor` names the approver (in AWS: the SourceIdentity of the role
   * session). Stops at the first failure and throws a typed error saying what was and was not done.
   */
  apply(calls: readonly PlannedCall[], actor: { approverId: string; requestId: string }): Promise<ApplyResult>;
}
