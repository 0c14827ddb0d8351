import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askObjectQuestion, OBJECT_QUESTION_TABLE, type ObjectAnswer } from '../../../src/answers/object/question.js';
import { parseCommand } from '../../../src/commands/parse.js';
import type { ObjectQuestionRequest } from '../../../src/commands/requests.js';
import type { Engine } from '../../../src/engines/engine.js';
import { tempDir } from '../../helpers/archive.js';
import { expressCall } from '../../helpers/real-account-archive.js';
import { askOnThreeEngines, type FileAndIndex, openFileAndIndex, withoutStats } from '../../helpers/three-engines.js';

// Files that write keys and bucket names with escapes, quotes, control characters and non-ASCII:
// every engine finds every delete, whatever shortcut it takes to read requestParameters.

const NOW = new Date('2026-11-24T00:00:00Z');
const BUCKET = 'hot--use1-az4--x-s3';
const HOST = `"Host":"${BUCKET}.s3express-use1-az4.us-east-1.amazonaws.com"`;

/** A DeleteObject on BUCKET whose `requestParameters` is `raw`, written into the file as is. */
function deleteWith(eventID: string, minute: number, raw: string): { record: object; raw: string } {
  const eventTime = `2026-11-20T10:${String(minute).padStart(2, '0')}:00Z`;
  return {
    record: { ...expressCall({ eventName: 'DeleteObject', eventTime, bucket: BUCKET, key: 'x', region: 'us-east-1' }), eventID },
    raw,
  };
}
const inBucket = (key: string) => `{"bucketName":"${BUCKET}",${HOST},"key":${key}}`;

const deletes = [
  // Ordinary letters as \u escapes, and `\/`.
  deleteWith('letters', 1, inBucket(String.raw`"\u0072\u0065ports\/q3.csv"`)),
  deleteWith('letters-beside', 2, inBucket('"reports/q4.csv"')),
  deleteWith('quote-backslash', 3, inBucket(String.raw`"a\"b\\c.txt"`)),
  deleteWith('control', 4, inBucket(String.raw`"ctl\u0001x\/y\tz.bin"`)),
  // Non-ASCII as escapes (a surrogate pair for the emoji), and the same key written raw.
  deleteWith('unicode-escaped', 5, inBucket(String.raw`"caf\u00e9\/\ud83d\ude00 d\u00e9j\u00e0.txt"`)),
  deleteWith('unicode-raw', 6, inBucket('"café/😀 déjà.txt"')),
  // No character of the key is written as itself: no pre-test.
  deleteWith('all-special', 7, inBucket(String.raw`"\u00e9\"\\\ud83d\ude00"`)),
  // Under the prefix `tmp/"q`, whose longest run written as is (`tmp/`) ends at a quote.
  deleteWith('prefix-escaped', 8, inBucket(String.raw`"tmp\/\"q\u0075ote.txt"`)),
  deleteWith('prefix-plain', 9, inBucket(String.raw`"tmp/\"qx"`)),
  deleteWith('prefix-beside', 10, inBucket('"tmp/q.txt"')),
  // Two `key` members in one object.
  deleteWith('duplicate-members', 11, inBucket('"dup/first.txt","key":"dup/second.txt"')),
  // The bucket name written with escapes (and no Host beside it).
  deleteWith('escaped-bucket', 12, String.raw`{"bucketName":"\u0068ot--use1-az4--x-s3","key":"eb\/k.txt"}`),
];

/**
 * Each record in a file of its own of `format` (its `requestParameters` written as is): a trail's
 * delivery file, or a plain folder's; so an engine that reads the files holding a match first must find each.
 */
async function writeLogs(dir: string, format: 'wrapped' | 'array' | 'lines'): Promise<void> {
  const records = deletes.map((d, i) =>
    JSON.stringify({ ...d.record, requestParameters: `@raw${i}@` }).replace(`"@raw${i}@"`, () => d.raw),
  );
  const day = path.join(dir, 'AWSLogs', '111122223333', 'CloudTrail', 'us-east-1', '2026', '11', '20');
  await mkdir(format === 'wrapped' ? day : dir, { recursive: true });
  for (const [i, record] of records.entries()) {
    if (format === 'wrapped') {
      await writeFile(
        path.join(day, `111122223333_CloudTrail_us-east-1_escaped-${i}.json.gz`),
        gzipSync(`{"Records":[${record}]}`),
      );
    } else {
      await writeFile(path.join(dir, `events-${i}.json`), format === 'array' ? `[${record}]` : record);
    }
  }
}

describe.each(['wrapped', 'array', 'lines'] as const)(
  'who-deleted on %s files whose requestParameters are written with escapes',
  (format) => {
    let root: string;
    let engines: FileAndIndex;

    beforeAll(async () => {
      root = await tempDir('s3x-escaped-');
      await writeLogs(path.join(root, 'logs'), format);
      engines = await openFileAndIndex(root);
    });
    afterAll(() => engines?.close());

    /** who-deleted (or `--prefix`) on the three engines, which must agree; the ids of the exact matches. */
    async function deletedBy(key: string, options: { prefix?: boolean; bucket?: boolean } = {}): Promise<string[]> {
      const words = [
        'who-deleted',
        ...(options.prefix ? ['--prefix'] : []),
        'placeholder',
        ...(options.bucket === false ? [] : ['--bucket', BUCKET]),
        '--since',
        '2026-11-19',
        '--until',
        '2026-11-22',
      ];
      // The key is set after parsing: control characters are part of what is tested here.
      const request = { ...(parseCommand(words, NOW) as ObjectQuestionRequest), key };
      const answers = await askOnThreeEngines(
        (engine: Engine): Promise<ObjectAnswer> => askObjectQuestion(OBJECT_QUESTION_TABLE['who-deleted'], request, engine),
        engines,
      );
      expect(withoutStats(answers.index)).toEqual(withoutStats(answers.file));
      expect(withoutStats(answers.athena)).toEqual(withoutStats(answers.file));
      return answers.file.events
        .filter((e) => e.evidence === 'exact')
        .map((e) => e.eventId)
        .sort();
    }

    it('finds a key written with \\u escapes for its letters and an escaped slash', async () => {
      expect(await deletedBy('reports/q3.csv')).toEqual(['letters']);
    });

    it('finds a key holding a quote and a backslash', async () => {
      expect(await deletedBy('a"b\\c.txt')).toEqual(['quote-backslash']);
    });

    it('finds a key holding control characters', async () => {
      expect(await deletedBy('ctl\u0001x/y\tz.bin')).toEqual(['control']);
    });

    it('finds a non-ASCII key written escaped (surrogate pairs) and raw', async () => {
      expect(await deletedBy('café/😀 déjà.txt')).toEqual(['unicode-escaped', 'unicode-raw']);
    });

    it('finds a key none of whose characters is written as itself', async () => {
      expect(await deletedBy('é"\\😀')).toEqual(['all-special']);
    });

    it('finds the keys under a prefix whose longest plain run ends at a quote', async () => {
      expect(await deletedBy('tmp/"q', { prefix: true })).toEqual(['prefix-escaped', 'prefix-plain']);
    });

    it('answers for an object with two key members as DuckDB reads it: by its first', async () => {
      expect(await deletedBy('dup/first.txt')).toEqual(['duplicate-members']);
      expect(await deletedBy('dup/second.txt')).toEqual([]);
    });

    it('finds a delete in a bucket whose name is written with escapes', async () => {
      expect(await deletedBy('eb/k.txt')).toEqual(['escaped-bucket']);
      expect(await deletedBy('eb/k.txt', { bucket: false })).toEqual(['escaped-bucket']);
    });
  },
);
