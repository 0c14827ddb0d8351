import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { EngineError } from '../../src/errors.js';
import { askTrailHistory } from '../../src/questions/trail-history.js';
import type { PlannedCall } from '../../src/remediation/types.js';
import { SandboxAccount } from '../../src/sandbox/sandbox-account.js';
import { openDatabase, type SqliteDatabase } from '../../src/store/database.js';
import { tempDir } from '../helpers/archive.js';

const NOW = new Date('2026-11-24T12:00:00Z');
const ACTOR = { approverId: 'U0APPROVER', requestId: 'req-1' };
const HOT = 'analytics-hot--use1-az4--x-s3';
const TMP = 'tmp-exports--use1-az5--x-s3';
const EXPRESS = (prefixes: string[]) => [
  {
    Name: 'S3 Express object activity',
    FieldSelectors: [
      { Field: 'eventCategory', Equals: ['Data'] },
      { Field: 'resources.type', Equals: ['AWS::S3Express::Object'] },
      { Field: 'resources.ARN', StartsWith: prefixes },
    ],
  },
];

let dir: string;
let dbFile: string;
let db: SqliteDatabase;

function sandbox(database = db): SandboxAccount {
  const account = new SandboxAccount(database, { logsDir: path.join(dir, 'logs'), now: () => NOW });
  account.seedDefaults();
  return account;
}

beforeEach(async () => {
  dir = await tempDir('s3x-sandbox-');
  dbFile = path.join(dir, 'state.db');
  db = openDatabase(dbFile);
});

afterEach(() => db.close());

