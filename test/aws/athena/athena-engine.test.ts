import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { askObjectQuestion, buildQuery, OBJECT_QUESTION_TABLE } from '../../../src/answers/object/question.js';
import {
  AthenaEngine,
  type AthenaEngineOptions,
  athenaCostUsd,
  toExecutionParameter,
} from '../../../src/aws/athena/athena-engine.js';
import { parseCommand } from '../../../src/commands/parse.js';
import type { ObjectQuestionRequest } from '../../../src/commands/requests.js';
import { EngineError } from '../../../src/errors.js';
import { athenaPages, fakeClock, mockPages } from '../../helpers/athena.js';

const athena = mockClient(AthenaClient);
const NOW = new Date('2026-11-24T12:00:00Z');
const OPTIONS: AthenaEngineOptions = {
  database: 'cloudtrail',
  table: 'cloudtrail_logs',
  workgroup: 'primary',
  catalog: 'AwsDataCatalog',
  outputLocation: 's3://athena-results-111122223333/s3x/',
  partitioned: true,
  regions: ['us-east-1', 'eu-west-1'],
  queryTimeoutMs: 60_000,
  resultReuseMinutes: 5,
};
const COLUMNS = [
  'eventid',
  'eventtime',
  'eventname',
  'eventsource',
  'awsregion',
  'principal_arn',
  'principal_type',
  'invoked_by',
  'bucket',
  'object_key',
  'source_ip',
  'user_agent',
  'error_code',
  'vpc_endpoint_id',
  'session_mode',
  'session_issuer_arn',
  'evidence',
  'total_matches',
  'exact_matches',
];

function engine(options: Partial<AthenaEngineOptions> = {}, clock = fakeClock()) {
  return { engine: new AthenaEngine(new AthenaClient({ region: 'us-east-1' }), { ...OPTIONS, ...options }, clock), clock };
}

function request(...words: string[]) {
  return parseCommand(words, NOW) as ObjectQuestionRequest;
}

function succeeded(bytes = 52_428_800) {
  return { QueryExecution: { Status: { State: 'SUCCEEDED' as const }, Statistics: { DataScannedInBytes: bytes } } };
}

function row(i: number, overrides: Record<string, string | null> = {}) {
  const base = Object.fromEntries(
    COLUMNS.map((c) => [
      c,
      c === 'eventid'
        ? `e${i}`
        : c === 'eventtime'
          ? '2026-11-20T10:00:00Z'
          : c === 'evidence'
            ? 'exact'
            : c === 'total_matches' || c === 'exact_matches'
              ? '1'
              : c === 'eventname'
                ? 'DeleteObject'
                : null,
    ]),
  ) as Record<string, string | null>;
  return { ...base, ...overrides };
}

beforeEach(() => {
  athena.reset();
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
  athena.on(GetQueryExecutionCommand).resolves(succeeded());
  mockPages(athena, athenaPages(COLUMNS, [row(1, { principal_arn: 'arn:aws:iam::111122223333:user/alice', object_key: 'k' })]));
});

