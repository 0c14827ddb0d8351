import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askBucketEventsWithEngine } from '../../src/answers/bucket-events/question.js';
import { askObjectQuestion, OBJECT_QUESTION_TABLE } from '../../src/answers/object/question.js';
import { parseCommand } from '../../src/commands/parse.js';
import type { BucketEventsRequest, ObjectQuestionRequest } from '../../src/commands/requests.js';
import type { EngineQuery, EngineResult } from '../../src/engines/engine.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { generateArchive, type SampleFacts } from '../../src/sample/generate.js';
import { tempDir } from '../helpers/archive.js';
import { athenaPages, contractAthenaEngine, mockPages, RecordingEngine } from '../helpers/athena.js';

/**
 * One SQL, two engines: every question runs on real DuckDB; the rows DuckDB produced are then
 * served by a mocked Athena, paged as Athena pages them, and both answers must be identical.
 */
const END = new Date('2026-11-24T09:30:00Z');
const athenaMock = mockClient(AthenaClient);
let local: LocalEngine;
let facts: SampleFacts;

beforeAll(async () => {
  const dir = await tempDir('s3x-contract-');
  facts = (await generateArchive({ outDir: dir, seed: 11, end: END, days: 4, eventsPerDay: 4000 })).facts;
  local = await LocalEngine.open({ logsDir: dir });
});
afterAll(async () => {
  await local.close();
});

const CASES: Array<[string, () => string[]]> = [
  [
    'who-deleted (exact and candidates)',
    () => ['who-deleted', facts.plantedKey, '--bucket', facts.plantedBucket, '--since', '3d'],
  ],
  ['who-deleted, both sources', () => ['who-deleted', facts.plantedKey, '--since', '3d']],
  ['who-wrote', () => ['who-wrote', facts.plantedKey, '--bucket', facts.plantedBucket, '--since', '3d']],
  ['who-read', () => ['who-read', facts.plantedKey, '--since', '3d']],
  ['history', () => ['history', facts.plantedKey, '--since', '3d']],
  [
    'general-purpose who-deleted',
    () => ['who-deleted', facts.plantedGeneralPurposeDelete.key as string, '--bucket', 'corp-reports', '--since', '3d'],
  ],
];

describe('the same question SQL on DuckDB and on (mocked) Athena', () => {
  it.each(CASES)('%s gives identical answers', async (_name, words) => {
    const request = parseCommand(words(), END) as ObjectQuestionRequest;
    const question = OBJECT_QUESTION_TABLE[request.command];
    const recorder = new RecordingEngine(local);
    const localAnswer = await askObjectQuestion(question, request, recorder);
    const { query, result } = recorder.last as { query: EngineQuery; result: EngineResult };
    expect(result.rows.length).toBeGreaterThan(0);

    athenaMock.reset();
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'contract' });
    athenaMock
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 1 } } });
    mockPages(athenaMock, athenaPages(Object.keys(result.rows[0] ?? {}), result.rows, 3));
    const athenaAnswer = await askObjectQuestion(question, request, contractAthenaEngine());

    const sent = athenaMock.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input;
    expect(sent?.QueryString).toBe(query.sql.text);
    expect(sent?.ExecutionParameters).toEqual(query.sql.params.map((p) => `'${p.replaceAll("'", "''")}'`));
    const { stats: _localStats, ...localRest } = localAnswer;
    const { stats: _athenaStats, ...athenaRest } = athenaAnswer;
    expect(athenaRest).toEqual(localRest);
  });

  it('bucket-events gives identical answers', async () => {
    const request = parseCommand(['bucket-events', facts.plantedBucket, '--since', '4d'], END) as BucketEventsRequest;
    const recorder = new RecordingEngine(local);
    const localAnswer = await askBucketEventsWithEngine(request, recorder);
    const { query, result } = recorder.last as { query: EngineQuery; result: EngineResult };
    expect(localAnswer.events.length).toBeGreaterThan(0);

    athenaMock.reset();
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'contract' });
    athenaMock
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 1 } } });
    mockPages(athenaMock, athenaPages(Object.keys(result.rows[0] ?? {}), result.rows, 2));
    const athenaAnswer = await askBucketEventsWithEngine(request, contractAthenaEngine());
    expect(athenaMock.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input.QueryString).toBe(query.sql.text);
    const { stats: _l, ...localRest } = localAnswer;
    const { stats: _a, ...athenaRest } = athenaAnswer;
    expect(athenaRest).toEqual(localRest);
  });
});
