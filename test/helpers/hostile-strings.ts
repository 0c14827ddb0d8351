import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeDeliveryFile } from './archive.js';
import { REAL_DATASETS } from './paths.js';

/**
 * Strings an attacker who can write keys, session names or user agents puts in front of a reader:
 * terminal escapes, a hyperlink that shows one URL and opens another, C1 controls, text that
 * displays reversed, and invisible characters that make one key look like another.
 */
export const HOSTILE = {
  clearScreen: 'a\u001b[2Jb',
  osc8Link: '\u001b]8;;https://evil.example/\u0007reports/q3.parquet\u001b]8;;\u0007',
  c1Csi: 'x\u009b31my',
  bidiOverride: 'invoice\u202etxt.exe',
  bidiIsolate: 'a\u2066b\u2069c',
  zeroWidth: 'reports/q3\u200b-forecast.parquet',
  wordJoiner: 'a\u2060b',
  arabicMark: 'a\u061cb',
  lineSeparator: 'a\u2028b\u2029c',
  byteOrderMark: 'report\ufeff.csv',
  tagCharacters: 'key\u{e0041}\u{e0042}',
} as const;

/** Every character class above, for assertions: none of them may reach a reader raw. */
export const RAW_UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point of the test.
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u{e0000}-\u{e007f}]/u;

/** The real GetObject record of the AWS documentation's S3 Express examples. */
export function realExpressGetObject(): Record<string, unknown> {
  const lines = readFileSync(path.join(REAL_DATASETS, 'aws-docs', 's3-express-log-files.examples.repaired.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  const record = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((r) => r.eventName === 'GetObject');
  if (!record) throw new Error('the AWS documentation example has no GetObject record');
  return record;
}

/** The bucket, region and window of the hostile archive. */
export const HOSTILE_ARCHIVE = {
  bucket: 'bucket-base-name--usw2-az1--x-s3',
  since: '2024-07-01',
  until: '2024-07-03',
  now: new Date('2024-07-05T00:00:00Z'),
} as const;

/**
 * One delivery file of the AWS documentation's GetObject record, once per hostile string, each
 * string where an attacker chooses it: the key, the session name in the ARN, the user agent.
 * Event ids are `hostile-<index in HOSTILE>`.
 */
export async function writeHostileArchive(root: string): Promise<void> {
  const records = Object.values(HOSTILE).map((hostile, i) => {
    const record = structuredClone(realExpressGetObject());
    const identity = record.userIdentity as Record<string, unknown>;
    identity.arn = `arn:aws:sts::111122223333:assumed-role/RoleToBeAssumed/${hostile}`;
    record.userAgent = `aws-sdk-java/2.25.66 ${hostile}`;
    (record.requestParameters as Record<string, unknown>).key = hostile;
    record.eventID = `hostile-${i}`;
    record.eventTime = `2024-07-02T00:22:${String(10 + i).padStart(2, '0')}Z`;
    return record;
  });
  await writeDeliveryFile(root, '2024/07/02', '20240702T0025Z_hostile', records, 'us-west-2');
}

/** Every string inside a Slack payload (texts, labels, values), to check what a reader can see. */
export function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(stringsIn);
  return [];
}
