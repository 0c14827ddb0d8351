import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACTIVITY_OPERATIONS_MAX,
  ACTIVITY_PRINCIPALS_MAX,
  type ActivityAnswer,
  askActivity,
  buildActivityQuery,
  toActivityAnswer,
} from '../../../src/answers/activity/question.js';
import { parseCommand } from '../../../src/commands/parse.js';
import type { ActivityRequest } from '../../../src/commands/requests.js';
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
  eventCategory?: string;
  errorCode?: string;
  userIdentity?: { arn?: string; invokedBy?: string };
  requestParameters?: { bucketName?: string } | null;
  additionalEventData?: { bytesTransferredIn?: number; bytesTransferredOut?: number } | null;
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

/** Code-unit order, as the engines compare text (localeCompare would not). */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The answer computed the plain way: filter, count, sort, cut. */
function expectedActivity(records: readonly TrailRecord[], bucket: string, since: string, until: string) {
  const matching = records.filter(
    (r) =>
      r.eventSource === 's3express.amazonaws.com' &&
      r.eventCategory === 'Data' &&
      r.requestParameters?.bucketName === bucket &&
      r.eventTime >= since &&
      r.eventTime < until,
  );
  const failed = (r: TrailRecord): boolean => r.errorCode !== undefined && r.errorCode !== '';
  const tally = <K>(key: (r: TrailRecord) => K) => {
    const counts = new Map<K, { count: number; errors: number }>();
    for (const r of matching) {
      const entry = counts.get(key(r)) ?? { count: 0, errors: 0 };
      entry.count += 1;
      if (failed(r)) entry.errors += 1;
      counts.set(key(r), entry);
    }
    return [...counts.entries()];
  };
  const operations = tally((r) => r.eventName)
    .map(([name, c]) => ({ name, ...c }))
    .sort((a, b) => b.count - a.count || byText(a.name, b.name));
  const principals = tally((r) => r.userIdentity?.arn ?? r.userIdentity?.invokedBy ?? null)
    .map(([principal, c]) => ({ principal, ...c }))
    .sort((a, b) => b.count - a.count || byText(a.principal ?? '', b.principal ?? ''));
  const errors = tally((r) => r.errorCode ?? '')
    .filter(([code]) => code !== '')
    .map(([code, c]) => ({ code, count: c.count }))
    .sort((a, b) => b.count - a.count || byText(a.code, b.code));
  const times = matching.map((r) => r.eventTime).sort(byText);
  const sum = (pick: (r: TrailRecord) => number | undefined): number => matching.reduce((total, r) => total + (pick(r) ?? 0), 0);
  return {
    totals: {
      events: matching.length,
      errors: matching.filter(failed).length,
      bytesIn: sum((r) => r.additionalEventData?.bytesTransferredIn),
      bytesOut: sum((r) => r.additionalEventData?.bytesTransferredOut),
      firstEvent: times[0] ?? null,
      lastEvent: times.at(-1) ?? null,
    },
    operations: operations.slice(0, ACTIVITY_OPERATIONS_MAX),
    principals: principals.slice(0, ACTIVITY_PRINCIPALS_MAX),
    errors,
    groupCounts: { operations: operations.length, principals: principals.length, errors: errors.length },
  };
}

function pick(answer: ActivityAnswer) {
  const { totals, operations, principals, errors, groupCounts } = answer;
  return { totals, operations, principals, errors, groupCounts };
}

describe('buildActivityQuery', () => {
  const query = buildActivityQuery(
    {
      command: 'activity',
      bucket: "x'--use1-az4--x-s3",
      window: { since: new Date('2026-11-01T00:00:00Z'), until: new Date('2026-11-03T00:00:00Z') },
    },
    { name: 'cloudtrail_logs', partitionedByDay: true, regions: ['us-east-1'] },
  );

  it('binds every value as a parameter, in the WHERE clause of the scan only', () => {
    expect(query.sql.params).toEqual([
      '2026/11/01',
      '2026/11/03',
      'us-east-1',
      '2026-11-01T00:00:00Z',
      '2026-11-03T00:00:00Z',
      's3express.amazonaws.com',
      "x'--use1-az4--x-s3",
    ]);
    const [beforeWhere = '', afterWhere = ''] = query.sql.text.split(/\bWHERE\b/, 2);
    expect(beforeWhere).not.toContain('?');
    expect(afterWhere.split('\n),').slice(1).join()).not.toContain('?');
    expect(query.sql.text).not.toContain("x'");
  });

  it('aggregates in one scan: one read of the table, grouping sets instead of a union', () => {
    expect(query.sql.text.match(/\bFROM cloudtrail_logs\b/g)).toHaveLength(1);
    expect(query.sql.text).not.toMatch(/\bUNION\b/i);
    expect(query.sql.text).toContain('GROUP BY GROUPING SETS ((eventname), (principal), (error_code), ())');
    expect(query.sql.text).toContain(`position <= ${ACTIVITY_PRINCIPALS_MAX}`);
  });
});

