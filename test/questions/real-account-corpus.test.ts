import { rm } from 'node:fs/promises';
import path from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerDigest, answerRequest, type Reply } from '../../src/answers/answer-request.js';
import { toText as digestText } from '../../src/answers/digest/formats.js';
import { toText as statusText } from '../../src/answers/status/formats.js';
import { parseCommand } from '../../src/commands/parse.js';
import type { Engine } from '../../src/engines/engine.js';
import { IndexedEngine } from '../../src/engines/indexed/indexed-engine.js';
import { ArchiveIndex, listArchive } from '../../src/engines/indexed/ingest.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { detectLayout } from '../../src/engines/local/log-files.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { renderStoredReply } from '../../src/slack/render.js';
import { tempDir } from '../helpers/archive.js';
import { athenaReplaying } from '../helpers/athena.js';
import {
  ASKED_AT,
  buildRealAccountArchive,
  COLD_BUCKET,
  EDGE_DAY,
  EDGE_KEY,
  FAILED_KEY,
  HOT_BUCKET,
  KEPT_KEY,
  MALLORY,
  MISSING_DAY,
  NEWEST_EVENT,
  REDIRECTED_AT,
  TEAM_BUCKET,
} from '../helpers/real-account-archive.js';
import { withoutElapsed } from '../helpers/replies.js';

/**
 * Coverage on an archive shaped like a real account (test/helpers/real-account-archive.ts): every
 * question runs on the file engine, the index and (mocked) Athena fed the same rows, and each
 * answer, coverage included, must be the same; then what those answers say must be true.
 */
const athenaMock = mockClient(AthenaClient);
const dirs: string[] = [];
let records: Array<Record<string, unknown>>;
let files: LocalEngine;
let index: IndexedEngine;
let grown: IndexedEngine;
let athena: Engine;
let empty: LocalEngine;

beforeAll(async () => {
  const root = await tempDir('s3x-real-account-');
  const indexDir = await tempDir('s3x-real-account-index-');
  const emptyDir = await tempDir('s3x-no-logs-');
  dirs.push(root, indexDir, emptyDir);
  records = await buildRealAccountArchive(root);
  files = await LocalEngine.open({ logsDir: root });
  index = await IndexedEngine.open({ logsDir: root, indexPath: path.join(indexDir, 'index.duckdb') });
  const grownPath = path.join(indexDir, 'grown.duckdb');
  await growIndex(root, grownPath, GROWTH_STEPS);
  grown = await IndexedEngine.open({ logsDir: root, indexPath: grownPath });
  athena = athenaReplaying(files, athenaMock);
  empty = await LocalEngine.open({ logsDir: emptyDir });
});

