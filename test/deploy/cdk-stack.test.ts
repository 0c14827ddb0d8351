import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3xStack } from '../../deploy/s3x-stack.js';
import { buildAthenaSetupDdl } from '../../src/setup/athena-table.js';
import { REPO_ROOT } from '../helpers/paths.js';

/**
 * `deploy/` synthesized offline, in-process, as `npx cdk deploy` would (the image built from the
 * repository's Dockerfile as an asset), and the template checked for least privilege.
 */

const ACCOUNT = '111122223333';
const SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:s3x/slack-AbCdEf`;
const TRAIL = { name: 'org-trail', bucket: 'trail-logs-111122223333', regions: ['us-east-1', 'eu-west-1'], start: '2024/01/01' };

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
}
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let template: Template;
let resources: Resources;
/** Where synthesis writes the template and stages the image asset (the repository, as .dockerignore filters it). */
let outdir: string;

beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 's3x-cdk-'));
  const app = new App({ outdir });
  const stack = new S3xStack(app, 'S3x', {
    env: { account: ACCOUNT, region: 'us-east-1' },
    trail: TRAIL,
    slackSecretArn: SECRET,
    certificateArn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/0a1b2c3d-1111-2222-3333-444455556666`,
    settings: { S3X_APPROVER_GROUP: 'S0APPROVERS' },
  });
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Resources;
});

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

const actionsOf = (statement: Statement) => [statement.Action].flat();
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const logicalId = (prefix: string) => Object.keys(resources).find((id) => id.startsWith(prefix)) as string;

/** Every permission statement of the template: identity policies, inline role policies, bucket policies. */
function allStatements(): Array<{ where: string; statement: Statement }> {
  const found: Array<{ where: string; statement: Statement }> = [];
  for (const [id, resource] of Object.entries(resources)) {
    const documents = [
      resource.Properties.PolicyDocument,
      ...((resource.Properties.Policies as Array<{ PolicyDocument: unknown }> | undefined) ?? []).map((p) => p.PolicyDocument),
    ];
    for (const document of documents)
      for (const statement of (document as { Statement?: Statement[] } | undefined)?.Statement ?? [])
        found.push({ where: id, statement });
  }
  return found;
}

/** The inline policy statements of one role. */
function roleStatements(prefix: string): Statement[] {
  const policies = resources[logicalId(prefix)]?.Properties.Policies as Array<{ PolicyDocument: { Statement: Statement[] } }>;
  return policies.flatMap((p) => p.PolicyDocument.Statement);
}

