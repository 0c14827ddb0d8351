import { describe, expect, it } from 'vitest';
import { toCsv, toJson, toText } from '../../../src/answers/status/formats.js';
import type { BucketStatus, StatusAnswer } from '../../../src/answers/status/question.js';
import { coverageOf, type TrailChange } from '../../../src/cloudtrail/coverage.js';
import type { EventSelectorSet } from '../../../src/cloudtrail/selectors.js';
import { checkBlockLimits, MAX_BLOCKS_PER_MESSAGE, MAX_FALLBACK_TEXT, MAX_TOTAL_TEXT } from '../../../src/slack/blocks/limits.js';
import type { KnownBlock, SlackMessage } from '../../../src/slack/blocks/message.js';
import { buildStatusMessage, ENABLE_LOGGING_ACTION } from '../../../src/slack/blocks/status.js';

const HOSTILE = 'a<b>&c`d`*e*_f_ <!channel> <@U123> <https://evil.example|click>';
const WINDOW = { since: new Date('2026-11-02T00:00:00Z'), until: new Date('2026-11-10T00:00:00Z') };
const EVERY_BUCKET: EventSelectorSet = {
  advanced: [
    {
      Name: 'express',
      FieldSelectors: [
        { Field: 'eventCategory', Equals: ['Data'] },
        { Field: 'resources.type', Equals: ['AWS::S3Express::Object'] },
      ],
    },
  ],
};

const WRITES_ONLY: EventSelectorSet = {
  advanced: [
    {
      Name: 'express writes',
      FieldSelectors: [
        { Field: 'eventCategory', Equals: ['Data'] },
        { Field: 'resources.type', Equals: ['AWS::S3Express::Object'] },
        { Field: 'readOnly', Equals: ['false'] },
      ],
    },
  ],
};

let counter = 0;
function change(eventName: TrailChange['eventName'], eventTime: string, extra: Partial<TrailChange> = {}): TrailChange {
  counter += 1;
  return { eventId: `c${counter}`, eventTime, eventName, trailName: 'main', region: 'us-east-1', principalArn: null, ...extra };
}

const SET_UP = [
  change('CreateTrail', '2026-11-01T00:00:00Z'),
  change('PutEventSelectors', '2026-11-01T00:01:00Z', { selectors: EVERY_BUCKET }),
  change('StartLogging', '2026-11-01T00:02:00Z'),
];

type Kind = 'covered' | 'writes' | 'gap' | 'dropped' | 'never' | 'unknown';
const HISTORIES: Record<Kind, TrailChange[]> = {
  covered: SET_UP,
  // Covered, but reads are not logged.
  writes: [...SET_UP, change('PutEventSelectors', '2026-11-01T00:03:00Z', { selectors: WRITES_ONLY })],
  // Covered now, after a gap: partial, but nothing to enable.
  gap: [...SET_UP, change('StopLogging', '2026-11-05T20:10:00Z'), change('StartLogging', '2026-11-05T20:35:07Z')],
  // Partial, and not logged now.
  dropped: [...SET_UP, change('StopLogging', '2026-11-08T00:00:00Z')],
  never: [change('CreateTrail', '2026-11-01T00:00:00Z'), change('StartLogging', '2026-11-01T00:00:01Z')],
  unknown: [],
};

function status(bucket: string, kind: Kind): BucketStatus {
  const coverage = coverageOf(
    { changes: HISTORIES[kind], everyTrailKnown: true },
    { name: bucket, region: 'us-east-1', account: '111122223333' },
    WINDOW,
  );
  return { bucket, region: 'us-east-1', account: '111122223333', coverage, lastActivity: '2026-11-09T23:59:00Z' };
}

function answer(buckets: BucketStatus[], overrides: Partial<StatusAnswer> = {}): StatusAnswer {
  return {
    question: 'status',
    source: 'logs',
    window: WINDOW,
    buckets,
    totalBuckets: buckets.length,
    trails: [{ name: 'main', region: 'us-east-1', isLogging: true, since: '2026-11-05T20:35:07Z', multiRegion: false }],
    stats: {
      engine: 'local',
      filesScanned: 2880,
      eventsScanned: 1_200_000,
      unreadableFiles: [],
      bytesScanned: 64_000_000,
      elapsedMs: 1900,
      warnings: [],
      newestEventTime: '2026-11-09T23:59:00Z',
    },
    warnings: [],
    ...overrides,
  };
}

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

