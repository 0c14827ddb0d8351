import {
  type CloudTrailClient,
  CreateTrailCommand,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import { DeleteBucketPolicyCommand, GetBucketPolicyCommand, PutBucketPolicyCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseTrailReference } from '../cloudtrail/coverage.js';
import { TrailInventory } from '../engines/aws-trails/trail-inventory.js';
import { type Clock, type RetryPolicy, withRetry } from '../engines/retry.js';
import { EngineError } from '../errors.js';
import type { AccountPort, AccountState, ApplyResult, PlannedCall, TrailState } from './types.js';

export interface AccountClients {
  cloudTrailFor(region: string): CloudTrailClient;
  s3For(region: string): S3Client;
}

export interface AwsAccountDeps extends AccountClients {
  /** The Region s3x runs in: its directory buckets, and the trails that log there. */
  region: string;
  account: string;
  clock: Clock;
  /** Clients of a role session whose SourceIdentity is the approver, so CloudTrail records who approved. */
  assumeRemediationRole?: (approverId: string, requestId: string) => Promise<AccountClients>;
}

type Step = ApplyResult['steps'][number];

/** A failed apply: `steps` holds what was done before the failure, then the failed step. */
export class ApplyError extends EngineError {
  constructor(
    userMessage: string,
    readonly steps: Step[],
    options?: ErrorOptions & { detail?: string },
  ) {
    super(userMessage, options);
  }
}

const RETRY: RetryPolicy = { attempts: 5, baseMs: 500, capMs: 10_000 };

/** AWS mode: the account read and changed through the CloudTrail and S3 control-plane APIs. */
export class AwsAccount implements AccountPort {
  constructor(private readonly deps: AwsAccountDeps) {}

  async readState(): Promise<AccountState> {
    const local = this.deps.cloudTrailFor(this.deps.region);
    const described = await this.call('cloudtrail:DescribeTrails', 'list the account’s CloudTrail trails', () =>
      local.send(new DescribeTrailsCommand({ includeShadowTrails: true })),
    );
    const unique = new Map<string, Trail>();
    for (const trail of described.trailList ?? []) {
      const id = trail.TrailARN ?? trail.Name;
      if (id !== undefined && !unique.has(id)) unique.set(id, trail);
    }
    const trails: TrailState[] = [];
    for (const [arn, trail] of unique) {
      const homeRegion = trail.HomeRegion ?? parseTrailReference(arn).region ?? this.deps.region;
      const status = await this.trailCall('cloudtrail:GetTrailStatus', 'read whether a trail is logging', () =>
        local.send(new GetTrailStatusCommand({ Name: arn })),
      );
      // Selectors are only readable in the trail's home Region.
      const selectors = await this.trailCall('cloudtrail:GetEventSelectors', 'read a trail’s event selectors', () =>
        this.deps.cloudTrailFor(homeRegion).send(new GetEventSelectorsCommand({ TrailName: arn })),
      );
      if (status === undefined || selectors === undefined) continue;
      const advanced = selectors.AdvancedEventSelectors ?? [];
      const basic = selectors.EventSelectors ?? [];
      trails.push({
        name: trail.Name ?? parseTrailReference(arn).name,
        arn,
        homeRegion,
        isMultiRegion: trail.IsMultiRegionTrail === true,
        isLogging: status.IsLogging === true,
        ...(trail.S3BucketName === undefined ? {} : { s3BucketName: trail.S3BucketName }),
        ...(advanced.length > 0 ? { advancedEventSelectors: advanced } : {}),
        ...(basic.length > 0 ? { eventSelectors: basic } : {}),
      });
    }
    const inventory = new TrailInventory(
      { region: this.deps.region, s3: this.deps.s3For(this.deps.region), cloudTrailFor: this.deps.cloudTrailFor },
      this.deps.clock,
    );
    const buckets = await inventory.directoryBuckets();
    return {
      account: this.deps.account,
      region: this.deps.region,
      trails,
      directoryBuckets: buckets.map((bucket) => ({ name: bucket.name, region: bucket.region })),
    };
  }

  async getBucketPolicy(bucket: string, region: string): Promise<string | null> {
    const s3 = this.deps.s3For(region);
    try {
      const output = await withRetry(
        () => s3.send(new GetBucketPolicyCommand({ Bucket: bucket })),
        isThrottling,
        RETRY,
        this.deps.clock,
      );
      return output.Policy ?? null;
    } catch (error) {
      if (errorName(error) === 'NoSuchBucketPolicy') return null;
      throw readError(error, 's3express:GetBucketPolicy', `read the policy of directory bucket ${bucket}`);
    }
  }

  async apply(calls: readonly PlannedCall[], actor: { approverId: string; requestId: string }): Promise<ApplyResult> {
    let clients: AccountClients = this.deps;
    if (this.deps.assumeRemediationRole) {
      try {
        clients = await this.deps.assumeRemediationRole(actor.approverId, actor.requestId);
      } catch (error) {
        throw new ApplyError(
          `s3x could not assume its remediation role${safeName(error)}, so nothing was changed. ` +
            'Check S3X_REMEDIATION_ROLE_ARN and that s3x may call `sts:AssumeRole` and `sts:SetSourceIdentity` on it.',
          [],
          { cause: error, detail: describeError(error) },
        );
      }
    }
    const steps: Step[] = [];
    for (const [index, call] of calls.entries()) {
      try {
        await withRetry(() => send(clients, this.deps.region, call), isThrottling, RETRY, this.deps.clock);
      } catch (error) {
        const reason = failureReason(call, error);
        steps.push({ api: call.api, ok: false, detail: reason });
        throw new ApplyError(applyFailureMessage(calls, index, reason, index), steps, {
          cause: error,
          detail: describeError(error),
        });
      }
      steps.push({ api: call.api, ok: true, detail: describeCall(call) });
    }
    return { steps };
  }

  private async call<T>(permission: string, purpose: string, send: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(send, isThrottling, RETRY, this.deps.clock);
    } catch (error) {
      throw readError(error, permission, purpose);
    }
  }

  /** A call about one trail: undefined when the trail was deleted meanwhile. */
  private async trailCall<T>(permission: string, purpose: string, send: () => Promise<T>): Promise<T | undefined> {
    try {
      return await withRetry(send, isThrottling, RETRY, this.deps.clock);
    } catch (error) {
      if (errorName(error) === 'TrailNotFoundException') return undefined;
      throw readError(error, permission, purpose);
    }
  }
}