describe('AthenaEngine: the exact StartQueryExecution input', () => {
  it.each(Object.keys(OBJECT_QUESTION_TABLE))(
    '%s: user values only in ExecutionParameters, quoted and escaped; partitions constrained',
    async (name) => {
      const key = "o'brien/<report> ; DROP TABLE x";
      const req = request(name, key, '--bucket', 'hot--use1-az4--x-s3', '--since', '2026-11-01', '--until', '2026-11-07');
      const { engine: athenaEngine } = engine();
      await askObjectQuestion(OBJECT_QUESTION_TABLE[req.command], req, athenaEngine);
      const input = athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input;
      const query = buildQuery(OBJECT_QUESTION_TABLE[req.command], req, athenaEngine.table);
      expect(input).toEqual({
        QueryString: query.sql.text,
        ExecutionParameters: query.sql.params.map((p) => `'${p.replaceAll("'", "''")}'`),
        WorkGroup: 'primary',
        QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'cloudtrail' },
        ResultConfiguration: { OutputLocation: 's3://athena-results-111122223333/s3x/' },
        ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: 5 } },
      });
      expect(input?.QueryString).not.toContain('brien');
      expect(input?.QueryString).not.toContain('hot--use1');
      expect(input?.QueryString).toContain('"timestamp" BETWEEN ? AND ?');
      expect(input?.QueryString).toContain('region IN (?, ?)');
      expect(input?.QueryString).toContain('FROM cloudtrail_logs');
      expect(input?.ExecutionParameters).toContain("'o''brien/<report> ; DROP TABLE x'");
      // The window plus one day of delivery slack, and the configured regions.
      expect(input?.ExecutionParameters?.slice(0, 4)).toEqual(["'2026/11/01'", "'2026/11/08'", "'us-east-1'", "'eu-west-1'"]);
      // Athena allows ? only in WHERE: nothing after the last WHERE-bound clause carries one.
      const afterWhere = (input?.QueryString ?? '').split(/\)\s*,\s*linked AS/)[1] ?? '';
      expect(afterWhere).not.toContain('?');
    },
  );

  it('drops the partition predicates and warns for an unpartitioned (console-made) table', async () => {
    const { engine: athenaEngine } = engine({ partitioned: false, regions: undefined });
    const answer = await askObjectQuestion(OBJECT_QUESTION_TABLE['who-read'], request('who-read', 'k'), athenaEngine);
    const input = athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input;
    expect(input?.QueryString).not.toContain('"timestamp"');
    expect(input?.QueryString).toContain('eventtime >= ?');
    expect(answer.stats.warnings.join(' ')).toMatch(/scans the whole trail/);
  });

  it('quotes parameters as SQL literals and rejects values Athena cannot take', () => {
    expect(toExecutionParameter("it's")).toBe("'it''s'");
    expect(toExecutionParameter("''")).toBe("''''''");
    expect(() => toExecutionParameter('k'.repeat(1023))).toThrow(EngineError);
  });
});

describe('AthenaEngine: polling, paging, costs', () => {
  it('waits through QUEUED → RUNNING → QUEUED → SUCCEEDED with growing, capped delays', async () => {
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolves(succeeded());
    const { engine: athenaEngine, clock } = engine();
    const result = await athenaEngine.run(
      buildQuery(OBJECT_QUESTION_TABLE['who-deleted'], request('who-deleted', 'k'), athenaEngine.table),
    );
    expect(result.rows).toHaveLength(1);
    expect(clock.sleeps).toEqual([250, 400, 640]);
  });

  it('reads a 2,500-row result over three pages, skipping only the first header row', async () => {
    const rows = Array.from({ length: 2500 }, (_, i) => row(i, { object_key: 'k', total_matches: '2500' }));
    mockPages(athena, athenaPages(COLUMNS, rows));
    const { engine: athenaEngine } = engine();
    const result = await athenaEngine.run(
      buildQuery(OBJECT_QUESTION_TABLE['who-deleted'], request('who-deleted', 'k'), athenaEngine.table),
    );
    expect(result.rows).toHaveLength(2500);
    expect(result.rows[0]?.eventid).toBe('e0');
    expect(result.rows[2499]?.eventid).toBe('e2499');
    const pageCalls = athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input);
    expect(pageCalls).toEqual([
      { QueryExecutionId: 'q-1', MaxResults: 1000, NextToken: undefined },
      { QueryExecutionId: 'q-1', MaxResults: 1000, NextToken: 'page-1' },
      { QueryExecutionId: 'q-1', MaxResults: 1000, NextToken: 'page-2' },
    ]);
  });

  it('reads a datum without VarCharValue as NULL', async () => {
    const { engine: athenaEngine } = engine();
    const answer = await askObjectQuestion(OBJECT_QUESTION_TABLE['who-deleted'], request('who-deleted', 'k'), athenaEngine);
    expect(answer.events[0]).toMatchObject({
      principalArn: 'arn:aws:iam::111122223333:user/alice',
      invokedBy: null,
      sourceIp: null,
      sessionMode: null,
    });
  });

  it('reports data scanned and cost, with the 10 MB minimum', async () => {
    athena.on(GetQueryExecutionCommand).resolves(succeeded(1_000));
    const { engine: athenaEngine } = engine();
    const answer = await askObjectQuestion(OBJECT_QUESTION_TABLE['who-deleted'], request('who-deleted', 'k'), athenaEngine);
    expect(answer.stats).toMatchObject({ engine: 'athena', bytesScanned: 1_000, costUsd: athenaCostUsd(10e6) });
    expect(athenaCostUsd(1e12)).toBe(5);
  });
});

