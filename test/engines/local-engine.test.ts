import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askObjectQuestion, buildQuery, OBJECT_QUESTION_TABLE } from '../../src/answers/object/question.js';
import { parseCommand } from '../../src/commands/parse.js';
import type { ObjectQuestionRequest } from '../../src/commands/requests.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { sniffFormat } from '../../src/engines/local/log-files.js';
import { expressEvent, tempDir, writeDeliveryFile } from '../helpers/archive.js';

const NOW = new Date('2026-11-24T00:00:00Z');
const INJECTION_KEY = "x' OR '1'='1";
let root: string;
let engine: LocalEngine;

beforeAll(async () => {
  root = await tempDir();
  // Ten days of folders; each holds one event on `daily.txt` written that day.
  for (let d = 1; d <= 10; d++) {
    const day = `2026/11/${String(d).padStart(2, '0')}`;
    await writeDeliveryFile(root, day, `2026110${d}T1200Z_day${d}`, [
      expressEvent({
        eventName: 'PutObject',
        eventTime: `${day.replaceAll('/', '-')}T11:55:00Z`,
        key: 'daily.txt',
        eventID: `daily-${d}`,
      }),
    ]);
  }
  // A session, a delete signed with it, and the same delete delivered twice.
  const session = expressEvent({
    eventName: 'CreateSession',
    eventTime: '2026-11-05T08:00:00Z',
    arn: 'arn:aws:sts::111122223333:assumed-role/Cleaner/c1',
    accessKeyId: 'AKIAIAMKEY',
    extra: {
      requestParameters: { bucketName: 'hot--use1-az4--x-s3', 'x-amz-create-session-mode': 'ReadWrite' },
      responseElements: { credentials: { accessKeyId: 'ASIASESSIONCLEANER', expiration: 'x', sessionToken: 'redacted' } },
      userIdentity: {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::111122223333:assumed-role/Cleaner/c1',
        accessKeyId: 'AKIAIAMKEY',
        sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::111122223333:role/Cleaner' } },
      },
    },
  });
  const deletion = expressEvent({
    eventName: 'DeleteObject',
    eventTime: '2026-11-05T08:01:00Z',
    key: 'reports/q3.parquet',
    arn: 'arn:aws:sts::111122223333:assumed-role/Cleaner/c1',
    accessKeyId: 'ASIASESSIONCLEANER',
    eventID: 'delete-q3',
  });
  await writeDeliveryFile(root, '2026/11/05', '20261105T0805Z_a', [session, deletion]);
  await writeDeliveryFile(root, '2026/11/05', '20261105T0810Z_dup', [deletion]);
  // A batch delete in the same bucket: no keys in the record.
  await writeDeliveryFile(root, '2026/11/05', '20261105T0905Z_b', [
    expressEvent({
      eventName: 'DeleteObjects',
      eventTime: '2026-11-05T09:00:00Z',
      eventID: 'batch-1',
      extra: { requestParameters: { bucketName: 'hot--use1-az4--x-s3', delete: '' } },
    }),
  ]);
  // An event at 23:58 delivered in the next day's folder.
  await writeDeliveryFile(root, '2026/11/07', '20261107T0005Z_late', [
    expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-06T23:58:00Z', key: 'late.txt', eventID: 'late-1' }),
  ]);
  // Keys that look like SQL: only the exact one may match.
  await writeDeliveryFile(root, '2026/11/08', '20261108T1000Z_inj', [
    expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-08T09:55:00Z', key: INJECTION_KEY, eventID: 'inj-exact' }),
    expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-08T09:56:00Z', key: 'x', eventID: 'inj-other' }),
    expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-08T09:57:00Z', key: '1', eventID: 'inj-other-2' }),
  ]);
  // A general-purpose bucket event with the same key as a directory-bucket event.
  await writeDeliveryFile(root, '2026/11/08', '20261108T1100Z_gp', [
    {
      ...expressEvent({
        eventName: 'DeleteObject',
        eventTime: '2026-11-08T10:55:00Z',
        key: 'daily.txt',
        bucket: 'corp-reports',
        eventID: 'gp-1',
      }),
      eventSource: 's3.amazonaws.com',
    },
  ]);
  // Broken files: truncated gzip and invalid JSON. They are skipped and counted, never fatal.
  const brokenDir = path.join(root, 'AWSLogs', '111122223333', 'CloudTrail', 'us-east-1', '2026', '11', '09');
  await mkdir(brokenDir, { recursive: true });
  await writeFile(
    path.join(brokenDir, 'truncated.json.gz'),
    gzipSync(
      JSON.stringify({ Records: [expressEvent({ eventName: 'PutObject', eventTime: '2026-11-09T01:00:00Z', key: 'k' })] }),
    ).subarray(0, 60),
  );
  await writeFile(path.join(brokenDir, 'invalid.json'), '{"Records": [ {"eventTime": "2026-11-09T01:00:00Z", ');
  engine = await LocalEngine.open({ logsDir: root });
});

