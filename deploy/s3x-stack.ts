import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  aws_certificatemanager as acm,
  aws_athena as athena,
  Duration,
  aws_dynamodb as dynamodb,
  aws_ec2 as ec2,
  aws_ecs as ecs,
  aws_elasticloadbalancingv2 as elbv2,
  aws_glue as glue,
  aws_iam as iam,
  aws_logs as logs,
  RemovalPolicy,
  Stack,
  type StackProps,
  aws_s3 as s3,
  aws_secretsmanager as secretsmanager,
} from 'aws-cdk-lib';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { type AthenaTableSpec, buildAthenaSetupDdl, validateAthenaTableSpec } from '../src/setup/athena-table.js';
import { EVENTS_PATH, HEALTH_PATH } from '../src/slack/ids.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface S3xStackProps extends StackProps {
  /** The trail's log bucket, key prefix, organization and Regions, as `s3x setup athena` takes them. */
  trail: Omit<AthenaTableSpec, 'account' | 'database' | 'table'> & { name: string };
  /** Secrets Manager secret holding `{"bot_token": "xoxb-…", "signing_secret": "…"}`. */
  slackSecretArn: string;
  /** ACM certificate of the host name Slack posts to (Slack requires HTTPS). */
  certificateArn: string;
  /** An image already pushed (`…/s3x:1.2.3`); by default the repository's Dockerfile is built at deploy. */
  imageUri?: string;
  /** Any other s3x settings (S3X_APPROVERS, S3X_DIGEST_CHANNEL, …), passed to the container as they are. */
  settings?: Record<string, string>;
  /** Athena's own per-query cutoff (bytes), whatever s3x estimates. Default 10 GB. */
  bytesScannedCutoffPerQuery?: number;
}

const DATABASE = 'cloudtrail';
const TABLE = 'cloudtrail_logs';
const WORKGROUP = 's3x';
const CONTAINER_PORT = 3000;

/**
 * The AWS side of s3x: the Fargate service and its roles (the policies of docs/iam/, read as they
 * are), the Athena workgroup and CloudTrail table, the DynamoDB store, the Slack secret and an ALB
 * that forwards only `POST /slack/events`.
 *
 * Extension point for alerts (EventBridge rule, SQS queues): once s3x consumes them, add them in
 * a construct of their own that takes `taskRole` and `container` from this stack (grant the
 * queue's consume actions to the task role, pass the queue URL as a setting); nothing else here
 * needs to change.
 */
export class S3xStack extends Stack {
  readonly taskRole: iam.Role;
  readonly remediationRole: iam.Role;
  readonly container: ecs.ContainerDefinition;
  readonly approvalsTable: dynamodb.Table;