/** Exactly one SDK command per planned call, with exactly the planned values. */
async function send(clients: AccountClients, homeRegion: string, call: PlannedCall): Promise<unknown> {
  switch (call.api) {
    case 'cloudtrail:CreateTrail':
      return clients.cloudTrailFor(call.region).send(
        new CreateTrailCommand({
          Name: call.name,
          S3BucketName: call.s3BucketName,
          IsMultiRegionTrail: call.isMultiRegionTrail,
          EnableLogFileValidation: call.enableLogFileValidation,
        }),
      );
    case 's3:PutBucketPolicy':
      // The log bucket is a general purpose bucket: any Region's client reaches it.
      return clients.s3For(homeRegion).send(new PutBucketPolicyCommand({ Bucket: call.bucket, Policy: call.policy }));
    case 'cloudtrail:PutEventSelectors':
      return clients
        .cloudTrailFor(call.region)
        .send(new PutEventSelectorsCommand({ TrailName: call.trailName, AdvancedEventSelectors: call.advancedEventSelectors }));
    case 'cloudtrail:StartLogging':
      return clients.cloudTrailFor(call.region).send(new StartLoggingCommand({ Name: call.trailName }));
    case 's3express:PutBucketPolicy':
      // The SDK sends a `--x-s3` bucket's policy calls to the Regional s3express-control endpoint.
      return clients.s3For(call.region).send(new PutBucketPolicyCommand({ Bucket: call.bucket, Policy: call.policy }));
    case 's3express:DeleteBucketPolicy':
      return clients.s3For(call.region).send(new DeleteBucketPolicyCommand({ Bucket: call.bucket }));
  }
}

