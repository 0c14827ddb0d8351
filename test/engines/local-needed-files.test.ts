import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildQuery, OBJECT_QUESTION_TABLE, toObjectAnswer } from '../../src/answers/object/question.js';
import { parseCommand } from '../../src/commands/parse.js';
import type { ObjectQuestionName, ObjectQuestionRequest } from '../../src/commands/requests.js';
import type { EngineResult } from '../../src/engines/engine.js';
import { IndexedEngine } from '../../src/engines/indexed/indexed-engine.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { expressEvent, tempDir, writeDeliveryFile } from '../helpers/archive.js';

// The file engine finds the files a question needs with the filter's columns, then reads only
// those (EngineQuery.neededFiles). Every piece of an answer here is in a file of its own, beside
// files that hold nothing of it: the answer must be the one a read of every file gives.

const NOW = new Date('2026-11-24T00:00:00Z');
const BUCKET = 'hot--use1-az4--x-s3';
const KEY = 'reports/q3.parquet';
const DAY = '2026/11/05';
const at = (time: string) => `2026-11-05T${time}Z`;

/** A CreateSession by `role` that issues `sessionKey` (none: a response without credentials). */
function createSession(time: string, role: string, sessionKey: string | undefined, mode: string) {
  return expressEvent({
    eventName: 'CreateSession',
    eventTime: at(time),
    accessKeyId: 'AKIAIAMKEY',
    extra: {
      requestParameters: { bucketName: BUCKET, 'x-amz-create-session-mode': mode },
      responseElements: sessionKey ? { credentials: { accessKeyId: sessionKey, sessionToken: 'redacted' } } : null,
      userIdentity: {
        type: 'AssumedRole',
        arn: `arn:aws:sts::111122223333:assumed-role/${role}/s`,
        accessKeyId: 'AKIAIAMKEY',
        sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::111122223333:role/${role}` } },
      },
    },
  });
}

let root: string;
let engine: LocalEngine;
let indexed: IndexedEngine;

beforeAll(async () => {
  root = await tempDir();
  const deletion = expressEvent({ eventName: 'DeleteObject', eventTime: at('08:01:00'), key: KEY, accessKeyId: 'ASIACLEANER' });
  const files: Array<[string, object[]]> = [
    ['0805Z_session', [createSession('08:00:00', 'Cleaner', 'ASIACLEANER', 'ReadWrite')]],
    ['0805Z_write', [expressEvent({ eventName: 'PutObject', eventTime: at('07:00:00'), key: KEY, accessKeyId: 'ASIAWRITER' })]],
    ['0810Z_delete', [deletion]],
    // The same record delivered again.
    ['0815Z_again', [deletion]],
    // A batch delete while the key existed: a candidate.
    ['0820Z_batch', [expressEvent({ eventName: 'DeleteObjects', eventTime: at('07:30:00'), accessKeyId: 'ASIACLEANER' })]],
    // Written again, then renamed away under a session made in another file.
    ['0825Z_rewrite', [expressEvent({ eventName: 'PutObject', eventTime: at('09:00:00'), key: KEY, accessKeyId: 'ASIAWRITER' })]],
    ['0830Z_mover', [createSession('09:05:00', 'Mover', 'ASIAMOVER', 'ReadWrite')]],
    [
      '0835Z_rename',
      [
        expressEvent({
          eventName: 'RenameObject',
          eventTime: at('09:06:00'),
          key: 'archive/q3.parquet',
          accessKeyId: 'ASIAMOVER',
          // No sessionModeApplied: the mode is the one its CreateSession asked for.
          extra: {
            requestParameters: { bucketName: BUCKET, key: 'archive/q3.parquet', renameSource: `${BUCKET}/${KEY}` },
            additionalEventData: null,
          },
        }),
      ],
    ],
    // Copied from by a reader whose session is in another file.
    ['0840Z_reader', [createSession('09:10:00', 'Reader', 'ASIAREADER', 'ReadOnly')]],
    [
      '0845Z_copy',
      [
        expressEvent({
          eventName: 'CopyObject',
          eventTime: at('09:11:00'),
          key: 'copies/q3.parquet',
          accessKeyId: 'ASIAREADER',
          extra: {
            requestParameters: { bucketName: BUCKET, key: 'copies/q3.parquet', 'x-amz-copy-source': `${BUCKET}/${KEY}` },
          },
        }),
      ],
    ],
    // A call signed with no access key, and a session that names none: never linked (nothing ties them).
    ['0850Z_keyless_session', [createSession('09:20:00', 'Keyless', undefined, 'ReadOnly')]],
    [
      '0855Z_keyless_read',
      [
        expressEvent({
          eventName: 'GetObject',
          eventTime: at('09:21:00'),
          key: KEY,
          extra: { userIdentity: { type: 'AWSService', invokedBy: 'backup.amazonaws.com' }, additionalEventData: null },
        }),
      ],
    ],
    // Nothing of the key: other keys, sessions that signed nothing asked about, a rename of another key.
    ['0900Z_other_session', [createSession('08:30:00', 'Other', 'ASIAOTHER', 'ReadWrite')]],
    [
      '0905Z_other_keys',
      [
        expressEvent({
          eventName: 'DeleteObject',
          eventTime: at('08:31:00'),
          key: 'reports/q4.parquet',
          accessKeyId: 'ASIAOTHER',
        }),
      ],
    ],
    [
      '0910Z_other_rename',
      [
        expressEvent({
          eventName: 'RenameObject',
          eventTime: at('08:32:00'),
          key: 'b.txt',
          accessKeyId: 'ASIAOTHER',
          extra: { requestParameters: { bucketName: BUCKET, key: 'b.txt', renameSource: `${BUCKET}/a.txt` } },
        }),
      ],
    ],
  ];
  for (const [name, records] of files) await writeDeliveryFile(root, DAY, `20261105T${name}`, records);
  engine = await LocalEngine.open({ logsDir: root });
  indexed = await IndexedEngine.open({ logsDir: root, indexPath: path.join(await tempDir(), 'index.duckdb') });
});

afterAll(async () => {
  await engine?.close();
  await indexed?.close();
});

/** The question read with its needed files first, and by one read of every file. */
async function bothWays(command: ObjectQuestionName, key: string, prefix = false) {
  const words = [command, ...(prefix ? ['--prefix'] : []), key, '--since', '2026-11-05', '--until', '2026-11-05'];
  const request = parseCommand(words, NOW) as ObjectQuestionRequest;
  const query = buildQuery(OBJECT_QUESTION_TABLE[command], request, engine.table);
  const { neededFiles, ...everyFile } = query;
  const withoutElapsed = ({ rows, stats: { elapsedMs: _elapsed, ...stats } }: EngineResult) => ({ rows, stats });
  const needed = withoutElapsed(await engine.run(query));
  const whole = withoutElapsed(await engine.run(everyFile));
  return {
    request,
    neededFiles,
    needed,
    whole,
    answer: toObjectAnswer(request, needed.rows, { ...needed.stats, elapsedMs: 0 }),
  };
}

describe('the file engine reading the files a question needs first', () => {
  it.each([
    ['who-deleted', KEY, false],
    ['who-wrote', KEY, false],
    ['who-read', KEY, false],
    ['history', KEY, false],
    ['who-deleted', 'reports/', true],
  ] as const)('%s %s (prefix: %s) gives the rows and footer of a read of every file', async (command, key, prefix) => {
    const { neededFiles, needed, whole } = await bothWays(command, key, prefix);
    expect(neededFiles).toBeDefined();
    expect(needed.rows.length).toBeGreaterThan(0);
    expect(needed).toEqual(whole);
  });

  it('links an event to the session made in another file, and counts every file read', async () => {
    const { answer } = await bothWays('who-deleted', KEY);
    expect(answer.events.map((e) => [e.eventName, e.evidence, e.sessionIssuerArn, e.sessionMode])).toEqual([
      ['RenameObject', 'exact', 'arn:aws:iam::111122223333:role/Mover', 'ReadWrite'],
      ['DeleteObject', 'exact', 'arn:aws:iam::111122223333:role/Cleaner', 'ReadWrite'],
      ['DeleteObjects', 'candidate', 'arn:aws:iam::111122223333:role/Cleaner', 'ReadWrite'],
    ]);
    expect(answer.stats.filesScanned).toBe(15);
    expect(answer.stats.eventsScanned).toBe(15);
  });

  it.each(['who-read', 'who-deleted', 'history'] as const)(
    '%s: the index (its own shape: sessions in a scan of their own) gives the same rows',
    async (command) => {
      const { request, needed, answer } = await bothWays(command, KEY);
      const fromIndex = await indexed.run(buildQuery(OBJECT_QUESTION_TABLE[command], request, indexed.table));
      expect(answer.events.length).toBeGreaterThan(0);
      expect(fromIndex.rows).toEqual(needed.rows);
    },
  );

  it('links a call without an access key to no session, not even one whose response names no key', async () => {
    const { answer } = await bothWays('who-read', KEY);
    expect(answer.events.map((e) => [e.eventName, e.sessionIssuerArn, e.sessionMode])).toEqual([
      ['GetObject', null, null],
      ['CopyObject', 'arn:aws:iam::111122223333:role/Reader', 'ReadWrite'],
    ]);
  });
});
