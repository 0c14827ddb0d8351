import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { athenaPages, mockPages } from './helpers/athena.js';

const athena = mockClient(AthenaClient);
const NOW = () => new Date('2026-11-24T00:00:00Z');
const ENV = {
  S3X_ENGINE: 'athena',
  AWS_REGION: 'us-east-1',
  ATHENA_REGIONS: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
};

async function cli(env: Record<string, string>, ...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, env, { out: (t) => (out += t), err: (t) => (err += t) }, NOW);
  return { code, out, err };
}

beforeEach(() => {
  athena.reset();
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q' });
  athena
    .on(GetQueryExecutionCommand)
    .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 123_456_789 } } });
});

describe('s3x CLI on Athena', () => {
  it('answers who-deleted through Athena, with cost in the output', async () => {
    mockPages(
      athena,
      athenaPages(
        [
          'eventid',
          'eventtime',
          'eventname',
          'principal_arn',
          'bucket',
          'object_key',
          'evidence',
          'total_matches',
          'exact_matches',
          'successful_matches',
        ],
        [
          {
            eventid: 'e1',
            eventtime: '2026-11-20T10:00:00Z',
            eventname: 'DeleteObject',
            principal_arn: 'arn:aws:iam::111122223333:user/alice',
            bucket: 'hot--use1-az4--x-s3',
            object_key: 'k',
            evidence: 'exact',
            total_matches: '1',
            exact_matches: '1',
            successful_matches: '1',
          },
        ],
      ),
    );
    const { code, out } = await cli(ENV, 'who-deleted', 'k', '--bucket', 'hot--use1-az4--x-s3', '--format', 'json');
    expect(code).toBe(0);
    const parsed = JSON.parse(out);
    expect(parsed.events[0]).toMatchObject({ eventId: 'e1', principalArn: 'arn:aws:iam::111122223333:user/alice' });
    expect(parsed.scanned).toMatchObject({ engine: 'athena', bytes: 123_456_789, costUsd: (123_456_789 * 5) / 1e12 });
    const input = athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input;
    expect(input?.QueryExecutionContext).toEqual({ Catalog: 'AwsDataCatalog', Database: 'cloudtrail' });
    expect(input?.QueryString).toContain('region IN (?)');
  });

  it('refuses --logs with the Athena engine', async () => {
    const { code, err } = await cli(ENV, 'who-deleted', 'k', '--logs', '/tmp');
    expect(code).toBe(2);
    expect(err).toMatch(/--logs is for the local engine/);
  });

  it('setup athena prints the DDL without touching AWS', async () => {
    const { code, out } = await cli(
      {},
      'setup',
      'athena',
      '--bucket',
      'b',
      '--account',
      '111122223333',
      '--regions',
      'us-east-1,eu-west-1',
      '--start',
      '2024/01/01',
    );
    expect(code).toBe(0);
    expect(out).toMatch(/^CREATE DATABASE IF NOT EXISTS cloudtrail;/);
    expect(out).toContain("LOCATION 's3://b/AWSLogs/111122223333/CloudTrail/'");
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });

  it('setup athena --apply runs the two statements in Athena, in order', async () => {
    const { code } = await cli(
      ENV,
      'setup',
      'athena',
      '--bucket',
      'b',
      '--account',
      '111122223333',
      '--regions',
      'us-east-1',
      '--start',
      '2024/01/01',
      '--apply',
    );
    expect(code).toBe(0);
    const statements = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    expect(statements.map((s) => s.QueryString?.split('\n')[0])).toEqual([
      'CREATE DATABASE IF NOT EXISTS cloudtrail',
      'CREATE EXTERNAL TABLE IF NOT EXISTS cloudtrail.cloudtrail_logs (',
    ]);
    expect(statements.every((s) => s.ExecutionParameters === undefined)).toBe(true);
  });

  it('setup athena rejects hostile input before any DDL is built', async () => {
    const { code, err } = await cli(
      ENV,
      'setup',
      'athena',
      '--bucket',
      "b'; DROP TABLE x; --",
      '--account',
      '111122223333',
      '--regions',
      'us-east-1',
      '--start',
      '2024/01/01',
      '--apply',
    );
    expect(code).toBe(2);
    expect(err).toMatch(/--bucket/);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });
});
