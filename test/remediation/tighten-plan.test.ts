import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { planRevertPolicy, planTighten } from '../../src/remediation/tighten-plan.js';
import { REAL_DATASETS } from '../helpers/paths.js';

const BUCKET = 'hot--use1-az4--x-s3';
const RESOURCE = `arn:aws:s3express:us-east-1:111122223333:bucket/${BUCKET}`;
const APPROVER = 'arn:aws:iam::111122223333:role/s3x-approver';
const BOT = 'arn:aws:iam::111122223333:role/s3x';
const PROTECTED = [APPROVER, BOT];
const SUSPECT = 'arn:aws:iam::111122223333:user/mallory';
const base = { bucket: BUCKET, region: 'us-east-1', account: '111122223333' };
const MALLORY = 'arn:aws:sts::111122223333:assumed-role/DataEngineer/mallory';
const BOB = 'arn:aws:sts::111122223333:assumed-role/DataEngineer/bob';

/** The first AssumedRole identity of a real record file (public invictus-ir dataset). */
function realAssumedRole(): { arn: string; principalId: string } {
  const file = path.join(
    REAL_DATASETS,
    'invictus-ir_aws_dataset/CloudTrail/218007301253_CloudTrail_us-east-1_20230710T1220Z_sM25jC0Ku0QcGkDa.json',
  );
  const records = (JSON.parse(readFileSync(file, 'utf8')) as { Records: Array<{ userIdentity: Record<string, string> }> })
    .Records;
  const identity = records.find((r) => r.userIdentity.type === 'AssumedRole')?.userIdentity;
  if (!identity?.arn || !identity.principalId) throw new Error('no AssumedRole record');
  return { arn: identity.arn, principalId: identity.principalId };
}

const EXISTING = `{"Version":"2012-10-17","Statement":[ {"Sid":"AppAccess","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":["s3express:CreateSession"],"Resource":"${RESOURCE}"} ]}  \n`;

function policyOf(plan: ReturnType<typeof planTighten>): { Statement: unknown[] } {
  const call = plan.calls[0];
  if (call?.api !== 's3express:PutBucketPolicy') throw new Error('no PutBucketPolicy');
  expect(call.policy).toBe(JSON.stringify(JSON.parse(call.policy), null, 2));
  return JSON.parse(call.policy);
}