interface Button {
  action_id: string;
  value: string;
  text: { text: string };
}

/** The cells of the message's native table (the heading row first); [] when it has none. */
function tableOf(message: SlackMessage): string[][] {
  const table = message.blocks.find((block) => block.type === 'table');
  return table?.type === 'table'
    ? table.rows.map((row) => row.map((cell) => ('text' in cell ? String(cell.text) : cell.type)))
    : [];
}

function buttons(message: SlackMessage): Button[] {
  return message.blocks.flatMap((block) => {
    const accessory = (block as { accessory?: Button & { type: string } }).accessory;
    return accessory?.type === 'button' ? [accessory] : [];
  });
}

/** Realistic directory bucket names, 26-30 characters. */
function names(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `pipeline-${String(i).padStart(4, '0')}--use1-az4--x-s3`);
}

function kinds(count: number): Kind[] {
  const cycle: Kind[] = ['covered', 'covered', 'covered', 'covered', 'covered', 'covered', 'gap', 'dropped', 'never', 'unknown'];
  return Array.from({ length: count }, (_, i) => cycle[i % cycle.length] ?? 'covered');
}

function mixed(count: number): StatusAnswer {
  const kindList = kinds(count);
  return answer(names(count).map((name, i) => status(name, kindList[i] ?? 'covered')));
}

