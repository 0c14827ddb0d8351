import {
  AthenaClient,
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askActivity } from '../../src/answers/activity/question.js';
import { askBucketEventsWithEngine } from '../../src/answers/bucket-events/question.js';
import { askDenied } from '../../src/answers/denied/question.js';
import { askObjectQuestion, OBJECT_QUESTION_TABLE } from '../../src/answers/object/question.js';
import { askPrincipal } from '../../src/answers/principal/question.js';
import { toExecutionParameter } from '../../src/aws/athena/athena-engine.js';
import { isDirectoryBucket } from '../../src/cloudtrail/buckets.js';
import { parseSlackText } from '../../src/commands/parse.js';
import type {
  ActivityRequest,
  BucketEventsRequest,
  DeniedRequest,
  ObjectQuestionRequest,
  PrincipalRequest,
  S3xRequest,
} from '../../src/commands/requests.js';
import type { Engine, EngineQuery, EngineResult } from '../../src/engines/engine.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { UsageError } from '../../src/errors.js';
import { expressEvent, tempDir, writeDeliveryFile } from '../helpers/archive.js';
import { athenaPages, contractAthenaEngine, mockPages, RecordingEngine } from '../helpers/athena.js';
import { asSlackSends, decodeSqlLiteral, quoteForCommand, withoutLeadingBom } from '../properties/bad-input.js';

/**
 * Hostile strings as keys, buckets and principals, asked through the real parser on the real
 * DuckDB engine over an archive that also holds records named by some of those very strings, and
 * through a mocked Athena. Every answer must be exact: the planted records for an exact match,
 * nothing otherwise (a `%` key must not match everything, `*` must not glob).
 */
const CORPUS: readonly string[] = [
  // SQL injection
  "' OR '1'='1",
  "'; DROP TABLE cloudtrail_logs; --",
  "\\' OR 1=1 --",
  "x' UNION SELECT eventid FROM cloudtrail_logs --",
  "') OR ('a'='a",
  "%' OR eventname LIKE '%",
  '" OR ""="',
  '1; SELECT 1',
  '\u2019 OR \u20181\u2019=\u20181',
  '\u201cquoted\u201d key',
  // JSONPath
  '$.key',
  '$[*]',
  '..',
  '$..key',
  '$["key"]',
  '@.bucketName',
  // glob and LIKE wildcards
  '*',
  '%',
  '_',
  '?',
  '[a-z]',
  'report*.csv',
  'report%',
  'r_port.csv',
  '**/*',
  // path traversal
  '../',
  '..\\',
  '../../etc/passwd',
  '/etc/passwd',
  '/',
  'C:\\Windows\\system32',
  '\\\\server\\share',
  // backslashes, NUL, control and Unicode
  '\\',
  '\\\\',
  'a\\nb',
  'nul\u0000byte',
  '\u0000',
  'tab\there',
  'emoji 😀 𝄞 key',
  'e\u0301',
  '&amp; &lt;b&gt;',
  '--since 1d',
  '\ufeffbom.txt',
];
/** Every third string is never planted, so its answer must be empty; the rest each name exactly their own records. */
const planted = (index: number): boolean => index % 3 !== 1;
/** Strings a loose match (LIKE, glob, regex, prefix, case, normalization) would confuse with corpus strings. */
const DECOY_KEYS = [
  'abc',
  'a',
  'x',
  'report1.csv',
  'reportX.csv',
  'report.csv',
  'rXport.csv',
  'etc/passwd',
  'key',
  'é',
  'E\u0301',
  'nul',
  '1',
];
const DECOY_USERS = ['abc', 'a', 'x', 'admin', 'root', 'key', 'report1.csv'];

