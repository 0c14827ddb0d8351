import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/paths.js';

interface Statement {
  Sid?: unknown;
  Effect?: unknown;
  Action?: unknown;
  Resource?: unknown;
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
];

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
});
