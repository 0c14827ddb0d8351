import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildDigest,
  buildDigestQuery,
  DIGEST_DELETERS_MAX,
  DIGEST_DENIED_MAX,
  DIGEST_NEW_MAX,
  DIGEST_OPERATIONS_MAX,
  type Digest,
  dayWindow,
} from '../../../src/answers/digest/question.js';
import type { Engine, EngineQuery, EngineResult } from '../../../src/engines/engine.js';
import { LocalEngine } from '../../../src/engines/local/local-engine.js';
import { generateArchive, type SampleFacts } from '../../../src/sample/generate.js';
import { tempDir } from '../../helpers/archive.js';

const END = new Date('2026-11-24T09:30:00Z');

interface TrailRecord {
  eventID: string;
  eventTime: string;
  eventSource: string;
  eventName: string;
  eventCategory?: string;
  errorCode?: string;
  sourceIPAddress?: string;
  userIdentity?: { arn?: string; invokedBy?: string };
  requestParameters?: { bucketName?: string } | null;
}

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

function tally<T>(items: readonly T[], key: (item: T) => string): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || byText(a[0], b[0]));
}

/** The per-bucket lists computed the plain way from the gz files. */
function expectedBuckets(records: readonly TrailRecord[], day: string) {
  const data = records.filter(
    (r) =>
      (r.eventSource === 's3express.amazonaws.com' || r.eventSource === 's3.amazonaws.com') &&
      r.eventCategory === 'Data' &&
      r.requestParameters?.bucketName !== undefined,
  );
  const principal = (r: TrailRecord): string => r.userIdentity?.arn ?? r.userIdentity?.invokedBy ?? '';
  const onDay = data.filter((r) => r.eventTime.startsWith(day));
  const buckets = [...new Set(onDay.map((r) => r.requestParameters?.bucketName ?? ''))].sort(byText);
  return buckets.map((bucket) => {
    const events = onDay.filter((r) => r.requestParameters?.bucketName === bucket);
    const before = new Set(
      data.filter((r) => r.requestParameters?.bucketName === bucket && r.eventTime < day).map((r) => principal(r)),
    );
    const deletes = events.filter((r) => r.eventName === 'DeleteObject' || r.eventName === 'DeleteObjects');
    const lifecycle = (r: TrailRecord): boolean => r.userIdentity?.invokedBy === 'lifecycle.s3.amazonaws.com';
    return {
      bucket,
      events: events.length,
      operations: tally(events, (r) => r.eventName)
        .slice(0, DIGEST_OPERATIONS_MAX)
        .map(([name, count]) => ({ name, count })),
      deletes: tally(deletes, (r) => `${lifecycle(r) ? 'L' : 'H'}${principal(r)}`)
        .sort((a, b) => b[1] - a[1] || byText(a[0].slice(1), b[0].slice(1)) || byText(a[0], b[0]))
        .slice(0, DIGEST_DELETERS_MAX)
        .map(([key, count]) => ({ principal: key.slice(1), count, lifecycle: key.startsWith('L') })),
      denied: tally(
        events.filter((r) => r.errorCode?.includes('AccessDenied')),
        principal,
      )
        .slice(0, DIGEST_DENIED_MAX)
        .map(([p, count]) => ({ principal: p, count })),
      newPrincipals: tally(
        events.filter((r) => !before.has(principal(r))),
        principal,
      )
        .slice(0, DIGEST_NEW_MAX)
        .map(([p]) => p),
    };
  });
}