describe('activity over a generated archive', () => {
  let root: string;
  let facts: SampleFacts;
  let records: TrailRecord[];
  let engine: LocalEngine;

  beforeAll(async () => {
    root = await tempDir('s3x-activity-');
    facts = (await generateArchive({ outDir: root, seed: 5, end: END, days: 3, eventsPerDay: 3000 })).facts;
    records = await readArchive(root);
    engine = await LocalEngine.open({ logsDir: root });
  });
  afterAll(async () => {
    await engine.close();
  });

  it.each([
    ['the whole archive', ['--since', '7d']],
    ['the anchor day', ['--since', 'ANCHOR', '--until', 'ANCHOR']],
  ])('matches an independent count of the gz files over %s', async (_name, options) => {
    const words = options.map((word) => (word === 'ANCHOR' ? facts.anchorDay : word));
    const request = parseCommand(['activity', facts.plantedBucket, ...words], END) as ActivityRequest;
    const answer = await askActivity(request, engine);
    const expected = expectedActivity(
      records,
      facts.plantedBucket,
      request.window.since.toISOString().replace('.000Z', 'Z'),
      request.window.until.toISOString().replace('.000Z', 'Z'),
    );
    expect(pick(answer)).toEqual(expected);
    expect(answer.totals.events).toBeGreaterThan(100);
    expect(answer.sources).toEqual(['s3express.amazonaws.com']);
  });

  it('counts the planted record delivered twice once, and its denied CreateSession among the errors', async () => {
    const answer = await askActivity(
      parseCommand(
        ['activity', facts.plantedBucket, '--since', facts.anchorDay, '--until', facts.anchorDay],
        END,
      ) as ActivityRequest,
      engine,
    );
    const deletes = records.filter(
      (r) =>
        r.eventName === 'DeleteObject' &&
        r.requestParameters?.bucketName === facts.plantedBucket &&
        r.eventTime.startsWith(facts.anchorDay),
    );
    expect(answer.operations.find((o) => o.name === 'DeleteObject')?.count).toBe(deletes.length);
    expect(answer.errors.find((e) => e.code === 'AccessDenied')?.count).toBeGreaterThanOrEqual(1);
    expect(answer.operations.find((o) => o.name === 'CreateSession')?.errors).toBeGreaterThanOrEqual(1);
  });

  it('answers a bucket with no data events with zeros, not an error', async () => {
    const answer = await askActivity(
      parseCommand(['activity', 'nobody-uses-this', '--since', '7d'], END) as ActivityRequest,
      engine,
    );
    expect(answer.sources).toEqual(['s3.amazonaws.com']);
    expect(pick(answer)).toEqual({
      totals: { events: 0, errors: 0, bytesIn: 0, bytesOut: 0, firstEvent: null, lastEvent: null },
      operations: [],
      principals: [],
      errors: [],
      groupCounts: { operations: 0, principals: 0, errors: 0 },
    });
  });

  it('maps no rows at all (an engine that drops the empty total) to zeros', () => {
    const request = parseCommand(['activity', facts.plantedBucket], END) as ActivityRequest;
    const answer = toActivityAnswer(request, [], {
      engine: 'athena',
      bytesScanned: 0,
      unreadableFiles: [],
      elapsedMs: 1,
      warnings: [],
    });
    expect(answer.totals).toEqual({ events: 0, errors: 0, bytesIn: 0, bytesOut: 0, firstEvent: null, lastEvent: null });
  });
});

describe('activity over the real OTRF CloudTrail records', () => {
  let engine: LocalEngine;
  beforeAll(async () => {
    engine = await LocalEngine.open({ logsDir: REAL_DATASETS });
  });
  afterAll(async () => {
    await engine.close();
  });

  it('sums the exfiltration bucket: 7 ListObjects and 2 GetObject by the stolen instance role', async () => {
    const answer = await askActivity(
      parseCommand(
        ['activity', 'mordors3stack-s3bucket-llp2yingx64a', '--since', '2020-09-13', '--until', '2020-09-15'],
        END,
      ) as ActivityRequest,
      engine,
    );
    expect(pick(answer)).toEqual({
      totals: {
        events: 9,
        errors: 0,
        bytesIn: 0,
        // Logged as floats (500.0, 89.0): Trino refuses those as bigint, so the query goes through double.
        bytesOut: 3726,
        // Logstash replaced eventTime with @timestamp, milliseconds included.
        firstEvent: '2020-09-14T01:00:33.000Z',
        lastEvent: '2020-09-14T01:13:20.000Z',
      },
      operations: [
        { name: 'ListObjects', count: 7, errors: 0 },
        { name: 'GetObject', count: 2, errors: 0 },
      ],
      principals: [
        {
          principal: 'arn:aws:sts::123456789123:assumed-role/MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0/i-0317f6c6b66ae9c40',
          count: 9,
          errors: 0,
        },
      ],
      errors: [],
      groupCounts: { operations: 2, principals: 1, errors: 0 },
    });
  });
});
