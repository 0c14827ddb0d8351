import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  askPrincipal,
  buildPrincipalQuery,
  matchPrincipal,
  PRINCIPAL_ROWS_MAX,
  type PrincipalAnswer,
} from '../../../src/answers/principal/question.js';
import { parseCommand } from '../../../src/commands/parse.js';
import type { PrincipalRequest } from '../../../src/commands/requests.js';
import { LocalEngine } from '../../../src/engines/local/local-engine.js';
import { UsageError } from '../../../src/errors.js';
import { generateArchive } from '../../../src/sample/generate.js';
import { tempDir } from '../../helpers/archive.js';
import { REAL_DATASETS } from '../../helpers/paths.js';

const END = new Date('2026-11-24T09:30:00Z');
const ACCOUNT = '111122223333';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/DataEngineer`;
const MALLORY = `arn:aws:sts::${ACCOUNT}:assumed-role/DataEngineer/mallory`;
const BOB = `arn:aws:sts::${ACCOUNT}:assumed-role/DataEngineer/bob`;

interface TrailRecord {
  eventID: string;
  eventTime: string;
  eventSource: string;
  eventName: string;
  errorCode?: string;
  userIdentity?: { arn?: string; userName?: string; sessionContext?: { sessionIssuer?: { arn?: string } } };
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

/** The bucket-and-operation rows computed the plain way, for the records `who` picks. */
function expectedRows(records: readonly TrailRecord[], who: (r: TrailRecord) => boolean) {
  const rows = new Map<string, { bucket: string | null; operation: string; count: number; errors: number; times: string[] }>();
  const sessions = new Map<string, number>();
  const matching = records.filter(
    (r) => (r.eventSource === 's3express.amazonaws.com' || r.eventSource === 's3.amazonaws.com') && who(r),
  );
  for (const r of matching) {
    const bucket = r.requestParameters?.bucketName ?? null;
    const key = JSON.stringify([bucket, r.eventName]);
    const row = rows.get(key) ?? { bucket, operation: r.eventName, count: 0, errors: 0, times: [] };
    row.count += 1;
    if (r.errorCode) row.errors += 1;
    row.times.push(r.eventTime);
    rows.set(key, row);
    if (r.userIdentity?.arn) sessions.set(r.userIdentity.arn, (sessions.get(r.userIdentity.arn) ?? 0) + 1);
  }
  const all = [...rows.values()]
    .map(({ times, ...row }) => {
      const sorted = times.sort(byText);
      return { ...row, firstEvent: sorted[0] ?? '', lastEvent: sorted.at(-1) ?? '' };
    })
    .sort((a, b) => b.count - a.count || byText(a.bucket ?? '', b.bucket ?? '') || byText(a.operation, b.operation));
  return {
    matching,
    rows: all.slice(0, PRINCIPAL_ROWS_MAX),
    totalRows: all.length,
    events: matching.length,
    errors: matching.filter((r) => r.errorCode).length,
    buckets: new Set(matching.flatMap((r) => (r.requestParameters?.bucketName ? [r.requestParameters.bucketName] : []))).size,
    sessions: [...sessions.entries()]
      .map(([arn, count]) => ({ arn, count }))
      .sort((a, b) => b.count - a.count || byText(a.arn, b.arn)),
  };
}

function request(principal: string, ...options: string[]): PrincipalRequest {
  return parseCommand(['principal', principal, ...options], END) as PrincipalRequest;
}

describe('matchPrincipal', () => {
  it('matches an ARN exactly', () => {
    const match = matchPrincipal(MALLORY);
    expect(match.matchedAs).toBe('arn');
    expect(match.predicate.text).toBe('useridentity.arn = ?');
    expect(match.predicate.params).toEqual([MALLORY]);
  });

  it('matches every session of a role ARN: by sessionIssuer, and by the role and account inside assumed-role ARNs', () => {
    const match = matchPrincipal(`arn:aws:iam::${ACCOUNT}:role/team/DataEngineer`);
    expect(match.matchedAs).toBe('role');
    expect(match.predicate.params).toEqual([`arn:aws:iam::${ACCOUNT}:role/team/DataEngineer`, ACCOUNT, 'DataEngineer']);
    expect(match.predicate.text).toContain('useridentity.sessioncontext.sessionissuer.arn = ?');
    expect(match.predicate.text).toContain("useridentity.arn LIKE 'arn:%:sts::%:assumed-role/%'");
    expect(match.predicate.text).toContain("split_part(useridentity.arn, '/', 2) = ?");
  });

  it('matches a bare name as a role, a user or a session, never putting it into a LIKE pattern', () => {
    const match = matchPrincipal("Data%Engineer'--");
    expect(match.matchedAs).toBe('name');
    expect(match.predicate.params).toEqual(Array(5).fill("Data%Engineer'--"));
    expect(match.predicate.text).toContain("split_part(useridentity.arn, '/', 3) = ?");
    expect(match.predicate.text).not.toContain('Data');
    expect(match.predicate.text).toContain('useridentity.username = ?');
    expect(match.predicate.text).toContain("split_part(useridentity.arn, ':user/', 2) = ?");
    for (const like of match.predicate.text.match(/LIKE\s+\S+/g) ?? []) expect(like).not.toContain('?');
  });

  it('treats a user ARN and an assumed-role session ARN as exact ARNs', () => {
    expect(matchPrincipal(`arn:aws:iam::${ACCOUNT}:user/alice`).matchedAs).toBe('arn');
    expect(matchPrincipal(`arn:aws-us-gov:sts::${ACCOUNT}:assumed-role/R/s`).matchedAs).toBe('arn');
    expect(matchPrincipal(`arn:aws-cn:iam::${ACCOUNT}:role/R`).matchedAs).toBe('role');
  });

  it('refuses an empty principal', () => {
    expect(() => matchPrincipal(' ')).toThrow(UsageError);
  });
});

describe('buildPrincipalQuery', () => {
  it('reads the table once, with both sources, and parameters only in the WHERE clause of the scan', () => {
    const query = buildPrincipalQuery(request('DataEngineer', '--since', '2026-11-01', '--until', '2026-11-02'), {
      name: 'cloudtrail_logs',
      partitionedByDay: true,
    });
    expect(query.sql.params).toEqual([
      '2026/11/01',
      '2026/11/03',
      '2026-11-01T00:00:00Z',
      '2026-11-03T00:00:00Z',
      's3express.amazonaws.com',
      's3.amazonaws.com',
      'DataEngineer',
      'DataEngineer',
      'DataEngineer',
      'DataEngineer',
      'DataEngineer',
    ]);
    expect(query.sql.text.match(/\bFROM cloudtrail_logs\b/g)).toHaveLength(1);
    expect(query.sql.text).toContain(
      'GROUP BY GROUPING SETS ((bucket, eventname), (bucket), (session_arn), (), (object_action, bucket, object_key)',
    );
    const [beforeWhere = '', afterWhere = ''] = query.sql.text.split(/\bWHERE\b/, 2);
    expect(beforeWhere).not.toContain('?');
    expect(afterWhere.split('\n),').slice(1).join()).not.toContain('?');
  });
});

describe('principal over a generated archive', () => {
  let records: TrailRecord[];
  let engine: LocalEngine;

  beforeAll(async () => {
    const root = await tempDir('s3x-principal-');
    await generateArchive({ outDir: root, seed: 5, end: END, days: 3, eventsPerDay: 3000 });
    records = await readArchive(root);
    engine = await LocalEngine.open({ logsDir: root });
  });
  afterAll(async () => {
    await engine.close();
  });

  function check(answer: PrincipalAnswer, expected: ReturnType<typeof expectedRows>): void {
    expect(answer.rows).toEqual(expected.rows);
    expect(answer.totalRows).toBe(expected.totalRows);
    expect(answer.totals).toMatchObject({ events: expected.events, errors: expected.errors, buckets: expected.buckets });
    expect(answer.sessions).toBe(expected.sessions.length);
    expect(answer.topSessions).toEqual(expected.sessions.slice(0, 10));
  }

  it('a bare role name finds every session of the role, including zonal calls that carry no sessionIssuer', async () => {
    const answer = await askPrincipal(request('DataEngineer', '--since', '7d'), engine);
    const expected = expectedRows(records, (r) => r.userIdentity?.arn === MALLORY || r.userIdentity?.arn === BOB);
    expect(answer.matchedAs).toBe('name');
    check(answer, expected);
    expect(answer.topSessions.map((s) => s.arn).sort()).toEqual([BOB, MALLORY]);
    const zonal = expected.matching.filter(
      (r) => r.eventSource === 's3express.amazonaws.com' && r.userIdentity?.sessionContext?.sessionIssuer === undefined,
    );
    expect(zonal.length).toBeGreaterThan(100);
    expect(answer.rows.some((row) => row.operation === 'GetObject' && row.bucket?.endsWith('--x-s3'))).toBe(true);
  });

  it('the role ARN gives the same rows as the bare name; the same role in another account gives none', async () => {
    const byName = await askPrincipal(request('DataEngineer', '--since', '7d'), engine);
    const byArn = await askPrincipal(request(ROLE_ARN, '--since', '7d'), engine);
    expect(byArn.matchedAs).toBe('role');
    expect(byArn.rows).toEqual(byName.rows);
    expect(byArn.totals).toEqual(byName.totals);
    const foreign = await askPrincipal(request('arn:aws:iam::999999999999:role/DataEngineer', '--since', '7d'), engine);
    expect(foreign.totals.events).toBe(0);
    expect(foreign.rows).toEqual([]);
  });

  it('one session ARN matches that session only', async () => {
    const answer = await askPrincipal(request(MALLORY, '--since', '7d'), engine);
    expect(answer.matchedAs).toBe('arn');
    check(
      answer,
      expectedRows(records, (r) => r.userIdentity?.arn === MALLORY),
    );
    expect(answer.sessions).toBe(1);
  });

  it('a bare user name matches the IAM user, on both sources', async () => {
    const answer = await askPrincipal(request('alice', '--since', '7d'), engine);
    const expected = expectedRows(records, (r) => r.userIdentity?.arn === `arn:aws:iam::${ACCOUNT}:user/alice`);
    check(answer, expected);
    expect(new Set(expected.matching.map((r) => r.eventSource))).toEqual(
      new Set(['s3express.amazonaws.com', 's3.amazonaws.com']),
    );
  });
});

describe('principal over the real public CloudTrail records', () => {
  let engine: LocalEngine;
  beforeAll(async () => {
    engine = await LocalEngine.open({ logsDir: REAL_DATASETS });
  });
  afterAll(async () => {
    await engine.close();
  });

  it('finds the ransom-note upload of the compromised user (Panther fixture)', async () => {
    const answer = await askPrincipal(
      request('arn:aws:iam::111111111111:user/compromised-user', '--since', '2025-12-01', '--until', '2025-12-05'),
      engine,
    );
    expect(answer.rows).toEqual([
      {
        bucket: 'production-data',
        operation: 'PutObject',
        count: 1,
        errors: 0,
        firstEvent: '2025-12-03T18:00:00Z',
        lastEvent: '2025-12-03T18:00:00Z',
      },
    ]);
  });

  it('follows the Splunk attack-range user by bare name through its bucket lifecycle, the denied policy included', async () => {
    const answer = await askPrincipal(request('jose-attackrange', '--since', '2025-02-11', '--until', '2025-02-11'), engine);
    expect(answer.totals).toEqual({
      events: 9,
      errors: 1,
      buckets: 4,
      firstEvent: '2025-02-11T19:12:42Z',
      lastEvent: '2025-02-11T20:04:34Z',
    });
    expect(answer.rows.map((row) => [row.bucket, row.operation, row.count, row.errors])).toEqual([
      ['test-open-bucket-1739301151', 'PutBucketPolicy', 1, 1],
      ['test-open-bucket-1739301225', 'DeleteBucket', 1, 0],
      ['test-open-bucket-1739301225', 'PutBucketPolicy', 1, 0],
      ['test-open-bucket-1739304161', 'DeleteBucket', 1, 0],
      ['test-open-bucket-1739304161', 'PutBucketPolicy', 1, 0],
      ['test-open-bucket-1739304161', 'PutBucketWebsite', 1, 0],
      ['test-open-bucket-1739304249', 'DeleteBucket', 1, 0],
      ['test-open-bucket-1739304249', 'PutBucketPolicy', 1, 0],
      ['test-open-bucket-1739304249', 'PutBucketWebsite', 1, 0],
    ]);
    expect(answer.topSessions).toEqual([{ arn: 'arn:aws:iam::591511147606:user/jose-attackrange', count: 9 }]);
  });
});
