import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
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
import { TrailInventory, type TrailLogsLocation } from './aws-trails/trail-inventory.js';
import type { Clock } from './retry.js';

export interface AwsClients {
  region: string;
  athena: AthenaClient;
  cloudTrail: CloudTrailClient;
  s3: S3Client;
  sts: STSClient;
  /** CloudTrail in a trail's home Region (GetEventSelectors must be called there). */
  cloudTrailFor(region: string): CloudTrailClient;
  /** S3 in a Region (directory bucket policies are set on that Region's control endpoint). */
  s3For(region: string): S3Client;
}

/**
 * The one place AWS SDK clients are made. The standard SDK configuration applies unchanged:
 * the credential chain, AWS_PROFILE, AWS_ENDPOINT_URL_ATHENA / AWS_ENDPOINT_URL_CLOUDTRAIL.
 */
export function createAwsClients(region: string): AwsClients {
  // The engines retry throttling themselves, with jitter and a bound; one SDK attempt each.
  const common = { region, maxAttempts: 1 };
  const cloudTrail = new CloudTrailClient(common);
  const byRegion = new Map<string, CloudTrailClient>([[region, cloudTrail]]);
  const s3 = new S3Client(common);
  const s3ByRegion = new Map<string, S3Client>([[region, s3]]);
  return {
    region,
    athena: new AthenaClient(common),
    cloudTrail,
    s3,
    sts: new STSClient(common),
    s3For(home) {
      let client = s3ByRegion.get(home);
      if (!client) {
        client = new S3Client({ region: home, maxAttempts: 1 });
        s3ByRegion.set(home, client);
      }
      return client;
    },
    cloudTrailFor(home) {
      let client = byRegion.get(home);
      if (!client) {
        client = new CloudTrailClient({ region: home, maxAttempts: 1 });
        byRegion.set(home, client);
      }
      return client;
    },
  };
}

export function createTrailInventory(aws: AwsClients, clock: Clock, trailLogs?: TrailLogsLocation): TrailInventory {
  return new TrailInventory(
    { region: aws.region, s3: aws.s3, cloudTrailFor: (region) => aws.cloudTrailFor(region) },
    clock,
    trailLogs,
  );
}

/** The approvals table's client (S3X_STORE=dynamodb); the store retries throttling itself. */
export function createDynamoDbClient(region: string): DynamoDBClient {
  return new DynamoDBClient({ region, maxAttempts: 1 });
}

/** The alert queue's client (S3X_ALERTS_QUEUE_URL); AWS_ENDPOINT_URL_SQS points it elsewhere. */
export function createSqsClient(region: string): SQSClient {
  return new SQSClient({ region });
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
