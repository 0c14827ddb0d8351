import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDigest, type Digest } from '../../../src/answers/digest/question.js';
import { LocalEngine } from '../../../src/engines/local/local-engine.js';
import { REAL_DATASETS } from '../../helpers/paths.js';

const FOLDER = path.join(REAL_DATASETS, 'invictus-ir_aws_dataset');
const WATCHED = ['DeleteBucket', 'PutBucketPolicy', 'DeleteBucketPolicy', 'DeleteTrail', 'StopLogging', 'PutEventSelectors'];

interface RealRecord {
  eventID: string;
  eventTime: string;
  eventName: string;
  eventSource: string;
  errorCode?: string;
  userIdentity?: { arn?: string };
}

/** The watched calls of 2023-07-10 (UTC), read with plain node, once per eventID. */
async function expectedEvents(): Promise<
  Array<{ eventId: string; eventName: string; principal: string | null; errorCode: string | null }>
> {
  const files = (await readdir(FOLDER, { recursive: true })).filter((file) => file.endsWith('.json'));
  const byId = new Map<string, RealRecord>();
  for (const file of files) {
    const { Records } = JSON.parse(await readFile(path.join(FOLDER, file), 'utf8')) as { Records: RealRecord[] };
    for (const record of Records) {
      if (WATCHED.includes(record.eventName) && record.eventTime.startsWith('2023-07-10')) byId.set(record.eventID, record);
    }
  }
  return [...byId.values()]
    .map((r) => ({
      eventId: r.eventID,
      eventName: r.eventName,
      principal: r.userIdentity?.arn ?? null,
      errorCode: r.errorCode ?? null,
    }))
    .sort((a, b) => (a.eventId < b.eventId ? -1 : 1));
}

describe('digest over the real invictus-ir records (2023-07-10 UTC)', () => {
  let engine: LocalEngine;
  let digest: Digest;
  beforeAll(async () => {
    engine = await LocalEngine.open({ logsDir: FOLDER });
    digest = await buildDigest(engine, { date: '2023-07-10', timeZone: 'UTC' });
  });
  afterAll(async () => {
    await engine.close();
  });

  it('lists every bucket-deletion, policy and trail-tampering call with its principal', async () => {
    const expected = await expectedEvents();
    expect(expected.map((e) => e.eventName)).toEqual(expect.arrayContaining(WATCHED));
    const listed = digest.management
      .filter((event) => WATCHED.includes(event.eventName))
      .map((e) => ({ eventId: e.eventId, eventName: e.eventName, principal: e.principal, errorCode: e.errorCode }))
      .sort((a, b) => (a.eventId < b.eventId ? -1 : 1));
    expect(listed).toEqual(expected);
    expect(new Set(listed.map((e) => e.principal))).toEqual(new Set(['arn:aws:iam::123837392027:user/bert-jan']));
  });

  it('marks trail tampering and names the target', () => {
    const stop = digest.management.filter((e) => e.eventName === 'StopLogging');
    expect(stop.length).toBe(3);
    expect(stop.every((e) => e.tampering && e.target === 'stratus-red-team-ct-stop-trail-qzbgnfqisx')).toBe(true);
    expect(digest.management.find((e) => e.eventName === 'PutEventSelectors')?.tampering).toBe(true);
    expect(digest.management.filter((e) => e.eventName === 'DeleteBucket').every((e) => !e.tampering && e.target)).toBe(true);
    expect(digest.management.filter((e) => e.eventName === 'CreateBucket').length).toBeGreaterThan(0);
    expect(digest.quiet).toBe(false);
    expect(digest.queries).toBeLessThanOrEqual(3);
  });
});
