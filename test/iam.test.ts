import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/paths.js';

interface Statement {
  Sid?: unknown;
  Effect?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

const policyPath = path.join(REPO_ROOT, 'docs', 'iam', 'read-only.json');
const policy = JSON.parse(readFileSync(policyPath, 'utf8')) as { Version?: unknown; Statement?: unknown; Id?: unknown };
const statements = (Array.isArray(policy.Statement) ? policy.Statement : []) as Statement[];

function list(value: unknown): string[] {
  return typeof value === 'string'
    ? [value]
    : Array.isArray(value)
      ? value.filter((v): v is string => typeof v === 'string')
      : [];
}

/** The statements that allow an action, by exact name. */
function allowing(action: string): Statement[] {
  return statements.filter((s) => s.Effect === 'Allow' && list(s.Action).includes(action));
}

const REQUIRED_ACTIONS = [
  'athena:StartQueryExecution',
  'athena:GetQueryExecution',
  'athena:GetQueryResults',
  'athena:StopQueryExecution',
  'athena:GetWorkGroup',
  'glue:GetDatabase',
  'glue:GetTable',
  'glue:GetPartitions',
  's3:GetObject',
  's3:PutObject',
  's3:ListBucket',
  's3:GetBucketLocation',
  's3:ListBucketMultipartUploads',
  's3:ListMultipartUploadParts',
  's3:AbortMultipartUpload',
  'cloudtrail:LookupEvents',
  'cloudtrail:DescribeTrails',
  'cloudtrail:GetTrailStatus',
  'cloudtrail:GetEventSelectors',
  'cloudtrail:ListTrails',
  's3express:ListAllMyDirectoryBuckets',
  's3express:GetBucketPolicy',
  'kms:Decrypt',
];

describe('docs/iam/read-only.json', () => {
  it('is an identity policy in the current language version, one Allow statement per purpose', () => {
    expect(policy.Version).toBe('2012-10-17');
    expect(Object.keys(policy).sort()).toEqual(['Statement', 'Version']);
    expect(statements.length).toBeGreaterThan(0);
    const sids = statements.map((s) => s.Sid);
    for (const statement of statements) {
      expect(Object.keys(statement).every((k) => ['Sid', 'Effect', 'Action', 'Resource', 'Condition'].includes(k))).toBe(true);
      expect(statement.Sid).toMatch(/^[A-Za-z0-9]+$/);
      expect(statement.Effect).toBe('Allow');
      expect(list(statement.Action).length).toBeGreaterThan(0);
      expect(list(statement.Resource).length).toBeGreaterThan(0);
      for (const action of list(statement.Action)) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
      for (const resource of list(statement.Resource)) expect(resource === '*' || resource.startsWith('arn:aws:')).toBe(true);
    }
    expect(new Set(sids).size).toBe(sids.length);
  });

  it.each(REQUIRED_ACTIONS)('allows %s', (action) => {
    expect(allowing(action).length).toBeGreaterThan(0);
  });

  it('grants no wildcard actions and no write outside the Athena results bucket', () => {
    for (const statement of statements) {
      for (const action of list(statement.Action)) expect(action).not.toContain('*');
    }
    const writes = ['s3:PutObject', 's3:AbortMultipartUpload'].flatMap((a) => allowing(a).flatMap((s) => list(s.Resource)));
    expect(writes.every((resource) => resource.startsWith('arn:aws:s3:::RESULTS_BUCKET/'))).toBe(true);
  });

  it('scopes each service to its placeholders', () => {
    expect(allowing('athena:StartQueryExecution').flatMap((s) => list(s.Resource))).toEqual([
      'arn:aws:athena:REGION:ACCOUNT_ID:workgroup/WORKGROUP',
    ]);
    expect(allowing('glue:GetTable').flatMap((s) => list(s.Resource))).toEqual([
      'arn:aws:glue:REGION:ACCOUNT_ID:catalog',
      'arn:aws:glue:REGION:ACCOUNT_ID:database/DATABASE',
      'arn:aws:glue:REGION:ACCOUNT_ID:table/DATABASE/TABLE',
    ]);
    const logReads = allowing('s3:GetObject').flatMap((s) => list(s.Resource));
    expect(logReads).toContain('arn:aws:s3:::LOG_BUCKET/AWSLogs/*');
    expect(logReads).toContain('arn:aws:s3:::RESULTS_BUCKET/*');
    expect(
      allowing('s3:ListBucket')
        .flatMap((s) => list(s.Resource))
        .sort(),
    ).toEqual(['arn:aws:s3:::LOG_BUCKET', 'arn:aws:s3:::RESULTS_BUCKET']);
    expect(allowing('cloudtrail:LookupEvents').flatMap((s) => list(s.Resource))).toEqual(['*']);
  });

  it('lets KMS decrypt only through S3', () => {
    const [kms, ...others] = allowing('kms:Decrypt');
    expect(others).toEqual([]);
    expect(kms?.Condition).toEqual({ StringEquals: { 'kms:ViaService': 's3.REGION.amazonaws.com' } });
  });

  it('is documented: every Sid appears in the README', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'docs', 'iam', 'README.md'), 'utf8');
    for (const statement of statements) expect(readme).toContain(`\`${String(statement.Sid)}\``);
  });
});
