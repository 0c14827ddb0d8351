/**
 * The indexed local engine on a generated archive: full ingest, an incremental ingest that finds
 * one new file, and the benchmarked questions (bench/questions.ts, default 7-day window) answered
 * once right after opening the index, then seven times warm, each warm answer followed by its
 * floor (FLOORS; each figure the median of its seven). bench/run.ts calls it on each archive;
 * alone, on an archive bench/run.ts generated (its summary beside it):
 *
 *   npx tsx bench/indexed.ts /tmp/s3x-bench/10m [index-file]
 *
 * The archive is never written to: the "new file" of the incremental ingest is the archive's last
 * file, left out of the first ingest.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import {
  buildPrincipalQuery,
  identityNames,
  PRINCIPAL_IDENTITIES_MAX,
  PRINCIPAL_OBJECTS_MAX,
  PRINCIPAL_ROWS_MAX,
  PRINCIPAL_SESSIONS_MAX,
} from '../src/answers/principal/question.js';
import { parseCommand } from '../src/commands/parse.js';
import type { PrincipalRequest } from '../src/commands/requests.js';
import type { TableLayout } from '../src/engines/engine.js';
import { IndexedEngine } from '../src/engines/indexed/indexed-engine.js';
import { ArchiveIndex, listArchive } from '../src/engines/indexed/ingest.js';
import { rewriteForIndex } from '../src/engines/indexed/rewrite.js';
import { ACTIVITY_ROLLUP_TABLE, INDEX_TABLE } from '../src/engines/indexed/schema.js';
import { detectLayout } from '../src/engines/local/log-files.js';
import { quoteLiteral } from '../src/engines/local/view.js';
import { sql } from '../src/engines/sql.js';
import { SOURCE_BUCKET_AND_KEY } from '../src/questions/sql-pieces.js';
import { formatInstant, partitionRange, type TimeWindow } from '../src/time/window.js';
import { askQuestion, QUESTION_NAMES, type QuestionName, type QuestionSubject, questionWords } from './questions.js';

export interface IndexedBenchmarkOptions {
  logsDir: string;
  /** Created (or brought up to date) here; use a fresh path for an ingest from scratch. */
  indexPath: string;
  /** The questions' "now": the archive's end. */
  now: Date;
  subject: QuestionSubject;
}

export interface IndexedBenchmarkResult {
  ingest: { files: number; events: number; elapsedMs: number; eventsPerSec: number; cpuMs: number };
  incremental: { filesRead: number; filesSkipped: number; elapsedMs: number };
  /** Warm: the median of each question's WARM_ANSWERS answers after the first, in ms (from the call to the answer, pre-question ingest check included). */
  questions: Record<QuestionName, number>;
  /** The first answer of each, right after opening the index. */
  questionsFirst: Record<QuestionName, number>;
  /** What each question found (a sanity check that it found the planted story). */
  rows: Record<QuestionName, number>;
  /** Each question's floor on the same index, warm, in ms (see FLOORS): the median of the runs alternating with the answers. */
  floors: Record<QuestionName, number>;
  /** PRINCIPAL_BY_HAND on the same index, warm, in ms: the median of its runs, alternating with the principal's answers. */
  principalByHand: number;
  rssMb: { afterIngest: number; afterQuestions: number };
  indexBytes: number;
}

/** Warm answers timed per question, each followed by its floor (each figure the median of its runs). */
const WARM_ANSWERS = 7;

