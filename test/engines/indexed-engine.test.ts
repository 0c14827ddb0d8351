import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildActivityQuery } from '../../src/answers/activity/question.js';
import { buildBucketEventsQuery } from '../../src/answers/bucket-events/question.js';
import { buildDeniedQuery } from '../../src/answers/denied/question.js';
import { buildDigestQuery, dayWindow } from '../../src/answers/digest/question.js';
import { askObjectQuestion, buildQuery, OBJECT_QUESTION_TABLE } from '../../src/answers/object/question.js';
import { buildPrincipalQuery } from '../../src/answers/principal/question.js';
import { buildStatusBucketsQuery } from '../../src/answers/status/question.js';
import { createEngine } from '../../src/app/create-engine.js';
import { runCli } from '../../src/cli.js';
import { parseCommand } from '../../src/commands/parse.js';
import type {
  ActivityRequest,
  BucketEventsRequest,
  DeniedRequest,
  ObjectQuestionRequest,
  PrincipalRequest,
} from '../../src/commands/requests.js';
import { loadConfig } from '../../src/config.js';
import type { Engine, EngineQuery, EngineResult, TableLayout } from '../../src/engines/engine.js';
import { IndexedEngine } from '../../src/engines/indexed/indexed-engine.js';
import { ingestArchive } from '../../src/engines/indexed/ingest.js';
import { INDEX_REWRITES, rewriteForIndex } from '../../src/engines/indexed/rewrite.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { sql } from '../../src/engines/sql.js';
import { buildEventRecordQuery } from '../../src/questions/event-record.js';
import { buildTrailHistoryQuery } from '../../src/questions/trail-history.js';
import { generateArchive, type SampleFacts } from '../../src/sample/generate.js';
import { expressEvent, tempDir, writeDeliveryFile } from '../helpers/archive.js';
import { REAL_DATASETS, REPO_ROOT } from '../helpers/paths.js';

const END = new Date('2026-11-24T09:30:00Z');
const INJECTION_KEY = "x' OR '1'='1";

/** These cases compare the engines over whole archives (years of real records), past the default window cap. */
const WHOLE_ARCHIVE = { maxWindowDays: 36_500 };

/** Every query s3x asks of an engine, built for a table layout; named for the failure message. */
type QueryCase = [name: string, build: (table: TableLayout) => EngineQuery];

function objectCase(name: string, words: () => string[], now: Date): QueryCase {
  return [
    name,
    (table) => {
      const request = parseCommand(words(), now, WHOLE_ARCHIVE) as ObjectQuestionRequest;
      return buildQuery(OBJECT_QUESTION_TABLE[request.command], request, table);
    },
  ];
}

