import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askDenied, buildDeniedQuery, DENIED_GROUPS_MAX, type DeniedGroup } from '../../../src/answers/denied/question.js';
import { parseCommand } from '../../../src/commands/parse.js';
import type { DeniedRequest } from '../../../src/commands/requests.js';
import { LocalEngine } from '../../../src/engines/local/local-engine.js';
import { generateArchive, type SampleFacts } from '../../../src/sample/generate.js';
import { tempDir } from '../../helpers/archive.js';
import { REAL_DATASETS } from '../../helpers/paths.js';

const END = new Date('2026-11-24T09:30:00Z');

interface TrailRecord {
  eventID: string;
  eventTime: string;
  eventSource: string;
  eventName: string;
  errorCode?: string;
  userIdentity?: { arn?: string; invokedBy?: string; accountId?: string };
  requestParameters?: { bucketName?: string } | null;
}

/** Every record of the archive, read with plain node (gunzip + JSON.parse), once per eventID. */
async function readArchive(root: string): Promise<TrailRecord[]> {
  const files = (await readdir(root, { recursive: true })).filter((file) => file.endsWith('.json.gz')).sort();
  const byId = new Map<string, TrailRecord>();
  for (const file of files) {
    const { Records } = JSON.parse(gunzipSync(await readFile(path.join(root, file))).toString('utf8')) as {
      Records: TrailRecord[];
    };
    for (const record of Records) if (!byId.has(record.eventID)) byId.set(record.eventID, record);
  }
  return [...byId.values()];
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The failed-call groups computed the plain way: filter, group, count, sort (denials first). */
function expectedGroups(records: readonly TrailRecord[], bucket?: string): DeniedGroup[] {
  const sources = bucket === undefined ? ['s3express.amazonaws.com', 's3.amazonaws.com'] : ['s3express.amazonaws.com'];
  const groups = new Map<string, DeniedGroup & { names: Set<string> }>();
  for (const r of records) {
    if (!sources.includes(r.eventSource) || !r.errorCode) continue;
    if (bucket !== undefined && r.requestParameters?.bucketName !== bucket) continue;
    const principal = r.userIdentity?.arn ?? r.userIdentity?.invokedBy ?? null;
    const account = principal === null ? (r.userIdentity?.accountId ?? null) : null;
    const key = JSON.stringify([principal, account, r.eventName, r.errorCode]);
    const group = groups.get(key) ?? {
      principal,
      account,
      operation: r.eventName,
      errorCode: r.errorCode,
      accessDenied: r.errorCode.includes('AccessDenied'),
      count: 0,
      buckets: 0,
      firstEvent: r.eventTime,
      lastEvent: r.eventTime,
      bucketNames: [] as string[],
      names: new Set<string>(),
    };
    group.count += 1;
    if (r.requestParameters?.bucketName) group.names.add(r.requestParameters.bucketName);
    if (r.eventTime < group.firstEvent) group.firstEvent = r.eventTime;
    if (r.eventTime > group.lastEvent) group.lastEvent = r.eventTime;
    groups.set(key, group);
  }
  return [...groups.values()]
    .map(({ names, ...group }) => {
      const sorted = [...names].sort(byText);
      const bucketNames = [...new Set([sorted[0], sorted.at(-1)].filter((name): name is string => name !== undefined))];
      return { ...group, buckets: names.size, bucketNames };
    })
    .sort(
      (a, b) =>
        Number(b.accessDenied) - Number(a.accessDenied) ||
        b.count - a.count ||
        byText(b.lastEvent, a.lastEvent) ||
        byText(a.principal ?? '', b.principal ?? '') ||
        byText(a.account ?? '', b.account ?? '') ||
        byText(a.operation, b.operation) ||
        byText(a.errorCode, b.errorCode),
    );
}

function request(...words: string[]): DeniedRequest {
  // Some cases ask over the whole real archive (years), past the default window cap.
  return parseCommand(['denied', ...words], END, { maxWindowDays: 36_500 }) as DeniedRequest;
}

describe('buildDeniedQuery', () => {
  it('keeps failed calls only, binds the bucket as a parameter and reads the table once', () => {
    const query = buildDeniedQuery(
      {
        command: 'denied',
        bucket: "x'--use1-az4--x-s3",
        window: { since: new Date('2026-11-01T00:00:00Z'), until: new Date('2026-11-03T00:00:00Z') },
      },
      { name: 'cloudtrail_logs', partitionedByDay: true },
    );
    expect(query.sql.params).toEqual([
      '2026/11/01',
      '2026/11/03',
      '2026-11-01T00:00:00Z',
      '2026-11-03T00:00:00Z',
      's3express.amazonaws.com',
      "x'--use1-az4--x-s3",
    ]);
    expect(query.sql.text).toContain("errorcode IS NOT NULL AND errorcode <> ''");
    expect(query.sql.text.match(/\bFROM cloudtrail_logs\b/g)).toHaveLength(1);
    expect(query.sql.text).toMatch(/GROUP BY GROUPING SETS \(\(principal, caller_account, eventname, error_code\), \(\)\)/);
    expect(query.sql.text).toContain(`position <= ${DENIED_GROUPS_MAX}`);
    const [beforeWhere = '', afterWhere = ''] = query.sql.text.split(/\bWHERE\b/, 2);
    expect(beforeWhere).not.toContain('?');
    expect(afterWhere.split('\n),').slice(1).join()).not.toContain('?');
  });

  it('searches both sources without a bucket', () => {
    const query = buildDeniedQuery(request('--since', '1d'), { name: 'cloudtrail_logs', partitionedByDay: false });
    expect(query.sql.params.slice(2)).toEqual(['s3express.amazonaws.com', 's3.amazonaws.com']);
    expect(query.sql.text).not.toContain("'$.bucketName') = ?");
  });
});

describe('denied over a generated archive', () => {
  let facts: SampleFacts;
  let records: TrailRecord[];
  let engine: LocalEngine;

  beforeAll(async () => {
    const root = await tempDir('s3x-denied-');
    facts = (await generateArchive({ outDir: root, seed: 5, end: END, days: 3, eventsPerDay: 3000 })).facts;
    records = await readArchive(root);
    engine = await LocalEngine.open({ logsDir: root });
  });
  afterAll(async () => {
    await engine.close();
  });

  it('groups every failed call of both sources exactly as an independent count of the gz files', async () => {
    const answer = await askDenied(request('--since', '7d'), engine);
    const expected = expectedGroups(records);
    expect(answer.groups).toEqual(expected);
    expect(answer.totalGroups).toBe(expected.length);
    const failed = records.filter(
      (r) => r.errorCode && (r.eventSource === 's3express.amazonaws.com' || r.eventSource === 's3.amazonaws.com'),
    );
    expect(answer.totals).toMatchObject({
      events: failed.length,
      accessDenied: failed.filter((r) => r.errorCode?.includes('AccessDenied')).length,
      principals: new Set(failed.flatMap((r) => r.userIdentity?.arn ?? r.userIdentity?.invokedBy ?? [])).size,
    });
    expect(answer.groups[0]).toMatchObject({ errorCode: 'AccessDenied', operation: 'CreateSession', accessDenied: true });
  });

  it('narrows to one bucket, where the intern’s refused ReadWrite session is', async () => {
    const answer = await askDenied(request('--bucket', facts.plantedBucket, '--since', '7d'), engine);
    expect(answer.sources).toEqual(['s3express.amazonaws.com']);
    expect(answer.groups).toEqual(expectedGroups(records, facts.plantedBucket));
    const denied = facts.plantedDeniedSession;
    expect(answer.groups).toContainEqual(
      expect.objectContaining({ principal: denied.principalArn, operation: 'CreateSession', errorCode: 'AccessDenied' }),
    );
    expect(answer.groups.every((group) => group.buckets === 1)).toBe(true);
  });
});

describe('denied over the real public CloudTrail records', () => {
  let engine: LocalEngine;
  beforeAll(async () => {
    engine = await LocalEngine.open({ logsDir: REAL_DATASETS });
  });
  afterAll(async () => {
    await engine.close();
  });

  it('finds the real AccessDenied records first, then the other failures', async () => {
    const answer = await askDenied(request('--since', '2019-01-01', '--until', '2026-11-01'), engine);
    // Splunk attack range: the public-read policy blocked by BlockPublicPolicy, delivered twice, counted once.
    expect(answer.groups).toContainEqual({
      principal: 'arn:aws:iam::591511147606:user/jose-attackrange',
      account: null,
      operation: 'PutBucketPolicy',
      errorCode: 'AccessDenied',
      accessDenied: true,
      count: 1,
      buckets: 1,
      bucketNames: ['test-open-bucket-1739301151'],
      firstEvent: '2025-02-11T19:12:42Z',
      lastEvent: '2025-02-11T19:12:42Z',
    });
    // Panther: a GetObject with no ARN in the record, told apart by its account; and its VPC-endpoint twin.
    expect(answer.groups).toContainEqual(
      expect.objectContaining({ principal: null, account: '111111111111', operation: 'GetObject', errorCode: 'AccessDenied' }),
    );
    expect(answer.groups).toContainEqual(
      expect.objectContaining({ principal: null, account: '111111111111', errorCode: 'VpceAccessDenied', accessDenied: true }),
    );
    // AWS docs: S3 Lifecycle refused a session on a directory bucket.
    expect(answer.groups).toContainEqual(
      expect.objectContaining({
        principal: 'gamma.lifecycle.s3.amazonaws.com',
        operation: 'CreateSession',
        errorCode: 'AccessDenied',
      }),
    );
    const firstOther = answer.groups.findIndex((group) => !group.accessDenied);
    expect(firstOther).toBeGreaterThan(0);
    expect(answer.groups.slice(firstOther).every((group) => !group.accessDenied)).toBe(true);
    // Invictus IR: the DeleteBucket calls refused because the bucket was not empty.
    expect(answer.groups).toContainEqual(
      expect.objectContaining({
        principal: 'arn:aws:iam::123837392027:user/bert-jan',
        operation: 'DeleteBucket',
        errorCode: 'BucketNotEmpty',
        count: 3,
      }),
    );
    expect(answer.totals.accessDenied).toBe(answer.groups.filter((g) => g.accessDenied).reduce((sum, g) => sum + g.count, 0));
  });

  it('with --bucket, only that bucket’s failures', async () => {
    const answer = await askDenied(
      request('--bucket', 'test-open-bucket-1739301151', '--since', '2025-02-11', '--until', '2025-02-11'),
      engine,
    );
    expect(answer.groups.map((g) => [g.operation, g.errorCode, g.count])).toEqual([['PutBucketPolicy', 'AccessDenied', 1]]);
    expect(answer.totals).toMatchObject({ events: 1, accessDenied: 1, principals: 1, buckets: 1 });
  });
});
