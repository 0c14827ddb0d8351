import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { planRevertPolicy, planTighten } from '../../src/remediation/tighten-plan.js';

const BUCKET = 'hot--use1-az4--x-s3';
const RESOURCE = `arn:aws:s3express:us-east-1:111122223333:bucket/${BUCKET}`;
const APPROVER = 'arn:aws:iam::111122223333:role/s3x-approver';
const BOT = 'arn:aws:iam::111122223333:role/s3x';
const PROTECTED = [APPROVER, BOT];
const SUSPECT = 'arn:aws:iam::111122223333:user/mallory';
const base = { bucket: BUCKET, region: 'us-east-1', account: '111122223333' };

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

  it('--deny of an assumed-role session denies every session of the role', () => {
    const session = 'arn:aws:sts::111122223333:assumed-role/Suspect/i-0abc';
    const plan = planTighten(null, { ...base, change: { kind: 'deny', principalArn: session } }, PROTECTED);
    expect(policyOf(plan).Statement[0]).toMatchObject({
      Effect: 'Deny',
      Principal: '*',
      Condition: {
        ArnLike: { 'aws:PrincipalArn': ['arn:aws:iam::111122223333:role/Suspect', 'arn:aws:iam::111122223333:role/*/Suspect'] },
      },
    });
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