/** Queries over the generated archive; `facts` is read when a query is built, once the archive exists. */
function generatedCases(facts: () => SampleFacts): QueryCase[] {
  const since = ['--since', '2d'];
  const window = () => ({ since: new Date(facts().start), until: END });
  const planted = () => [facts().plantedKey, '--bucket', facts().plantedBucket, ...since];
  const parse = <T>(words: string[]) => parseCommand(words, END) as T;
  return [
    objectCase('who-deleted', () => ['who-deleted', ...planted()], END),
    objectCase('who-deleted, both sources', () => ['who-deleted', facts().plantedKey, ...since], END),
    objectCase(
      'who-deleted --prefix',
      () => ['who-deleted', '--prefix', facts().plantedKey.slice(0, facts().plantedKey.indexOf('/') + 1), ...since],
      END,
    ),
    objectCase('who-wrote', () => ['who-wrote', ...planted()], END),
    objectCase('who-read', () => ['who-read', facts().plantedKey, ...since], END),
    objectCase('history', () => ['history', ...planted()], END),
    objectCase(
      'general-purpose who-deleted',
      () => ['who-deleted', facts().plantedGeneralPurposeDelete.key as string, '--bucket', 'corp-reports'],
      END,
    ),
    objectCase('injection-looking key', () => ['who-deleted', INJECTION_KEY, ...since], END),
    ['activity', (table) => buildActivityQuery(parse(['activity', facts().plantedBucket, ...since]), table)],
    ['activity, general-purpose', (table) => buildActivityQuery(parse(['activity', 'corp-reports', ...since]), table)],
    [
      'principal (role)',
      (table) => buildPrincipalQuery(parse(['principal', 'arn:aws:iam::111122223333:role/DataEngineer', ...since]), table),
    ],
    ['principal (name)', (table) => buildPrincipalQuery(parse(['principal', 'mallory', ...since]), table)],
    [
      'principal (session ARN)',
      (table) => buildPrincipalQuery(parse(['principal', facts().plantedDelete.principalArn as string, ...since]), table),
    ],
    ['denied', (table) => buildDeniedQuery(parse(['denied', ...since]), table)],
    ['denied, one bucket', (table) => buildDeniedQuery(parse(['denied', '--bucket', facts().plantedBucket, ...since]), table)],
    ['bucket-events', (table) => buildBucketEventsQuery(parse(['bucket-events', facts().plantedBucket, ...since]), table)],
    ['status: buckets', (table) => buildStatusBucketsQuery(window(), table)],
    ['status: trail history', (table) => buildTrailHistoryQuery(window(), table)],
    ['digest', (table) => buildDigestQuery(dayWindow(facts().anchorDay, 'UTC'), table)],
    ['show event', (table) => buildEventRecordQuery(facts().plantedDelete.eventId, window(), table)],
  ];
}

const REAL_NOW = new Date('2026-11-24T00:00:00Z');
const REAL_WINDOW = { since: new Date('2015-01-01T00:00:00Z'), until: new Date('2026-11-01T00:00:00Z') };
const INVICTUS_DAY = { since: new Date('2023-07-10T00:00:00Z'), until: new Date('2023-07-11T00:00:00Z') };
const REAL_CASES: QueryCase[] = [
  objectCase(
    'who-read (AWS S3 Express example)',
    () => ['who-read', 'test-get-obj-with-checksum', '--since', '2024-07-01', '--until', '2024-07-02'],
    REAL_NOW,
  ),
  objectCase(
    'who-deleted (Lifecycle DeleteObjects)',
    () => [
      'who-deleted',
      'any/key',
      '--bucket',
      'amzn-s3-demo-bucket--use2-az2--x-s3',
      '--since',
      '2024-09-10',
      '--until',
      '2024-09-12',
    ],
    REAL_NOW,
  ),
  objectCase(
    'history, no match',
    () => ['history', 'nothing-has-this-key', '--since', '2015-01-01', '--until', '2026-11-01'],
    REAL_NOW,
  ),
  [
    'activity',
    (table) =>
      buildActivityQuery(
        parseCommand(
          ['activity', 'bucket-base-name--usw2-az1--x-s3', '--since', '2024-07-01', '--until', '2024-07-02'],
          REAL_NOW,
        ) as ActivityRequest,
        table,
      ),
  ],
  [
    'principal',
    (table) =>
      buildPrincipalQuery(
        parseCommand(
          ['principal', 'arn:aws:iam::111111111111:user/compromised-user', '--since', '2025-12-01', '--until', '2025-12-05'],
          REAL_NOW,
        ) as PrincipalRequest,
        table,
      ),
  ],
  [
    'denied',
    (table) =>
      buildDeniedQuery(
        parseCommand(['denied', '--since', '2019-01-01', '--until', '2026-11-01'], REAL_NOW, WHOLE_ARCHIVE) as DeniedRequest,
        table,
      ),
  ],
  [
    'bucket-events',
    (table) =>
      buildBucketEventsQuery(
        parseCommand(
          ['bucket-events', 'stratus-red-team-bdbp-lhfzvgcamn', '--since', '2023-07-10', '--until', '2023-07-10'],
          REAL_NOW,
        ) as BucketEventsRequest,
        table,
      ),
  ],
  ['status: buckets', (table) => buildStatusBucketsQuery(REAL_WINDOW, table)],
  ['status: trail history (Invictus day)', (table) => buildTrailHistoryQuery(INVICTUS_DAY, table)],
  ['digest: data events', (table) => buildDigestQuery(dayWindow('2024-07-02', 'UTC'), table)],
  ['digest: changes, log reach (Invictus day)', (table) => buildDigestQuery(dayWindow('2023-07-10', 'UTC'), table)],
];