  constructor(scope: Construct, id: string, props: S3xStackProps) {
    super(scope, id, props);
    const tableSpec: AthenaTableSpec = { ...props.trail, account: this.account, database: DATABASE, table: TABLE };
    validateAthenaTableSpec({ ...tableSpec, account: /^\d{12}$/.test(this.account) ? this.account : '000000000000' });

    // DynamoDB: the key schema src/aws/dynamodb/approval-store.ts, the digest lease and the
    // answer store use; stored answers carry a `ttl` (epoch seconds) so DynamoDB deletes them after 24 h.
    this.approvalsTable = new dynamodb.Table(this, 'Approvals', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'ttl',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.approvalsTable.addGlobalSecondaryIndex({
      indexName: 'gsi1',
      partitionKey: { name: 'gsi1pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'createdAt', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    // Athena: a workgroup with its own result bucket and a bytes-scanned cutoff Athena enforces.
    const results = new s3.Bucket(this, 'AthenaResults', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(7) }],
    });
    const workgroup = new athena.CfnWorkGroup(this, 'Workgroup', {
      name: WORKGROUP,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery ?? 10 * 1024 ** 3,
        resultConfiguration: { outputLocation: `s3://${results.bucketName}/s3x/` },
      },
    });
    this.createCloudTrailTable(tableSpec, results, workgroup);

    // Roles: docs/iam/read-only.json for the task, the remediation statements for the role it assumes per change.
    const placeholders: Record<string, string> = {
      ACCOUNT_ID: this.account,
      REGION: this.region,
      WORKGROUP,
      DATABASE,
      TABLE,
      LOG_BUCKET: props.trail.bucket,
      RESULTS_BUCKET: results.bucketName,
      TRAIL_NAME: props.trail.name,
      APPROVALS_TABLE: this.approvalsTable.tableName,
      REMEDIATION_ROLE: 's3x-remediation',
    };
    const readOnly = iamPolicy('read-only.json', placeholders, (sid) => sid !== 'OptionalKmsDecryptViaS3');
    const remediation = (sids: readonly string[]) => iamPolicy('remediation.json', placeholders, (sid) => sids.includes(sid));

    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com', {
        conditions: {
          ArnLike: { 'aws:SourceArn': `arn:aws:ecs:${this.region}:${this.account}:*` },
          StringEquals: { 'aws:SourceAccount': this.account },
        },
      }),
      inlinePolicies: {
        ReadOnly: readOnly,
        Store: remediation(['DynamoDbApprovalItems', 'DynamoDbDigestLease', 'DynamoDbApprovalsByState']),
        AssumeRemediation: remediation(['AssumeRemediationRole']),
      },
    });
    this.remediationRole = new iam.Role(this, 'RemediationRole', {
      roleName: placeholders.REMEDIATION_ROLE,
      assumedBy: new ApproverSessionPrincipal(this.taskRole.roleArn),
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: {
        Apply: remediation([
          'CloudTrailDescribeTrails',
          'CloudTrailRemediateTrails',
          'CloudTrailLogBucketPolicy',
          'DirectoryBucketPolicyWrite',
        ]),
      },
    });

    // The service: one Fargate task in private subnets, read-only root filesystem, secrets from Secrets Manager.
    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    const task = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: 1024,
      memoryLimitMiB: 2048,
      taskRole: this.taskRole,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      volumes: [{ name: 'data' }, { name: 'tmp' }],
    });
    const slack = secretsmanager.Secret.fromSecretCompleteArn(this, 'SlackSecret', props.slackSecretArn);
    this.container = task.addContainer('s3x', {
      image: props.imageUri ? ecs.ContainerImage.fromRegistry(props.imageUri) : ecs.ContainerImage.fromAsset(REPO_ROOT),
      readonlyRootFilesystem: true,
      portMappings: [{ containerPort: CONTAINER_PORT }],
      stopTimeout: Duration.seconds(40),
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 's3x', logRetention: logs.RetentionDays.THREE_MONTHS }),
      environment: {
        ...props.settings,
        S3X_ENGINE: 'athena',
        S3X_STORE: 'dynamodb',
        S3X_DYNAMODB_TABLE: this.approvalsTable.tableName,
        AWS_REGION: this.region,
        AWS_ACCOUNT_ID: this.account,
        ATHENA_WORKGROUP: WORKGROUP,
        ATHENA_DATABASE: DATABASE,
        ATHENA_TABLE: TABLE,
        ATHENA_REGIONS: [...new Set(props.trail.regions)].join(','),
        S3X_REMEDIATION_ROLE_ARN: this.remediationRole.roleArn,
      },
      secrets: {
        SLACK_BOT_TOKEN: ecs.Secret.fromSecretsManager(slack, 'bot_token'),
        SLACK_SIGNING_SECRET: ecs.Secret.fromSecretsManager(slack, 'signing_secret'),
      },
    });
    this.container.addMountPoints(
      { sourceVolume: 'data', containerPath: '/data', readOnly: false },
      { sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false },
    );
    const service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition: task,
      desiredCount: 1,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    });

    // The ALB: HTTPS only, and only POST /slack/events reaches the task; everything else is a 404 here.
    const alb = new elbv2.ApplicationLoadBalancer(this, 'Alb', { vpc, internetFacing: true, dropInvalidHeaderFields: true });
    const listener = alb.addListener('Https', {
      port: 443,
      certificates: [acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      defaultAction: elbv2.ListenerAction.fixedResponse(404, { contentType: 'text/plain', messageBody: 'Not found' }),
    });
    listener.addTargets('SlackEvents', {
      priority: 10,
      conditions: [elbv2.ListenerCondition.pathPatterns([EVENTS_PATH]), elbv2.ListenerCondition.httpRequestMethods(['POST'])],
      port: CONTAINER_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [service],
      healthCheck: { path: HEALTH_PATH, healthyHttpCodes: '200' },
      deregistrationDelay: Duration.seconds(30),
    });
  }

  /** The CloudTrail table, from the same DDL `s3x setup athena` prints (one copy of the columns). */
  private createCloudTrailTable(spec: AthenaTableSpec, results: s3.Bucket, workgroup: athena.CfnWorkGroup): void {
    const database = new glue.CfnDatabase(this, 'CloudTrailDatabase', {
      catalogId: this.account,
      databaseInput: { name: DATABASE },
    });
    const ddl = buildAthenaSetupDdl({ ...spec, account: /^\d{12}$/.test(spec.account) ? spec.account : '000000000000' });
    const createTable = {
      service: 'Athena',
      action: 'startQueryExecution',
      parameters: { QueryString: ddl.createTable, WorkGroup: WORKGROUP },
      physicalResourceId: PhysicalResourceId.of(`${DATABASE}.${TABLE}`),
    };
    const table = new AwsCustomResource(this, 'CloudTrailTable', {
      onCreate: createTable,
      onUpdate: createTable,
      installLatestAwsSdk: false,
      policy: AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['athena:StartQueryExecution'],
          resources: [`arn:aws:athena:${this.region}:${this.account}:workgroup/${WORKGROUP}`],
        }),
        new iam.PolicyStatement({
          actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:CreateTable'],
          resources: [
            `arn:aws:glue:${this.region}:${this.account}:catalog`,
            `arn:aws:glue:${this.region}:${this.account}:database/${DATABASE}`,
            `arn:aws:glue:${this.region}:${this.account}:table/${DATABASE}/${TABLE}`,
          ],
        }),
        new iam.PolicyStatement({
          actions: ['s3:GetBucketLocation', 's3:PutObject'],
          resources: [results.bucketArn, results.arnForObjects('s3x/*')],
        }),
      ]),
    });
    table.node.addDependency(database, workgroup);
  }
}

