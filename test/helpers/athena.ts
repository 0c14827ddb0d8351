import type { AthenaClient, ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-athena';
import { GetQueryResultsCommand, type GetQueryResultsCommandOutput } from '@aws-sdk/client-athena';
import type { AwsStub } from 'aws-sdk-client-mock';
import type { Row } from '../../src/engines/engine.js';
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
