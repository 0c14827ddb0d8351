import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DeleteItemCommand, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { DynamoDbDigestLease } from '../src/aws/dynamodb/digest-lease.js';
import { REPO_ROOT } from './helpers/paths.js';

interface Statement {
  Sid?: unknown;
  Effect?: unknown;
  Action?: unknown;
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const policy = JSON.parse(readFileSync(path.join(REPO_ROOT, 'docs', 'iam', 'remediation.json'), 'utf8')) as {
  Version?: unknown;
  Statement?: unknown;
};
const statements = (Array.isArray(policy.Statement) ? policy.Statement : []) as Statement[];
const readme = readFileSync(path.join(REPO_ROOT, 'docs', 'iam', 'REMEDIATION.md'), 'utf8');

function list(value: unknown): string[] {
  return typeof value === 'string'
    ? [value]
    : Array.isArray(value)
      ? value.filter((v): v is string => typeof v === 'string')
      : [];
}

function resourcesAllowing(action: string): string[] {
  return statements.filter((s) => s.Effect === 'Allow' && list(s.Action).includes(action)).flatMap((s) => list(s.Resource));
}

const REQUIRED_ACTIONS = [
  'cloudtrail:GetEventSelectors',
  'cloudtrail:PutEventSelectors',
  'cloudtrail:CreateTrail',
  'cloudtrail:StartLogging',
  'cloudtrail:DescribeTrails',
  'cloudtrail:GetTrailStatus',
  's3:PutBucketPolicy',
  's3:GetBucketPolicy',
  's3express:GetBucketPolicy',
  's3express:PutBucketPolicy',
  's3express:DeleteBucketPolicy',
  'sts:AssumeRole',
  'sts:SetSourceIdentity',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
];

/** Every `XCommand` that a source file importing the DynamoDB client constructs, as an IAM action. */
function dynamoDbActionsInCode(): Array<{ file: string; action: string }> {
  const found: Array<{ file: string; action: string }> = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) {
        const text = readFileSync(full, 'utf8');
        // Only the commands this file imports from the DynamoDB client (a file may use other clients too).
        const imported = /import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-dynamodb'/.exec(text)?.[1];
        if (imported === undefined) continue;
        const commands = new Set([...imported.matchAll(/(\w+)Command\b/g)].map((m) => m[1]));
        for (const match of text.matchAll(/new (\w+)Command\(/g))
          if (commands.has(match[1])) found.push({ file: path.relative(REPO_ROOT, full), action: `dynamodb:${match[1]}` });
      }
    }
  };
  walk(path.join(REPO_ROOT, 'src'));
  return found;
}

/** `StringLike` as IAM evaluates it: `*` any run of characters, `?` one. */
function stringLike(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(value);
}

