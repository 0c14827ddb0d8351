import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ActivityAnswer, askActivity, buildActivityQuery } from '../../src/answers/activity/question.js';
import { askDenied } from '../../src/answers/denied/question.js';
import { askPrincipal } from '../../src/answers/principal/question.js';
import { parseCommand } from '../../src/commands/parse.js';
import type { ActivityRequest, DeniedRequest, PrincipalRequest } from '../../src/commands/requests.js';
import type { Engine } from '../../src/engines/engine.js';
import { IndexedEngine } from '../../src/engines/indexed/indexed-engine.js';
import { ingestArchive } from '../../src/engines/indexed/ingest.js';
import { ACTIVITY_ROLLUP_EXPRESSIONS } from '../../src/engines/indexed/schema.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { sql } from '../../src/engines/sql.js';
import { expressEvent, tempDir, writeDeliveryFile } from '../helpers/archive.js';
import { askOnThreeEngines, withoutStats } from '../helpers/three-engines.js';

// The activity roll-up and the once-delivered marks the index keeps at ingest must give what the
// de-duplicated questions give on files and Athena, through duplicate and late deliveries,
// incremental ingests, rewritten, removed and unreadable files.

const NOW = new Date('2026-11-04T12:00:00Z');
const BUCKET = 'hot--use1-az4--x-s3';
const WRITER = 'arn:aws:sts::111122223333:assumed-role/Writer/w1';
/** Whole days only (the roll-up answers all of it), one that starts and ends mid-day, and one within a day (no whole day). */
const WINDOWS = [
  ['--since', '2026-11-01', '--until', '2026-11-03'],
  ['--since', '2026-11-01T06:00:00Z', '--until', '2026-11-03T18:00:00Z'],
  ['--since', '2026-11-02T06:00:00Z', '--until', '2026-11-02T18:00:00Z'],
];

let root: string;
let indexPath: string;

function event(day: string, time: string, eventName: string, id: string, more: { errorCode?: string; bytesIn?: number } = {}) {
  return expressEvent({
    eventName,
    eventTime: `${day}T${time}Z`,
    key: 'k.txt',
    eventID: id,
    ...(more.errorCode ? { errorCode: more.errorCode } : {}),
    ...(more.bytesIn === undefined ? {} : { extra: { additionalEventData: { bytesTransferredIn: more.bytesIn } } }),
  });
}

/** Activity over each window on the file engine, the index and Athena: all three the same, and the roll-up read. */
async function expectSameActivity(): Promise<ActivityAnswer[]> {
  const file = await LocalEngine.open({ logsDir: root });
  const index = await IndexedEngine.open({ logsDir: root, indexPath });
  try {
    const answers: ActivityAnswer[] = [];
    for (const window of WINDOWS) {
      const request = parseCommand(['activity', BUCKET, ...window], NOW) as ActivityRequest;
      expect(buildActivityQuery(request, index.table).sql.text).toContain('activity_rollup');
      const asked = await askOnThreeEngines((engine: Engine) => askActivity(request, engine), { file, index });
      expect(withoutStats(asked.index)).toEqual(withoutStats(asked.file));
      expect(withoutStats(asked.athena)).toEqual(withoutStats(asked.file));
      expect(asked.index.stats.unreadableFiles).toEqual(asked.file.stats.unreadableFiles);
      answers.push(asked.file);
      // Principal and denied de-duplicate the same way (only records maybe delivered twice go through the window).
      const denied = parseCommand(['denied', '--bucket', BUCKET, ...window], NOW) as DeniedRequest;
      const deniedAnswers = await askOnThreeEngines((engine: Engine) => askDenied(denied, engine), { file, index });
      expect(withoutStats(deniedAnswers.index)).toEqual(withoutStats(deniedAnswers.file));
      const principal = parseCommand(['principal', WRITER, ...window], NOW) as PrincipalRequest;
      const principalAnswers = await askOnThreeEngines((engine: Engine) => askPrincipal(principal, engine), { file, index });
      expect(withoutStats(principalAnswers.index)).toEqual(withoutStats(principalAnswers.file));
      expect(principalAnswers.file.rows.length).toBeGreaterThan(0);
    }
    const rolled = await index.run({
      sql: sql`SELECT count(*) AS n FROM activity_rollup`,
      days: { from: '2026/11/01', to: '2026/11/04' },
    });
    expect(Number(rolled.rows[0]?.n)).toBeGreaterThan(0);
    return answers;
  } finally {
    await file.close();
    await index.close();
  }
}