/**
 * What the footer of an answer shows, which both engines must agree on. Events scanned is left
 * out: the local engine reads it from DuckDB's profile, which can come short under load; it is
 * checked against a count of the records instead (recordsIn).
 */
function footer(result: EngineResult) {
  const { filesScanned, bytesScanned, newestEventTime, unreadableFiles } = result.stats;
  return {
    filesScanned,
    bytesScanned,
    newestEventTime,
    unreadableFiles: [...unreadableFiles].sort((a, b) => a.path.localeCompare(b.path)),
  };
}

/** The records in the files a query reads, counted by the local engine: the day folders of a trail layout, or every file. */
const recordCounts = new Map<string, Promise<number>>();
function recordsIn(local: Engine, days: { from: string; to: string }, trailLayout: boolean): Promise<number> {
  const key = trailLayout ? `${days.from}..${days.to}` : 'all';
  const known = recordCounts.get(key);
  if (known) return known;
  const count = countRecords(local, days, trailLayout);
  recordCounts.set(key, count);
  return count;
}

async function countRecords(local: Engine, days: { from: string; to: string }, trailLayout: boolean): Promise<number> {
  const where = trailLayout ? sql`WHERE "timestamp" BETWEEN ${days.from} AND ${days.to}` : sql``;
  const result = await local.run({ sql: sql`SELECT count(*) AS records FROM cloudtrail_logs ${where}`, days });
  return Number(result.rows[0]?.records);
}

async function expectSameAnswers(
  local: Engine,
  indexed: Engine,
  build: (table: TableLayout) => EngineQuery,
  trailLayout: boolean,
) {
  const query = build(local.table);
  const expected = await local.run(query);
  const actual = await indexed.run(build(indexed.table));
  expect(actual.rows).toEqual(expected.rows);
  expect(footer(actual)).toEqual(footer(expected));
  expect(actual.stats.eventsScanned).toBe(await recordsIn(local, query.days, trailLayout));
  return expected;
}

async function tableCounts(indexPath: string) {
  const instance = await DuckDBInstance.create(indexPath, { access_mode: 'READ_ONLY' });
  try {
    const connection = await instance.connect();
    const rows = (
      await connection.runAndReadAll(`SELECT
        (SELECT count(*) FROM cloudtrail_logs) AS records,
        (SELECT coalesce(sum(records), 0) FROM ingested_files) AS recorded,
        (SELECT count(*) FROM ingested_files) AS files,
        (SELECT count(*) FROM cloudtrail_logs WHERE file_id NOT IN (SELECT file_id FROM ingested_files)) AS orphans,
        (SELECT count(*) FROM ingested_files f WHERE records <> (SELECT count(*) FROM cloudtrail_logs l WHERE l.file_id = f.file_id)) AS miscounted`)
    ).getRowObjectsJS()[0] as Record<string, bigint>;
    connection.closeSync();
    return Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, Number(v)]));
  } finally {
    instance.closeSync();
  }
}

