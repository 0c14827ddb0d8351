import { describe, expect, it } from 'vitest';
import * as activityFormats from '../../../src/answers/activity/formats.js';
import type { ActivityAnswer } from '../../../src/answers/activity/question.js';
import * as deniedFormats from '../../../src/answers/denied/formats.js';
import type { DeniedAnswer, DeniedGroup } from '../../../src/answers/denied/question.js';
import * as principalFormats from '../../../src/answers/principal/formats.js';
import type { PrincipalActivityRow, PrincipalAnswer } from '../../../src/answers/principal/question.js';
import type { ScanStats } from '../../../src/engines/engine.js';
import { buildActivityMessage } from '../../../src/slack/blocks/activity.js';
import { buildDeniedMessage } from '../../../src/slack/blocks/denied.js';
import { checkBlockLimits, MAX_FALLBACK_TEXT } from '../../../src/slack/blocks/limits.js';
import type { KnownBlock, SlackMessage } from '../../../src/slack/blocks/message.js';
import { buildPrincipalMessage } from '../../../src/slack/blocks/principal.js';

const BUCKET = 'analytics-hot--use1-az4--x-s3';
const MALLORY = 'arn:aws:sts::111122223333:assumed-role/DataEngineer/mallory';
const BOB = 'arn:aws:sts::111122223333:assumed-role/DataEngineer/bob';
const HOSTILE = 'a<b>&c`d`*e*_f_ <!channel> <@U1> <https://evil.example|click>';
const LONG_VALUE = 'k'.repeat(1024);
const LONG_ARN = `arn:aws:sts::111122223333:assumed-role/R/${'s'.repeat(3000 - 43)}`;
const WINDOW = { since: new Date('2026-11-17T00:00:00Z'), until: new Date('2026-11-24T00:00:00Z') };

const STATS: ScanStats = {
  engine: 'athena',
  bytesScanned: 52_000_000,
  costUsd: 0.00026,
  unreadableFiles: [],
  elapsedMs: 2400,
  warnings: [],
  newestEventTime: '2026-11-23T23:55:00Z',
};

const HOSTILE_STATS: ScanStats = {
  engine: 'local',
  filesScanned: 3,
  bytesScanned: 10,
  unreadableFiles: [{ path: `logs/${HOSTILE}.json.gz`, reason: HOSTILE }],
  elapsedMs: 1,
  warnings: [HOSTILE, HOSTILE, HOSTILE, HOSTILE, HOSTILE],
  newestEventTime: HOSTILE,
};

