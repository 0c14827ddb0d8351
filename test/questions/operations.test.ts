import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askActivity } from '../../src/answers/activity/question.js';
import { askBucketEventsWithEngine } from '../../src/answers/bucket-events/question.js';
import { askDenied } from '../../src/answers/denied/question.js';
import { askObjectQuestion, OBJECT_QUESTION_TABLE, type ObjectAnswer } from '../../src/answers/object/question.js';
import { askPrincipal, type PrincipalAnswer } from '../../src/answers/principal/question.js';
import { parseCommand } from '../../src/commands/parse.js';
import type {
  ActivityRequest,
  BucketEventsRequest,
  DeniedRequest,
  ObjectQuestionRequest,
  PrincipalRequest,
} from '../../src/commands/requests.js';
import type { Engine } from '../../src/engines/engine.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { QuestionQueue } from '../../src/engines/question-queue.js';
import { fetchEventRecord } from '../../src/questions/event-record.js';
import { tempDir } from '../helpers/archive.js';
import {
  ACCESS_POINT,
  ACCOUNT,
  ALICE,
  ALICE_ROLE,
  BUCKET,
  DAY,
  INTRUDER,
  OPERATIONS,
  ORGANIZATION,
  OTHER_BUCKET,
  operationsRecords,
  REGION,
  SINCE,
  UNTIL,
  WRITER,
  writeOperationsArchive,
} from '../helpers/operations-archive.js';
import { askOnThreeEngines, type FileAndIndex, openFileAndIndex, withoutStats } from '../helpers/three-engines.js';

const NOW = new Date('2026-11-24T00:00:00Z');
const ids = OPERATIONS.ids;
let root: string;
let engines: FileAndIndex;

beforeAll(async () => {
  root = await tempDir('s3x-operations-');
  await writeOperationsArchive(path.join(root, 'logs'));
  engines = await openFileAndIndex(root);
});
afterAll(() => engines?.close());

/** The question on all three engines; the answers must be identical, and the file engine's is returned. */
async function ask(...words: string[]): Promise<ObjectAnswer> {
  const request = parseCommand([...words, '--since', SINCE, '--until', UNTIL], NOW) as ObjectQuestionRequest;
  const question = OBJECT_QUESTION_TABLE[request.command];
  const answers = await askOnThreeEngines((engine: Engine) => askObjectQuestion(question, request, engine), engines);
  expect(withoutStats(answers.index)).toEqual(withoutStats(answers.file));
  expect(withoutStats(answers.athena)).toEqual(withoutStats(answers.file));
  return answers.file;
}

const idsOf = (answer: ObjectAnswer) => answer.events.map((event) => event.eventId);

describe('renames: who-deleted and history of the source key', () => {
  it('who-deleted lists the RenameObject that moved the key away, with where it went', async () => {
    const answer = await ask('who-deleted', OPERATIONS.key, '--bucket', BUCKET);
    const rename = answer.events.find((event) => event.eventId === ids.rename);
    expect(rename).toMatchObject({
      eventName: 'RenameObject',
      keyRole: 'source',
      principalArn: WRITER,
      bucket: BUCKET,
      destination: `${BUCKET}/${OPERATIONS.renamedTo}`,
      evidence: 'exact',
      errorCode: null,
    });
  });

  it('accepts the `renameSource` spelling with a URL-encoded /bucket/key value', async () => {
    const answer = await ask('who-deleted', OPERATIONS.spacedKey, '--bucket', BUCKET);
    expect(idsOf(answer)).toEqual([ids.spacedRename]);
    expect(answer.events[0]?.destination).toBe(`${BUCKET}/${OPERATIONS.spacedRenamedTo}`);
    expect(answer.successfulMatches).toBe(1);
  });

  it('who-wrote of the destination still finds the rename as a write', async () => {
    const answer = await ask('who-wrote', OPERATIONS.renamedTo, '--bucket', BUCKET);
    expect(answer.events).toEqual([expect.objectContaining({ eventId: ids.rename, keyRole: 'target' })]);
  });
});