describe('SandboxAccount', () => {
  it('seeds the sample account once', async () => {
    const account = sandbox();
    const first = await account.readState();
    expect(first.account).toBe('111122223333');
    expect(first.region).toBe('us-east-1');
    expect(first.directoryBuckets.map((b) => b.name)).toEqual([
      HOT,
      'ml-features--use1-az6--x-s3',
      'scratch--use1-az4--x-s3',
      TMP,
    ]);
    const [trail] = first.trails;
    expect(trail).toMatchObject({ name: 's3x-data-events', isLogging: true, isMultiRegion: true, homeRegion: 'us-east-1' });
    const express = trail?.advancedEventSelectors?.find((s) => s.Name === 'S3 Express object activity');
    const prefixes = express?.FieldSelectors?.find((f) => f.Field === 'resources.ARN')?.StartsWith ?? [];
    expect(prefixes.some((p) => p.includes('analytics-hot'))).toBe(true);
    expect(prefixes.some((p) => p.includes('tmp-exports'))).toBe(false);
    expect(JSON.parse((await account.getBucketPolicy(HOT, 'us-east-1')) ?? '')).toMatchObject({
      Statement: [{ Action: 's3express:CreateSession', Principal: { AWS: 'arn:aws:iam::111122223333:root' } }],
    });
    expect(await account.getBucketPolicy(TMP, 'us-east-1')).toBeNull();

    await account.apply([{ api: 's3express:DeleteBucketPolicy', region: 'us-east-1', bucket: HOT }], ACTOR);
    account.seedDefaults();
    sandbox();
    expect(await account.getBucketPolicy(HOT, 'us-east-1')).toBeNull();
    expect((await account.readState()).trails).toHaveLength(1);
  });

  it('replaces the selectors and logs a PutEventSelectors the local engine reads back', async () => {
    const account = sandbox();
    const selectors = EXPRESS([`arn:aws:s3express:us-east-1:111122223333:bucket/${TMP}/`]);
    const result = await account.apply(
      [
        {
          api: 'cloudtrail:PutEventSelectors',
          region: 'us-east-1',
          trailName: 's3x-data-events',
          advancedEventSelectors: selectors,
        },
      ],
      ACTOR,
    );
    expect(result.steps).toEqual([
      { api: 'cloudtrail:PutEventSelectors', ok: true, detail: 'set the event selectors of trail s3x-data-events' },
    ]);
    expect((await account.readState()).trails[0]?.advancedEventSelectors).toEqual(selectors);

    const dayDir = path.join(dir, 'logs', 'AWSLogs', '111122223333', 'CloudTrail', 'us-east-1', '2026', '11', '24');
    const files = await readdir(dayDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^111122223333_CloudTrail_us-east-1_20261124T1200Z_[A-Za-z0-9]{16}\.json\.gz$/);

    const engine = await LocalEngine.open({ logsDir: path.join(dir, 'logs') });
    onTestFinished(() => engine.close());
    const history = await askTrailHistory(
      { since: new Date('2026-11-24T00:00:00Z'), until: new Date('2026-11-25T00:00:00Z') },
      engine,
    );
    expect(history.changes).toHaveLength(1);
    expect(history.changes[0]).toMatchObject({
      eventName: 'PutEventSelectors',
      trailName: 's3x-data-events',
      region: 'us-east-1',
      eventTime: '2026-11-24T12:00:00Z',
      principalArn: 'arn:aws:sts::111122223333:assumed-role/s3x-remediation/s3x-req-1',
      selectors: { advanced: selectors },
    });
  });

  it('stores a policy byte for byte, and deletes it', async () => {
    const account = sandbox();
    const policy =
      '{ "Version": "2012-10-17",\n  "Statement": [{"Effect":"Deny","Principal":"*","Action":["s3express:CreateSession"],"Resource":"*"}] }\n';
    await account.apply([{ api: 's3express:PutBucketPolicy', region: 'us-east-1', bucket: TMP, policy }], ACTOR);
    expect(await account.getBucketPolicy(TMP, 'us-east-1')).toBe(policy);
    await account.apply([{ api: 's3express:DeleteBucketPolicy', region: 'us-east-1', bucket: TMP }], ACTOR);
    expect(await account.getBucketPolicy(TMP, 'us-east-1')).toBeNull();
  });

  it.each<[string, PlannedCall, string]>([
    [
      'an unknown trail',
      { api: 'cloudtrail:StartLogging', region: 'us-east-1', trailName: 'nope' },
      'the trail no longer exists',
    ],
    [
      'a call outside the home Region',
      {
        api: 'cloudtrail:PutEventSelectors',
        region: 'eu-west-1',
        trailName: 's3x-data-events',
        advancedEventSelectors: EXPRESS(['x']),
      },
      'home Region',
    ],
    [
      'a missing bucket',
      { api: 's3express:DeleteBucketPolicy', region: 'us-east-1', bucket: 'gone--use1-az4--x-s3' },
      'does not exist',
    ],
    [
      'a policy that is not JSON',
      { api: 's3express:PutBucketPolicy', region: 'us-east-1', bucket: TMP, policy: '{nope' },
      'malformed',
    ],
    [
      'an action other than CreateSession',
      {
        api: 's3express:PutBucketPolicy',
        region: 'us-east-1',
        bucket: TMP,
        policy: '{"Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}',
      },
      'malformed',
    ],
    [
      'a log bucket CloudTrail may not write to',
      {
        api: 'cloudtrail:CreateTrail',
        region: 'us-east-1',
        name: 'second',
        s3BucketName: 'corp-cloudtrail-logs-111122223333',
        isMultiRegionTrail: true,
        enableLogFileValidation: true,
      },
      'the log bucket policy does not let CloudTrail write',
    ],
  ])('rejects %s with nothing applied', async (_label, invalid, expected) => {
    const account = sandbox();
    if (invalid.api === 'cloudtrail:CreateTrail') {
      // Preceded by a policy that lets nobody write: the whole plan must roll back, this step included.
      const before = await account.readState();
      const failure = (await account
        .apply([{ api: 's3:PutBucketPolicy', bucket: invalid.s3BucketName, policy: '{"Statement":[]}' }, invalid], ACTOR)
        .catch((e: unknown) => e)) as EngineError;
      expect(failure.userMessage).toContain(expected);
      expect(await account.readState()).toEqual(before);
      await account.apply([invalid], ACTOR);
      expect((await account.readState()).trails.map((t) => t.name)).toEqual(['s3x-data-events', 'second']);
      return;
    }
    const before = await account.readState();
    const policy = await account.getBucketPolicy(HOT, 'us-east-1');
    const failure = await account
      .apply([{ api: 's3express:DeleteBucketPolicy', region: 'us-east-1', bucket: HOT }, invalid], ACTOR)
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(EngineError);
    expect((failure as EngineError).userMessage).toContain('Step 2 of 2');
    expect((failure as EngineError).userMessage).toContain(expected);
    expect((failure as EngineError).userMessage).toContain('Nothing was changed.');
    expect(await account.readState()).toEqual(before);
    expect(await account.getBucketPolicy(HOT, 'us-east-1')).toBe(policy);
    await expect(readdir(path.join(dir, 'logs'))).rejects.toThrow();
  });

  it('creates and starts a trail the way AWS does', async () => {
    const account = sandbox();
    await account.apply(
      [
        {
          api: 'cloudtrail:CreateTrail',
          region: 'us-east-1',
          name: 'fresh',
          s3BucketName: 'corp-cloudtrail-logs-111122223333',
          isMultiRegionTrail: true,
          enableLogFileValidation: true,
        },
        { api: 'cloudtrail:PutEventSelectors', region: 'us-east-1', trailName: 'fresh', advancedEventSelectors: EXPRESS(['x']) },
        { api: 'cloudtrail:StartLogging', region: 'us-east-1', trailName: 'fresh' },
      ],
      ACTOR,
    );
    const fresh = (await account.readState()).trails.find((t) => t.name === 'fresh');
    expect(fresh).toEqual({
      name: 'fresh',
      arn: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/fresh',
      homeRegion: 'us-east-1',
      isMultiRegion: true,
      isLogging: true,
      s3BucketName: 'corp-cloudtrail-logs-111122223333',
      advancedEventSelectors: EXPRESS(['x']),
    });
  });

  it('shares its state with a second sandbox on the same file', async () => {
    const first = sandbox();
    await first.apply(
      [
        {
          api: 's3express:PutBucketPolicy',
          region: 'us-east-1',
          bucket: TMP,
          policy: '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3express:CreateSession"}]}',
        },
      ],
      ACTOR,
    );
    const other = openDatabase(dbFile);
    try {
      const second = sandbox(other);
      expect(await second.getBucketPolicy(TMP, 'us-east-1')).toContain('CreateSession');
      expect(await second.readState()).toEqual(await first.readState());
    } finally {
      other.close();
    }
  });
});