/** Passes queries through and counts them. */
class CountingEngine implements Engine {
  queries = 0;
  constructor(private readonly inner: Engine) {}
  get table() {
    return this.inner.table;
  }
  get reportsFreshness() {
    return this.inner.reportsFreshness;
  }
  run(query: EngineQuery): Promise<EngineResult> {
    this.queries += 1;
    return this.inner.run(query);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('dayWindow', () => {
  it('is the UTC day for UTC', () => {
    expect(dayWindow('2026-11-23', 'UTC')).toEqual({
      since: new Date('2026-11-23T00:00:00Z'),
      until: new Date('2026-11-24T00:00:00Z'),
    });
  });

  it('follows New York, DST changes included', () => {
    expect(dayWindow('2026-11-23', 'America/New_York')).toEqual({
      since: new Date('2026-11-23T05:00:00Z'),
      until: new Date('2026-11-24T05:00:00Z'),
    });
    // 2026-03-08 springs forward: a 23-hour day.
    expect(dayWindow('2026-03-08', 'America/New_York')).toEqual({
      since: new Date('2026-03-08T05:00:00Z'),
      until: new Date('2026-03-09T04:00:00Z'),
    });
    // 2026-11-01 falls back: a 25-hour day.
    expect(dayWindow('2026-11-01', 'America/New_York')).toEqual({
      since: new Date('2026-11-01T04:00:00Z'),
      until: new Date('2026-11-02T05:00:00Z'),
    });
  });

  it('reads the partitions of the day, the 7 days before it and the delivery day after', () => {
    const query = buildDigestQuery(dayWindow('2026-11-23', 'America/New_York'), {
      name: 'cloudtrail_logs',
      partitionedByDay: true,
    });
    expect(query.days).toEqual({ from: '2026/11/16', to: '2026/11/25' });
    expect(query.sql.text.match(/\bFROM cloudtrail_logs\b/g)).toHaveLength(1);
    expect(query.sql.text).toContain('GROUPING SETS');
  });

  it('puts every parameter in a WHERE clause, the only place Athena takes `?`', () => {
    const window = dayWindow('2026-11-23', 'America/New_York');
    const table = { name: 'cloudtrail_logs', partitionedByDay: true, regions: ['us-east-1'] };
    const query = buildDigestQuery(window, table);
    const text = query.sql.text;
    const clauses = [...text.matchAll(/\b(SELECT|FROM|WHERE|GROUP BY|ORDER BY|HAVING|LIMIT)\b/g)];
    const placeholders = [...text.matchAll(/\?/g)];
    expect(placeholders).toHaveLength(query.sql.params.length);
    for (const placeholder of placeholders) {
      const clause = clauses.filter((c) => (c.index ?? 0) < (placeholder.index ?? 0)).at(-1);
      expect(clause?.[1], text.slice(Math.max(0, (placeholder.index ?? 0) - 80), (placeholder.index ?? 0) + 1)).toBe('WHERE');
    }
  });
});

describe('digest over a generated archive', () => {
  let facts: SampleFacts;
  let records: TrailRecord[];
  let engine: CountingEngine;
  let digest: Digest;

  beforeAll(async () => {
    const root = await tempDir('s3x-digest-');
    facts = (await generateArchive({ outDir: root, seed: 11, end: END, days: 3, eventsPerDay: 1500 })).facts;
    records = await readArchive(root);
    engine = new CountingEngine(await LocalEngine.open({ logsDir: root }));
    digest = await buildDigest(engine, { date: facts.anchorDay, timeZone: 'UTC', pendingApprovals: 2 });
  });
  afterAll(async () => {
    await engine.close();
  });

  it('runs one query (data events, changes and what the logs hold of the day)', () => {
    expect(engine.queries).toBe(1);
    expect(digest.queries).toBe(engine.queries);
  });

  it('matches independent counts of the gz files: operations, deletes (human/lifecycle), denied, newcomers', () => {
    const expected = expectedBuckets(records, facts.anchorDay);
    const actual = [...digest.buckets]
      .sort((a, b) => byText(a.bucket, b.bucket))
      .map((b) => ({
        bucket: b.bucket,
        events: b.events,
        operations: b.operations,
        deletes: b.deletes,
        denied: b.denied,
        newPrincipals: b.newPrincipals,
      }));
    expect(actual).toEqual(expected);
    const planted = digest.buckets.find((b) => b.bucket === facts.plantedBucket);
    expect(planted?.deletes.some((d) => d.lifecycle)).toBe(true);
    expect(planted?.deletes.some((d) => d.principal === facts.plantedDelete.principalArn && !d.lifecycle)).toBe(true);
    expect(planted?.denied.length).toBeGreaterThan(0);
  });

  it('lists the planted trail changes and is not quiet', () => {
    const names = digest.management.map((e) => e.eventName);
    expect(names).toEqual(expect.arrayContaining(['StopLogging', 'StartLogging']));
    expect(digest.management.find((e) => e.eventName === 'StopLogging')?.tampering).toBe(true);
    expect(digest.quiet).toBe(false);
    expect(digest.pendingApprovals).toBe(2);
  });
});