/**
 * The task role, only with a SourceIdentity (the approver): the trust statement of
 * docs/iam/REMEDIATION.md. STS refuses a SourceIdentity unless sts:SetSourceIdentity is allowed too.
 */
class ApproverSessionPrincipal extends iam.ArnPrincipal {
  override addToAssumeRolePolicy(document: iam.PolicyDocument): void {
    document.addStatements(
      new iam.PolicyStatement({
        sid: 'S3xAssumesAsTheApprover',
        actions: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
        principals: [new iam.ArnPrincipal(this.arn)],
        conditions: { Null: { 'sts:SourceIdentity': 'false' } },
      }),
    );
  }
}

/** A policy of docs/iam/, its placeholders filled in, keeping the statements `keep` selects. */
function iamPolicy(file: string, placeholders: Record<string, string>, keep: (sid: string) => boolean): iam.PolicyDocument {
  const text = readFileSync(path.join(REPO_ROOT, 'docs', 'iam', file), 'utf8');
  const filled = text.replace(
    new RegExp(`\\b(${Object.keys(placeholders).join('|')})\\b`, 'g'),
    (name) => placeholders[name] as string,
  );
  const document = JSON.parse(filled) as { Version: string; Statement: Array<{ Sid: string }> };
  return iam.PolicyDocument.fromJson({ ...document, Statement: document.Statement.filter((s) => keep(s.Sid)) });
}