describe('planTighten', () => {
  it('--deny writes a Deny for the principal into a new policy', () => {
    const plan = planTighten(null, { ...base, change: { kind: 'deny', principalArn: SUSPECT } }, PROTECTED);
    expect(policyOf(plan)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: expect.stringMatching(/^s3x-deny-principal-mallory-[0-9a-f]{8}$/),
          Effect: 'Deny',
          Action: 's3express:CreateSession',
          Resource: RESOURCE,
          Principal: { AWS: SUSPECT },
        },
      ],
    });
    expect(plan.calls[0]).toMatchObject({ api: 's3express:PutBucketPolicy', region: 'us-east-1', bucket: BUCKET });
    expect(plan.revert).toEqual({ kind: 'revert-policy', bucket: BUCKET, region: 'us-east-1', policy: null });
    expect(plan.request).toEqual({ kind: 'tighten', bucket: BUCKET, change: { kind: 'deny', principalArn: SUSPECT } });
  });

  it('gives the same Sid for the same principal and different ones for others', () => {
    const sid = (arn: string) =>
      (
        policyOf(planTighten(null, { ...base, change: { kind: 'deny', principalArn: arn } }, PROTECTED)).Statement[0] as {
          Sid: string;
        }
      ).Sid;
    expect(sid(SUSPECT)).toBe(sid(SUSPECT));
    expect(sid(SUSPECT)).not.toBe(sid('arn:aws:iam::444455556666:user/mallory'));
  });

  it('--deny of a role session names that session (role and aws:userid from the record), not every session of the role', () => {
    // The identity of a real CloudTrail record (invictus-ir dataset): a role with a path, its principalId.
    const record = realAssumedRole();
    const change = { kind: 'deny' as const, principalArn: record.arn, principalId: record.principalId };
    const plan = planTighten(null, { ...base, change }, PROTECTED);
    const statement = policyOf(plan).Statement[0] as Record<string, unknown>;
    expect(statement).toMatchObject({
      Sid: expect.stringMatching(/^s3x-deny-principal-SLRManagement-[0-9a-f]{8}$/),
      Effect: 'Deny',
      Principal: '*',
      Condition: {
        ArnLike: {
          'aws:PrincipalArn': [
            'arn:aws:iam::123837392027:role/AWSServiceRoleForRDS',
            'arn:aws:iam::123837392027:role/*/AWSServiceRoleForRDS',
          ],
        },
        StringEquals: { 'aws:userid': 'AROATFQR7NSCRR66DMFTC:SLRManagement' },
      },
    });
    expect(plan.summary).toBe(`Block new sessions of AWSServiceRoleForRDS/SLRManagement on ${BUCKET}`);
    expect(plan.words?.join(' ')).toMatch(
      /one role session: SLRManagement of role AWSServiceRoleForRDS .*other sessions of AWSServiceRoleForRDS are not blocked/,
    );
  });

  it('a role session named without a record is matched on its role and session name', () => {
    const plan = planTighten(null, { ...base, change: { kind: 'deny', principalArn: MALLORY } }, PROTECTED);
    expect(policyOf(plan).Statement[0]).toMatchObject({
      Principal: '*',
      Condition: {
        ArnLike: {
          'aws:PrincipalArn': ['arn:aws:iam::111122223333:role/DataEngineer', 'arn:aws:iam::111122223333:role/*/DataEngineer'],
        },
        StringLike: { 'aws:userid': '*:mallory' },
      },
    });
    expect(plan.summary).toBe(`Block new sessions of DataEngineer/mallory on ${BUCKET}`);
  });

  it('a principalId naming another session is not used (the AWS example record has such a pair)', () => {
    // docs: s3-express-log-files example: principalId AROAIDPPEZS35WEXAMPLE:AssumedRoleSessionName, ARN session MySessionName.
    const arn = 'arn:aws:sts::111122223333:assumed-role/RoleToBeAssumed/MySessionName';
    const plan = planTighten(
      null,
      { ...base, change: { kind: 'deny', principalArn: arn, principalId: 'AROAIDPPEZS35WEXAMPLE:AssumedRoleSessionName' } },
      PROTECTED,
    );
    expect(JSON.stringify(policyOf(plan))).not.toContain('AssumedRoleSessionName');
    expect(policyOf(plan).Statement[0]).toMatchObject({ Condition: { StringLike: { 'aws:userid': '*:MySessionName' } } });
  });

  it('--deny of a role denies the role, and the plan says every session of it', () => {
    const role = 'arn:aws:iam::111122223333:role/DataEngineer';
    const plan = planTighten(null, { ...base, change: { kind: 'deny', principalArn: role } }, PROTECTED);
    expect(policyOf(plan).Statement[0]).toMatchObject({ Principal: { AWS: role } });
    expect(plan.summary).toBe(`Block every session of role DataEngineer on ${BUCKET}`);
    expect(plan.words?.join(' ')).toMatch(/every session of it is blocked/);
  });

  it('lists who else seen on the bucket the statement blocks: bob for the role, nobody for the session', () => {
    const seen = {
      days: 7,
      principals: [
        { arn: MALLORY, userId: 'AROA3EXAMPLEDATAENG01:mallory' },
        { arn: BOB, userId: 'AROA3EXAMPLEDATAENG01:bob' },
        { arn: 'arn:aws:sts::111122223333:assumed-role/etl-writer/i-0abc', userId: 'AROA3EXAMPLEETLWRITE:i-0abc' },
        { arn: 'arn:aws:iam::111122223333:user/alice', userId: 'AIDA3EXAMPLEALICE0001' },
      ],
    };
    const session = planTighten(
      null,
      { ...base, change: { kind: 'deny', principalArn: MALLORY, principalId: 'AROA3EXAMPLEDATAENG01:mallory' } },
      PROTECTED,
      seen,
    );
    expect(session.alsoBlocks).toEqual({ days: 7, principals: [] });
    const role = planTighten(
      null,
      { ...base, change: { kind: 'deny', principalArn: 'arn:aws:iam::111122223333:role/DataEngineer' } },
      PROTECTED,
      seen,
    );
    expect(role.alsoBlocks).toEqual({ days: 7, principals: [MALLORY, BOB] });
    const readOnly = planTighten(null, { ...base, change: { kind: 'read-only' } }, PROTECTED, seen);
    expect(readOnly.alsoBlocks).toEqual({ days: 7, principals: seen.principals.map((p) => p.arn) });
  });

  it('a failed log read is carried as unknown, never as nobody else', () => {
    const plan = planTighten(null, { ...base, change: { kind: 'deny', principalArn: MALLORY } }, PROTECTED, {
      days: 7,
      unknown: 'Athena query failed',
    });
    expect(plan.alsoBlocks).toEqual({ days: 7, unknown: 'Athena query failed' });
  });

  it('--read-only for everyone denies ReadWrite sessions and exempts the protected principals', () => {
    const plan = planTighten(null, { ...base, change: { kind: 'read-only' } }, PROTECTED);
    expect(policyOf(plan).Statement).toEqual([
      {
        Sid: 's3x-deny-readwrite-everyone',
        Effect: 'Deny',
        Action: 's3express:CreateSession',
        Resource: RESOURCE,
        Principal: '*',
        Condition: {
          StringEquals: { 's3express:SessionMode': 'ReadWrite' },
          ArnNotLike: { 'aws:PrincipalArn': PROTECTED },
        },
      },
    ]);
    expect(plan.warnings.join(' ')).toContain('except the protected principals');
    expect(plan.warnings.join(' ')).toContain('S3 Lifecycle');
  });

  it('--read-only for one principal', () => {
    const plan = planTighten(null, { ...base, change: { kind: 'read-only', principalArn: SUSPECT } }, PROTECTED);
    expect(policyOf(plan).Statement[0]).toEqual({
      Sid: expect.stringMatching(/^s3x-deny-readwrite-mallory-/),
      Effect: 'Deny',
      Action: 's3express:CreateSession',
      Resource: RESOURCE,
      Principal: { AWS: SUSPECT },
      Condition: { StringEquals: { 's3express:SessionMode': 'ReadWrite' } },
    });
  });

  it('--vpce denies sessions from outside the endpoint, protected principals exempt', () => {
    const plan = planTighten(null, { ...base, change: { kind: 'vpce', vpceId: 'vpce-0123456789abcdef0' } }, PROTECTED);
    expect(policyOf(plan).Statement[0]).toEqual({
      Sid: expect.stringMatching(/^s3x-deny-outside-vpce-vpce-0123456789abcdef0-[0-9a-f]{8}$/),
      Effect: 'Deny',
      Action: 's3express:CreateSession',
      Resource: RESOURCE,
      Principal: '*',
      Condition: {
        StringNotEquals: { 'aws:SourceVpce': 'vpce-0123456789abcdef0' },
        ArnNotLike: { 'aws:PrincipalArn': PROTECTED },
      },
    });
  });

  it('keeps existing statements untouched and reverts to the exact previous text', () => {
    const plan = planTighten(EXISTING, { ...base, change: { kind: 'deny', principalArn: SUSPECT } }, PROTECTED);
    const policy = policyOf(plan);
    expect(policy.Statement[0]).toEqual(JSON.parse(EXISTING).Statement[0]);
    expect(policy.Statement).toHaveLength(2);
    expect(plan.revert).toEqual({ kind: 'revert-policy', bucket: BUCKET, region: 'us-east-1', policy: EXISTING });
    expect(plan.diff.split('\n').some((line) => line.startsWith('+') && line.includes('"Deny"'))).toBe(true);
    expect(plan.diff.split('\n').some((line) => line.startsWith('-') && !line.trim().endsWith('}') && !line.endsWith(']'))).toBe(
      false,
    );
  });

  it('accepts a single Statement object', () => {
    const single = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3express:CreateSession","Resource":"${RESOURCE}"}}`;
    const plan = planTighten(single, { ...base, change: { kind: 'deny', principalArn: SUSPECT } }, PROTECTED);
    expect(policyOf(plan).Statement).toHaveLength(2);
  });

  it('is a no-op when the statement is already there', () => {
    const first = planTighten(EXISTING, { ...base, change: { kind: 'read-only' } }, PROTECTED);
    const applied = (first.calls[0] as { policy: string }).policy;
    const again = planTighten(applied, { ...base, change: { kind: 'read-only' } }, PROTECTED);
    expect(again.calls).toEqual([]);
    expect(again.summary).toContain('nothing to change');
  });

  it('refuses a policy naming another action', () => {
    const bad = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["s3express:CreateSession","s3:GetObject"],"Resource":"*"}]}`;
    expect(() => planTighten(bad, { ...base, change: { kind: 'deny', principalArn: SUSPECT } }, PROTECTED)).toThrow(
      /s3:GetObject/,
    );
    expect(() => planTighten('{not json', { ...base, change: { kind: 'deny', principalArn: SUSPECT } }, PROTECTED)).toThrow(
      UsageError,
    );
  });

  it('refuses to deny a protected principal, directly or through its session or account', () => {
    for (const principalArn of [
      APPROVER,
      'arn:aws:sts::111122223333:assumed-role/s3x/slack',
      'arn:aws:iam::111122223333:root',
      '*',
    ]) {
      expect(() => planTighten(null, { ...base, change: { kind: 'deny', principalArn } }, PROTECTED), principalArn).toThrow(
        /Refusing.*deny/,
      );
    }
    expect(() => planTighten(null, { ...base, change: { kind: 'read-only', principalArn: BOT } }, PROTECTED)).toThrow(UsageError);
  });

  it('refuses a policy over 20 KB', () => {
    const statements = Array.from({ length: 120 }, (_, i) => ({
      Sid: `s${i}`,
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::111122223333:role/role-number-${i}` },
      Action: 's3express:CreateSession',
      Resource: RESOURCE,
    }));
    const big = JSON.stringify({ Version: '2012-10-17', Statement: statements });
    expect(() => planTighten(big, { ...base, change: { kind: 'deny', principalArn: SUSPECT } }, PROTECTED)).toThrow(/20 KB/);
  });
});