export async function runIndexedBenchmark(options: IndexedBenchmarkOptions): Promise<IndexedBenchmarkResult> {
  const files = await listArchive(await detectLayout(options.logsDir));

  const index = await ArchiveIndex.open({ indexPath: options.indexPath, logsDir: options.logsDir });
  let ingest: IndexedBenchmarkResult['ingest'];
  let incremental: IndexedBenchmarkResult['incremental'];
  try {
    const cpuBefore = process.cpuUsage();
    const first = await index.ingest(files.slice(0, -1), { checkChanges: true, scope: 'all' });
    const cpu = process.cpuUsage(cpuBefore);
    ingest = {
      files: first.filesRead,
      events: first.events,
      elapsedMs: first.elapsedMs,
      eventsPerSec: first.eventsPerSec,
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    };
    // What `s3x ingest` does when one file was delivered since: stat every file, read the new one.
    const next = await index.ingest(files, { checkChanges: true, scope: 'all' });
    incremental = { filesRead: next.filesRead, filesSkipped: next.filesSkipped, elapsedMs: next.elapsedMs };
  } finally {
    await index.close();
  }
  const afterIngest = rssMb();

  const engine = await IndexedEngine.open({ logsDir: options.logsDir, indexPath: options.indexPath });
  const floorReader = await FloorReader.open(options);
  const questions = {} as Record<QuestionName, number>;
  const questionsFirst = {} as Record<QuestionName, number>;
  const rows = {} as Record<QuestionName, number>;
  const floors = {} as Record<QuestionName, number>;
  const byHandTimes: number[] = [];
  try {
    await floorReader.checkPrincipalByHand(engine.table);
    for (const name of QUESTION_NAMES) {
      let started = performance.now();
      rows[name] = (await askQuestion(name, options.subject, engine, options.now)).found;
      questionsFirst[name] = performance.now() - started;
      await floorReader.time(name);
      // Each warm answer beside its floor, alternately: a change of the machine's speed moves both.
      const warm: number[] = [];
      const floorTimes: number[] = [];
      for (let i = 0; i < WARM_ANSWERS; i++) {
        started = performance.now();
        await askQuestion(name, options.subject, engine, options.now);
        warm.push(performance.now() - started);
        floorTimes.push(await floorReader.time(name));
        if (name === 'principal') byHandTimes.push(await floorReader.timePrincipalByHand());
      }
      questions[name] = median(warm);
      floors[name] = median(floorTimes);
    }
  } finally {
    await engine.close();
    floorReader.close();
  }
  const { size } = await stat(options.indexPath);
  return {
    ingest,
    incremental,
    questions,
    questionsFirst,
    rows,
    floors,
    principalByHand: median(byHandTimes),
    rssMb: { afterIngest, afterQuestions: rssMb() },
    indexBytes: size,
  };
}

/**
 * An object question's floor: what an exact answer cannot do without, each kind read with its own
 * equality tests ($1-$4 the window, $5 the bucket, $6 the key): the bucket's records naming the key
 * (compared as text, as a hand-written query would), the bucket's records of each `inBucket` test,
 * the records of each `anyBucket` test in any bucket (a copy names its destination's bucket), and
 * the bucket's CreateSession calls that signed any of them (the session behind each event).
 */
function objectFloorSql(inBucket: string[], anyBucket: string[] = []): string {
  const window = 'day_number BETWEEN $1 AND $2 AND eventtime >= $3 AND eventtime < $4';
  const read = (test: string) =>
    `SELECT eventname, eventtime, useridentity.arn AS arn, session_key FROM ${INDEX_TABLE} WHERE ${window} AND ${test}`;
  const kinds = [
    read('request_bucket = $5 AND request_key = $6'),
    ...inBucket.map((test) => read(`request_bucket = $5 AND ${test}`)),
    ...anyBucket.map(read),
  ];
  return `WITH found AS MATERIALIZED (
  ${kinds.join('\n  UNION ALL ')}
)
SELECT * FROM found
UNION ALL ${read(`request_bucket = $5 AND eventname = 'CreateSession' AND session_key IN (SELECT session_key FROM found)`)}`;
}

/**
 * The least each answer is made of, read by hand from the same index over the same window: the
 * floor under the indexed figure (what any query shape would still read), measured in the same run.
 * Parameters: first and last day number, since, until, then the subject (see floorParams).
 */