describe('buildStatusMessage', () => {
  const SMALL = answer([
    status('analytics--use1-az4--x-s3', 'covered'),
    status('ml--use1-az6--x-s3', 'gap'),
    status('scratch--use1-az4--x-s3', 'never'),
    status('tmp--use1-az5--x-s3', 'unknown'),
    status('web--use1-az4--x-s3', 'dropped'),
  ]);

  it('sums up the buckets by state and lists the trails', () => {
    const message = buildStatusMessage(SMALL);
    const all = texts(message.blocks);
    // The plain answer about now leads: logged, not logged, and what s3x cannot tell, apart.
    expect(all[0]).toBe(
      '2 of 5 directory buckets are logged now; `scratch--use1-az4--x-s3`, `web--use1-az4--x-s3` are not; ' +
        's3x cannot tell for `tmp--use1-az5--x-s3` (history incomplete).\n' +
        '*Object-level logging of 5 directory buckets in the logs*, 2026-11-02 00:00:00 UTC – 2026-11-10 00:00:00 UTC: ' +
        '❌ 2 not logged now, ❔ 1 history incomplete, ✅ 2 logged now; 3 buckets not fully logged now.',
    );
    expect(all[1]).toBe('Trails: `main` (us-east-1, logging since 2026-11-05 20:35:07 UTC).');
    expect(message.text).toBe(
      '2 of 5 directory buckets are logged now; scratch--use1-az4--x-s3, web--use1-az4--x-s3 are not; ' +
        's3x cannot tell for tmp--use1-az5--x-s3 (history incomplete).\n' +
        'Object-level logging of 5 directory buckets in the logs, 2026-11-02 00:00:00 UTC – 2026-11-10 00:00:00 UTC: ' +
        '2 not logged now, 1 history incomplete, 2 logged now; 3 buckets not fully logged now.',
    );
  });

  it('tells each bucket that needs attention in its own row, worst first, with its gaps and an Enable logging button', () => {
    const message = buildStatusMessage(SMALL);
    const rows = message.blocks.flatMap((block) =>
      block.type === 'section' && block.text && /^(❌|❔|✅) `[^`]+` · us-east-1 · \*/.test(block.text.text)
        ? [block.text.text]
        : [],
    );
    // Labelled by now: a bucket logged now with a gap earlier in the window is "logged now", the gap a detail.
    expect(rows).toEqual([
      '❌ `scratch--use1-az4--x-s3` · us-east-1 · *not logged now*\n' +
        'Not logged 2026-11-02 00:00:00–2026-11-10 00:00:00 UTC (no event selector covers it).\nLast activity 2026-11-09 23:59:00 UTC.',
      '❌ `web--use1-az4--x-s3` · us-east-1 · *not logged now*\n' +
        'Not logged 2026-11-08 00:00:00–2026-11-10 00:00:00 UTC (trail main stopped logging (StopLogging by an unknown principal at 2026-11-08 00:00:00 UTC)).\nLast activity 2026-11-09 23:59:00 UTC.',
      '❔ `tmp--use1-az5--x-s3` · us-east-1 · *history incomplete*\n' +
        'Cannot tell for 2026-11-02 00:00:00–2026-11-10 00:00:00 UTC.\nLast activity 2026-11-09 23:59:00 UTC.',
      '✅ `ml--use1-az6--x-s3` · us-east-1 · *logged now*\nLogged now: reads and writes since 2026-11-05 20:35:07 UTC by `main`.\n' +
        'Not logged 2026-11-05 20:10:00–20:35:07 UTC (trail main stopped logging (StopLogging by an unknown principal at 2026-11-05 20:10:00 UTC)).\nLast activity 2026-11-09 23:59:00 UTC.',
    ]);
    // No button where logging is already on for reads and writes.
    expect(buttons(message)).toEqual([
      {
        type: 'button',
        action_id: ENABLE_LOGGING_ACTION,
        value: 'scratch--use1-az4--x-s3',
        text: { type: 'plain_text', text: 'Enable logging' },
      },
      {
        type: 'button',
        action_id: ENABLE_LOGGING_ACTION,
        value: 'web--use1-az4--x-s3',
        text: { type: 'plain_text', text: 'Enable logging' },
      },
      {
        type: 'button',
        action_id: ENABLE_LOGGING_ACTION,
        value: 'tmp--use1-az5--x-s3',
        text: { type: 'plain_text', text: 'Enable logging' },
      },
    ]);
    expect(ENABLE_LOGGING_ACTION).toBe('s3x_enable_logging');
    // The buckets that need nothing are listed in Slack's native table.
    expect(tableOf(message)).toEqual([
      ['Bucket', 'Region', 'Now', 'Logged', 'Covered since (UTC)', 'Gaps'],
      ['analytics--use1-az4--x-s3', 'us-east-1', '✅ logged now', 'reads and writes', '2026-11-01 00:02:00 UTC', '0'],
    ]);
  });

  it('gives a bucket logged for writes only its own row and a button, though it is covered', () => {
    const message = buildStatusMessage(answer([status('a--use1-az4--x-s3', 'covered'), status('b--use1-az4--x-s3', 'writes')]));
    expect(texts(message.blocks)).toContain(
      '✅ `b--use1-az4--x-s3` · us-east-1 · *logged now*\nLogged now: writes only since 2026-11-01 00:02:00 UTC by `main`.\n' +
        'Last activity 2026-11-09 23:59:00 UTC.',
    );
    expect(buttons(message).map((button) => button.value)).toEqual(['b--use1-az4--x-s3']);
    expect(message.text).toContain('2 logged now; 1 bucket not fully logged now.');
  });

  it('fits 100 buckets: every one is shown, within Slack’s limits', () => {
    const message = buildStatusMessage(mixed(100));
    expect(checkBlockLimits(message.blocks, 'message')).toEqual([]);
    const all = texts(message.blocks).join('\n');
    // The first 15 that need attention in rows of their own, the other 85 in the native table.
    const tabled = tableOf(message)
      .slice(1)
      .map((row) => row[0]);
    expect(tabled).toHaveLength(85);
    for (const name of names(100)) expect(all.includes(`\`${name}\``) || tabled.includes(name), name).toBe(true);
    expect(all).not.toContain('more bucket');
    expect(buttons(message).length).toBeGreaterThan(0);
    expect(message.blocks.length).toBeLessThanOrEqual(MAX_BLOCKS_PER_MESSAGE);
  });

  it('fits 100 buckets that all need logging, with names as long as AWS allows (63)', () => {
    const long = Array.from({ length: 100 }, (_, i) => `${'x'.repeat(43)}-${String(i).padStart(3, '0')}--use1-az4--x-s3`);
    expect(long[0]).toHaveLength(63);
    const message = buildStatusMessage(answer(long.map((name) => status(name, 'never'))));
    expect(checkBlockLimits(message.blocks, 'message')).toEqual([]);
    const all = texts(message.blocks);
    const shown = long.filter((name) => all.some((text) => text.includes(name))).length;
    expect(shown).toBe(100);
    // The first ones in full, with a button each; the rest one line each.
    expect(buttons(message)).toHaveLength(15);
    expect(all.join('\n')).toContain(`❌ \`${long[99]}\` · not logged`);
  });

  it('caps 1,000 buckets with "…and N more" and stays within every limit', () => {
    const big = mixed(1000);
    const message = buildStatusMessage({ ...big, buckets: big.buckets, totalBuckets: 1200 });
    expect(checkBlockLimits(message.blocks, 'message')).toEqual([]);
    expect(message.blocks.length).toBeLessThanOrEqual(MAX_BLOCKS_PER_MESSAGE);
    const all = texts(message.blocks);
    expect(all.join('').length).toBeLessThanOrEqual(MAX_TOTAL_TEXT);
    const shown = names(1000).filter((name) => all.some((text) => text.includes(`\`${name}\``))).length;
    const more = all.find((text) => text.startsWith('…and '));
    expect(more).toContain(`…and ${(1200 - shown).toLocaleString('en-US')} more buckets (`);
    expect(more).toContain('`s3x status --format csv` lists them all');
    expect(message.text.length).toBeLessThanOrEqual(MAX_FALLBACK_TEXT);
  });

  it('says so when there is no directory bucket', () => {
    const message = buildStatusMessage(answer([], { trails: [] }));
    expect(texts(message.blocks).slice(0, 2)).toEqual([
      'No directory buckets in the logs (2026-11-02 00:00:00 UTC – 2026-11-10 00:00:00 UTC).',
      'Trails: none that the logs show existing at the end of the window.',
    ]);
  });

  it('in AWS mode without a log table, speaks of right now and says it cannot tell since when', () => {
    const now = new Date('2026-11-10T00:00:00Z');
    const coverage = coverageOf(
      {
        changes: [],
        current: [
          {
            name: 'main',
            arn: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/main',
            homeRegion: 'us-east-1',
            isMultiRegion: false,
            isLogging: true,
            selectors: EVERY_BUCKET,
          },
        ],
      },
      { name: 'hot--use1-az4--x-s3', region: 'us-east-1', account: '111122223333' },
      { since: now, until: now },
    );
    const { stats: _unused, ...withoutStats } = answer([{ bucket: 'hot--use1-az4--x-s3', region: 'us-east-1', coverage }], {
      source: 'aws',
      window: { since: now, until: now },
    });
    const message = buildStatusMessage(withoutStats);
    const all = texts(message.blocks);
    expect(all[0]).toBe(
      'The 1 directory bucket is logged now.\n' +
        '*Object-level logging of 1 directory bucket in AWS*, right now (2026-11-10 00:00:00 UTC): ✅ 1 logged now.',
    );
    // Per trail, when it last delivered and why delivery fails: a trail that stopped delivering shows here.
    const delivering = buildStatusMessage({
      ...withoutStats,
      trails: [
        {
          name: 'org',
          region: 'us-east-1',
          isLogging: true,
          latestDelivery: '2026-11-09T22:00:00Z',
          deliveryError: 'AccessDenied',
        },
      ],
    });
    expect(texts(delivering.blocks)[1]).toBe(
      'Trails: `org` (us-east-1, logging, last delivery 2026-11-09 22:00:00 UTC, delivery failing: AccessDenied).',
    );
    // The local sandbox account is named as such, never as AWS.
    expect(texts(buildStatusMessage({ ...withoutStats, source: 'sandbox' }).blocks)[0]).toContain(
      '*Object-level logging of 1 directory bucket in the local sandbox account*',
    );
    expect(all.join('\n')).toContain('no log table was searched, so s3x cannot say since when.');
  });

  it('escapes hostile values everywhere: no mention, no broadcast, no link, no broken code span', () => {
    const hostile = status(HOSTILE, 'never');
    const message = buildStatusMessage(
      answer([{ ...hostile, region: HOSTILE, lastActivity: HOSTILE }, status(`${HOSTILE}2`, 'covered')], {
        trails: [{ name: HOSTILE, region: HOSTILE, isLogging: true, since: HOSTILE }],
        warnings: [HOSTILE],
      }),
    );
    expect(checkBlockLimits(message.blocks, 'message')).toEqual([]);
    const all = [message.text, ...texts(message.blocks)];
    for (const text of all) {
      expect(text).not.toMatch(/<[!@#]/);
      expect(text).not.toContain('<https://');
      expect(text).not.toMatch(/<[^>]*\|/);
    }
    expect(all.join('\n')).toContain('&lt;!channel&gt;');
    // Code spans stay whole in mrkdwn; table cells are raw text, with no code spans to break.
    const mrkdwn = texts(message.blocks.filter((block) => block.type !== 'table'));
    for (const text of mrkdwn) expect((text.match(/`/g) ?? []).length % 2).toBe(0);
    expect(tableOf(message)[1]?.[0]).toBe(`${HOSTILE}2`.replaceAll('<', '‹').replaceAll('>', '›'));
    // The value goes back to s3x, not to the screen: it keeps the name exactly.
    expect(buttons(message).map((button) => button.value)).toEqual([HOSTILE]);
  });
});

describe('status terminal formats', () => {
  const SMALL = answer([status('hot--use1-az4--x-s3', 'gap'), status('=cold--use1-az4--x-s3', 'never')]);

  it('toText shows the summary, a table worst first, each story, the trails and the footer', () => {
    const text = toText(SMALL);
    const lines = text.split('\n');
    expect(lines[0]).toBe('1 of 2 directory buckets is logged now; =cold--use1-az4--x-s3 is not.');
    expect(lines[1]).toBe(
      'Object-level logging of 2 directory buckets in the logs, 2026-11-02 00:00:00 UTC – 2026-11-10 00:00:00 UTC: ' +
        '1 not logged now, 1 logged now; 1 bucket not fully logged now.',
    );
    expect(lines[3]).toMatch(/^STATE\s+BUCKET\s+REGION\s+NOW\s+SINCE \(UTC\)\s+GAPS\s+LAST ACTIVITY \(UTC\)\s+ACTION$/);
    expect(lines[4]).toMatch(
      /^not logged now\s+=cold--use1-az4--x-s3\s+us-east-1\s+not logged\s+1\s+2026-11-09 23:59:00\s+enable logging$/,
    );
    expect(lines[5]).toMatch(
      /^logged now\s+hot--use1-az4--x-s3\s+us-east-1\s+reads and writes\s+2026-11-05 20:35:07\s+1\s+2026-11-09 23:59:00$/,
    );
    expect(text).toContain(
      'hot--use1-az4--x-s3: CloudTrail logged object-level (data) events of hot--use1-az4--x-s3 for only part',
    );
    expect(text).toContain('Turn logging on with: s3x enable-logging <bucket> (or --all).');
    expect(text).toContain('Trails: main (us-east-1, logging since 2026-11-05 20:35:07 UTC).');
    expect(text).toContain('Scanned 2,880 files, 1,200,000 events, 64 MB read by the local engine in 1.9 s.');
    expect(text).not.toContain('`');
  });

  it('toCsv writes one RFC 4180 row per bucket and defuses formulas', () => {
    const rows = toCsv(SMALL).split('\r\n');
    expect(rows[0]).toBe(
      'bucket,region,account,state,atEnd,reads,writes,coveredSince,gaps,unknown,trails,needsLogging,lastActivity,createdAt,note',
    );
    expect(rows[1]).toMatch(
      /^hot--use1-az4--x-s3,us-east-1,111122223333,partial,covered,true,true,2026-11-05T20:35:07Z,2026-11-05T20:10:00Z\/2026-11-05T20:35:07Z,,main,false,2026-11-09T23:59:00Z,,/,
    );
    expect(rows[2]).toMatch(/^'=cold--use1-az4--x-s3,/);
    expect(rows).toHaveLength(4);
  });

  it('toJson keeps the documented fields in a fixed order', () => {
    const document = JSON.parse(toJson(SMALL));
    expect(Object.keys(document)).toEqual([
      'question',
      'source',
      'window',
      'totalBuckets',
      'buckets',
      'trails',
      'scanned',
      'warnings',
    ]);
    expect(document.buckets[0]).toMatchObject({
      bucket: 'hot--use1-az4--x-s3',
      state: 'partial',
      gaps: [
        {
          from: '2026-11-05T20:10:00Z',
          to: '2026-11-05T20:35:07Z',
          reason: 'trail main stopped logging (StopLogging by an unknown principal at 2026-11-05 20:10:00 UTC)',
        },
      ],
      needsLogging: false,
      createdAt: null,
    });
    expect(document.window).toEqual({ since: '2026-11-02T00:00:00Z', until: '2026-11-10T00:00:00Z' });
  });
});