describe('indexed engine over a generated archive', () => {
  let root: string;
  let indexPath: string;
  let facts: SampleFacts;
  let local: LocalEngine;
  let indexed: IndexedEngine;
  const cases = generatedCases(() => facts);

  beforeAll(async () => {
    root = await tempDir('s3x-indexed-');
    facts = (await generateArchive({ outDir: root, seed: 5, end: END, days: 2, eventsPerDay: 1500 })).facts;
    // Keys that look like SQL: only the exact one may match.
    await writeDeliveryFile(root, '2026/11/23', '20261123T1000Z_inj', [
      expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-23T09:55:00Z', key: INJECTION_KEY, eventID: 'inj-exact' }),
      expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-23T09:56:00Z', key: 'x', eventID: 'inj-other' }),
      expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-23T09:57:00Z', key: '1', eventID: 'inj-other-2' }),
    ]);
    // Unreadable files: a cut-off gzip and invalid JSON; skipped and reported, never fatal.
    const dayDir = path.join(root, 'AWSLogs', '111122223333', 'CloudTrail', 'us-east-1', '2026', '11', '22');
    await writeFile(
      path.join(dayDir, 'truncated.json.gz'),
      gzipSync(
        JSON.stringify({ Records: [expressEvent({ eventName: 'PutObject', eventTime: '2026-11-22T01:00:00Z' })] }),
      ).subarray(0, 60),
    );
    await writeFile(path.join(dayDir, 'invalid.json'), '{"Records": [ {"eventTime": "2026-11-22T01:00:00Z", ');
    indexPath = path.join(await tempDir('s3x-index-'), 'index.duckdb');
    local = await LocalEngine.open({ logsDir: root });
    indexed = await IndexedEngine.open({ logsDir: root, indexPath });
  });
  afterAll(async () => {
    await local?.close();
    await indexed?.close();
  });

  it.each(cases)('%s: same rows and footer as the local engine', async (_name, build) => {
    await expectSameAnswers(local, indexed, build, true);
  });

  it('gives the same object answers as the local engine, planted delete included', async () => {
    const request = parseCommand(
      ['who-deleted', facts.plantedKey, '--bucket', facts.plantedBucket, '--since', '2d'],
      END,
    ) as ObjectQuestionRequest;
    const question = OBJECT_QUESTION_TABLE['who-deleted'];
    const { stats: _l, ...expected } = await askObjectQuestion(question, request, local);
    const { stats, ...actual } = await askObjectQuestion(question, request, indexed);
    expect(actual).toEqual(expected);
    expect(actual.events.find((e) => e.evidence === 'exact')?.eventId).toBe(facts.plantedDelete.eventId);
    expect(stats.engine).toBe('local');
  });

  it('binds a key that looks like SQL as a value: only the exact key matches', async () => {
    const request = parseCommand(['who-deleted', INJECTION_KEY, '--since', '2d'], END) as ObjectQuestionRequest;
    const answer = await askObjectQuestion(OBJECT_QUESTION_TABLE['who-deleted'], request, indexed);
    expect(answer.events.filter((e) => e.evidence === 'exact').map((e) => [e.eventId, e.key])).toEqual([
      ['inj-exact', INJECTION_KEY],
    ]);
  });

  it('skips and reports unreadable files as the local engine does', async () => {
    const request = parseCommand(
      ['who-wrote', 'k', '--since', '2026-11-22', '--until', '2026-11-22'],
      END,
    ) as ObjectQuestionRequest;
    const answer = await askObjectQuestion(OBJECT_QUESTION_TABLE['who-wrote'], request, indexed);
    expect(answer.stats.unreadableFiles.map((f) => path.basename(f.path)).sort()).toEqual(['invalid.json', 'truncated.json.gz']);
    expect(answer.stats.unreadableFiles.every((f) => f.reason.length > 0)).toBe(true);
  });

  it('reads each precomputed column as the question SQL would compute it', async () => {
    const asWritten = await IndexedEngine.open({ logsDir: root, indexPath: `${indexPath}.plain`, rewrite: false });
    try {
      for (const [name, build] of cases) {
        const query = build(indexed.table);
        const { text, params } = rewriteForIndex(query.sql);
        expect(params.length, name).toBe(text.split('?').length - 1);
        const plain = await asWritten.run(query);
        const rewritten = await indexed.run(query);
        expect(rewritten.rows, name).toEqual(plain.rows);
      }
    } finally {
      await asWritten.close();
    }
  });

  it('has every rewrite in use: each one finds its text in some question', () => {
    const texts = cases.map(([, build]) => build(indexed.table).sql.text);
    for (const { from } of INDEX_REWRITES) {
      expect(
        texts.some((text) => text.includes(from)),
        from,
      ).toBe(true);
    }
    const rewritten = rewriteForIndex(cases[0]?.[1](indexed.table).sql ?? { text: '', params: [] });
    expect(rewritten.text).toContain('request_key');
    expect(rewritten.text).toContain('day_number BETWEEN');
  });

  it('picks up a file delivered after it opened, before answering', async () => {
    await writeDeliveryFile(root, '2026/11/24', '20261124T0905Z_new', [
      expressEvent({ eventName: 'PutObject', eventTime: '2026-11-24T09:01:00Z', key: 'fresh.txt', eventID: 'fresh-1' }),
    ]);
    recordCounts.clear();
    const request = parseCommand(['who-wrote', 'fresh.txt', '--since', '1h'], END) as ObjectQuestionRequest;
    const answer = await askObjectQuestion(OBJECT_QUESTION_TABLE['who-wrote'], request, indexed);
    expect(answer.events.map((e) => e.eventId)).toEqual(['fresh-1']);
    await expectSameAnswers(local, indexed, (table) => buildQuery(OBJECT_QUESTION_TABLE['who-wrote'], request, table), true);
  });
});