describe('AthenaEngine: failures the user sees', () => {
  it('retries throttling with jitter, then succeeds', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const tooMany = Object.assign(new Error('Too many queries'), { name: 'TooManyRequestsException' });
    athena.on(StartQueryExecutionCommand).rejectsOnce(throttled).rejectsOnce(tooMany).resolves({ QueryExecutionId: 'q-1' });
    const { engine: athenaEngine, clock } = engine();
    const result = await athenaEngine.run(
      buildQuery(OBJECT_QUESTION_TABLE['who-deleted'], request('who-deleted', 'k'), athenaEngine.table),
    );
    expect(result.rows).toHaveLength(1);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(3);
    expect(clock.sleeps.slice(0, 2)).toEqual([100, 200]); // random 0.5 × 200·2^n
  });

  it('gives up on endless throttling with a clear message', async () => {
    athena.on(StartQueryExecutionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const { engine: athenaEngine } = engine();
    await expect(
      athenaEngine.run(buildQuery(OBJECT_QUESTION_TABLE['who-read'], request('who-read', 'k'), athenaEngine.table)),
    ).rejects.toMatchObject({
      userMessage: expect.stringMatching(/throttling s3x.*Try again in a minute/),
    });
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(6);
  });

  it('names the missing permission on access denied', async () => {
    athena.on(StartQueryExecutionCommand).rejects(
      Object.assign(
        new Error(
          'User: arn:aws:sts::111122223333:assumed-role/s3x/bot is not authorized to perform: athena:StartQueryExecution on resource: arn:aws:athena:us-east-1:111122223333:workgroup/primary',
        ),
        {
          name: 'AccessDeniedException',
        },
      ),
    );
    const { engine: athenaEngine } = engine();
    await expect(
      athenaEngine.run(buildQuery(OBJECT_QUESTION_TABLE['who-read'], request('who-read', 'k'), athenaEngine.table)),
    ).rejects.toMatchObject({
      userMessage: expect.stringContaining('missing the `athena:StartQueryExecution` permission'),
    });
  });

  it('explains a FAILED query (user error) without retrying it', async () => {
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        Status: {
          State: 'FAILED',
          AthenaError: {
            ErrorCategory: 2,
            ErrorType: 1006,
            Retryable: false,
            ErrorMessage: "line 3:5: Column 'foo' cannot be resolved",
          },
        },
      },
    });
    const { engine: athenaEngine } = engine();
    await expect(
      athenaEngine.run(buildQuery(OBJECT_QUESTION_TABLE['who-read'], request('who-read', 'k'), athenaEngine.table)),
    ).rejects.toMatchObject({
      userMessage: "Athena rejected the query: line 3:5: Column 'foo' cannot be resolved.",
    });
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(1);
  });

  it('runs a retryable system failure once more', async () => {
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({
        QueryExecution: {
          Status: { State: 'FAILED', AthenaError: { ErrorCategory: 1, Retryable: true, ErrorMessage: 'internal' } },
        },
      })
      .resolves(succeeded());
    const { engine: athenaEngine } = engine();
    const result = await athenaEngine.run(
      buildQuery(OBJECT_QUESTION_TABLE['who-read'], request('who-read', 'k'), athenaEngine.table),
    );
    expect(result.rows).toHaveLength(1);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(2);
  });

  it('points at `s3x setup athena` when the table does not exist', async () => {
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        Status: {
          State: 'FAILED',
          StateChangeReason: "TABLE_NOT_FOUND: line 24:8: Table 'awsdatacatalog.cloudtrail.cloudtrail_logs' does not exist",
          AthenaError: { ErrorCategory: 2, Retryable: false },
        },
      },
    });
    const { engine: athenaEngine } = engine();
    await expect(
      athenaEngine.run(buildQuery(OBJECT_QUESTION_TABLE['who-read'], request('who-read', 'k'), athenaEngine.table)),
    ).rejects.toMatchObject({
      userMessage: expect.stringContaining('s3x setup athena --apply'),
    });
  });

  it('stops the query at the deadline and says how to narrow it', async () => {
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athena.on(StopQueryExecutionCommand).resolves({});
    const { engine: athenaEngine } = engine({ queryTimeoutMs: 10_000 });
    await expect(
      athenaEngine.run(buildQuery(OBJECT_QUESTION_TABLE['who-read'], request('who-read', 'k'), athenaEngine.table)),
    ).rejects.toMatchObject({
      userMessage: expect.stringMatching(/did not finish within 10 s, so s3x stopped it/),
    });
    expect(athena.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([{ QueryExecutionId: 'q-1' }]);
  });

  it('refuses a question estimated over S3X_MAX_SCAN_BYTES once it has learned the bytes per day', async () => {
    // 8 GB over 2 delivery days (6 hours from noon, plus the day after for delivery slack).
    athena.on(GetQueryExecutionCommand).resolves(succeeded(8_000_000_000));
    const { engine: athenaEngine } = engine({ maxScanBytes: 5_000_000_000 });
    await athenaEngine.run(
      buildQuery(OBJECT_QUESTION_TABLE['who-read'], request('who-read', 'k', '--since', '6h'), athenaEngine.table),
    );
    await expect(
      athenaEngine.run(
        buildQuery(OBJECT_QUESTION_TABLE['who-read'], request('who-read', 'k', '--since', '30d'), athenaEngine.table),
      ),
    ).rejects.toMatchObject({
      userMessage: expect.stringMatching(/about 128\.0 GB .* over the 5\.0 GB limit \(S3X_MAX_SCAN_BYTES\)\. .*about 1 day/),
    });
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(1);
  });

  it('holds S3X_MAX_SCAN_BYTES for the first question too, estimated from the partitions it reads', async () => {
    const { engine: athenaEngine } = engine({ maxScanBytes: 50_000_000_000 });
    // 1000-01-01..9999-12-30 is refused by the window cap before any engine; the widest window
    // allowed (90 days) reads 91 delivery days x 2 Regions = 182 partitions, about 182 GB assumed.
    const wide = request('who-read', 'k', '--since', '2026-08-26', '--until', '2026-11-23');
    await expect(athenaEngine.run(buildQuery(OBJECT_QUESTION_TABLE['who-read'], wide, athenaEngine.table))).rejects.toMatchObject(
      {
        userMessage: expect.stringMatching(
          /about 182\.0 GB .* over the 50\.0 GB limit .*no question has run on this table yet.*1\.0 GB per day and Region.*about 24 day/,
        ),
      },
    );
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
    // A window the assumption fits in runs, and what it scanned replaces the assumption.
    athena.on(GetQueryExecutionCommand).resolves(succeeded(2_000_000_000));
    const narrow = request('who-read', 'k', '--since', '2026-11-01', '--until', '2026-11-20');
    await athenaEngine.run(buildQuery(OBJECT_QUESTION_TABLE['who-read'], narrow, athenaEngine.table));
    await athenaEngine.run(buildQuery(OBJECT_QUESTION_TABLE['who-read'], wide, athenaEngine.table));
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(2);
  });

  it('without S3X_MAX_SCAN_BYTES the first question is not estimated', async () => {
    const { engine: athenaEngine } = engine();
    const wide = request('who-read', 'k', '--since', '2026-08-26', '--until', '2026-11-23');
    await athenaEngine.run(buildQuery(OBJECT_QUESTION_TABLE['who-read'], wide, athenaEngine.table));
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(1);
  });

  it('without the trail bucket, asks for freshness in parallel, scanning only the last three delivery days', async () => {
    athena.on(StartQueryExecutionCommand).callsFake((input: { QueryString: string }) => ({
      QueryExecutionId: input.QueryString.startsWith('SELECT max(eventtime)') ? 'fresh' : 'main',
    }));
    athena
      .on(GetQueryResultsCommand)
      .callsFake((input: { QueryExecutionId: string }) =>
        input.QueryExecutionId === 'fresh'
          ? athenaPages(['newest'], [{ newest: '2026-11-24T11:52:00Z' }])[0]
          : athenaPages(COLUMNS, [row(1, { object_key: 'k' })])[0],
      );
    const { engine: athenaEngine } = engine();
    expect(athenaEngine.newestDelivered).toBeUndefined();
    const answer = await askObjectQuestion(OBJECT_QUESTION_TABLE['who-deleted'], request('who-deleted', 'k'), athenaEngine);
    expect(answer.stats.newestEventTime).toBe('2026-11-24T11:52:00Z');
    const fresh = athena
      .commandCalls(StartQueryExecutionCommand)
      .map((c) => c.args[0].input)
      .find((i) => i.QueryString?.startsWith('SELECT max'));
    // The window ends 2026-11-24 12:00, so its folders run to 2026/11/25.
    expect(fresh?.ExecutionParameters?.slice(0, 2)).toEqual(["'2026/11/23'", "'2026/11/25'"]);
  });
});