describe('planRevertPolicy', () => {
  it('restores the previous text byte for byte', () => {
    const tightened = (
      planTighten(EXISTING, { ...base, change: { kind: 'read-only' } }, PROTECTED).calls[0] as { policy: string }
    ).policy;
    const plan = planRevertPolicy(tightened, { kind: 'revert-policy', bucket: BUCKET, region: 'us-east-1', policy: EXISTING });
    expect(plan.calls).toEqual([{ api: 's3express:PutBucketPolicy', region: 'us-east-1', bucket: BUCKET, policy: EXISTING }]);
    expect(plan.diff).toContain('- ');
  });

  it('deletes the policy when there was none', () => {
    const tightened = (planTighten(null, { ...base, change: { kind: 'read-only' } }, PROTECTED).calls[0] as { policy: string })
      .policy;
    const plan = planRevertPolicy(tightened, { kind: 'revert-policy', bucket: BUCKET, region: 'us-east-1', policy: null });
    expect(plan.calls).toEqual([{ api: 's3express:DeleteBucketPolicy', region: 'us-east-1', bucket: BUCKET }]);
  });

  it('does nothing when the policy is already the stored one', () => {
    const plan = planRevertPolicy(EXISTING, { kind: 'revert-policy', bucket: BUCKET, region: 'us-east-1', policy: EXISTING });
    expect(plan.calls).toEqual([]);
  });
});
