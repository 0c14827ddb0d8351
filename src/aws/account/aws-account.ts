import { CreateTrailCommand, PutEventSelectorsCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { DeleteBucketPolicyCommand, GetBucketPolicyCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { EngineError } from '../../errors.js';
import type { AccountPort, AccountState, ApplyResult, PlannedCall } from '../../remediation/types.js';
import type { Clock } from '../../time/clock.js';
import { CONTROL_PLANE_RETRY, describeError, errorName, isThrottling, safeName, toUserError, withRetry } from '../aws-call.js';
import type { AccountClients } from '../clients.js';
import { TrailInventory } from '../cloudtrail/trail-inventory.js';
import { applyFailureMessage, describeCall, failureReason } from './apply-words.js';

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

/** AWS mode: the account read and changed through the CloudTrail and S3 control-plane APIs. */
export class AwsAccount implements AccountPort {
  constructor(private readonly deps: AwsAccountDeps) {}

  /** The trails and directory buckets, read as `s3x status` reads them (one read, one set of messages). */
  async readState(): Promise<AccountState> {
    const inventory = new TrailInventory(
      { region: this.deps.region, s3: this.deps.s3For(this.deps.region), cloudTrailFor: this.deps.cloudTrailFor },
      this.deps.clock,
    );
    const trails = await inventory.trails();
    const buckets = await inventory.directoryBuckets();
    return {
      account: this.deps.account,
      region: this.deps.region,
      trails: trails.map((trail) => ({
        name: trail.name,
        arn: trail.arn,
        homeRegion: trail.homeRegion,
        isMultiRegion: trail.isMultiRegion,
        isLogging: trail.isLogging,
        ...(trail.destination?.bucket === undefined ? {} : { s3BucketName: trail.destination.bucket }),
        ...(trail.selectors.advanced === undefined ? {} : { advancedEventSelectors: trail.selectors.advanced }),
        ...(trail.selectors.basic === undefined ? {} : { eventSelectors: trail.selectors.basic }),
      })),
      directoryBuckets: buckets.map((bucket) => ({ name: bucket.name, region: bucket.region })),
    };
  }

  async getBucketPolicy(bucket: string, region: string): Promise<string | null> {
    const s3 = this.deps.s3For(region);
    try {
      const output = await withRetry(
        () => s3.send(new GetBucketPolicyCommand({ Bucket: bucket })),
        isThrottling,
        CONTROL_PLANE_RETRY,
        this.deps.clock,
      );
      return output.Policy ?? null;
    } catch (error) {
      if (errorName(error) === 'NoSuchBucketPolicy') return null;
      throw toUserError(error, {
        permission: 's3express:GetBucketPolicy',
        purpose: `read the policy of directory bucket ${bucket}`,
      });
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
        await withRetry(() => send(clients, this.deps.region, call), isThrottling, CONTROL_PLANE_RETRY, this.deps.clock);
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