describe('copies: who-read and history count a copy from the key as a read', () => {
  it('who-read lists CopyObject (bucket/key) and UploadPartCopy (/bucket/key, encoded, versionId)', async () => {
    const answer = await ask('who-read', OPERATIONS.key, '--bucket', BUCKET);
    expect(idsOf(answer)).toEqual([ids.partCopy, ids.copy, ids.readThroughAccessPoint, ids.readDirect]);
    expect(answer.events.find((event) => event.eventId === ids.copy)).toMatchObject({
      keyRole: 'source',
      bucket: OTHER_BUCKET,
      destination: `${OTHER_BUCKET}/${OPERATIONS.copyDestination}`,
      principalArn: ALICE,
    });
    expect(answer.events.find((event) => event.eventId === ids.partCopy)?.destination).toBe(
      `${BUCKET}/${OPERATIONS.partCopyDestination}`,
    );
  });

  it('history of the key shows every operation in order, renames and copies included', async () => {
    const answer = await ask('history', OPERATIONS.key);
    expect(idsOf(answer)).toEqual([
      ids.put,
      ids.readDirect,
      ids.readThroughAccessPoint,
      ids.copy,
      ids.partCopy,
      ids.failedDelete,
      ids.rename,
    ]);
  });

  it('a copy whose source is another bucket does not count for this bucket', async () => {
    const answer = await ask('who-read', OPERATIONS.key, '--bucket', OTHER_BUCKET);
    expect(answer.events).toEqual([]);
  });
});

describe('access points for directory buckets', () => {
  it('--bucket finds a read made through the access point and the answer names the access point', async () => {
    const answer = await ask('who-read', OPERATIONS.key, '--bucket', BUCKET);
    expect(answer.events.find((event) => event.eventId === ids.readThroughAccessPoint)).toMatchObject({
      bucket: BUCKET,
      accessPoint: ACCESS_POINT,
    });
    expect(answer.events.find((event) => event.eventId === ids.readDirect)?.accessPoint).toBeNull();
  });

  it('--bucket with the access point name finds its calls too', async () => {
    const answer = await ask('who-read', OPERATIONS.key, '--bucket', ACCESS_POINT);
    expect(answer.sources).toEqual(['s3express.amazonaws.com']);
    expect(idsOf(answer)).toContain(ids.readThroughAccessPoint);
  });
});

describe('failed calls', () => {
  it('a failed DeleteObject is an exact match, never a successful one, and carries its error', async () => {
    const answer = await ask('who-deleted', OPERATIONS.failedOnlyKey, '--bucket', BUCKET);
    expect(answer.exactMatches).toBe(1);
    expect(answer.successfulMatches).toBe(0);
    expect(answer.events.filter((event) => event.evidence === 'exact')).toEqual([
      expect.objectContaining({
        eventId: ids.failedOnlyDelete,
        principalArn: INTRUDER,
        errorCode: 'AccessDenied',
        errorMessage: 'Access Denied',
      }),
    ]);
  });
});

describe('addendum', () => {
  it('shows the addendum reason on the event', async () => {
    const answer = await ask('who-read', OPERATIONS.key, '--bucket', BUCKET);
    expect(answer.events.find((event) => event.eventId === ids.readDirect)?.addendumReason).toBe('DELIVERY_DELAY');
  });
});

describe('batch-delete candidates: only where and while the key existed', () => {
  it('lists the DeleteObjects in the key’s bucket during its lifetime and counts the rest', async () => {
    const answer = await ask('who-deleted', OPERATIONS.key);
    const candidates = answer.events.filter((event) => event.evidence === 'candidate').map((event) => event.eventId);
    expect(candidates).toEqual([ids.candidateInLifetime]);
    // The AWS sample: S3 Lifecycle's DeleteObjects, no keys in the record.
    expect(answer.events.find((event) => event.evidence === 'candidate')).toMatchObject({
      eventName: 'DeleteObjects',
      principalArn: null,
      principalType: 'AWSService',
      lifecycle: true,
      key: null,
      bucket: BUCKET,
    });
    // One in a bucket where the key was never seen, one after the rename moved it away.
    expect(answer.unlistedCandidates).toBe(2);
  });

  it('with only unlisted candidates, the counts still arrive', async () => {
    const answer = await ask('who-deleted', 'never/written.txt', '--bucket', BUCKET);
    expect(answer.events).toEqual([]);
    expect(answer.unlistedCandidates).toBe(2);
  });
});