const DAY = '2026/11/20';
const NOW = new Date('2026-11-24T10:00:00Z');
const WINDOW = '--since 2026-11-19 --until 2026-11-21';
const EXPRESS = 'hot--use1-az4--x-s3';
const GENERAL = 'corp-reports';
const ACCOUNT = '111122223333';
const SHARED_KEY = 'shared-object.txt';
/** Valid bucket names that a `.`-as-regex, prefix or substring match would confuse with each other (all planted). */
const TRICKY_BUCKETS = ['dot.ted--use1-az4--x-s3', 'abc', 'abcd'];
const userArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:user/${name}`;

let local: LocalEngine;
const athenaMock = mockClient(AthenaClient);

function at(minute: number): string {
  return `2026-11-20T${String(10 + Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00Z`;
}

/**
 * Per planted string: a delete of that key in each kind of bucket, a call by a user of that name, a
 * write into a bucket of that name. Then decoys, and three valid buckets with data and management events.
 */
function buildRecords(): object[] {
  const records: object[] = [];
  let minute = 0;
  CORPUS.forEach((value, i) => {
    if (!planted(i)) return;
    records.push(
      expressEvent({
        eventName: 'DeleteObject',
        eventTime: at(minute++),
        key: value,
        bucket: EXPRESS,
        eventID: `key-${i}-express`,
      }),
    );
    records.push(
      expressEvent({
        eventName: 'DeleteObject',
        eventTime: at(minute++),
        key: value,
        bucket: GENERAL,
        eventID: `key-${i}-general`,
        extra: { eventSource: 's3.amazonaws.com', additionalEventData: {} },
      }),
    );
    records.push(
      expressEvent({
        eventName: 'GetObject',
        eventTime: at(minute++),
        key: 'by-user.txt',
        bucket: EXPRESS,
        eventID: `user-${i}`,
        extra: {
          userIdentity: {
            type: 'IAMUser',
            userName: value,
            arn: userArn(value),
            accountId: ACCOUNT,
            accessKeyId: 'AKIAEXAMPLEUSER0001',
          },
        },
      }),
    );
    records.push(
      expressEvent({ eventName: 'PutObject', eventTime: at(minute++), key: SHARED_KEY, bucket: value, eventID: `bucket-${i}` }),
    );
  });
  DECOY_KEYS.forEach((key, j) => {
    records.push(
      expressEvent({ eventName: 'DeleteObject', eventTime: at(minute++), key, bucket: EXPRESS, eventID: `decoy-key-${j}` }),
    );
  });
  DECOY_USERS.forEach((name, j) => {
    records.push(
      expressEvent({
        eventName: 'GetObject',
        eventTime: at(minute++),
        key: 'by-user.txt',
        bucket: EXPRESS,
        eventID: `decoy-user-${j}`,
        extra: {
          userIdentity: {
            type: 'IAMUser',
            userName: name,
            arn: userArn(name),
            accountId: ACCOUNT,
            accessKeyId: 'AKIAEXAMPLEUSER0002',
          },
        },
      }),
    );
  });
  TRICKY_BUCKETS.forEach((bucket, j) => {
    const extra = { eventSource: isDirectoryBucket(bucket) ? 's3express.amazonaws.com' : 's3.amazonaws.com' };
    records.push(
      expressEvent({
        eventName: 'PutObject',
        eventTime: at(minute++),
        key: SHARED_KEY,
        bucket,
        eventID: `tricky-bucket-${j}`,
        extra,
      }),
    );
    records.push(
      expressEvent({
        eventName: 'GetObject',
        eventTime: at(minute++),
        key: SHARED_KEY,
        bucket,
        eventID: `tricky-denied-${j}`,
        errorCode: 'AccessDenied',
        extra,
      }),
    );
    records.push(
      expressEvent({
        eventName: 'PutBucketPolicy',
        eventTime: at(minute++),
        bucket,
        eventID: `tricky-policy-${j}`,
        extra: { ...extra, eventCategory: 'Management', managementEvent: true },
      }),
    );
  });
  return records;
}

beforeAll(async () => {
  const dir = await tempDir('s3x-corpus-');
  await writeDeliveryFile(dir, DAY, 'corpus', buildRecords());
  local = await LocalEngine.open({ logsDir: dir });
});
afterAll(async () => {
  await local.close();
});

/** The command exactly as a user types it in Slack, and as Slack sends it. */
function ask(...words: string[]): S3xRequest {
  return parseSlackText(asSlackSends(words.join(' ')), NOW);
}

const ids = (events: ReadonlyArray<{ eventId: string }>) => events.map((e) => e.eventId).sort();

const CASES = CORPUS.map((value, index) => [JSON.stringify(value), value, index] as const);

describe('hostile keys on the local DuckDB engine', () => {
  it.each(CASES)('%s: exactly its own records, in the bucket asked', async (_label, value, index) => {
    // Prepare
    const inBucket = ask('history', quoteForCommand(value, 'always'), '--bucket', EXPRESS, WINDOW) as ObjectQuestionRequest;
    const anywhere = ask('who-deleted', quoteForCommand(value, 'minimal'), WINDOW) as ObjectQuestionRequest;
    expect(inBucket.key).toBe(value);
    expect(anywhere.key).toBe(value);

    // Act
    const scoped = await askObjectQuestion(OBJECT_QUESTION_TABLE.history, inBucket, local);
    const everywhere = await askObjectQuestion(OBJECT_QUESTION_TABLE['who-deleted'], anywhere, local);

    // Assess
    expect(ids(scoped.events)).toEqual(planted(index) ? [`key-${index}-express`] : []);
    expect(ids(everywhere.events)).toEqual(planted(index) ? [`key-${index}-express`, `key-${index}-general`] : []);
    // Compared without a leading U+FEFF, which the local engine's DuckDB client drops when reading text back (see withoutLeadingBom).
    for (const event of [...scoped.events, ...everywhere.events]) {
      expect(withoutLeadingBom(event.key ?? '')).toBe(withoutLeadingBom(value));
      expect(event.evidence).toBe('exact');
    }
    expect(everywhere.totalMatches).toBe(planted(index) ? 2 : 0);
  });
});

describe('hostile principals on the local DuckDB engine', () => {
  it.each(CASES)('%s: as a name and inside an ARN, exactly its own calls', async (_label, value, index) => {
    const byName = ask('principal', quoteForCommand(value, 'minimal'), WINDOW) as PrincipalRequest;
    const byArn = ask('principal', quoteForCommand(userArn(value), 'minimal'), WINDOW) as PrincipalRequest;
    expect(byName.principal).toBe(value);
    expect(byArn.principal).toBe(userArn(value));

    for (const request of [byName, byArn]) {
      const answer = await askPrincipal(request, local);
      expect(answer.totals.events).toBe(planted(index) ? 1 : 0);
      expect(answer.topSessions).toEqual(planted(index) ? [{ arn: userArn(value), count: 1 }] : []);
    }
  });
});

describe('hostile buckets', () => {
  it.each(CASES)('%s: refused as a bucket name by every question that takes one', (_label, value) => {
    const quoted = quoteForCommand(value, 'always');
    for (const words of [
      ['who-read', SHARED_KEY, '--bucket', quoted],
      ['denied', '--bucket', quoted],
      ['activity', quoted],
      ['bucket-events', quoted],
    ]) {
      expect(() => ask(...words, WINDOW)).toThrow(UsageError);
      expect(() => ask(...words, WINDOW)).toThrow(/is not a bucket name/);
    }
  });

  it('records in buckets named by those strings are found by key, their bucket names intact', async () => {
    const answer = await askObjectQuestion(
      OBJECT_QUESTION_TABLE.history,
      ask('history', SHARED_KEY, WINDOW) as ObjectQuestionRequest,
      local,
    );
    const expected = CORPUS.flatMap((value, i) => (planted(i) ? [withoutLeadingBom(value)] : []));
    const buckets = answer.events.map((e) => withoutLeadingBom(e.bucket ?? ''));
    expect(buckets.filter((b) => !TRICKY_BUCKETS.includes(b))).toEqual(expected);
  });

  it.each([
    ['dot.ted--use1-az4--x-s3', 0],
    ['abc', 1],
    ['abcd', 2],
    ['dotxted--use1-az4--x-s3', undefined],
    ['a.c', undefined],
    ['bcd', undefined],
  ] as const)('a valid but tricky bucket %s matches only itself, in every question', async (bucket, plantedIndex) => {
    const found = plantedIndex !== undefined;
    const history = await askObjectQuestion(
      OBJECT_QUESTION_TABLE.history,
      ask('history', SHARED_KEY, '--bucket', bucket, WINDOW) as ObjectQuestionRequest,
      local,
    );
    expect(ids(history.events)).toEqual(found ? [`tricky-bucket-${plantedIndex}`, `tricky-denied-${plantedIndex}`] : []);
    const activity = await askActivity(ask('activity', bucket, WINDOW) as ActivityRequest, local);
    expect(activity.totals.events).toBe(found ? 2 : 0);
    const denied = await askDenied(ask('denied', '--bucket', bucket, WINDOW) as DeniedRequest, local);
    expect(denied.totals.events).toBe(found ? 1 : 0);
    const management = await askBucketEventsWithEngine(ask('bucket-events', bucket, WINDOW) as BucketEventsRequest, local);
    expect(ids(management.events)).toEqual(found ? [`tricky-policy-${plantedIndex}`] : []);
  });
});

// The literals Athena must receive, written out by hand: `'` doubled, nothing else touched.
const PINNED_LITERALS: ReadonlyArray<readonly [string, string]> = [
  ["' OR '1'='1", "''' OR ''1''=''1'"],
  ["'; DROP TABLE cloudtrail_logs; --", "'''; DROP TABLE cloudtrail_logs; --'"],
  ["\\' OR 1=1 --", "'\\'' OR 1=1 --'"],
  ['\u2019 OR \u20181\u2019=\u20181', "'\u2019 OR \u20181\u2019=\u20181'"],
  ['%', "'%'"],
  ['\\\\', "'\\\\'"],
  ['nul\u0000byte', "'nul\u0000byte'"],
];

describe('the same hostile values on (mocked) Athena', () => {
  const sent: StartQueryExecutionCommandInput[] = [];

  /** The queries one question sends (the question, then its freshness query). */
  async function sentBy(run: (engine: Engine) => Promise<unknown>, rows: EngineResult['rows'] = []) {
    sent.length = 0;
    mockPages(athenaMock, athenaPages(Object.keys(rows[0] ?? { eventid: null }), rows));
    const answer = await run(contractAthenaEngine());
    return { answer, inputs: [...sent] };
  }

  /** What the same questions send for harmless values: the text every hostile value must leave unchanged. */
  const baselines = {} as Record<'key' | 'name' | 'arn', Awaited<ReturnType<typeof sentBy>>>;
  beforeAll(async () => {
    athenaMock.reset();
    athenaMock.on(StartQueryExecutionCommand).callsFake((input: StartQueryExecutionCommandInput) => {
      sent.push(input);
      return { QueryExecutionId: `q${sent.length}` };
    });
    athenaMock
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 1 } } });
    const neutralKey = ask('history', 'neutral.txt', '--bucket', EXPRESS, WINDOW) as ObjectQuestionRequest;
    baselines.key = await sentBy((engine) => askObjectQuestion(OBJECT_QUESTION_TABLE.history, neutralKey, engine));
    baselines.name = await sentBy((engine) => askPrincipal(ask('principal', 'Neutral', WINDOW) as PrincipalRequest, engine));
    baselines.arn = await sentBy((engine) =>
      askPrincipal(ask('principal', userArn('neutral'), WINDOW) as PrincipalRequest, engine),
    );
  });

  it.each(PINNED_LITERALS)('%j is sent as the literal %j', (value, literal) => {
    expect(toExecutionParameter(value)).toBe(literal);
    expect(decodeSqlLiteral(literal)).toBe(value);
  });

  it.each(CASES)(
    '%s as a key: the text never changes, the value is one escaped literal, the answer is the local one',
    async (_label, value) => {
      const request = ask('history', quoteForCommand(value, 'always'), '--bucket', EXPRESS, WINDOW) as ObjectQuestionRequest;
      const recorder = new RecordingEngine(local);
      const localAnswer = await askObjectQuestion(OBJECT_QUESTION_TABLE.history, request, recorder);
      const { query, result } = recorder.last as { query: EngineQuery; result: EngineResult };

      const asked = await sentBy((engine) => askObjectQuestion(OBJECT_QUESTION_TABLE.history, request, engine), result.rows);
      expect(asked.inputs.map((i) => i.QueryString)).toEqual(baselines.key.inputs.map((i) => i.QueryString));
      // So the value is never in the text (unless the text always had it: `%` in our LIKE constants, `?`, `$.key`).
      for (const input of asked.inputs) {
        if (!baselines.key.inputs.some((b) => b.QueryString?.includes(value))) expect(input.QueryString).not.toContain(value);
      }
      expect(asked.inputs[0]?.QueryString).toBe(query.sql.text);
      expect(asked.inputs[0]?.ExecutionParameters).toEqual(query.sql.params.map(toExecutionParameter));
      // The key is bound wherever the neutral key was (as target, as a rename or copy source), each time as one escaped literal.
      const neutralUses = baselines.key.inputs[0]?.ExecutionParameters?.filter((p) => p === "'neutral.txt'").length ?? 0;
      expect(neutralUses).toBeGreaterThan(0);
      expect(asked.inputs[0]?.ExecutionParameters?.filter((p) => decodeSqlLiteral(p) === value)).toEqual(
        Array(neutralUses).fill(`'${value.replaceAll("'", "''")}'`),
      );
      const { stats: _l, ...localRest } = localAnswer;
      const { stats: _a, ...athenaRest } = asked.answer as typeof localAnswer;
      expect(athenaRest).toEqual(localRest);
    },
  );

  it.each(CASES)('%s as a principal: bound only as parameters, as a name and inside an ARN', async (_label, value) => {
    for (const [principal, neutralPrincipal] of [
      [value, 'Neutral'],
      [userArn(value), userArn('neutral')],
    ] as const) {
      const request = ask('principal', quoteForCommand(principal, 'always'), WINDOW) as PrincipalRequest;
      const asked = await sentBy((engine) => askPrincipal(request, engine));
      const baseline = principal === value ? baselines.name : baselines.arn;
      // The text sent is the text for a harmless principal; the value is in parameters only, as one literal each time.
      expect(asked.inputs.map((i) => i.QueryString)).toEqual(baseline.inputs.map((i) => i.QueryString));
      expect(asked.inputs[0]?.ExecutionParameters).toEqual(
        baseline.inputs[0]?.ExecutionParameters?.map((p) =>
          p === toExecutionParameter(neutralPrincipal) ? toExecutionParameter(principal) : p,
        ),
      );
      expect(asked.inputs[0]?.ExecutionParameters?.map(decodeSqlLiteral)).toContain(principal);
    }
  });
});