describe('rewriteForIndex', () => {
  it('keeps every parameter lined up with its placeholder when a rewrite repeats them', () => {
    const query = sql`SELECT ${'a'} FROM t WHERE "timestamp" BETWEEN ${'2026/11/01'} AND ${'2026/11/02'} AND k = ${'key'}
      UNION ALL SELECT ${'b'} FROM t WHERE "timestamp" BETWEEN ${'2026/10/01'} AND ${'2026/10/02'}`;
    const rewritten = rewriteForIndex(query);
    expect(rewritten.params).toEqual([
      'a',
      '2026/11/01',
      '2026/11/02',
      '2026/11/01',
      '2026/11/02',
      'key',
      'b',
      '2026/10/01',
      '2026/10/02',
      '2026/10/01',
      '2026/10/02',
    ]);
    expect(rewritten.text.split('?').length - 1).toBe(rewritten.params.length);
    expect(rewritten.text).not.toContain('"timestamp" BETWEEN ? AND ? AND k');
  });

  it('replaces an extracted expression by its column, and nothing else', () => {
    const query = sql`SELECT json_extract_scalar(requestparameters, '$.key') AS k, json_extract_scalar(requestparameters, '$.other') AS o
      FROM t WHERE json_extract_scalar(requestparameters, '$.key') = ${"x' OR '1'='1"}`;
    expect(rewriteForIndex(query)).toEqual({
      text: `SELECT request_key AS k, json_extract_scalar(requestparameters, '$.other') AS o
      FROM t WHERE (key_hash = hash(CAST(? AS VARCHAR)) AND request_key = ?)`,
      params: ["x' OR '1'='1", "x' OR '1'='1"],
    });
  });
});

describe('indexed engine over the real public CloudTrail records (plain folder, mixed file shapes)', () => {
  let local: LocalEngine;
  let indexed: IndexedEngine;

  beforeAll(async () => {
    local = await LocalEngine.open({ logsDir: REAL_DATASETS });
    indexed = await IndexedEngine.open({
      logsDir: REAL_DATASETS,
      indexPath: path.join(await tempDir('s3x-index-real-'), 'index.duckdb'),
    });
  });
  afterAll(async () => {
    await local?.close();
    await indexed?.close();
  });

  it.each(REAL_CASES)('%s: same rows and footer as the local engine', async (_name, build) => {
    await expectSameAnswers(local, indexed, build, false);
  });
});

