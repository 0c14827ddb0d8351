import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import {
  EventBridgeClient,
  PutRuleCommand,
  type PutRuleCommandInput,
  PutTargetsCommand,
  type PutTargetsCommandInput,
} from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, type CreateQueueCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import type { AlertsSetupClients } from '../setup/alerts-setup.js';
import type { Clock } from '../time/clock.js';
import { TrailInventory, type TrailLogsLocation } from './cloudtrail/trail-inventory.js';

/** The clients that read and change an account's trails and bucket policies, per Region. */
export interface AccountClients {
  /** CloudTrail in a Region (a trail's selectors are read and changed in its home Region). */
  cloudTrailFor(region: string): CloudTrailClient;
  /** S3 in a Region (directory bucket policies are set on that Region's control endpoint). */
  s3For(region: string): S3Client;
}

export interface AwsClients extends AccountClients {
  region: string;
  athena: AthenaClient;
  cloudTrail: CloudTrailClient;
  s3: S3Client;
  sts: STSClient;
}

/** Temporary credentials of an assumed role session. */
export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/**
 * Every client the kit (src/aws/aws-call.ts) retries: it retries throttling with jitter and a
 * bound, so the SDK makes one attempt each rather than multiplying those retries by its own.
 */
const ONE_ATTEMPT = { maxAttempts: 1 } as const;

/** One client per Region, made when first asked for. */
function perRegion<T>(make: (region: string) => T): (region: string) => T {
  const made = new Map<string, T>();
  return (region) => {
    let client = made.get(region);
    if (client === undefined) {
      client = make(region);
      made.set(region, client);
    }
    return client;
  };
}

function accountClients(credentials?: SessionCredentials): AccountClients {
  const session = credentials === undefined ? {} : { credentials };
  return {
    cloudTrailFor: perRegion((region) => new CloudTrailClient({ region, ...session, ...ONE_ATTEMPT })),
    // The trail's log bucket may live in another Region than the bot: follow S3's redirect to it.
    s3For: perRegion((region) => new S3Client({ region, ...session, ...ONE_ATTEMPT, followRegionRedirects: true })),
  };
}

/**
 * The one place AWS SDK clients are made. The standard SDK configuration applies unchanged:
 * the credential chain, AWS_PROFILE, AWS_ENDPOINT_URL_ATHENA / AWS_ENDPOINT_URL_CLOUDTRAIL.
 */
export function createAwsClients(region: string): AwsClients {
  const { cloudTrailFor, s3For } = accountClients();
  return {
    region,
    athena: new AthenaClient({ region, ...ONE_ATTEMPT }),
    cloudTrail: cloudTrailFor(region),
    s3: s3For(region),
    sts: new STSClient({ region, ...ONE_ATTEMPT }),
    cloudTrailFor,
    s3For,
  };
}

/** Remediation's clients in an assumed role session (src/aws/account/assume-role.ts). */
export function createSessionClients(credentials: SessionCredentials): AccountClients {
  return accountClients(credentials);
}

export function createTrailInventory(aws: AwsClients, clock: Clock, trailLogs?: TrailLogsLocation): TrailInventory {
  return new TrailInventory(
    { region: aws.region, s3: aws.s3, cloudTrailFor: (region) => aws.cloudTrailFor(region) },
    clock,
    trailLogs,
  );
}

/** `s3x setup alerts --apply`: SQS and EventBridge in one Region, through the standard credential chain. */
export function createAlertsSetupClients(region: string): AlertsSetupClients {
  const sqs = new SQSClient({ region });
  const events = new EventBridgeClient({ region });
  return {
    sqs: (_action, input) => sqs.send(new CreateQueueCommand(input as unknown as CreateQueueCommandInput)),
    events: async (action, input) => {
      if (action === 'PutRule') {
        await events.send(new PutRuleCommand(input as unknown as PutRuleCommandInput));
        return {};
      }
      const output = await events.send(new PutTargetsCommand(input as unknown as PutTargetsCommandInput));
      return { FailedEntryCount: output.FailedEntryCount ?? 0 };
    },
  };
}