/** Every text string in the blocks, in order. */
function texts(blocks: readonly KnownBlock[]): string[] {
  const out: string[] = [];
  const walk = (value: unknown, name?: string): void => {
    if (name === 'text' && typeof value === 'string') out.push(value);
    else if (Array.isArray(value)) for (const item of value) walk(item);
    else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  walk(blocks);
  return out;
}

/** The cells of the message's native table, as shown (the heading row first); [] when it has none. */
function tableOf(message: SlackMessage): string[][] {
  const table = message.blocks.find((block) => block.type === 'table');
  return table?.type === 'table'
    ? table.rows.map((row) => row.map((cell) => ('text' in cell ? String(cell.text) : cell.type)))
    : [];
}

/** Slack would accept it, and no data can ping anyone or form a link. */
function expectSafe(message: SlackMessage): void {
  expect(checkBlockLimits(message.blocks, 'message')).toEqual([]);
  expect(message.text.length).toBeLessThanOrEqual(MAX_FALLBACK_TEXT);
  for (const text of [message.text, ...texts(message.blocks)]) {
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U1>');
    expect(text).not.toContain('<https://');
  }
}

function activity(overrides: Partial<ActivityAnswer> = {}): ActivityAnswer {
  return {
    question: 'activity',
    bucket: BUCKET,
    sources: ['s3express.amazonaws.com'],
    window: WINDOW,
    totals: {
      events: 4085,
      errors: 122,
      bytesIn: 1_134_750_959,
      bytesOut: 563_813_651,
      firstEvent: '2026-11-21T09:36:43Z',
      lastEvent: '2026-11-23T09:28:42Z',
    },
    operations: [
      { name: 'GetObject', count: 1253, errors: 29 },
      { name: 'CreateSession', count: 945, errors: 93 },
      { name: 'PutObject', count: 467, errors: 0 },
    ],
    principals: [
      { principal: 'arn:aws:sts::111122223333:assumed-role/AnalyticsReadOnly/dashboard-svc', count: 1509, errors: 15 },
      { principal: BOB, count: 489, errors: 2 },
      { principal: 'lifecycle.s3.amazonaws.com', count: 2, errors: 0 },
      { principal: null, count: 1, errors: 0 },
    ],
    errors: [
      { code: 'AccessDenied', count: 93 },
      { code: 'NoSuchKey', count: 29 },
    ],
    groupCounts: { operations: 3, principals: 12, errors: 2 },
    stats: STATS,
    ...overrides,
  };
}

function principalRow(overrides: Partial<PrincipalActivityRow> = {}): PrincipalActivityRow {
  return {
    bucket: BUCKET,
    operation: 'GetObject',
    count: 246,
    errors: 3,
    firstEvent: '2026-11-21T10:19:36Z',
    lastEvent: '2026-11-23T08:23:18Z',
    ...overrides,
  };
}

function principal(overrides: Partial<PrincipalAnswer> = {}): PrincipalAnswer {
  return {
    question: 'principal',
    principal: 'DataEngineer',
    matchedAs: 'name',
    sources: ['s3express.amazonaws.com', 's3.amazonaws.com'],
    window: WINDOW,
    rows: [
      principalRow(),
      principalRow({ operation: 'DeleteObject', count: 34, errors: 0 }),
      principalRow({ bucket: null, operation: 'ListDirectoryBuckets', count: 1, errors: 0, lastEvent: '2026-11-21T10:19:36Z' }),
    ],
    totalRows: 3,
    totals: { events: 281, errors: 3, buckets: 1, firstEvent: '2026-11-21T10:19:36Z', lastEvent: '2026-11-23T08:23:18Z' },
    sessions: 2,
    topSessions: [
      { arn: BOB, count: 200 },
      { arn: MALLORY, count: 81 },
    ],
    principalTypes: ['AssumedRole'],
    nameMatchedAs: ['role'],
    objects: [
      {
        action: 'deleted',
        bucket: BUCKET,
        key: 'reports/q3.csv',
        count: 1,
        firstEvent: '2026-11-23T08:23:18Z',
        lastEvent: '2026-11-23T08:23:18Z',
      },
      {
        action: 'read',
        bucket: BUCKET,
        key: 'reports/q2.csv',
        count: 12,
        firstEvent: '2026-11-21T10:19:36Z',
        lastEvent: '2026-11-22T10:19:36Z',
      },
    ],
    totalObjects: 2,
    stats: STATS,
    ...overrides,
  };
}

function deniedGroup(overrides: Partial<DeniedGroup> = {}): DeniedGroup {
  return {
    principal: 'arn:aws:sts::111122223333:assumed-role/Intern/trainee-jo',
    account: null,
    operation: 'CreateSession',
    errorCode: 'AccessDenied',
    accessDenied: true,
    count: 93,
    buckets: 1,
    bucketNames: [BUCKET],
    firstEvent: '2026-11-21T09:42:51Z',
    lastEvent: '2026-11-23T08:07:51Z',
    ...overrides,
  };
}

function denied(overrides: Partial<DeniedAnswer> = {}): DeniedAnswer {
  return {
    question: 'denied',
    sources: ['s3express.amazonaws.com', 's3.amazonaws.com'],
    window: WINDOW,
    totals: {
      events: 128,
      accessDenied: 94,
      otherErrors: 34,
      principals: 2,
      buckets: 3,
      firstEvent: '2023-03-01T00:00:00Z',
      lastEvent: '2026-11-23T08:07:51Z',
    },
    groups: [
      deniedGroup(),
      deniedGroup({
        principal: null,
        account: '111111111111',
        operation: 'GetObject',
        count: 1,
        firstEvent: '2023-03-01T00:00:00Z',
        lastEvent: '2023-03-01T00:00:00Z',
      }),
      deniedGroup({
        operation: 'GetObject',
        errorCode: 'NoSuchKey',
        accessDenied: false,
        count: 34,
        buckets: 2,
        bucketNames: [BUCKET, 'scratch--usw2-az1--x-s3'],
      }),
    ],
    totalGroups: 3,
    stats: STATS,
    ...overrides,
  };
}

describe('buildActivityMessage', () => {
  it('sums up the bucket, then lists operations, top principals and errors, then what was searched', () => {
    const message = buildActivityMessage(activity());
    expectSafe(message);
    const all = texts(message.blocks);
    expect(all[0]).toBe(
      `*4,085 data events on \`${BUCKET}\`* from 2026-11-21 09:36:43 UTC to 2026-11-23 09:28:42 UTC: ` +
        '122 failed calls, 1.1 GB in, 564 MB out, 12 principals.',
    );
    expect(message.text).toBe(
      `4,085 data events on ${BUCKET} from 2026-11-21 09:36:43 UTC to 2026-11-23 09:28:42 UTC: ` +
        '122 failed calls, 1.1 GB in, 564 MB out, 12 principals.',
    );
    expect(all).toContainEqual(
      '*Operations*\n`GetObject` · 1,253 (29 failed)\n`CreateSession` · 945 (93 failed)\n`PutObject` · 467',
    );
    // The principals, in Slack's native table (one per message), with what it leaves out below it.
    expect(all).toContainEqual('*Top principals*');
    expect(tableOf(message)).toEqual([
      ['Principal', 'Calls', 'Failed'],
      ['arn:aws:sts::111122223333:assumed-role/AnalyticsReadOnly/dashboard-svc', '1,509', '15'],
      [BOB, '489', '2'],
      ['lifecycle.s3.amazonaws.com', '2', '0'],
      ['an unidentified caller', '1', '0'],
    ]);
    expect(all).toContainEqual('_…and 8 more principals (12 in all)._');
    expect(all).toContainEqual('*Errors*\n`AccessDenied` · 93\n`NoSuchKey` · 29');
    expect(all.at(-2)).toBe('Scanned 52 MB read, cost $0.00026 by the athena engine in 2.4 s.');
    expect(message.blocks.at(-1)?.type).toBe('context');
  });

  it('says plainly that nothing was found, and what that does not prove', () => {
    const message = buildActivityMessage(
      activity({
        totals: { events: 0, errors: 0, bytesIn: 0, bytesOut: 0, firstEvent: null, lastEvent: null },
        operations: [],
        principals: [],
        errors: [],
        groupCounts: { operations: 0, principals: 0, errors: 0 },
      }),
    );
    expectSafe(message);
    const all = texts(message.blocks);
    expect(all[0]).toBe(`No data events on \`${BUCKET}\` in the logs searched.`);
    expect(all[1]).toContain('only if CloudTrail data-event logging covered bucket');
    expect(message.blocks.filter((block) => block.type === 'divider')).toHaveLength(1);
  });

  it('fits 10,000 groups of each kind, counting what it leaves out', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => i);
    const message = buildActivityMessage(
      activity({
        operations: many.map((i) => ({ name: `Operation${i}`, count: 10_000 - i, errors: i })),
        principals: many.map((i) => ({ principal: `${MALLORY}-${i}`, count: 10_000 - i, errors: 0 })),
        errors: many.map((i) => ({ code: `Error${i}`, count: 10_000 - i })),
        groupCounts: { operations: 10_000, principals: 10_000, errors: 10_000 },
      }),
    );
    expectSafe(message);
    const all = texts(message.blocks).join('\n');
    expect(all).toMatch(/_…and [\d,]+ more operations \(10,000 in all\)\._/);
    expect(all).toMatch(/_…and [\d,]+ more principals \(10,000 in all\)\._/);
    expect(all).toMatch(/_…and [\d,]+ more error codes \(10,000 in all\)\._/);
    expect(all).toContain('`Operation0` · 10,000');
  });

  it('cuts 1,024-character names and 3,000-character ARNs, and escapes hostile text', () => {
    const message = buildActivityMessage(
      activity({
        bucket: HOSTILE,
        operations: Array.from({ length: 50 }, (_, i) => ({ name: `${LONG_VALUE}${i}`, count: 1, errors: 1 })),
        principals: Array.from({ length: 10 }, () => ({ principal: LONG_ARN, count: 1, errors: 0 })),
        errors: [{ code: HOSTILE, count: 1 }, ...Array.from({ length: 19 }, () => ({ code: LONG_VALUE, count: 1 }))],
        stats: HOSTILE_STATS,
      }),
    );
    expectSafe(message);
    const all = texts(message.blocks).join('\n');
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('&lt;@U1&gt;');
    expect(all).not.toContain(LONG_ARN);
    expect(all).toContain('…and 2 more warnings.');
  });
});