beforeAll(async () => {
  root = await tempDir('s3x-rollup-');
  indexPath = path.join(await tempDir('s3x-rollup-index-'), 'index.duckdb');
  await writeDeliveryFile(root, '2026/11/01', '20261101T0105Z_a', [
    event('2026-11-01', '01:00:00', 'PutObject', 'put-1', { bytesIn: 100 }),
    event('2026-11-01', '01:01:00', 'GetObject', 'get-1'),
    event('2026-11-01', '01:02:00', 'GetObject', 'denied-1', { errorCode: 'AccessDenied' }),
    // Not CloudTrail's time format: counted from the records, never by its day.
    event('2026-11-01', '00:00:00.500', 'HeadObject', 'odd-time'),
  ]);
  await writeDeliveryFile(root, '2026/11/02', '20261102T1205Z_b', [
    event('2026-11-02', '12:00:00', 'PutObject', 'put-2', { bytesIn: 2048 }),
    event('2026-11-02', '12:01:00', 'DeleteObject', 'del-2'),
  ]);
  // The same record twice in one day's files, and a late delivery: an event of the 2nd delivered on the 3rd.
  await writeDeliveryFile(root, '2026/11/02', '20261102T1210Z_dup', [event('2026-11-02', '12:01:00', 'DeleteObject', 'del-2')]);
  await writeDeliveryFile(root, '2026/11/03', '20261103T0005Z_late', [
    event('2026-11-02', '23:58:00', 'PutObject', 'late-1', { bytesIn: 7 }),
    event('2026-11-03', '00:01:00', 'GetObject', 'get-3'),
  ]);
  await writeFile(
    path.join(
      path.dirname(
        await writeDeliveryFile(root, '2026/11/03', '20261103T1905Z_c', [event('2026-11-03', '19:00:00', 'GetObject', 'get-4')]),
      ),
      'cut.json.gz',
    ),
    gzipSync(JSON.stringify({ Records: [event('2026-11-03', '01:00:00', 'PutObject', 'cut-1')] })).subarray(0, 40),
  );
  await ingestArchive({ logsDir: root, indexPath });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(path.dirname(indexPath), { recursive: true, force: true });
});

describe('the activity roll-up of the index', () => {
  it('groups and sums with the very expressions of the activity question', () => {
    const request = parseCommand(['activity', BUCKET, ...(WINDOWS[0] ?? [])], NOW) as ActivityRequest;
    const text = buildActivityQuery(request, { name: 'cloudtrail_logs', partitionedByDay: true }).sql.text;
    for (const [name, expression] of Object.entries(ACTIVITY_ROLLUP_EXPRESSIONS))
      expect(text, name).toContain(`${expression} AS ${name}`);
  });

  it('counts each event once, duplicates and late deliveries included, on whole and partial days', async () => {
    const [whole] = await expectSameActivity();
    expect(whole?.totals).toMatchObject({ events: 8, errors: 1, bytesIn: 2155 });
  });

  it('stays right when a new file repeats an event the roll-up already counted', async () => {
    await writeDeliveryFile(root, '2026/11/03', '20261103T2005Z_again', [
      event('2026-11-01', '01:00:00', 'PutObject', 'put-1', { bytesIn: 100 }),
      event('2026-11-03', '20:00:00', 'PutObject', 'put-5', { bytesIn: 1 }),
    ]);
    const [whole] = await expectSameActivity();
    expect(whole?.totals).toMatchObject({ events: 9, bytesIn: 2156 });
  });

  it('stays right when a file is rewritten, one is removed and an unreadable one is completed', async () => {
    await writeDeliveryFile(root, '2026/11/02', '20261102T1205Z_b', [
      event('2026-11-02', '12:00:00', 'PutObject', 'put-2', { bytesIn: 2048 }),
      event('2026-11-02', '12:30:00', 'CopyObject', 'copy-2'),
    ]);
    await rm(
      path.join(
        root,
        'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/03/111122223333_CloudTrail_us-east-1_20261103T0005Z_late.json.gz',
      ),
    );
    await writeFile(
      path.join(root, 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/03/cut.json.gz'),
      gzipSync(JSON.stringify({ Records: [event('2026-11-03', '01:00:00', 'PutObject', 'cut-1')] })),
    );
    await ingestArchive({ logsDir: root, indexPath });
    const [whole] = await expectSameActivity();
    // del-2 is still delivered (in the _dup file); late-1 and get-3 are gone, copy-2 and cut-1 came.
    expect(whole?.totals).toMatchObject({ events: 9, bytesIn: 2149 });
  });
});
