import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { expressEvent, writeDeliveryFile } from './archive.js';
import { REAL_DATASETS } from './paths.js';

/** The delivery day every file of the corpus sits under, and the questions' window. */
export const HOSTILE_DAY = '2026/11/20';
export const HOSTILE_WINDOW = ['--since', '2026-11-20', '--until', '2026-11-20'];
export const HOSTILE_BUCKET = 'hot--use1-az4--x-s3';
/** Deleted by a readable file next to the hostile ones: every question must still find it. */
export const PLANTED_KEY = 'reports/q3.parquet';
/** A key made of what terminals and spreadsheets act on, and of what hides in plain sight. */
export const EVIL_KEY =
  'reports/q3\u200b-forecast.parquet\u0000\u0007\u001b[2J\u001b]8;;http://x\u0007\u009b\u202e\u2028\u2066\ufeff\u{e0041}';
/** Written into a value of the wrong type: a skip reason must never repeat it (DuckDB's message does). */
export const SECRET_IN_FILE = 'SECRET-FROM-THE-FILE-7f3a';

/** Why each hostile file must be skipped, as the answer says it (the corpus file's kind → reason). */
export const EXPECTED_REASONS: Record<string, RegExp> = {
  'symlink-passwd': /symbolic link/,
  'symlink-environ': /symbolic link/,
  'symlink-outside': /symbolic link/,
  fifo: /not a regular file \(a FIFO\)/,
  'deep-nesting': /nested more than 128 levels deep/,
  'gzip-bomb': /more than 32 MB once decompressed/,
  'giant-record': /larger than 4 MB/,
  'binary-junk': /./,
  'gzipped-junk': /./,
  'wrong-type': /wrong type/,
  'truncated-gzip': /truncated or corrupt gzip/,
};

export interface HostileArchive {
  root: string;
  /** The corpus file of each kind (EXPECTED_REASONS' keys). */
  hostile: Record<string, string>;
  /** A readable delivery file outside the archive that `symlink-outside` points to. */
  outsideFile: string;
}

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';

function dayDir(root: string): string {
  return path.join(root, 'AWSLogs', ACCOUNT, 'CloudTrail', REGION, ...HOSTILE_DAY.split('/'));
}

/** A CloudTrail-looking name: hostile files pretend to be delivery files. */
function deliveryName(unique: string, extension = '.json.gz'): string {
  return `${ACCOUNT}_CloudTrail_${REGION}_20261120T0100Z_${unique}${extension}`;
}

/** Deterministic bytes that are not JSON. */
function junk(bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  let state = 0x2545f491;
  for (let i = 0; i < bytes; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

/**
 * A gzip stream that inflates to `{"Records":[` and `megabytes` MB of 1 KB records: one
 * compressed megabyte of records repeated as gzip members (a valid multi-member stream), so a
 * 1 GB bomb is about 1 MB on disk and costs nothing to make.
 */
function gzipBomb(megabytes: number): Buffer {
  const record = `{"eventTime":"2026-11-20T00:00:00Z","userAgent":"${'A'.repeat(960)}"},`;
  const member = gzipSync(record.repeat(Math.floor((1024 * 1024) / record.length)), { level: 9 });
  return Buffer.concat([gzipSync('{"Records":['), ...Array.from({ length: megabytes }, () => member), gzipSync('{}]}')]);
}

/** Real invictus-ir records (a delivery file as CloudTrail wrote it), moved to the corpus day. */
function realRecords(): object[] {
  const file = path.join(
    REAL_DATASETS,
    'invictus-ir_aws_dataset',
    'CloudTrail',
    '218007301253_CloudTrail_us-east-1_20230710T1145Z_7xgocspSowgK0Gto.json',
  );
  const { Records } = JSON.parse(readFileSync(file, 'utf8')) as { Records: Array<{ eventTime: string }> };
  return Records.map((record) => ({ ...record, eventTime: record.eventTime.replace(/^2023-07-10/, '2026-11-20') }));
}

/** Every string in `value` with `suffix` appended, except the fields questions select on. */
function poisonStrings(value: unknown, suffix: string, keep: ReadonlySet<string>, key = ''): unknown {
  if (typeof value === 'string') return keep.has(key) ? value : value + suffix;
  if (Array.isArray(value)) return value.map((item) => poisonStrings(item, suffix, keep));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, poisonStrings(v, suffix, keep, k)]));
  }
  return value;
}

/**
 * The corpus of issue 14: in one trail day folder, readable files (real records, a planted
 * delete, records whose every string holds control and invisible characters) next to every kind
 * of hostile file. Bombs are built from repeated compressed members, so the corpus is a few MB.
 */