describe('records that are not object calls never break or skew an answer', () => {
  it('aggregated events and ListMultipartUploads are not in any object answer', async () => {
    const answer = await ask('history', OPERATIONS.key, '--bucket', BUCKET);
    expect(answer.events.every((event) => event.eventName !== '' && event.eventName !== 'ListMultipartUploads')).toBe(true);
    expect(answer.totalMatches).toBe(answer.events.length);
  });
});

describe('principal on the operations archive', () => {
  async function askWho(principal: string): Promise<PrincipalAnswer> {
    const request = parseCommand(['principal', principal, '--since', SINCE, '--until', UNTIL], NOW) as PrincipalRequest;
    const answers = await askOnThreeEngines((engine: Engine) => askPrincipal(request, engine), engines);
    expect(withoutStats(answers.index)).toEqual(withoutStats(answers.file));
    expect(withoutStats(answers.athena)).toEqual(withoutStats(answers.file));
    return answers.file;
  }

  it('a bare session name finds the session and says so, with the objects it wrote and read, newest first', async () => {
    const answer = await askWho('alice');
    expect(answer.nameMatchedAs).toEqual(['session']);
    expect(answer.principalTypes).toEqual(['AssumedRole']);
    expect(answer.topSessions.map((session) => session.arn)).toEqual([ALICE]);
    // A copy reads its source; UploadPartCopy writes a part, not the object (CompleteMultipartUpload does).
    expect(answer.objects.map(({ action, bucket, key, count }) => [action, bucket, key, count])).toEqual([
      // Read directly, through the access point, and copied from twice: one object, in its bucket.
      ['read', BUCKET, OPERATIONS.key, 4],
      ['wrote', OTHER_BUCKET, OPERATIONS.copyDestination, 1],
    ]);
    expect(answer.objects[0]?.lastEvent).toBe('2026-11-20T09:20:00Z');
    expect(answer.totalObjects).toBe(2);
  });

  it('a rename writes its destination and moves its source away', async () => {
    const answer = await askWho(WRITER);
    expect(answer.objects.map(({ action, key }) => [action, key])).toEqual([
      ['moved', OPERATIONS.spacedKey],
      ['wrote', OPERATIONS.spacedRenamedTo],
      ['wrote', OPERATIONS.spacedKey],
      ['moved', OPERATIONS.key],
      ['wrote', OPERATIONS.renamedTo],
      ['wrote', OPERATIONS.key],
    ]);
  });

  it('a bare role name is found as a role name', async () => {
    const answer = await askWho(ALICE_ROLE);
    expect(answer.nameMatchedAs).toEqual(['role']);
  });

  it('a user name is found as a user, of type IAMUser', async () => {
    const answer = await askWho('bob');
    expect(answer.nameMatchedAs).toEqual(['user']);
    expect(answer.principalTypes).toEqual(['IAMUser']);
    expect(answer.objects).toEqual([
      expect.objectContaining({ action: 'wrote', bucket: BUCKET, key: 'bob/notes.txt', count: 1 }),
    ]);
  });

  it('a failed delete is not listed as an object deleted', async () => {
    const answer = await askWho(INTRUDER);
    expect(answer.totals.errors).toBeGreaterThanOrEqual(2);
    expect(answer.objects).toEqual([]);
  });
});

describe('denied on the operations archive', () => {
  it('separates access denials from other errors and names the buckets', async () => {
    const request = parseCommand(['denied', '--bucket', BUCKET, '--since', SINCE, '--until', UNTIL], NOW) as DeniedRequest;
    const answers = await askOnThreeEngines((engine: Engine) => askDenied(request, engine), engines);
    expect(withoutStats(answers.index)).toEqual(withoutStats(answers.file));
    expect(withoutStats(answers.athena)).toEqual(withoutStats(answers.file));
    const answer = answers.file;
    // Two refused deletes and a refused session; a GetObject of a missing key is not a denial.
    expect(answer.totals).toMatchObject({ events: 4, accessDenied: 3, otherErrors: 1 });
    expect(answer.groups.map((group) => [group.operation, group.errorCode, group.accessDenied, group.count])).toEqual([
      ['DeleteObject', 'AccessDenied', true, 2],
      ['CreateSession', 'AccessDenied', true, 1],
      ['GetObject', 'NoSuchKey', false, 1],
    ]);
    expect(answer.groups.every((group) => group.bucketNames.join() === BUCKET)).toBe(true);
  });
});