describe('ingestArchive', () => {
  it('reads only new files, re-reads changed ones without duplicating records, drops removed ones', async () => {
    const root = await tempDir('s3x-ingest-');
    const indexPath = path.join(await tempDir('s3x-ingest-index-'), 'index.duckdb');
    await writeDeliveryFile(root, '2026/11/01', '20261101T0005Z_a', [
      expressEvent({ eventName: 'PutObject', eventTime: '2026-11-01T00:01:00Z', key: 'a.txt', eventID: 'a-1' }),
      expressEvent({ eventName: 'GetObject', eventTime: '2026-11-01T00:02:00Z', key: 'a.txt', eventID: 'a-2' }),
    ]);
    const changing = await writeDeliveryFile(root, '2026/11/02', '20261102T0005Z_b', [
      expressEvent({ eventName: 'PutObject', eventTime: '2026-11-02T00:01:00Z', key: 'b.txt', eventID: 'b-1' }),
    ]);
    let tick = 0;
    const clock = () => (tick += 1000);

    const first = await ingestArchive({ logsDir: root, indexPath, clock });
    expect(first).toMatchObject({ filesRead: 2, filesSkipped: 0, events: 3, unreadableFiles: [] });
    expect(first.elapsedMs).toBe(1000);
    expect(first.eventsPerSec).toBe(3);

    const again = await ingestArchive({ logsDir: root, indexPath, clock });
    expect(again).toMatchObject({ filesRead: 0, filesSkipped: 2, events: 0 });

    await writeDeliveryFile(root, '2026/11/02', '20261102T0010Z_c', [
      expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-02T00:06:00Z', key: 'c.txt', eventID: 'c-1' }),
    ]);
    const added = await ingestArchive({ logsDir: root, indexPath, clock });
    expect(added).toMatchObject({ filesRead: 1, filesSkipped: 2, events: 1 });

    // The same file rewritten with other content: its old records are replaced, not kept beside the new ones.
    await writeFile(
      changing,
      gzipSync(
        JSON.stringify({
          Records: [
            expressEvent({ eventName: 'PutObject', eventTime: '2026-11-02T00:01:00Z', key: 'b.txt', eventID: 'b-1' }),
            expressEvent({ eventName: 'PutObject', eventTime: '2026-11-02T00:03:00Z', key: 'b.txt', eventID: 'b-2' }),
          ],
        }),
      ),
    );
    const changed = await ingestArchive({ logsDir: root, indexPath, clock });
    expect(changed).toMatchObject({ filesRead: 1, filesSkipped: 2, events: 2 });
    expect(await tableCounts(indexPath)).toEqual({ records: 5, recorded: 5, files: 3, orphans: 0, miscounted: 0 });

    await rm(changing);
    const removed = await ingestArchive({ logsDir: root, indexPath, clock });
    expect(removed).toMatchObject({ filesRead: 0, filesSkipped: 2, filesRemoved: 1 });
    expect(await tableCounts(indexPath)).toEqual({ records: 3, recorded: 3, files: 2, orphans: 0, miscounted: 0 });
  });

  it('records unreadable files once and reads them again when they change', async () => {
    const root = await tempDir('s3x-ingest-bad-');
    const indexPath = path.join(await tempDir('s3x-ingest-bad-index-'), 'index.duckdb');
    await writeDeliveryFile(root, '2026/11/01', '20261101T0005Z_ok', [
      expressEvent({ eventName: 'PutObject', eventTime: '2026-11-01T00:01:00Z', key: 'ok.txt' }),
    ]);
    const dayDir = path.join(root, 'AWSLogs', '111122223333', 'CloudTrail', 'us-east-1', '2026', '11', '01');
    const broken = path.join(dayDir, 'broken.json');
    await writeFile(broken, '{"Records": [ {"eventTime": ');
    const first = await ingestArchive({ logsDir: root, indexPath });
    expect(first.filesRead).toBe(1);
    expect(first.unreadableFiles.map((f) => f.path)).toEqual([broken]);

    await writeFile(
      broken,
      JSON.stringify({ Records: [expressEvent({ eventName: 'GetObject', eventTime: '2026-11-01T00:02:00Z' })] }),
    );
    const fixed = await ingestArchive({ logsDir: root, indexPath });
    expect(fixed).toMatchObject({ filesRead: 1, events: 1, unreadableFiles: [] });
    expect(await tableCounts(indexPath)).toMatchObject({ records: 2, files: 2, miscounted: 0 });
  });

  it('checks the next files while a batch is read: a file failing the check between batches is recorded, the others read', async () => {
    // Prepare
    const root = await tempDir('s3x-ingest-pipeline-');
    const indexPath = path.join(await tempDir('s3x-ingest-pipeline-index-'), 'index.duckdb');
    for (const name of ['20261101T0005Z_a', '20261101T0010Z_b', '20261101T0020Z_d', '20261101T0025Z_e']) {
      await writeDeliveryFile(root, '2026/11/01', name, [
        expressEvent({ eventName: 'PutObject', eventTime: '2026-11-01T00:01:00Z', key: `${name}.txt` }),
      ]);
    }
    const cut = await writeDeliveryFile(root, '2026/11/01', '20261101T0015Z_c', []);
    await writeFile(
      cut,
      gzipSync(
        JSON.stringify({ Records: [expressEvent({ eventName: 'GetObject', eventTime: '2026-11-01T00:16:00Z' })] }),
      ).subarray(0, 30),
    );
    const progress: Array<{ filesDone: number; filesToRead: number }> = [];

    // Act
    const result = await ingestArchive({
      logsDir: root,
      indexPath,
      batchFiles: 1,
      onProgress: ({ filesDone, filesToRead }) => progress.push({ filesDone, filesToRead }),
    });

    // Assess
    expect(result).toMatchObject({
      filesRead: 4,
      events: 4,
      unreadableFiles: [{ path: cut, reason: 'truncated or corrupt gzip' }],
    });
    expect(progress.map((p) => p.filesDone)).toEqual([1, 2, 3, 4]);
    expect(progress.at(-1)).toEqual({ filesDone: 4, filesToRead: 4 });
    expect(await tableCounts(indexPath)).toEqual({ records: 4, recorded: 4, files: 5, orphans: 0, miscounted: 0 });
  });

  it('leaves no part of a file behind when the ingest is killed', async () => {
    const root = await tempDir('s3x-ingest-kill-');
    const indexPath = path.join(await tempDir('s3x-ingest-kill-index-'), 'index.duckdb');
    const summary = await generateArchive({ outDir: root, seed: 3, end: END, days: 2, eventsPerDay: 400 });
    const script = path.join(await tempDir('s3x-ingest-kill-script-'), 'ingest.mts');
    await writeFile(
      script,
      `import { ingestArchive } from ${JSON.stringify(path.join(REPO_ROOT, 'src/engines/indexed/ingest.ts'))};
await ingestArchive({ logsDir: ${JSON.stringify(root)}, indexPath: ${JSON.stringify(indexPath)}, batchFiles: 2,
  onProgress: (p) => process.stdout.write(JSON.stringify(p) + '\\n') });`,
    );
    // Killed mid-ingest, the child cannot remove DuckDB's spill folder: it spills beside its script, removed with it.
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: REPO_ROOT,
      env: { ...process.env, TMPDIR: path.dirname(script) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => {
      let seen = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString().split('\n').filter(Boolean).length;
        if (seen >= 3) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => resolve());
    });
    await new Promise((resolve) => child.once('exit', resolve).once('close', resolve));
    const afterKill = await tableCounts(indexPath);
    expect(afterKill.files).toBeGreaterThan(0);
    expect(afterKill.files).toBeLessThan(summary.files);
    expect(afterKill).toMatchObject({ orphans: 0, miscounted: 0 });
    expect(afterKill.records).toBe(afterKill.recorded);

    const resumed = await ingestArchive({ logsDir: root, indexPath });
    expect(resumed.filesSkipped).toBe(afterKill.files);
    const final = await tableCounts(indexPath);
    expect(final).toMatchObject({ files: summary.files, orphans: 0, miscounted: 0 });
    expect(final.records).toBe(summary.events + summary.duplicates);
  });

  it('refuses an index built for another archive', async () => {
    const indexPath = path.join(await tempDir('s3x-ingest-other-'), 'index.duckdb');
    const first = await tempDir('s3x-archive-a-');
    const second = await tempDir('s3x-archive-b-');
    await mkdir(path.join(first, 'x'), { recursive: true });
    await ingestArchive({ logsDir: first, indexPath });
    await expect(ingestArchive({ logsDir: second, indexPath })).rejects.toMatchObject({
      userMessage: expect.stringMatching(/built for/),
    });
  });

  it('refuses an index whose key hashes another DuckDB computed (they would miss keys), and says to ingest again', async () => {
    const indexPath = path.join(await tempDir('s3x-ingest-hash-'), 'index.duckdb');
    const logsDir = await tempDir('s3x-archive-hash-');
    await mkdir(path.join(logsDir, 'x'), { recursive: true });
    await ingestArchive({ logsDir, indexPath });
    const instance = await DuckDBInstance.create(indexPath);
    const connection = await instance.connect();
    await connection.run(`UPDATE index_meta SET value = '12345' WHERE name = 'key_hash_probe'`);
    connection.closeSync();
    instance.closeSync();
    await expect(ingestArchive({ logsDir, indexPath })).rejects.toMatchObject({
      userMessage: expect.stringMatching(/hashes keys otherwise.*ingest again/),
    });
  });
});

