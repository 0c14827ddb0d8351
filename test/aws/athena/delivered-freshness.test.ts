import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { AthenaClient, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { askObjectQuestion, OBJECT_QUESTION_TABLE } from '../../../src/answers/object/question.js';
import { createEngine } from '../../../src/app/create-engine.js';
import { DeliveredFreshness } from '../../../src/aws/athena/delivered-freshness.js';
import { createAwsClients } from '../../../src/aws/clients.js';
import { parseCommand } from '../../../src/commands/parse.js';
import type { ObjectQuestionRequest } from '../../../src/commands/requests.js';
import { loadConfig } from '../../../src/config.js';
import { LocalEngine } from '../../../src/engines/local/local-engine.js';
import { generateArchive, type SampleFacts } from '../../../src/sample/generate.js';
import { tempDir } from '../../helpers/archive.js';
import { athenaReplaying, fakeClock } from '../../helpers/athena.js';
import { s3ServingLogs } from '../../helpers/s3-logs.js';

const END = new Date('2026-11-24T09:30:00Z');
const athenaMock = mockClient(AthenaClient);
const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1' });
let dir: string;
let local: LocalEngine;
let facts: SampleFacts;

beforeAll(async () => {
  dir = await tempDir('s3x-delivered-freshness-');
  facts = (await generateArchive({ outDir: dir, seed: 5, end: END, days: 3, eventsPerDay: 2000 })).facts;
  local = await LocalEngine.open({ logsDir: dir });
});
afterAll(async () => {
  await local.close();
});
beforeEach(() => {
  s3Mock.reset();
});

function whoDeleted() {
  return parseCommand(['who-deleted', facts.plantedKey, '--since', '2d'], END) as ObjectQuestionRequest;
}

async function askOnAthena(delivered?: DeliveredFreshness) {
  const athena = athenaReplaying(local, athenaMock, 3, () => 1, delivered);
  return askObjectQuestion(OBJECT_QUESTION_TABLE['who-deleted'], whoDeleted(), athena);
}

describe('"logs complete up to" on Athena, from the trail bucket', () => {
  it("is the file engine's, with the question as the only Athena query", async () => {
    await s3ServingLogs(s3Mock, dir, { prefix: 'org/ct', pageSize: 7 });
    const onFiles = await askObjectQuestion(OBJECT_QUESTION_TABLE['who-deleted'], whoDeleted(), local);
    const onAthena = await askOnAthena(new DeliveredFreshness(s3, { bucket: 'trail-logs', prefix: 'org/ct/' }));
    expect(onFiles.stats.newestEventTime).toBeDefined();
    expect(onAthena.stats.newestEventTime).toBe(onFiles.stats.newestEventTime);
    expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(1);
    const { stats: _f, ...fileRest } = onFiles;
    const { stats: _a, ...athenaRest } = onAthena;
    expect(athenaRest).toEqual(fileRest);
    const listed = s3Mock.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input.Prefix);
    expect(listed.slice(0, 2)).toEqual(['org/ct/AWSLogs/', `org/ct/AWSLogs/${facts.accountId}/CloudTrail/`]);
  });

  it('is unknown when the bucket cannot be listed, and the answer still comes from one query', async () => {
    s3Mock.on(ListObjectsV2Command).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const answer = await askOnAthena(new DeliveredFreshness(s3, { bucket: 'trail-logs', prefix: '' }));
    expect(answer.stats.newestEventTime).toBeUndefined();
    expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(1);
  });

  it('without S3X_TRAIL_LOGS_LOCATION comes from a second query over the last delivery days, its bytes in the footer', async () => {
    const answer = await askOnAthena();
    expect(answer.stats.newestEventTime).toMatch(/^2026-11-24T/);
    const queries = athenaMock.commandCalls(StartQueryExecutionCommand).map((call) => call.args[0].input.QueryString ?? '');
    expect(queries).toHaveLength(2);
    expect(queries.filter((text) => text.startsWith('SELECT max(eventtime)'))).toHaveLength(1);
    expect(s3Mock.commandCalls(ListObjectsV2Command)).toHaveLength(0);
  });
});

describe('DeliveredFreshness', () => {
  it('is what the Athena engine reads when S3X_TRAIL_LOGS_LOCATION is set', async () => {
    await s3ServingLogs(s3Mock, dir, { prefix: 'org/ct' });
    const config = loadConfig({
      S3X_ENGINE: 'athena',
      AWS_REGION: 'us-east-1',
      S3X_TRAIL_LOGS_LOCATION: 's3://trail-logs/org/ct/',
    });
    const athena = await createEngine(config, { aws: createAwsClients('us-east-1') }, fakeClock());
    const newest = await athena.newestDelivered?.({ from: '2026/11/21', to: '2026/11/25' });
    expect(newest).toBe(
      (await askObjectQuestion(OBJECT_QUESTION_TABLE['who-deleted'], whoDeleted(), local)).stats.newestEventTime,
    );
    await athena.close();
  });

  /** One delivery file with these event times, at the path CloudTrail would write it. */
  async function deliver(root: string, folder: string, name: string, times: string[]): Promise<void> {
    await mkdir(path.join(root, folder), { recursive: true });
    const records = times.map((eventTime) => ({ eventTime, eventName: 'GetObject' }));
    await writeFile(path.join(root, folder, name), gzipSync(JSON.stringify({ Records: records })));
  }

  it("reads an organization trail, only the table's Regions, back past an empty last day", async () => {
    const root = await tempDir('s3x-org-trail-');
    const trail = 'AWSLogs/o-abc123def4/111122223333/CloudTrail';
    await deliver(root, `${trail}/us-east-1/2026/11/23`, '111122223333_CloudTrail_us-east-1_20261123T2355Z_a.json.gz', [
      '2026-11-23T23:49:10Z',
      '2026-11-23T23:51:00Z',
    ]);
    await deliver(root, `${trail}/us-east-1/2026/11/23`, '111122223333_CloudTrail_us-east-1_20261123T1200Z_b.json.gz', [
      '2026-11-23T11:58:00Z',
    ]);
    // A Region the table has no partition for is not the table's freshness.
    await deliver(root, `${trail}/ap-south-1/2026/11/24`, '111122223333_CloudTrail_ap-south-1_20261124T0900Z_c.json.gz', [
      '2026-11-24T08:59:00Z',
    ]);
    await s3ServingLogs(s3Mock, root, { bucket: 'org-logs' });
    const fresh = new DeliveredFreshness(s3, { bucket: 'org-logs', prefix: '' }, ['us-east-1', 'eu-west-1']);
    expect(await fresh.newestEvent({ from: '2026/11/20', to: '2026/11/24' })).toBe('2026-11-23T23:51:00Z');
    // Days before the window's own are not looked at.
    expect(await fresh.newestEvent({ from: '2026/11/24', to: '2026/11/24' })).toBeUndefined();
  });

  it('is unknown when a newest file is not a CloudTrail delivery file', async () => {
    const root = await tempDir('s3x-bad-delivery-');
    const folder = 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/24';
    await mkdir(path.join(root, folder), { recursive: true });
    await writeFile(
      path.join(root, folder, '111122223333_CloudTrail_us-east-1_20261124T0900Z_x.json.gz'),
      gzipSync('{"oops":1}'),
    );
    await s3ServingLogs(s3Mock, root);
    const fresh = new DeliveredFreshness(s3, { bucket: 'trail-logs', prefix: '' });
    expect(await fresh.newestEvent({ from: '2026/11/20', to: '2026/11/24' })).toBeUndefined();
  });
});