export const FLOORS: Record<QuestionName, { reads: string; sql: string; subject: 'key' | 'bucket' | 'principal' }> = {
  'who-deleted': {
    reads: "the bucket's records naming the key, its batch deletes and renames of the key, and the sessions that signed them",
    sql: objectFloorSql([
      `eventname = 'DeleteObjects' AND request_key IS NULL`,
      `eventname = 'RenameObject' AND strpos(source_path, $6) > 0`,
    ]),
    subject: 'key',
  },
  history: {
    reads: "the bucket's records naming the key, renames and copies of the key, and the sessions that signed them",
    sql: objectFloorSql(
      [`eventname = 'RenameObject' AND strpos(source_path, $6) > 0`],
      ['CopyObject', 'UploadPartCopy'].map((name) => `eventname = '${name}' AND strpos(source_path, $6) > 0`),
    ),
    subject: 'key',
  },
  activity: {
    reads: "the bucket's roll-up rows, summed by operation",
    sql: `SELECT eventname, sum(events) FROM ${ACTIVITY_ROLLUP_TABLE}
      WHERE day_number BETWEEN ? AND ? AND event_day >= substr(?, 1, 10) AND event_day < substr(?, 1, 10) AND request_bucket = ?
      GROUP BY eventname`,
    subject: 'bucket',
  },
  principal: {
    reads: "the principal's records, grouped by object",
    sql: `SELECT request_bucket, request_key, eventname, count(*), max(eventtime) FROM ${INDEX_TABLE}
      WHERE day_number BETWEEN ? AND ? AND eventtime >= ? AND eventtime < ? AND useridentity.arn = ?
      GROUP BY ALL`,
    subject: 'principal',
  },
  denied: {
    reads: "the bucket's failed calls, grouped by error and principal",
    sql: `SELECT errorcode, useridentity.arn, count(*) FROM ${INDEX_TABLE}
      WHERE day_number BETWEEN ? AND ? AND eventtime >= ? AND eventtime < ? AND request_bucket = ?
        AND errorcode IS NOT NULL AND errorcode <> '' GROUP BY ALL`,
    subject: 'bucket',
  },
};

/**
 * The principal's whole answer written by hand for this index, in one statement (parameters as
 * FLOORS': first and last day number, since, until, the ARN): the same rows as the question's SQL
 * (checked in each run, see FloorReader.checkPrincipalByHand), without the question's portable shape. The
 * records are read once; only those the index marks as maybe delivered twice go through a window;
 * the calls are grouped by object, by source of a copy or rename, and by caller (bucket, operation,
 * ARN and names as recorded), and the names, sources and the small kinds are derived from those
 * groups; the most recent objects are kept by one top-N. It is the reference for the one
 * indexed figure whose floor is itself over its target. A caller's names (identityNames) and where
 * a copy or rename took its object from (SOURCE_BUCKET_AND_KEY) are the question's own definitions,
 * not written a second time.
 */