describe('buildPrincipalMessage', () => {
  it('says how the principal was matched, lists bucket and operation rows and the sessions', () => {
    const message = buildPrincipalMessage(principal());
    expectSafe(message);
    const all = texts(message.blocks);
    expect(all[0]).toBe(
      '*`DataEngineer` (found as a role name) made 281 calls* on 1 bucket ' +
        'from 2026-11-21 10:19:36 UTC to 2026-11-23 08:23:18 UTC: 3 failed calls, 2 sessions.',
    );
    expect(all).toContainEqual('*By bucket and operation*');
    expect(tableOf(message)).toEqual([
      ['Bucket', 'Operation', 'Calls', 'Failed', 'First (UTC)', 'Last (UTC)'],
      [BUCKET, 'GetObject', '246', '3', '2026-11-21 10:19:36 UTC', '2026-11-23 08:23:18 UTC'],
      [BUCKET, 'DeleteObject', '34', '0', '2026-11-21 10:19:36 UTC', '2026-11-23 08:23:18 UTC'],
      ['(no bucket)', 'ListDirectoryBuckets', '1', '0', '2026-11-21 10:19:36 UTC', '2026-11-21 10:19:36 UTC'],
    ]);
    expect(all).toContainEqual(`*Sessions*\n\`${BOB}\` · 200\n\`${MALLORY}\` · 81`);
    expect(all).toContainEqual(
      `*Objects deleted (most recent first)*\n\`${BUCKET}\` · \`reports/q3.csv\` · 1 · at 2026-11-23 08:23:18 UTC`,
    );
    expect(all).toContainEqual(
      `*Objects read (most recent first)*\n\`${BUCKET}\` · \`reports/q2.csv\` · 12 · from 2026-11-21 10:19:36 UTC to 2026-11-22 10:19:36 UTC`,
    );
    expect(all.join('\n')).not.toContain('Objects written');
    expect(all.join('\n')).toContain('`s3express.amazonaws.com` and `s3.amazonaws.com` events of every bucket');
  });

  it('says what a bare name was found as: a session name, or several kinds', () => {
    const session = texts(buildPrincipalMessage(principal({ principal: 'alice', nameMatchedAs: ['session'] })).blocks);
    expect(session[0]).toContain('*`alice` (found as a session name) made 281 calls*');
    const several = texts(
      buildPrincipalMessage(principal({ principal: 'ops', nameMatchedAs: ['role', 'user', 'session'] })).blocks,
    );
    expect(several[0]).toContain('*`ops` (found as a role name, a user name and a session name) made');
    const none = texts(
      buildPrincipalMessage(principal({ principal: 'ghost', nameMatchedAs: [], totals: { ...principal().totals, events: 0 } }))
        .blocks,
    );
    expect(none[0]).toContain('`ghost` (every role, user and session of that name)');
  });

  it('leaves the sessions out for one exact ARN, and words a role match', () => {
    const exact = texts(
      buildPrincipalMessage(
        principal({ principal: MALLORY, matchedAs: 'arn', sessions: 1, topSessions: [{ arn: MALLORY, count: 281 }] }),
      ).blocks,
    );
    expect(exact[0]).toMatch(new RegExp(`^\\*\`${MALLORY}\` made 281 calls\\* on 1 bucket .*: 3 failed calls\\.$`));
    expect(exact.some((text) => text.startsWith('*Sessions*'))).toBe(false);
    const role = texts(
      buildPrincipalMessage(principal({ principal: 'arn:aws:iam::111122223333:role/DataEngineer', matchedAs: 'role' })).blocks,
    );
    expect(role[0]).toContain('*role `arn:aws:iam::111122223333:role/DataEngineer` (every session) made 281 calls*');
  });

  it('fits 10,000 bucket and operation groups and 10,000 sessions', () => {
    const message = buildPrincipalMessage(
      principal({
        rows: Array.from({ length: 10_000 }, (_, i) =>
          principalRow({ bucket: `bucket-${i}--use1-az4--x-s3`, count: 10_000 - i }),
        ),
        totalRows: 10_000,
        topSessions: Array.from({ length: 10_000 }, (_, i) => ({ arn: `${MALLORY}${i}`, count: 10_000 - i })),
        sessions: 10_000,
      }),
    );
    expectSafe(message);
    const all = texts(message.blocks).join('\n');
    expect(all).toMatch(/_…and [\d,]+ more bucket-and-operation groups \(10,000 in all\)\._/);
    expect(all).toMatch(/_…and [\d,]+ more sessions \(10,000 in all\)\._/);
  });

  it('cuts 1,024-character bucket values and 3,000-character ARNs, and escapes hostile text', () => {
    const message = buildPrincipalMessage(
      principal({
        principal: `${HOSTILE}${LONG_ARN}`,
        rows: [
          principalRow({ bucket: HOSTILE, operation: HOSTILE, firstEvent: HOSTILE, lastEvent: HOSTILE }),
          ...Array.from({ length: 199 }, () => principalRow({ bucket: LONG_VALUE, operation: LONG_VALUE })),
        ],
        totalRows: 200,
        topSessions: Array.from({ length: 10 }, () => ({ arn: LONG_ARN, count: 1 })),
        stats: HOSTILE_STATS,
      }),
    );
    expectSafe(message);
    const all = texts(message.blocks).join('\n');
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).not.toContain(LONG_VALUE);
    // Inside a code span a backtick would end it: values get the look-alike instead.
    expect(all).toContain('`a&lt;b&gt;&amp;cˋdˋ*e*_f_ &lt;!channel&gt;');
  });
});