describe('Show event: the record exactly as delivered', () => {
  const window = { since: new Date(SINCE), until: new Date(UNTIL) };
  const original = () => operationsRecords().find((record) => record.eventID === ids.readDirect);

  it.each([
    ['the file engine', () => engines.file],
    ['the index', () => engines.index],
  ])('on %s: its own field names, order and values, nothing added', async (_name, engine) => {
    const record = await fetchEventRecord(ids.readDirect, window, engine());
    expect(record?.as).toBe('delivered');
    const json = record?.as === 'delivered' ? record.json : '';
    expect(JSON.parse(json)).toEqual(original());
    expect(Object.keys(JSON.parse(json))).toEqual(Object.keys(original() ?? {}));
    // The zonal record has no sessionIssuer; the normalized row used to add one as null.
    expect(json).not.toContain('sessionIssuer');
    expect(json).toContain('"x-amz-id-2"');
    expect(json).toContain('"ARNPrefix"');
  });

  it('says plainly when no file of the window holds the event', async () => {
    expect(await fetchEventRecord('no-such-event', window, engines.file)).toBeUndefined();
  });

  it('through the question queue, as the app runs it', async () => {
    const queued = new QuestionQueue(engines.index, { concurrent: 1, waiting: 1 });
    expect((await fetchEventRecord(ids.rename, window, queued))?.as).toBe('delivered');
  });
});

describe('aggregated events and ListMultipartUploads in bucket answers', () => {
  it('activity counts object data events only: no nameless operation, no management call', async () => {
    const request = parseCommand(['activity', BUCKET, '--since', SINCE, '--until', UNTIL], NOW) as ActivityRequest;
    const answers = await askOnThreeEngines((engine: Engine) => askActivity(request, engine), engines);
    expect(withoutStats(answers.index)).toEqual(withoutStats(answers.file));
    expect(withoutStats(answers.athena)).toEqual(withoutStats(answers.file));
    const operations = answers.file.operations.map((row) => row.name);
    expect(operations).not.toContain('ListMultipartUploads');
    expect(operations.every((name) => name !== '' && name !== null)).toBe(true);
    const dataRecords = operationsRecords().filter(
      (r) => r.eventCategory === 'Data' && (r.requestParameters as { bucketName?: string } | undefined)?.bucketName === BUCKET,
    );
    expect(answers.file.totals.events).toBe(dataRecords.length);
  });

  it('bucket-events counts ListMultipartUploads (a read-only management event) without listing it', async () => {
    const request = parseCommand(['bucket-events', BUCKET, '--since', SINCE, '--until', UNTIL], NOW) as BucketEventsRequest;
    const answers = await askOnThreeEngines((engine: Engine) => askBucketEventsWithEngine(request, engine), engines);
    expect(withoutStats(answers.athena)).toEqual(withoutStats(answers.file));
    expect(answers.file.events).toEqual([]);
    expect(answers.file.readOnlyHidden).toBe(1);
  });
});

describe('Show event beside a broken delivery file', () => {
  it('still finds the record in the readable files of the day', async () => {
    const dir = await tempDir('s3x-operations-broken-');
    try {
      const logs = path.join(dir, 'logs');
      await writeOperationsArchive(logs);
      const dayDir = path.join(logs, 'AWSLogs', ORGANIZATION, ACCOUNT, 'CloudTrail', REGION, ...DAY.split('/'));
      await writeFile(
        path.join(dayDir, `${ACCOUNT}_CloudTrail_${REGION}_20261120T0900Z_cut.json.gz`),
        gzipSync('{"Records": [{"eventID"').subarray(0, 20),
      );
      const engine = await LocalEngine.open({ logsDir: logs });
      try {
        const record = await fetchEventRecord(ids.rename, { since: new Date(SINCE), until: new Date(UNTIL) }, engine);
        expect(record?.as === 'delivered' ? JSON.parse(record.json).eventName : undefined).toBe('RenameObject');
      } finally {
        await engine.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
