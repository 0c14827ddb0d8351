import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askObjectQuestion, OBJECT_QUESTION_TABLE } from '../../src/answers/object/question.js';
import type { Engine } from '../../src/engines/engine.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { principalsSeenOnBucket } from '../../src/questions/bucket-principals.js';
import { tempDir, writeDeliveryFile } from '../helpers/archive.js';
import { REAL_DATASETS } from '../helpers/paths.js';

const NOW = new Date('2024-07-05T00:00:00Z');

/** The AWS-documented S3 Express records (CreateSession, PutObject, ...), as delivered. */
function awsDocumentedRecords(): Array<Record<string, unknown>> {
  const file = path.join(REAL_DATASETS, 'aws-docs', 's3-express-log-files.examples.repaired.jsonl');
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

let root: string;
let engine: LocalEngine;
let bucket: string;

beforeAll(async () => {
  root = await tempDir('s3x-seen-');
  const records = awsDocumentedRecords();
  bucket = (records[0] as { requestParameters: { bucketName: string } }).requestParameters.bucketName;
  // A second session of the same role, and a caller of another bucket that must not be listed.
  const bob = structuredClone(records[0]) as { userIdentity: Record<string, string>; eventID: string };
  bob.userIdentity.arn = 'arn:aws:sts::111122223333:assumed-role/RoleToBeAssumed/bob';
  bob.userIdentity.principalId = 'AROAIDPPEZS35WEXAMPLE:bob';
  bob.eventID = 'bob-1';
  const elsewhere = structuredClone(records[0]) as {
    requestParameters: Record<string, string>;
    eventID: string;
    userIdentity: Record<string, string>;
  };
  elsewhere.requestParameters.bucketName = 'other--usw2-az1--x-s3';
  elsewhere.userIdentity.arn = 'arn:aws:iam::111122223333:user/elsewhere';
  elsewhere.eventID = 'elsewhere-1';
  // The documented GetObject, read again by a session that signed in with MFA.
  const withMfa = structuredClone(records.find((r) => r.eventName === 'GetObject')) as {
    eventID: string;
    userIdentity: { sessionContext?: { attributes?: Record<string, string> } };
  };
  withMfa.eventID = 'mfa-1';
  withMfa.userIdentity.sessionContext = { attributes: { creationDate: '2024-07-02T00:20:00Z', mfaAuthenticated: 'true' } };
  await writeDeliveryFile(root, '2024/07/02', '20240702T0025Z_doc', [...records, bob, elsewhere, withMfa], 'us-west-2');
  engine = await LocalEngine.open({ logsDir: root });
});

afterAll(async () => {
  await engine.close();
  await rm(root, { recursive: true, force: true });
});

describe('each event says who exactly, with what, and whether with MFA', () => {
  it('carries the principalId, the user agent and the MFA state (unknown when the record does not say)', async () => {
    const answer = await askObjectQuestion(
      OBJECT_QUESTION_TABLE['who-read'],
      {
        command: 'who-read',
        key: 'test-get-obj-with-checksum',
        bucket,
        window: { since: new Date('2024-07-01T00:00:00Z'), until: NOW },
      },
      engine,
    );
    const byId = new Map(answer.events.map((e) => [e.eventId, e]));
    expect(answer.events).toHaveLength(2);
    const documented = answer.events.find((e) => e.eventId !== 'mfa-1');
    expect(documented).toMatchObject({
      principalId: 'AROAIDPPEZS35WEXAMPLE:AssumedRoleSessionName',
      userAgent: expect.stringMatching(/^aws-sdk-java\//),
      mfaAuthenticated: null,
    });
    expect(byId.get('mfa-1')?.mfaAuthenticated).toBe(true);
  });
});

describe('principalsSeenOnBucket', () => {
  it('reads each caller of the bucket with its principalId (aws:userid), from the AWS-documented records', async () => {
    const seen = await principalsSeenOnBucket(engine, bucket, NOW);
    if ('unknown' in seen) throw new Error(seen.unknown);
    expect(seen.days).toBe(7);
    expect(seen.principals).toContainEqual({
      arn: 'arn:aws:sts::111122223333:assumed-role/RoleToBeAssumed/bob',
      userId: 'AROAIDPPEZS35WEXAMPLE:bob',
    });
    expect(seen.principals.some((p) => p.userId === 'AROAIDPPEZS35WEXAMPLE:AssumedRoleSessionName')).toBe(true);
    expect(seen.principals.some((p) => p.arn.endsWith('user/elsewhere'))).toBe(false);
  });

  it('a failed read is unknown, with the reason, not an empty list', async () => {
    const failing: Engine = {
      table: engine.table,
      reportsFreshness: true,
      run: () => Promise.reject(new Error('disk gone')),
      close: async () => undefined,
    };
    const seen = await principalsSeenOnBucket(failing, bucket, NOW);
    expect(seen).toEqual({ days: 7, unknown: expect.stringMatching(/went wrong/) });
  });
});