describe('buildDeniedMessage', () => {
  it('lists denials apart from other errors, with the caller, operation, code, counts, buckets by name and time span', () => {
    const message = buildDeniedMessage(denied());
    expectSafe(message);
    const all = texts(message.blocks);
    expect(all[0]).toBe(
      '*94 access denials and 34 other failed calls (not denials) in S3 or S3 Express* by 2 principals on 3 buckets ' +
        'from 2023-03-01 00:00:00 UTC to 2026-11-23 08:07:51 UTC.',
    );
    // Access denials in the table (the message's one table), other errors listed apart.
    expect(all).toContainEqual('*Access denied (a policy refused the call)*');
    expect(tableOf(message)).toEqual([
      ['Caller', 'Operation', 'Error', 'Calls', 'Buckets', 'First (UTC)', 'Last (UTC)'],
      [
        'arn:aws:sts::111122223333:assumed-role/Intern/trainee-jo',
        'CreateSession',
        'AccessDenied',
        '93',
        BUCKET,
        '2026-11-21 09:42:51 UTC',
        '2026-11-23 08:07:51 UTC',
      ],
      [
        'an unidentified caller in account 111111111111',
        'GetObject',
        'AccessDenied',
        '1',
        BUCKET,
        '2023-03-01 00:00:00 UTC',
        '2023-03-01 00:00:00 UTC',
      ],
    ]);
    expect(all).toContainEqual(
      '*Other errors (the call was allowed and failed: not denials)*\n' +
        '`arn:aws:sts::111122223333:assumed-role/Intern/trainee-jo` · `GetObject` · `NoSuchKey` · ' +
        `34 calls on \`${BUCKET}\` and \`scratch--usw2-az1--x-s3\` · from 2026-11-21 09:42:51 UTC to 2026-11-23 08:07:51 UTC`,
    );
    expect(all.join('\n')).toContain('failed calls in every bucket');
  });

  it('names the bucket when asked for one, and says what an empty answer does not prove', () => {
    const message = buildDeniedMessage(
      denied({
        bucket: BUCKET,
        sources: ['s3express.amazonaws.com'],
        groups: [],
        totalGroups: 0,
        totals: { events: 0, accessDenied: 0, otherErrors: 0, principals: 0, buckets: 0, firstEvent: null, lastEvent: null },
      }),
    );
    expectSafe(message);
    const all = texts(message.blocks);
    expect(all[0]).toBe(`No failed calls in bucket \`${BUCKET}\` in the logs searched.`);
    expect(all[1]).toContain(`covered bucket \`${BUCKET}\``);
  });

  it('fits 10,000 groups with 3,000-character ARNs and 1,024-character values, and escapes hostile text', () => {
    const message = buildDeniedMessage(
      denied({
        groups: [
          deniedGroup({ principal: HOSTILE, operation: HOSTILE, errorCode: HOSTILE }),
          deniedGroup({ principal: null, account: HOSTILE }),
          ...Array.from({ length: 9_998 }, () =>
            deniedGroup({ principal: LONG_ARN, operation: LONG_VALUE, errorCode: LONG_VALUE }),
          ),
        ],
        totalGroups: 10_000,
        stats: HOSTILE_STATS,
      }),
    );
    expectSafe(message);
    const all = texts(message.blocks).join('\n');
    expect(all).toMatch(/_…and [\d,]+ more groups \(10,000 in all\)\._/);
    expect(all).toContain('&lt;@U1&gt;');
    expect(all).not.toContain(LONG_ARN);
  });
});