describe('s3x ingest and S3X_LOCAL_INDEX', () => {
  it('ingests from the command line, then answers from the index when S3X_LOCAL_INDEX is set', async () => {
    const root = await tempDir('s3x-cli-ingest-');
    const indexPath = path.join(await tempDir('s3x-cli-index-'), 'nested', 'index.duckdb');
    await writeDeliveryFile(root, '2026/11/20', '20261120T1000Z_a', [
      expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-20T09:55:00Z', key: INJECTION_KEY, eventID: 'exact-1' }),
      expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-20T09:56:00Z', key: 'x', eventID: 'other-1' }),
    ]);
    let out = '';
    let err = '';
    const io = { out: (t: string) => (out += t), err: (t: string) => (err += t) };
    const now = () => new Date('2026-11-24T00:00:00Z');

    expect(await runCli(['ingest', '--logs', root, `--index=${indexPath}`], {}, io, now)).toBe(0);
    expect(out).toBe(`${indexPath}: 1 files read, 0 already ingested, 0 unreadable, 0 removed; 2 events in 0.0 s (0 events/s)\n`);
    expect(err).toBe('');

    out = '';
    const env = { S3X_LOCAL_INDEX: indexPath };
    const code = await runCli(
      ['who-deleted', INJECTION_KEY, '--logs', root, '--since', '2026-11-19', '--format', 'json'],
      env,
      io,
      now,
    );
    expect(code).toBe(0);
    const answer = JSON.parse(out) as { events: Array<{ eventId: string }> };
    expect(answer.events.map((e) => e.eventId)).toEqual(['exact-1']);

    const engine = await createEngine(
      loadConfig(env),
      { logsDir: root },
      { now: () => 0, sleep: async () => {}, random: () => 0 },
    );
    try {
      expect(engine).toBeInstanceOf(IndexedEngine);
    } finally {
      await engine.close();
    }
    expect(await runCli(['ingest', '--logs', root, '--bogus'], {}, io, now)).toBe(2);
  });
});