afterAll(async () => {
  await files.close();
  await index.close();
  await grown.close();
  await empty.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Ingests of the archive as it grew: most steps end inside a day folder, as the app's ingests before its questions do. */
const GROWTH_STEPS = 9;

/**
 * An index made as one grows in use: the archive's files ingested in delivery order (the time in
 * their names), a few more at each of `steps` ingests, each laid out in its own sorted run.
 */
async function growIndex(root: string, indexPath: string, steps: number): Promise<void> {
  const byDelivery = (await listArchive(await detectLayout(root))).sort((a, b) =>
    path.basename(a).localeCompare(path.basename(b)),
  );
  const growing = await ArchiveIndex.open({ indexPath, logsDir: root });
  try {
    for (let step = 1; step <= steps; step++) {
      const delivered = byDelivery.slice(0, Math.ceil((byDelivery.length * step) / steps));
      await growing.ingest(delivered, { checkChanges: false, scope: 'all' });
    }
  } finally {
    await growing.close();
  }
}

/** A bare `--until` date takes in that whole day: this is [2026-11-01, 2026-11-08). */
const WEEK = ['--since', '2026-11-01', '--until', '2026-11-07'];

async function ask(engine: Engine, words: string[]): Promise<Reply> {
  return answerRequest(parseCommand(words, ASKED_AT), { engine, now: () => ASKED_AT });
}

/** An object answer without what differs by engine on purpose (files, bytes, time, cost). */
function comparable(reply: Reply) {
  if (reply.kind === 'status') {
    const { stats: _stats, ...answer } = reply.answer;
    return { ...reply, answer };
  }
  if (reply.kind !== 'object-answer') return reply;
  const { stats, ...answer } = reply.answer;
  return { ...reply, answer: { ...answer, newestEventTime: stats.newestEventTime } };
}

function coverageOf(reply: Reply) {
  if (reply.kind !== 'object-answer' || reply.coverage === undefined) throw new Error(`no coverage in a ${reply.kind} reply`);
  return reply.coverage;
}

const QUESTIONS: Array<[string, string[]]> = [
  ['who-deleted, a bucket the organization trail logs', ['who-deleted', KEPT_KEY, '--bucket', HOT_BUCKET, ...WEEK]],
  ['who-read, the other Region', ['who-read', 'never/read.bin', '--bucket', COLD_BUCKET, ...WEEK]],
  ['who-deleted, the redirected trail’s bucket', ['who-deleted', 'any/key', '--bucket', TEAM_BUCKET, ...WEEK]],
  [
    'who-deleted, the redirected trail’s bucket, 9 days after the trail was made',
    ['who-deleted', 'any/key', '--bucket', TEAM_BUCKET, '--since', '2026-11-03', '--until', '2026-11-07'],
  ],
  ['who-deleted, only a failed attempt', ['who-deleted', FAILED_KEY, '--bucket', HOT_BUCKET, ...WEEK]],
  [
    'who-deleted, the missing day',
    ['who-deleted', KEPT_KEY, '--bucket', HOT_BUCKET, '--since', MISSING_DAY, '--until', MISSING_DAY],
  ],
  ['history, no bucket', ['history', 'nothing/here', ...WEEK]],
  [
    'who-wrote, the window’s edges',
    ['who-wrote', EDGE_KEY, '--bucket', HOT_BUCKET, '--since', EDGE_DAY.since, '--until', EDGE_DAY.until],
  ],
  ['status, from the logs', ['status', '--since', '2026-11-01']],
];

describe('one archive shaped like a real account, three engines', () => {
  it.each(QUESTIONS)('%s: the files, the index and Athena give the same answer, coverage included', async (_name, words) => {
    const onFiles = comparable(await ask(files, words));
    expect(comparable(await ask(index, words))).toEqual(onFiles);
    expect(comparable(await ask(athena, words))).toEqual(onFiles);
  });

  it.each(QUESTIONS)('%s: an index grown by ingests in delivery order gives the same answer', async (_name, words) => {
    expect(comparable(await ask(grown, words))).toEqual(comparable(await ask(files, words)));
  });

  const AGGREGATES: Array<[string, string[]]> = [
    ['activity', ['activity', HOT_BUCKET, ...WEEK]],
    ['principal', ['principal', MALLORY, ...WEEK]],
    ['denied', ['denied', '--bucket', HOT_BUCKET, ...WEEK]],
  ];
  it.each(AGGREGATES)(
    '%s: the grown index answers as the index made at once (its roll-up kept up step by step)',
    async (_name, words) => {
      const atOnce = withoutElapsed(await ask(index, words));
      expect(JSON.stringify(atOnce)).toMatch(/"events":[1-9]/);
      expect(withoutElapsed(await ask(grown, words))).toEqual(atOnce);
    },
  );

  it('the digest: the grown index writes the one made at once', async () => {
    const atOnce = withoutElapsed(await answerDigest('2026-11-06', { engine: index, now: () => ASKED_AT }));
    expect(withoutElapsed(await answerDigest('2026-11-06', { engine: grown, now: () => ASKED_AT }))).toEqual(atOnce);
  });
});

describe('what the answers say is true', () => {
  it('calls a bucket logged when its own write events are in the window, though the trail history shows no trail for it', async () => {
    const writes = records.filter(
      (r) =>
        (r.requestParameters as { bucketName?: string } | undefined)?.bucketName === HOT_BUCKET &&
        ['PutObject', 'DeleteObject'].includes(String(r.eventName)),
    ).length;
    const coverage = coverageOf(await ask(files, ['who-deleted', KEPT_KEY, '--bucket', HOT_BUCKET, ...WEEK]));
    expect(coverage.gaps).toEqual([]);
    expect(coverage.state).not.toBe('not-covered');
    expect(coverage.note).toContain(`the logs hold ${writes} write events of this bucket in the window`);
    // The events prove logging from the first write to the last; the rest stays unknown, the missing day and the
    // stretch after the newest delivery named as such.
    expect(coverage.evidence?.writes).toMatchObject({ first: '2026-11-01T08:00:00Z', last: '2026-11-07T11:00:00Z' });
    expect(coverage.unknown).toEqual([
      { from: '2026-11-01T00:00:00Z', to: '2026-11-01T08:00:00Z' },
      { from: `${MISSING_DAY}T00:00:00Z`, to: '2026-11-05T00:00:00Z' },
      { from: '2026-11-07T11:00:01Z', to: '2026-11-08T00:00:00Z' },
    ]);
    expect(coverage.note).toContain(`the logs hold no events of us-east-1 on ${MISSING_DAY}`);
    expect(coverage.note).toContain('the newest event of us-east-1 in the logs for the window is from 2026-11-07 12:00:00 UTC');
  });

  it('says the redirected trail’s coverage is unknown from the UpdateTrail on, naming where, who and when', async () => {
    const coverage = coverageOf(await ask(files, ['who-deleted', 'any/key', '--bucket', TEAM_BUCKET, ...WEEK]));
    expect(coverage.atEnd).toBe('unknown');
    expect(coverage.trails).toEqual([]);
    expect(coverage.unknown.some((span) => span.from === REDIRECTED_AT)).toBe(true);
    expect(coverage.note).toContain(
      `trail team-trail now delivers to bucket elsewhere-logs (UpdateTrail by ${MALLORY} at 2026-11-05 10:00:00 UTC)`,
    );
    expect(coverage.note).not.toMatch(/whole window|Logged at the end/);
  });

  it('checks coverage when the only match is a failed attempt', async () => {
    const reply = await ask(files, ['who-deleted', FAILED_KEY, '--bucket', HOT_BUCKET, ...WEEK]);
    expect(reply.kind === 'object-answer' && reply.answer.events.map((event) => event.errorCode)).toEqual(['AccessDenied']);
    expect(coverageOf(reply).note).toContain('write events of this bucket in the window');
  });

  it('reads a window with no logs as unknown, never as nobody or as logged throughout', async () => {
    const day = await ask(files, [
      'who-deleted',
      KEPT_KEY,
      '--bucket',
      HOT_BUCKET,
      '--since',
      MISSING_DAY,
      '--until',
      MISSING_DAY,
    ]);
    expect(coverageOf(day)).toMatchObject({ state: 'unknown', gaps: [] });
    expect(coverageOf(day).note).toContain('the logs hold no events of us-east-1 in the window');

    const nothing = await ask(empty, ['who-deleted', KEPT_KEY, ...WEEK]);
    expect(nothing.kind === 'object-answer' && nothing.missingLogs).toContain(
      'the logs are missing 2026-11-01 00:00:00 UTC – 2026-11-08 00:00:00 UTC (the logs hold no events in the window)',
    );
    const emptyBucket = coverageOf(await ask(empty, ['who-deleted', KEPT_KEY, '--bucket', HOT_BUCKET, ...WEEK]));
    expect(emptyBucket.state).toBe('unknown');
    expect(emptyBucket.note).not.toMatch(/whole window/);
  });

  it('says the logs run out at the newest delivery, and the footer speaks of the window asked', async () => {
    const now = await ask(files, ['who-deleted', KEPT_KEY, '--bucket', HOT_BUCKET, '--since', '2026-11-07']);
    expect(coverageOf(now).note).toContain(
      `the newest event of us-east-1 in the logs for the window is from ${NEWEST_EVENT.replace('T', ' ').replace('Z', ' UTC')}`,
    );
    const earlier = await ask(files, [
      'who-deleted',
      KEPT_KEY,
      '--bucket',
      HOT_BUCKET,
      '--since',
      '2026-11-02',
      '--until',
      '2026-11-02',
    ]);
    // Not the next day's files read for late deliveries, nor the archive's newest: the window's own last event.
    expect(earlier.kind === 'object-answer' && earlier.answer.stats.newestEventTime).toBe('2026-11-02T23:40:00Z');
  });

  it('keeps the window half-open on every engine: an event at `since` counts, one at `until` does not', async () => {
    const words = ['who-wrote', EDGE_KEY, '--bucket', HOT_BUCKET, '--since', EDGE_DAY.since, '--until', EDGE_DAY.until];
    for (const engine of [files, index, athena]) {
      const reply = await ask(engine, words);
      expect(reply.kind === 'object-answer' && reply.answer.events.map((event) => event.eventTime)).toEqual([EDGE_DAY.since]);
    }
  });
});

/** An account to ask, shaped like the sandbox's: two directory buckets, and team-trail selecting only TEAM_BUCKET. */
const SANDBOX_LIKE = {
  kind: 'sandbox' as const,
  directoryBuckets: async () => [
    { name: HOT_BUCKET, region: 'us-east-1', account: '111122223333' },
    { name: TEAM_BUCKET, region: 'us-east-1', account: '111122223333' },
  ],
  trails: async () => [
    {
      name: 'team-trail',
      arn: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/team-trail',
      homeRegion: 'us-east-1',
      isMultiRegion: false,
      isLogging: true,
      selectors: {
        advanced: [
          {
            Name: 'team',
            FieldSelectors: [
              { Field: 'eventCategory', Equals: ['Data'] },
              { Field: 'resources.type', Equals: ['AWS::S3Express::Object'] },
              { Field: 'resources.ARN', StartsWith: [`arn:aws:s3express:us-east-1:111122223333:bucket/${TEAM_BUCKET}/`] },
            ],
          },
        ],
      },
    },
  ],
};

describe('the digest on the same archive', () => {
  it('says "no logs for this day" for a day the logs hold nothing of, never a quiet day', async () => {
    const digest = await answerDigest('2026-11-20', { engine: files, now: () => ASKED_AT });
    expect(digest).toMatchObject({ noLogs: true, quiet: false, events: 0 });
    expect(digestText(digest)).toContain('No logs for this day');
    expect(digestText(digest)).not.toContain('A quiet day');
  });

  it('names the Region whose logs are missing for the day, on every engine alike', async () => {
    const gaps = [];
    for (const engine of [files, index, athena]) {
      const digest = await answerDigest(MISSING_DAY, { engine, now: () => ASKED_AT });
      expect(digest.quiet).toBe(false);
      gaps.push(digest.logGaps);
    }
    expect(gaps[0]).toEqual([
      {
        from: `${MISSING_DAY}T00:00:00Z`,
        to: '2026-11-05T00:00:00Z',
        reason: 'the logs hold no events of us-east-1 in the window',
      },
    ]);
    expect(gaps[1]).toEqual(gaps[0]);
    expect(gaps[2]).toEqual(gaps[0]);
  });

  it('names the buckets not logged now when there is an account to ask (here a sandbox-like inventory)', async () => {
    const digest = await answerDigest('2026-11-06', { engine: files, trailInventory: SANDBOX_LIKE, now: () => ASKED_AT });
    expect(digest.uncoveredBuckets).toEqual([HOT_BUCKET]);
    expect(digestText(digest)).toContain('NOT LOGGED');
  });
});

describe('a bucket nobody has seen', () => {
  it('is an unknown bucket, without an Enable logging button; a known quiet bucket keeps its button', async () => {
    const deps = { engine: files, trailInventory: SANDBOX_LIKE, now: () => ASKED_AT };
    const ghost = await answerRequest(
      parseCommand(['who-deleted', 'k', '--bucket', 'ghost--use1-az4--x-s3', ...WEEK], ASKED_AT),
      deps,
    );
    expect(ghost.kind === 'object-answer' && ghost.unknownBucket).toBe(true);
    expect(coverageOf(ghost).note).toMatch(/^Unknown bucket: no event in the logs names ghost--use1-az4--x-s3 in the window/);
    const enable = (reply: Reply) =>
      JSON.stringify(renderStoredReply(reply, 'a1', 0, false).blocks).includes(ACTIONS.enableLogging);
    expect(enable(ghost)).toBe(false);
    const quiet = await answerRequest(parseCommand(['who-deleted', 'k', '--bucket', COLD_BUCKET, ...WEEK], ASKED_AT), {
      ...deps,
      trailInventory: { ...SANDBOX_LIKE, directoryBuckets: async () => [{ name: COLD_BUCKET, region: 'us-west-2' }] },
    });
    expect(quiet.kind === 'object-answer' && quiet.unknownBucket).toBeFalsy();
    expect(enable(quiet)).toBe(true);
  });
});

describe('status on the same archive', () => {
  it('takes --since, reads the logs (not "AWS"), and leads with what is logged now', async () => {
    const reply = await answerRequest(parseCommand(['status', '--since', '2026-11-01'], ASKED_AT), {
      engine: files,
      now: () => ASKED_AT,
    });
    if (reply.kind !== 'status') throw new Error(reply.kind);
    expect(reply.answer.window).toEqual({ since: new Date('2026-11-01T00:00:00Z'), until: ASKED_AT });
    const text = statusText(reply.answer);
    // From the logs alone no bucket can be called "not logged now": a trail set up before them may log it.
    expect(text.split('\n')[0]).toBe(
      `0 of 2 directory buckets are logged now; s3x cannot tell for ${COLD_BUCKET}, ${HOT_BUCKET} (history incomplete).`,
    );
    expect(text).toContain('directory buckets in the logs');
    expect(text).not.toContain('in AWS');
    expect(text).toContain(
      'Newest event in the logs, per Region: us-east-1 2026-11-07 12:00:00 UTC, us-west-2 2026-11-07 13:00:00 UTC',
    );
  });
});