describe('terminal formats', () => {
  it('CSV keeps whole values and makes formula-like ones inert', () => {
    const csv = deniedFormats.toCsv(
      denied({ groups: [deniedGroup({ principal: '=HYPERLINK("x")', operation: 'Get,Object' })], totalGroups: 1 }),
    );
    expect(csv.split('\r\n')).toEqual([
      'principal,account,operation,errorCode,accessDenied,count,buckets,bucketNames,firstEvent,lastEvent',
      `"'=HYPERLINK(""x"")",,"Get,Object",AccessDenied,true,93,1,${BUCKET},2026-11-21T09:42:51Z,2026-11-23T08:07:51Z`,
      '',
    ]);
    expect(activityFormats.toCsv(activity()).split('\r\n').slice(0, 3)).toEqual([
      'kind,name,count,errors,bytesIn,bytesOut,firstEvent,lastEvent',
      'total,,4085,122,1134750959,563813651,2026-11-21T09:36:43Z,2026-11-23T09:28:42Z',
      'operation,GetObject,1253,29,,,,',
    ]);
    expect(principalFormats.toCsv(principal()).split('\r\n').slice(3)).toEqual([
      ',ListDirectoryBuckets,,1,0,2026-11-21T10:19:36Z,2026-11-21T10:19:36Z',
      `${BUCKET},deleted,reports/q3.csv,1,0,2026-11-23T08:23:18Z,2026-11-23T08:23:18Z`,
      `${BUCKET},read,reports/q2.csv,12,0,2026-11-21T10:19:36Z,2026-11-22T10:19:36Z`,
      '',
    ]);
  });

  it('JSON carries the documented fields, absent values as null', () => {
    const json = JSON.parse(principalFormats.toJson(principal())) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual([
      'question',
      'searched',
      'totals',
      'rows',
      'totalRows',
      'sessions',
      'topSessions',
      'principalTypes',
      'nameMatchedAs',
      'objects',
      'totalObjects',
      'scanned',
    ]);
    expect(json.principalTypes).toEqual(['AssumedRole']);
    expect(json.searched).toEqual({
      sources: ['s3express.amazonaws.com', 's3.amazonaws.com'],
      principal: 'DataEngineer',
      matchedAs: 'name',
      since: '2026-11-17T00:00:00Z',
      until: '2026-11-24T00:00:00Z',
    });
    expect((JSON.parse(deniedFormats.toJson(denied())) as { searched: { bucket: unknown } }).searched.bucket).toBeNull();
    expect((JSON.parse(activityFormats.toJson(activity())) as { groupCounts: unknown }).groupCounts).toEqual({
      operations: 3,
      principals: 12,
      errors: 2,
    });
  });

  it('text output aligns the tables, counts what is left out, and shows control characters', () => {
    const text = activityFormats.toText(activity({ principals: [{ principal: 'evil\u001b[2Jarn', count: 1, errors: 0 }] }));
    expect(text).toContain('OPERATION      CALLS  FAILED\nGetObject      1,253      29\n');
    expect(text).toContain('…and 11 more principals (12 in all).');
    expect(text).toContain('evil␛[2Jarn');
    expect(text).not.toContain('\u001b');
    expect(principalFormats.toText(principal())).toContain('(no bucket)');
    expect(deniedFormats.toText(denied())).toContain('an unidentified caller in account 111111111111');
  });
});
