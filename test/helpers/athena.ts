import {
  AthenaClient,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-athena';
import type { AwsStub } from 'aws-sdk-client-mock';
import { AthenaEngine } from '../../src/engines/athena/athena-engine.js';
import type { Engine, EngineQuery, EngineResult, Row } from '../../src/engines/engine.js';
import type { Clock } from '../../src/engines/retry.js';

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

/** An Athena engine shaped like the local one (same table name, day partitions only, no result reuse). */
export function contractAthenaEngine(): AthenaEngine {
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
  );
}