describe('docs/iam/remediation.json', () => {
  it('parses as an identity policy whose statements all have a unique Sid', () => {
    expect(policy.Version).toBe('2012-10-17');
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(statement.Sid).toMatch(/^[A-Za-z0-9]+$/);
      expect(statement.Effect).toBe('Allow');
      expect(list(statement.Resource).length).toBeGreaterThan(0);
      for (const resource of list(statement.Resource)) expect(resource === '*' || resource.startsWith('arn:aws:')).toBe(true);
    }
    const sids = statements.map((s) => s.Sid);
    expect(new Set(sids).size).toBe(sids.length);
  });

  it.each(REQUIRED_ACTIONS)('allows %s', (action) => {
    expect(resourcesAllowing(action).length).toBeGreaterThan(0);
  });

  it('grants no wildcard actions', () => {
    for (const statement of statements) {
      for (const action of list(statement.Action)) {
        expect(action).not.toContain('*');
        expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
      }
    }
  });

  it('scopes writes to their placeholders; only DescribeTrails (no resource-level permissions) is on *', () => {
    for (const statement of statements) {
      if (list(statement.Resource).includes('*')) expect(list(statement.Action)).toEqual(['cloudtrail:DescribeTrails']);
    }
    expect(resourcesAllowing('s3:PutBucketPolicy')).toEqual(['arn:aws:s3:::LOG_BUCKET']);
    expect(resourcesAllowing('s3express:DeleteBucketPolicy')).toEqual(['arn:aws:s3express:REGION:ACCOUNT_ID:bucket/*']);
    expect(resourcesAllowing('sts:SetSourceIdentity')).toEqual(['arn:aws:iam::ACCOUNT_ID:role/REMEDIATION_ROLE']);
    expect(resourcesAllowing('sts:AssumeRole')).toEqual(['arn:aws:iam::ACCOUNT_ID:role/REMEDIATION_ROLE']);
    for (const action of ['cloudtrail:PutEventSelectors', 'cloudtrail:CreateTrail', 'cloudtrail:StartLogging']) {
      for (const resource of resourcesAllowing(action)) expect(resource).toMatch(/^arn:aws:cloudtrail:[^:]+:ACCOUNT_ID:trail\//);
    }
  });

  it('lets the approval store reach the table and only Query its gsi1 index', () => {
    const table = 'arn:aws:dynamodb:REGION:ACCOUNT_ID:table/APPROVALS_TABLE';
    expect(resourcesAllowing('dynamodb:GetItem')).toEqual([table]);
    expect(resourcesAllowing('dynamodb:PutItem')).toEqual([table]);
    expect(resourcesAllowing('dynamodb:Query').sort()).toEqual([table, `${table}/index/gsi1`]);
  });

  it('is documented: every Sid, the SetSourceIdentity trust policy and the table definition', () => {
    for (const statement of statements) expect(readme).toContain(`\`${String(statement.Sid)}\``);
    const trust = /```json\n([\s\S]*?)```/.exec(readme)?.[1];
    const trustPolicy = JSON.parse(trust ?? '{}') as { Statement?: Array<{ Action?: unknown }> };
    expect(trustPolicy.Statement?.flatMap((s) => list(s.Action))).toEqual(['sts:AssumeRole', 'sts:SetSourceIdentity']);
    expect(readme).toContain('aws dynamodb create-table');
    expect(readme).toContain('AttributeName=pk,KeyType=HASH AttributeName=sk,KeyType=RANGE');
    expect(readme).toContain('"IndexName":"gsi1"');
    expect(readme).toContain('{"AttributeName":"gsi1pk","KeyType":"HASH"},{"AttributeName":"createdAt","KeyType":"RANGE"}');
  });

  it('allows every DynamoDB command the code sends (approval store and digest lease)', () => {
    const sent = dynamoDbActionsInCode();
    const files = new Set(sent.map((s) => s.file));
    expect(files).toContain(path.join('src', 'aws', 'dynamodb', 'approval-store.ts'));
    expect(files).toContain(path.join('src', 'aws', 'dynamodb', 'digest-lease.ts'));
    for (const { file, action } of sent) {
      expect(resourcesAllowing(action), `${action} (sent by ${file})`).toContain(
        'arn:aws:dynamodb:REGION:ACCOUNT_ID:table/APPROVALS_TABLE',
      );
    }
  });

  it('allows UpdateItem and DeleteItem only on the digest lease items, which are the keys the lease writes', async () => {
    const updates = statements.filter((s) =>
      list(s.Action).some((a) => a === 'dynamodb:UpdateItem' || a === 'dynamodb:DeleteItem'),
    );
    expect(updates.map((s) => s.Sid)).toEqual(['DynamoDbDigestLease']);
    const leadingKeys = list(updates[0]?.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys']);
    expect(leadingKeys).toEqual(['DIGEST#*']);
    // Requests and audit entries stay out of reach.
    for (const pk of ['REQ#abc123', 'AUDIT']) expect(leadingKeys.some((p) => stringLike(p, pk))).toBe(false);
    // The lease's own UpdateItem and DeleteItem fall under the condition.
    const dynamo = mockClient(DynamoDBClient);
    dynamo.on(UpdateItemCommand).resolves({});
    dynamo.on(DeleteItemCommand).resolves({});
    const lease = new DynamoDbDigestLease(new DynamoDBClient({ region: 'us-east-1' }), 's3x', () => new Date());
    await lease.markPosted('2026-11-23');
    await lease.release('2026-11-23', 'owner1');
    const keys = [...dynamo.commandCalls(UpdateItemCommand), ...dynamo.commandCalls(DeleteItemCommand)].map(
      (call) => (call.args[0].input as { Key?: { pk?: { S?: string } } }).Key?.pk?.S ?? '',
    );
    expect(keys).toHaveLength(2);
    for (const pk of keys)
      expect(
        leadingKeys.some((p) => stringLike(p, pk)),
        pk,
      ).toBe(true);
    dynamo.restore();
  });
});