describe('deploy/: the CDK app, synthesized offline', () => {
  it('grants no wildcard action anywhere, and "*" resources only to calls that have no resource-level permissions', () => {
    const allows = allStatements().filter(({ statement }) => statement.Effect === 'Allow');
    expect(allows.length).toBeGreaterThan(10);
    expect(
      allows.flatMap(({ where, statement }) =>
        actionsOf(statement)
          .filter((a) => a.includes('*'))
          .map((a) => `${where}: ${a}`),
      ),
    ).toEqual([]);
    const onAnything = allows
      .filter(({ statement }) => [statement.Resource].flat().includes('*'))
      .flatMap(({ statement }) => actionsOf(statement));
    expect(new Set(onAnything)).toEqual(
      new Set([
        'cloudtrail:LookupEvents',
        'cloudtrail:DescribeTrails',
        'cloudtrail:ListTrails',
        's3express:ListAllMyDirectoryBuckets',
        'ecr:GetAuthorizationToken',
      ]),
    );
  });

  it('fills in every placeholder of docs/iam/', () => {
    const text = JSON.stringify(allStatements());
    for (const placeholder of [
      'ACCOUNT_ID',
      'REGION',
      'WORKGROUP',
      'DATABASE',
      'LOG_BUCKET',
      'RESULTS_BUCKET',
      'TRAIL_NAME',
      'APPROVALS_TABLE',
      'REMEDIATION_ROLE',
      'KMS_KEY_ID',
    ])
      expect(text).not.toMatch(new RegExp(`\\b${placeholder}\\b`));
  });

  it('gives the task role read-only.json, the store and the assume of the remediation role, and nothing that changes the account', () => {
    const sids = roleStatements('TaskRole').map((s) => s.Sid);
    const readOnly = JSON.parse(readFileSync(path.join(REPO_ROOT, 'docs', 'iam', 'read-only.json'), 'utf8')) as {
      Statement: Statement[];
    };
    const expected = readOnly.Statement.map((s) => s.Sid).filter((sid) => sid !== 'OptionalKmsDecryptViaS3');
    expect(sids.sort()).toEqual(
      [...expected, 'DynamoDbApprovalItems', 'DynamoDbDigestLease', 'DynamoDbApprovalsByState', 'AssumeRemediationRole'].sort(),
    );
    const actions = roleStatements('TaskRole').flatMap(actionsOf);
    for (const write of [
      'cloudtrail:PutEventSelectors',
      'cloudtrail:CreateTrail',
      'cloudtrail:StartLogging',
      's3express:PutBucketPolicy',
      's3:PutBucketPolicy',
    ])
      expect(actions).not.toContain(write);
    expect(roleStatements('TaskRole').find((s) => s.Sid === 'AssumeRemediationRole')?.Resource).toBe(
      `arn:aws:iam::${ACCOUNT}:role/s3x-remediation`,
    );
  });

  it('lets only the task role assume the remediation role, and only with a SourceIdentity', () => {
    const role = resources[logicalId('RemediationRole')]?.Properties as {
      RoleName: string;
      AssumeRolePolicyDocument: { Statement: Statement[] };
    };
    expect(role.RoleName).toBe('s3x-remediation');
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Sid: 'S3xAssumesAsTheApprover',
        Effect: 'Allow',
        Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
        Principal: { AWS: { 'Fn::GetAtt': [logicalId('TaskRole'), 'Arn'] } },
        Condition: { Null: { 'sts:SourceIdentity': 'false' } },
      },
    ]);
    // The changes themselves are the remediation role's only permissions.
    expect(
      roleStatements('RemediationRole')
        .map((s) => s.Sid)
        .sort(),
    ).toEqual(
      ['CloudTrailDescribeTrails', 'CloudTrailLogBucketPolicy', 'CloudTrailRemediateTrails', 'DirectoryBucketPolicyWrite'].sort(),
    );
  });

  it('trusts ECS tasks of this account only for the task role', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'ecs-tasks.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': ACCOUNT },
              ArnLike: { 'aws:SourceArn': `arn:aws:ecs:us-east-1:${ACCOUNT}:*` },
            },
          }),
        ],
      },
      Policies: Match.arrayWith([Match.objectLike({ PolicyName: 'ReadOnly' })]),
    });
  });

  it('forwards only POST /slack/events from an HTTPS listener; everything else is a 404 at the ALB', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: Match.objectLike({ StatusCode: '404' }) }],
    });
    expect(ofType('AWS::ElasticLoadBalancingV2::Listener')).toHaveLength(1);
    const rules = ofType('AWS::ElasticLoadBalancingV2::ListenerRule');
    expect(rules).toHaveLength(1);
    expect(rules[0]?.[1].Properties.Conditions).toEqual([
      { Field: 'path-pattern', PathPatternConfig: { Values: ['/slack/events'] } },
      { Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['POST'] } },
    ]);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/healthz', Port: 3000 });
  });

  it('runs the container read-only, with the Slack secrets from Secrets Manager and never in its environment', () => {
    const [, task] = ofType('AWS::ECS::TaskDefinition')[0] ?? [];
    const [container] = (task?.Properties.ContainerDefinitions ?? []) as Array<{
      ReadonlyRootFilesystem: boolean;
      Secrets: Array<{ Name: string; ValueFrom: string }>;
      Environment: Array<{ Name: string; Value: unknown }>;
      MountPoints: Array<{ ContainerPath: string }>;
    }>;
    expect(container?.ReadonlyRootFilesystem).toBe(true);
    expect(container?.Secrets).toEqual([
      { Name: 'SLACK_BOT_TOKEN', ValueFrom: `${SECRET}:bot_token::` },
      { Name: 'SLACK_SIGNING_SECRET', ValueFrom: `${SECRET}:signing_secret::` },
    ]);
    const environment = Object.fromEntries(container?.Environment.map((e) => [e.Name, e.Value]) ?? []);
    expect(Object.keys(environment).filter((name) => name.startsWith('SLACK_'))).toEqual([]);
    expect(environment).toMatchObject({
      S3X_ENGINE: 'athena',
      S3X_STORE: 'dynamodb',
      ATHENA_WORKGROUP: 's3x',
      ATHENA_REGIONS: 'us-east-1,eu-west-1',
      S3X_APPROVER_GROUP: 'S0APPROVERS',
      S3X_REMEDIATION_ROLE_ARN: { 'Fn::GetAtt': [logicalId('RemediationRole'), 'Arn'] },
    });
    expect(container?.MountPoints.map((m) => m.ContainerPath).sort()).toEqual(['/data', '/tmp']);
  });

  it('creates the DynamoDB table with the key schema the store uses, and TTL on the stored answers', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'gsi1',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        }),
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
  });

  it('creates the Athena workgroup with an enforced cutoff, and the table from the DDL `s3x setup athena` prints', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 's3x',
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
      }),
    });
    const [, table] = ofType('Custom::AWS')[0] ?? [];
    const call = JSON.parse(table?.Properties.Create as string) as { action: string; parameters: { QueryString: string } };
    expect(call.action).toBe('startQueryExecution');
    expect(call.parameters.QueryString).toBe(
      buildAthenaSetupDdl({ ...TRAIL, account: ACCOUNT, database: 'cloudtrail', table: 'cloudtrail_logs' }).createTable,
    );
  });

  it('refuses trail settings `s3x setup athena` would refuse', () => {
    expect(
      () =>
        new S3xStack(new App({ outdir }), 'Bad', {
          env: { account: ACCOUNT, region: 'us-east-1' },
          trail: { ...TRAIL, bucket: "logs'; DROP TABLE x; --" },
          slackSecretArn: SECRET,
          certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/x',
        }),
    ).toThrow(/bucket/);
  });
});

describe('deploy/ stays out of the app', () => {
  it('is not compiled into dist/, and CDK is a dev dependency only (the image prunes dev dependencies)', () => {
    const tsconfig = JSON.parse(readFileSync(path.join(REPO_ROOT, 'tsconfig.json'), 'utf8')) as { include: string[] };
    expect(tsconfig.include).toEqual(['src/**/*.ts']);
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const name of ['aws-cdk-lib', 'constructs', 'aws-cdk']) {
      expect(pkg.dependencies).not.toHaveProperty(name);
      expect(pkg.devDependencies).toHaveProperty(name);
    }
    const dockerignore = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(dockerignore).toContain('deploy');
    expect(dockerignore).toContain('cdk.out');
  });
});