afterAll(async () => {
  await engine.close();
});

async function ask(...words: string[]) {
  const request = parseCommand(words, NOW) as ObjectQuestionRequest;
  return askObjectQuestion(OBJECT_QUESTION_TABLE[request.command], request, engine);
}

describe('local engine over a trail layout', () => {
  it('reads only the delivery folders of the window plus one day', async () => {
    const answer = await ask('who-wrote', 'daily.txt', '--since', '2026-11-03', '--until', '2026-11-04');
    // Folders 03, 04 and 05 (the day after): 3 daily files + 3 files of the 5th.
    expect(answer.stats.filesScanned).toBe(6);
    expect(answer.events.map((e) => e.eventId)).toEqual(['daily-4', 'daily-3']);
  });

  it('links the delete to its CreateSession and removes the duplicate delivery', async () => {
    const answer = await ask(
      'who-deleted',
      'reports/q3.parquet',
      '--bucket',
      'hot--use1-az4--x-s3',
      '--since',
      '2026-11-05',
      '--until',
      '2026-11-05',
    );
    const exact = answer.events.filter((e) => e.evidence === 'exact');
    expect(exact).toEqual([
      expect.objectContaining({
        eventId: 'delete-q3',
        principalArn: 'arn:aws:sts::111122223333:assumed-role/Cleaner/c1',
        sessionMode: 'ReadWrite',
        sessionIssuerArn: 'arn:aws:iam::111122223333:role/Cleaner',
      }),
    ]);
    // The batch delete came after the key was deleted: it cannot have removed it, so it is counted, not listed.
    expect(answer.events.filter((e) => e.evidence === 'candidate')).toEqual([]);
    expect(answer.unlistedCandidates).toBe(1);
    expect(answer.totalMatches).toBe(1);
  });

  it('finds an event delivered in the next day folder', async () => {
    const answer = await ask('who-deleted', 'late.txt', '--since', '2026-11-06', '--until', '2026-11-06');
    expect(answer.events.map((e) => e.eventId)).toEqual(['late-1']);
  });

  it('binds a key that looks like SQL as a value: only the exact key matches', async () => {
    const answer = await ask('who-deleted', INJECTION_KEY, '--since', '2026-11-08', '--until', '2026-11-08');
    expect(answer.events.map((e) => [e.eventId, e.key])).toEqual([['inj-exact', INJECTION_KEY]]);
    const query = buildQuery(
      OBJECT_QUESTION_TABLE['who-deleted'],
      parseCommand(['who-deleted', INJECTION_KEY], NOW) as ObjectQuestionRequest,
      engine.table,
    );
    expect(query.sql.text).not.toContain(INJECTION_KEY);
    expect(query.sql.params).toContain(INJECTION_KEY);
  });

  it('searches both sources without --bucket and one with it', async () => {
    const both = await ask('history', 'daily.txt', '--since', '2026-11-08', '--until', '2026-11-08');
    expect(both.events.map((e) => e.eventSource).sort()).toEqual(['s3.amazonaws.com', 's3express.amazonaws.com']);
    const gp = await ask('history', 'daily.txt', '--bucket', 'corp-reports', '--since', '2026-11-08', '--until', '2026-11-08');
    expect(gp.events.map((e) => e.eventId)).toEqual(['gp-1']);
  });

  it('skips and counts unreadable files instead of failing', async () => {
    const answer = await ask('who-wrote', 'k', '--since', '2026-11-09', '--until', '2026-11-09');
    expect(answer.stats.unreadableFiles.map((f) => path.basename(f.path)).sort()).toEqual(['invalid.json', 'truncated.json.gz']);
    expect(answer.stats.unreadableFiles.every((f) => f.reason.length > 0)).toBe(true);
    expect(answer.stats.filesScanned).toBe(2); // the daily files of the 9th and 10th
  });

  it('answers a window with no folders at all with an empty result', async () => {
    const answer = await ask('who-deleted', 'anything', '--since', '2025-01-01', '--until', '2025-01-02');
    expect(answer.events).toEqual([]);
    expect(answer.stats.filesScanned).toBe(0);
    expect(answer.stats.newestEventTime).toBeUndefined();
  });

  it('reports the newest event in the files it read', async () => {
    const answer = await ask('who-wrote', 'daily.txt', '--since', '2026-11-01', '--until', '2026-11-10');
    expect(answer.stats.newestEventTime).toBe('2026-11-10T11:55:00Z');
    expect(answer.events).toHaveLength(10);
  });
});

describe('sniffFormat', () => {
  it.each([
    ['{"Records":[', 'wrapped'],
    ['{\n  "Records" : [', 'wrapped'],
    [' [{"eventName":"x"}]', 'array'],
    ['{"eventVersion":"1.09"}\n{"eventVersion":"1.09"}', 'lines'],
  ] as const)('%j is %s', (head, format) => {
    expect(sniffFormat(head)).toBe(format);
  });
});
