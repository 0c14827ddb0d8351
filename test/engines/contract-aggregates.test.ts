import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askActivity } from '../../src/answers/activity/question.js';
import { askDenied } from '../../src/answers/denied/question.js';
import { askPrincipal } from '../../src/answers/principal/question.js';
import { parseCommand } from '../../src/commands/parse.js';
import type { ActivityRequest, DeniedRequest, PrincipalRequest } from '../../src/commands/requests.js';
import type { Engine, EngineQuery, EngineResult } from '../../src/engines/engine.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { generateArchive, type SampleFacts } from '../../src/sample/generate.js';
import { tempDir } from '../helpers/archive.js';
import { athenaPages, contractAthenaEngine, mockPages, RecordingEngine } from '../helpers/athena.js';

/**
 * One SQL, two engines, for the aggregate questions: each runs on real DuckDB; the rows DuckDB
 * produced are then served by a mocked Athena, paged by 3, and both answers must be identical.
 */
const END = new Date('2026-11-24T09:30:00Z');
const athenaMock = mockClient(AthenaClient);
let local: LocalEngine;
let facts: SampleFacts;

beforeAll(async () => {
  const dir = await tempDir('s3x-contract-aggregates-');
  facts = (await generateArchive({ outDir: dir, seed: 11, end: END, days: 3, eventsPerDay: 3000 })).facts;
  local = await LocalEngine.open({ logsDir: dir });
});
afterAll(async () => {
  await local.close();
});

type Ask = (words: string[], engine: Engine) => Promise<{ stats: unknown }>;

const activity: Ask = (words, engine) => askActivity(parseCommand(words, END) as ActivityRequest, engine);
const principal: Ask = (words, engine) => askPrincipal(parseCommand(words, END) as PrincipalRequest, engine);
const denied: Ask = (words, engine) => askDenied(parseCommand(words, END) as DeniedRequest, engine);

const CASES: Array<[string, Ask, () => string[]]> = [
  ['activity of a directory bucket', activity, () => ['activity', facts.plantedBucket, '--since', '4d']],
  ['activity of a general-purpose bucket', activity, () => ['activity', 'corp-reports', '--since', '4d']],
  ['principal by bare role name', principal, () => ['principal', 'DataEngineer', '--since', '4d']],
  ['principal by role ARN', principal, () => ['principal', `arn:aws:iam::${facts.accountId}:role/DataPipeline`, '--since', '4d']],
  ['principal by session ARN', principal, () => ['principal', facts.plantedDelete.principalArn ?? '', '--since', '4d']],
  ['denied, both sources', denied, () => ['denied', '--since', '4d']],
  ['denied in one bucket', denied, () => ['denied', '--bucket', facts.plantedBucket, '--since', '4d']],
];

describe('the aggregate question SQL on DuckDB and on (mocked) Athena', () => {
  it.each(CASES)('%s gives identical answers', async (_name, ask, words) => {
    const recorder = new RecordingEngine(local);
    const localAnswer = await ask(words(), recorder);
    const { query, result } = recorder.last as { query: EngineQuery; result: EngineResult };
    expect(result.rows.length).toBeGreaterThan(3);

    athenaMock.reset();
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'contract' });
    athenaMock
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 1 } } });
    mockPages(athenaMock, athenaPages(Object.keys(result.rows[0] ?? {}), result.rows, 3));
    const athenaAnswer = await ask(words(), contractAthenaEngine());

    const sent = athenaMock
      .commandCalls(StartQueryExecutionCommand)
      .map((call) => call.args[0].input)
      .find((input) => input.QueryString === query.sql.text);
    expect(sent).toBeDefined();
    expect(sent?.ExecutionParameters).toEqual(query.sql.params.map((p) => `'${p.replaceAll("'", "''")}'`));
    const { stats: _localStats, ...localRest } = localAnswer;
    const { stats: _athenaStats, ...athenaRest } = athenaAnswer;
    expect(athenaRest).toEqual(localRest);
  });
});