export const PRINCIPAL_BY_HAND = `WITH r AS MATERIALIZED (
  SELECT CASE WHEN outside_rollup THEN coalesce(eventid, concat(coalesce(eventtime, ''), '|', coalesce(eventname, ''), '|',
      coalesce(requestid, ''), '|', coalesce(errorcode, ''), '|', coalesce(sourceipaddress, ''))) END AS event_uid,
    outside_rollup, eventtime, eventname, nullif(errorcode, '') AS error_code, event_bucket AS bucket,
    useridentity.arn AS session_arn, useridentity.type AS principal_type,
    useridentity.sessioncontext.sessionissuer.username AS issuer_name, useridentity.username AS user_name_given,
    CASE WHEN nullif(errorcode, '') IS NULL AND request_key IS NOT NULL THEN
      CASE WHEN eventname IN ('PutObject', 'CopyObject', 'CompleteMultipartUpload', 'RenameObject') THEN 'wrote'
        WHEN eventname = 'DeleteObject' THEN 'deleted'
        WHEN eventname IN ('GetObject', 'HeadObject', 'GetObjectAttributes') THEN 'read' END END AS object_action,
    request_key AS object_key, request_bucket AS bucket_name,
    CASE WHEN nullif(errorcode, '') IS NULL AND eventname IN ('RenameObject', 'CopyObject', 'UploadPartCopy') THEN source_path END AS source_path
  FROM ${INDEX_TABLE}
  WHERE day_number BETWEEN $1 AND $2 AND eventtime >= $3 AND eventtime < $4
    AND eventsource IN ('s3express.amazonaws.com', 's3.amazonaws.com')
    AND arn_hash = hash($5) AND useridentity.arn = $5
),
once AS (
  SELECT * FROM r WHERE NOT outside_rollup
  UNION ALL
  (SELECT * FROM r WHERE outside_rollup QUALIFY row_number() OVER (PARTITION BY event_uid ORDER BY eventtime, eventname) = 1)
),
g AS MATERIALIZED (
  SELECT CASE WHEN grouping(object_action, bucket, object_key) = 0 THEN 'o' WHEN grouping(source_path) = 0 THEN 's' ELSE 'c' END AS g_kind,
    object_action, object_key, bucket, eventname, session_arn, principal_type, issuer_name, user_name_given, bucket_name, source_path,
    count(*) AS events, count(error_code) AS errors, min(eventtime) AS first_event, max(eventtime) AS last_event
  FROM once
  GROUP BY GROUPING SETS ((object_action, bucket, object_key),
    (bucket, eventname, session_arn, principal_type, issuer_name, user_name_given), (source_path, eventname, bucket, bucket_name))
),
callers AS (
  SELECT bucket, eventname, session_arn, principal_type,
    ${identityNames(sql`session_arn`, sql`issuer_name`, sql`user_name_given`).text},
    events, errors, first_event, last_event
  FROM g WHERE g_kind = 'c'
),
small AS (
  SELECT CASE WHEN grouping(bucket, eventname) = 0 THEN 'operation' WHEN grouping(bucket) = 0 THEN 'bucket'
      WHEN grouping(principal_type, role_name, user_name, session_name) = 0 THEN 'identity'
      WHEN grouping(session_arn) = 0 THEN 'session' ELSE 'total' END AS row_kind,
    bucket, eventname, session_arn, principal_type, role_name, user_name, session_name,
    sum(events)::BIGINT AS events, sum(errors)::BIGINT AS errors, min(first_event) AS first_event, max(last_event) AS last_event
  FROM callers
  GROUP BY GROUPING SETS ((bucket, eventname), (bucket), (session_arn), (), (principal_type, role_name, user_name, session_name))
),
sources AS (
  SELECT source_action, source_bucket, source_key, sum(events)::BIGINT AS events, sum(errors)::BIGINT AS errors,
    min(first_event) AS first_event, max(last_event) AS last_event
  FROM (SELECT ${SOURCE_BUCKET_AND_KEY.text},
    CASE WHEN eventname = 'RenameObject' THEN 'moved' ELSE 'read' END AS source_action, *
    FROM g WHERE g_kind = 's' AND source_path IS NOT NULL)
  WHERE source_key IS NOT NULL
  GROUP BY ALL
),
objects AS (SELECT * FROM g WHERE g_kind = 'o' AND object_action IS NOT NULL),
answer AS (
  SELECT row_kind, bucket, eventname, session_arn, NULL AS object_action, NULL AS object_key, principal_type, role_name, user_name,
    session_name, NULL AS source_action, NULL AS source_bucket, NULL AS source_key, events, errors, first_event, last_event,
    row_number() OVER (PARTITION BY row_kind ORDER BY events DESC, coalesce(bucket, ''), coalesce(eventname, ''),
      coalesce(session_arn, ''), coalesce(principal_type, ''), coalesce(role_name, ''), coalesce(user_name, ''), coalesce(session_name, '')) AS position,
    count(*) OVER (PARTITION BY row_kind) AS kind_groups
  FROM small WHERE NOT (row_kind = 'bucket' AND bucket IS NULL) AND NOT (row_kind = 'session' AND session_arn IS NULL)
  UNION ALL
  SELECT 'object', bucket, NULL, NULL, object_action, object_key, NULL, NULL, NULL, NULL, NULL, NULL, NULL, events, errors, first_event, last_event,
    row_number() OVER (ORDER BY last_event DESC, events DESC, coalesce(bucket, ''), coalesce(object_action, ''), coalesce(object_key, '')),
    (SELECT count(*) FROM objects)
  FROM (SELECT * FROM objects ORDER BY last_event DESC, events DESC, coalesce(bucket, ''), coalesce(object_action, ''), coalesce(object_key, '') LIMIT ${PRINCIPAL_OBJECTS_MAX})
  UNION ALL
  SELECT 'source-object', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, source_action, source_bucket, source_key, events, errors, first_event, last_event,
    row_number() OVER (ORDER BY last_event DESC, events DESC, coalesce(source_action, ''), coalesce(source_bucket, ''), coalesce(source_key, '')),
    (SELECT count(*) FROM sources)
  FROM (SELECT * FROM sources ORDER BY last_event DESC, events DESC, coalesce(source_action, ''), coalesce(source_bucket, ''), coalesce(source_key, '') LIMIT ${PRINCIPAL_OBJECTS_MAX})
)
SELECT row_kind, bucket, eventname, session_arn, object_action, object_key, principal_type, role_name, user_name,
  session_name, source_action, source_bucket, source_key, events, errors, first_event, last_event, kind_groups
FROM answer
WHERE position <= CASE row_kind WHEN 'total' THEN 1 WHEN 'bucket' THEN 1 WHEN 'operation' THEN ${PRINCIPAL_ROWS_MAX}
  WHEN 'session' THEN ${PRINCIPAL_SESSIONS_MAX} WHEN 'identity' THEN ${PRINCIPAL_IDENTITIES_MAX} ELSE ${PRINCIPAL_OBJECTS_MAX} END
ORDER BY CASE row_kind WHEN 'total' THEN 0 WHEN 'operation' THEN 1 WHEN 'session' THEN 2 WHEN 'object' THEN 3
  WHEN 'source-object' THEN 4 WHEN 'identity' THEN 5 ELSE 6 END, position`;