export async function writeHostileArchive(
  root: string,
  kinds: readonly string[] = Object.keys(EXPECTED_REASONS),
): Promise<HostileArchive> {
  const dir = dayDir(root);
  await mkdir(dir, { recursive: true });
  await writeDeliveryFile(root, HOSTILE_DAY, '20261120T0005Z_real', realRecords());
  await writeDeliveryFile(root, HOSTILE_DAY, '20261120T0010Z_planted', [
    expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-20T00:02:00Z', key: PLANTED_KEY, eventID: 'planted-delete' }),
    expressEvent({ eventName: 'PutObject', eventTime: '2026-11-20T00:01:00Z', key: PLANTED_KEY, eventID: 'planted-put' }),
    expressEvent({ eventName: 'GetObject', eventTime: '2026-11-20T00:03:00Z', key: PLANTED_KEY, eventID: 'planted-get' }),
    expressEvent({
      eventName: 'DeleteObject',
      eventTime: '2026-11-20T00:04:00Z',
      key: 'denied.txt',
      eventID: 'planted-denied',
      errorCode: 'AccessDenied',
    }),
  ]);
  const evil = EVIL_KEY.slice('reports/q3'.length);
  const keep = new Set(['eventTime', 'eventName', 'eventSource', 'awsRegion', 'eventCategory', 'eventType', 'eventID', 'key']);
  await writeDeliveryFile(root, HOSTILE_DAY, '20261120T0015Z_invisible', [
    poisonStrings(
      expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-20T00:05:00Z', key: EVIL_KEY, eventID: 'evil-delete' }),
      evil,
      keep,
    ) as object,
    // Every string field, the ones questions select on included.
    poisonStrings(
      expressEvent({ eventName: 'PutObject', eventTime: '2026-11-20T00:06:00Z', key: 'x' }),
      evil,
      new Set(),
    ) as object,
  ]);

  const hostile: Record<string, string> = {};
  // Only the kinds asked for (one at a time, to measure what each costs).
  const place = async (kind: string, name: string, content: Buffer | string) => {
    if (!kinds.includes(kind)) return;
    hostile[kind] = path.join(dir, name);
    await writeFile(hostile[kind] as string, content);
  };
  const link = async (kind: string, name: string, target: string) => {
    if (!kinds.includes(kind)) return;
    hostile[kind] = path.join(dir, name);
    await symlink(target, hostile[kind] as string);
  };
  await link('symlink-passwd', deliveryName('passwd', '.json'), '/etc/passwd');
  await link('symlink-environ', 'environ.json', '/proc/self/environ');
  const outsideFile = await writeDeliveryFile(
    path.join(root, '..', `${path.basename(root)}-outside`),
    HOSTILE_DAY,
    '20261120T0020Z_outside',
    [
      expressEvent({
        eventName: 'DeleteObject',
        eventTime: '2026-11-20T00:07:00Z',
        key: 'outside.txt',
        eventID: 'outside-delete',
      }),
    ],
  );
  await link('symlink-outside', deliveryName('outside'), outsideFile);
  if (kinds.includes('fifo')) {
    hostile.fifo = path.join(dir, 'x.json');
    execFileSync('mkfifo', [hostile.fifo]);
  }
  const depth = 70_000;
  await place(
    'deep-nesting',
    deliveryName('deep'),
    gzipSync(`{"Records":[{"eventTime":"2026-11-20T00:08:00Z","requestParameters":${'['.repeat(depth)}${']'.repeat(depth)}}]}`),
  );
  await place('gzip-bomb', deliveryName('bomb'), gzipBomb(1024));
  // Not hostile by shape: the largest file the limits let through (just under 64 MB decompressed), read in full.
  await place('largest-allowed', deliveryName('largest'), gzipBomb(31));
  await place(
    'giant-record',
    deliveryName('giant'),
    gzipSync(`{"Records":[{"eventTime":"2026-11-20T00:09:00Z","userAgent":"${'U'.repeat(8 * 1024 * 1024)}"}]}`),
  );
  await place('binary-junk', deliveryName('junk'), junk(64 * 1024));
  await place('gzipped-junk', 'junk.json', gzipSync(junk(64 * 1024)));
  await place(
    'wrong-type',
    deliveryName('wrongtype'),
    gzipSync(JSON.stringify({ Records: [{ eventTime: '2026-11-20T00:10:00Z', userIdentity: SECRET_IN_FILE }] })),
  );
  const whole = gzipSync(JSON.stringify({ Records: realRecords() }));
  await place('truncated-gzip', deliveryName('truncated'), whole.subarray(0, Math.floor(whole.length / 2)));
  return { root, hostile, outsideFile };
}
