import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import type { AwsStub } from 'aws-sdk-client-mock';
import { AthenaEngine } from '../../src/aws/athena/athena-engine.js';
import type { DeliveredFreshness } from '../../src/aws/athena/delivered-freshness.js';
import type { Engine, EngineQuery, EngineResult, Row } from '../../src/engines/engine.js';
import type { Clock } from '../../src/time/clock.js';

/** A clock whose sleeps advance time instantly and are recorded. */
export function fakeClock(start = 1_000_000): Clock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    random: () => 0.5,
  };
}

/** Rows as Athena pages them: header row first on page 1, at most `pageSize` rows a page, NULL as a datum without VarCharValue. */
export function athenaPages(columns: string[], rows: Row[], pageSize = 1000): Array<Partial<GetQueryResultsCommandOutput>> {
  const all = [
    { Data: columns.map((c) => ({ VarCharValue: c })) },
    ...rows.map((row) => ({
      Data: columns.map((c) => (row[c] === null || row[c] === undefined ? {} : { VarCharValue: row[c] as string })),
    })),
  ];
  const pages: Array<Partial<GetQueryResultsCommandOutput>> = [];
  for (let i = 0; i < all.length; i += pageSize) {
    const last = i + pageSize >= all.length;
    pages.push({
      ResultSet: {
        Rows: all.slice(i, i + pageSize),
        ResultSetMetadata: { ColumnInfo: columns.map((name) => ({ Name: name, Type: 'varchar' })) },
      },
      NextToken: last ? undefined : `page-${pages.length + 1}`,
    });
  }
  return pages;
}

/** Serve pages in order, keyed by NextToken. */
export function mockPages(
  mock: AwsStub<ServiceInputTypes, ServiceOutputTypes, AthenaClient['config']>,
  pages: Array<Partial<GetQueryResultsCommandOutput>>,
): void {
  mock.on(GetQueryResultsCommand).callsFake((input: { NextToken?: string }) => {
    const index = input.NextToken ? Number(input.NextToken.replace('page-', '')) : 0;
    return pages[index];
  });
}

/** Wraps an engine to keep the last query it ran and what came back (for the one-SQL-two-engines contract). */
export class RecordingEngine implements Engine {
  readonly reportsFreshness = true;
  last?: { query: EngineQuery; result: EngineResult };
  constructor(private readonly inner: Engine) {}
  get table() {
    return this.inner.table;
  }
  async run(query: EngineQuery) {
    const result = await this.inner.run(query);
    this.last = { query, result };
    return result;
  }
  async close() {}
}

/**
 * An Athena engine shaped like the local one (same table name, day partitions only, no result
 * reuse); `delivered` reads "logs complete up to" from the trail's bucket (a mocked S3 in tests).
 */
export function contractAthenaEngine(delivered?: DeliveredFreshness): AthenaEngine {
  return new AthenaEngine(
    new AthenaClient({ region: 'us-east-1' }),
    {
      database: 'default',
      table: 'cloudtrail_logs',
      workgroup: 'primary',
      catalog: 'AwsDataCatalog',
      partitioned: true,
      queryTimeoutMs: 60_000,
      resultReuseMinutes: 0,
    },
    fakeClock(),
    delivered,
  );
}

/**
 * An Athena engine (mocked client) that answers every query with the rows `source` (real DuckDB)
 * gives for the same SQL and parameters, paged as Athena pages them: a whole question, however
 * many queries it makes (side by side or not), runs on both and must give the same answer.
 * `scannedBytes` says what each query would scan (DataScannedInBytes), from its SQL and its
 * parameters as sent (quoted literals); 1 byte when unset. `delivered` as in contractAthenaEngine.
 */
export function athenaReplaying(
  source: Engine,
  mock: AwsStub<ServiceInputTypes, ServiceOutputTypes, AthenaClient['config']>,
  pageSize = 3,
  scannedBytes: (text: string, params: readonly string[]) => number = () => 1,
  delivered?: DeliveredFreshness,
): Engine {
  const served: Array<{ key: string; bytes: number; pages: Array<Partial<GetQueryResultsCommandOutput>> }> = [];
  const keyOf = (text: string | undefined, params: readonly string[] | undefined) => JSON.stringify([text, params ?? []]);
  mock.reset();
  mock.on(StartQueryExecutionCommand).callsFake((input: { QueryString?: string; ExecutionParameters?: string[] }) => {
    const id = served.findIndex((query) => query.key === keyOf(input.QueryString, input.ExecutionParameters));
    if (id < 0) throw new Error('a query the source engine never ran');
    return { QueryExecutionId: `replay-${id}` };
  });
  mock.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId?: string }) => ({
    QueryExecution: {
      Status: { State: 'SUCCEEDED' },
      Statistics: { DataScannedInBytes: served[Number(input.QueryExecutionId?.replace('replay-', ''))]?.bytes ?? 1 },
    },
  }));
  mock.on(GetQueryResultsCommand).callsFake((input: { QueryExecutionId?: string; NextToken?: string }) => {
    const pages = served[Number(input.QueryExecutionId?.replace('replay-', ''))]?.pages ?? [];
    return pages[input.NextToken ? Number(input.NextToken.replace('page-', '')) : 0];
  });
  const athena = contractAthenaEngine(delivered);
  return {
    table: athena.table,
    reportsFreshness: athena.reportsFreshness,
    ...(athena.newestDelivered ? { newestDelivered: athena.newestDelivered } : {}),
    async run(query: EngineQuery) {
      const { rows } = await source.run(query);
      const params = query.sql.params.length > 0 ? query.sql.params.map((p) => `'${p.replaceAll("'", "''")}'`) : undefined;
      served.push({
        key: keyOf(query.sql.text, params),
        bytes: scannedBytes(query.sql.text, params ?? []),
        pages: athenaPages(Object.keys(rows[0] ?? {}), rows, pageSize),
      });
      return athena.run(query);
    },
    async close() {},
  };
}
