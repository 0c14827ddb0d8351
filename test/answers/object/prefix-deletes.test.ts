import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askObjectQuestion, OBJECT_QUESTION_TABLE, type ObjectAnswer } from '../../../src/answers/object/question.js';
import { parseCommand } from '../../../src/commands/parse.js';
import type { ObjectQuestionRequest } from '../../../src/commands/requests.js';
import type { Engine } from '../../../src/engines/engine.js';
import { tempDir, writeDeliveryFile } from '../../helpers/archive.js';
import { documentedExpressRecord, expressCall } from '../../helpers/real-account-archive.js';
import { askOnThreeEngines, type FileAndIndex, openFileAndIndex, withoutStats } from '../../helpers/three-engines.js';

const NOW = new Date('2026-11-24T00:00:00Z');
const BUCKET = 'hot--use1-az4--x-s3';
// Hostile on purpose: `_` and `%` are LIKE wildcards, `\` an escape char, `'` a quote.
const PREFIX = "rep_rts/50%\\'q/";
const ALICE = 'arn:aws:sts::111122223333:assumed-role/Writer/alice';
const BOB = 'arn:aws:sts::111122223333:assumed-role/Writer/bob';
const at = (time: string) => `2026-11-20T${time}Z`;

/** AWS's documented S3 Express record made into one call on BUCKET, with a stable event id. */
function call(
  eventID: string,
  eventName: string,
  time: string,
  key: string,
  options: { principal?: string; errorCode?: string } = {},
): Record<string, unknown> {
  return { ...expressCall({ eventName, eventTime: at(time), bucket: BUCKET, key, region: 'us-east-1', ...options }), eventID };
}

/** AWS's documented DeleteObjects record (`"delete": ""`, no keys) in BUCKET. */
function batchDelete(eventID: string, time: string, bucket = BUCKET) {
  const documented = documentedExpressRecord('DeleteObjects');
  const parameters = documented.requestParameters as Record<string, unknown>;
  return {
    ...documented,
    eventID,
    eventTime: at(time),
    awsRegion: 'us-east-1',
    requestParameters: { ...parameters, bucketName: bucket },
  };
}

/** A RenameObject moving `from` to `to` (the destination is `key`, the source the rename-source header, URL-encoded). */
function rename(eventID: string, time: string, from: string, to: string) {
  const record = call(eventID, 'RenameObject', time, to, { principal: ALICE });
  const parameters = record.requestParameters as Record<string, unknown>;
  return { ...record, requestParameters: { ...parameters, 'x-amz-rename-source': encodeURIComponent(from) } };
}

const records = [
  call('put-a', 'PutObject', '08:00:00', `${PREFIX}a.csv`),
  call('del-a-1', 'DeleteObject', '09:00:00', `${PREFIX}a.csv`, { principal: ALICE }),
  call('del-a-2', 'DeleteObject', '10:00:00', `${PREFIX}a.csv`, { principal: BOB }),
  call('fail-b', 'DeleteObject', '11:00:00', `${PREFIX}b.csv`, { principal: BOB, errorCode: 'AccessDenied' }),
  // Moved away from under the prefix: a delete of its source key.
  rename('rename-c', '12:00:00', `${PREFIX}c.csv`, 'archive/c.csv'),
  // Beside the prefix: they would match only if `_`, `%` or `\` were wildcards or escapes, or without the slash.
  call('beside-underscore', 'DeleteObject', '09:30:00', "repXrts/50%\\'q/x.csv"),
  call('beside-percent', 'DeleteObject', '09:31:00', "rep_rts/50XY\\'q/x.csv"),
  call('beside-backslash', 'DeleteObject', '09:32:00', "rep_rts/50%'q/x.csv"),
  call('beside-no-slash', 'DeleteObject', '09:33:00', "rep_rts/50%\\'q"),
  // A batch delete in the bucket: CloudTrail lists no keys, so it is a candidate.
  batchDelete('batch', '13:00:00'),
  // One in a bucket where no key under the prefix was seen: counted, not listed.
  batchDelete('batch-elsewhere', '13:30:00', 'cold--use1-az5--x-s3'),
];

let root: string;
let engines: FileAndIndex;

beforeAll(async () => {
  root = await tempDir('s3x-prefix-');
  await writeDeliveryFile(path.join(root, 'logs'), '2026/11/20', 'prefix', records);
  engines = await openFileAndIndex(root);
});
afterAll(() => engines?.close());

async function ask(...words: string[]): Promise<ObjectAnswer> {
  const request = parseCommand([...words, '--since', '2026-11-19', '--until', '2026-11-22'], NOW) as ObjectQuestionRequest;
  const question = OBJECT_QUESTION_TABLE[request.command];
  const answers = await askOnThreeEngines((engine: Engine) => askObjectQuestion(question, request, engine), engines);
  expect(withoutStats(answers.index)).toEqual(withoutStats(answers.file));
  expect(withoutStats(answers.athena)).toEqual(withoutStats(answers.file));
  return answers.file;
}

describe('who-deleted --prefix', () => {
  it('counts deletes per key under the prefix, literally, the same on every engine', async () => {
    const answer = await ask('who-deleted', '--prefix', PREFIX, '--bucket', BUCKET);
    expect(answer.matchPrefix).toBe(true);
    expect(answer.events.map((e) => e.eventId)).toEqual(['rename-c', 'fail-b', 'del-a-2', 'del-a-1', 'batch']);
    expect(answer.keys?.map((k) => [k.key, k.deletes, k.failedAttempts, k.last?.principalArn ?? null])).toEqual([
      [`${PREFIX}c.csv`, 1, 0, ALICE],
      [`${PREFIX}a.csv`, 2, 0, BOB],
      [`${PREFIX}b.csv`, 0, 1, null],
    ]);
    expect(answer.successfulMatches).toBe(3);
    expect(answer.events.find((e) => e.eventId === 'batch')?.evidence).toBe('candidate');
  });

  it('without --bucket: batch deletes are listed only in buckets where a key under the prefix was seen', async () => {
    const answer = await ask('who-deleted', '--prefix', PREFIX);
    expect(answer.events.filter((e) => e.evidence === 'candidate').map((e) => e.eventId)).toEqual(['batch']);
    expect(answer.unlistedCandidates).toBe(1);
    expect(answer.keys?.map((k) => k.key)).toEqual([`${PREFIX}c.csv`, `${PREFIX}a.csv`, `${PREFIX}b.csv`]);
  });

  it('a key question is unchanged: the prefix itself as a key matches only that key', async () => {
    const answer = await ask('who-deleted', "rep_rts/50%\\'q", '--bucket', BUCKET);
    expect(answer.matchPrefix).toBeUndefined();
    expect(answer.events.filter((e) => e.evidence === 'exact').map((e) => e.eventId)).toEqual(['beside-no-slash']);
  });
});