/** One call in plain words, e.g. "set the event selectors of trail x". */
export function describeCall(call: PlannedCall): string {
  switch (call.api) {
    case 'cloudtrail:CreateTrail':
      return `create trail ${call.name} (logging to ${call.s3BucketName})`;
    case 's3:PutBucketPolicy':
      return `set the policy of log bucket ${call.bucket}`;
    case 'cloudtrail:PutEventSelectors':
      return `set the event selectors of trail ${call.trailName}`;
    case 'cloudtrail:StartLogging':
      return `start logging on trail ${call.trailName}`;
    case 's3express:PutBucketPolicy':
      return `set the policy of directory bucket ${call.bucket}`;
    case 's3express:DeleteBucketPolicy':
      return `delete the policy of directory bucket ${call.bucket}`;
  }
}

/** Why a call failed, in plain words safe for Slack (AWS's own message can name ARNs, so it is left out). */
export function failureReason(call: PlannedCall, error: unknown): string {
  const name = errorName(error);
  if (name === 'InvalidEventSelectorsException') {
    return 'AWS rejected the event selectors (too many selectors or values, or a field or value it does not accept)';
  }
  if (name === 'InsufficientS3BucketPolicyException') {
    return 'the log bucket policy does not let CloudTrail write to the bucket';
  }
  if (name === 'InvalidHomeRegionException') {
    return 'the trail can only be changed from its home Region; call it from the trail’s home Region';
  }
  if (name.includes('AccessDenied')) return `s3x’s remediation role is missing the \`${call.api}\` permission`;
  if (isThrottling(error)) return 'AWS kept throttling the call; try again in a minute';
  if (name === 'TrailNotFoundException') return 'the trail no longer exists';
  if (name === 'NoSuchBucket') return 'the bucket does not exist in that Region';
  if (name === 'MalformedPolicy') return 'AWS rejected the policy as malformed';
  return `AWS refused the call${safeName(error)}`;
}

/** "Step 2 of 3 (…) failed: … Already applied: … Not attempted: …". */
export function applyFailureMessage(
  calls: readonly PlannedCall[],
  failedIndex: number,
  reason: string,
  appliedCount: number,
): string {
  const failed = calls[failedIndex];
  const what = failed === undefined ? '' : ` (${describeCall(failed)})`;
  const applied = calls.slice(0, appliedCount).map((call, i) => `step ${i + 1}: ${describeCall(call)}`);
  const skipped = calls.length - failedIndex - 1;
  return [
    `Step ${failedIndex + 1} of ${calls.length}${what} failed: ${reason}.`,
    applied.length === 0 ? 'Nothing was changed.' : `Already applied: ${applied.join('; ')}.`,
    skipped > 0 ? `The remaining ${skipped === 1 ? 'step was' : `${skipped} steps were`} not attempted.` : '',
  ]
    .filter((part) => part !== '')
    .join(' ');
}

function readError(error: unknown, permission: string, purpose: string): EngineError {
  const options = { cause: error, detail: describeError(error) };
  if (errorName(error).includes('AccessDenied')) {
    return new EngineError(`s3x is not allowed to ${purpose}: its role needs the \`${permission}\` permission.`, options);
  }
  if (isThrottling(error))
    return new EngineError(`AWS kept throttling s3x while it tried to ${purpose}. Try again in a minute.`, options);
  return new EngineError(`s3x could not ${purpose}${safeName(error)}. Check the credentials and Region s3x runs with.`, options);
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

const THROTTLING = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'SlowDown', 'RequestLimitExceeded']);

function isThrottling(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return THROTTLING.has(errorName(error)) || status === 429;
}

/** For logs only: AWS messages can name accounts and ARNs, so they never reach userMessage. */
function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function safeName(error: unknown): string {
  const name = errorName(error);
  return /^[A-Za-z][A-Za-z0-9]{0,79}$/.test(name) ? ` (${name})` : '';
}