/** The floor queries on the index file, read-only in a DuckDB of their own, each timed once per call. */
class FloorReader {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly options: IndexedBenchmarkOptions,
  ) {}

  static async open(options: IndexedBenchmarkOptions): Promise<FloorReader> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(`ATTACH ${quoteLiteral(options.indexPath)} AS floor_index (READ_ONLY)`);
    await connection.run('USE floor_index');
    return new FloorReader(instance, connection, options);
  }

  /** Milliseconds of one run of the question's floor over the question's window. */
  async time(name: QuestionName): Promise<number> {
    const floor = FLOORS[name];
    const started = performance.now();
    await this.connection.runAndReadAll(floor.sql, this.params(name, floor.subject));
    return performance.now() - started;
  }

  /** Milliseconds of one run of PRINCIPAL_BY_HAND over the principal question's window. */
  async timePrincipalByHand(): Promise<number> {
    const started = performance.now();
    await this.connection.runAndReadAll(PRINCIPAL_BY_HAND, this.params('principal', 'principal'));
    return performance.now() - started;
  }

  /** Refuses a PRINCIPAL_BY_HAND that does not give exactly the rows the principal question's own SQL gives here. */
  async checkPrincipalByHand(table: TableLayout): Promise<void> {
    const request = parseCommand(questionWords('principal', this.options.subject), this.options.now) as PrincipalRequest;
    const question = rewriteForIndex(buildPrincipalQuery(request, table).sql);
    const rowsOf = async (text: string, params: DuckDBValue[]) =>
      (await this.connection.runAndReadAll(text, params)).getRowsJson().map((row) => JSON.stringify(row));
    const asked = await rowsOf(question.text, [...question.params]);
    const byHand = await rowsOf(PRINCIPAL_BY_HAND, this.params('principal', 'principal'));
    const differs = asked.length !== byHand.length || asked.some((row, i) => row !== byHand[i]);
    if (differs) throw new Error(`PRINCIPAL_BY_HAND gives ${byHand.length} rows, not the question's ${asked.length} rows`);
  }

  /** The floors' parameters for a question's window and subject (see FLOORS). */
  private params(name: QuestionName, subjectKind: 'key' | 'bucket' | 'principal'): DuckDBValue[] {
    const { window } = parseCommand(questionWords(name, this.options.subject), this.options.now) as { window: TimeWindow };
    const days = partitionRange(window);
    const subject = this.options.subject;
    return [
      Number(days.from.replaceAll('/', '')),
      Number(days.to.replaceAll('/', '')),
      formatInstant(window.since),
      formatInstant(window.until),
      subjectKind === 'key' ? subject.bucket : subject[subjectKind],
      ...(subjectKind === 'key' ? [subject.key] : []),
    ];
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

function median(times: number[]): number {
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] as number;
}

function rssMb(): number {
  return Math.round(process.memoryUsage().rss / 1e6);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const logsDir = process.argv[2] ?? '/tmp/s3x-bench/1m';
  const indexPath = process.argv[3] ?? path.join(await mkdtemp(path.join(tmpdir(), 's3x-bench-index-')), 'index.duckdb');
  const { plantedDelete, end } = JSON.parse(await readFile(`${logsDir}.json`, 'utf8')).facts;
  const subject = { key: plantedDelete.key, bucket: plantedDelete.bucket, principal: plantedDelete.principalArn };
  const result = await runIndexedBenchmark({ logsDir, indexPath, now: new Date(end), subject });
  console.log(JSON.stringify(result, null, 2));
  if (!process.argv[3]) await rm(path.dirname(indexPath), { recursive: true, force: true });
}
