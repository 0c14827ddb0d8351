import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
} from '@aws-sdk/client-cloudtrail';
import { ListDirectoryBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  askStatusFromAws,
  askStatusFromLogs,
  buildStatusBucketsQuery,
  needsLogging,
  statusWindow,
} from '../../../src/answers/status/question.js';
import { TrailInventory } from '../../../src/aws/cloudtrail/trail-inventory.js';
import { coverageOf } from '../../../src/cloudtrail/coverage.js';
import { LocalEngine } from '../../../src/engines/local/local-engine.js';
import { askTrailHistory, buildTrailHistoryQuery, type TrailHistoryAnswer } from '../../../src/questions/trail-history.js';
import { generateArchive, type SampleFacts } from '../../../src/sample/generate.js';
import { tempDir } from '../../helpers/archive.js';
import { REAL_DATASETS } from '../../helpers/paths.js';

const TABLE = { name: 'cloudtrail_logs', partitionedByDay: true, regions: ['us-east-1'] };
const WINDOW = { since: new Date('2026-11-01T00:00:00Z'), until: new Date('2026-11-03T00:00:00Z') };

/** Athena allows `?` only in WHERE: every parameter must sit in the scan’s WHERE clause. */
function expectParametersOnlyInScanWhere(text: string): void {
  const [beforeWhere = '', afterWhere = ''] = text.split(/\bWHERE\b/, 2);
  expect(beforeWhere).not.toContain('?');
  expect(afterWhere.split('\n),')[0]).toContain('?');
  expect(afterWhere.split('\n),').slice(1).join()).not.toContain('?');
}

describe('the status queries', () => {
  it('bind the window and partitions as parameters, in the scan only', () => {
    const buckets = buildStatusBucketsQuery(WINDOW, TABLE);
    expect(buckets.sql.params).toEqual([
      '2026/11/01',
      '2026/11/03',
      'us-east-1',
      '2026-11-01T00:00:00Z',
      '2026-11-03T00:00:00Z',
      's3express.amazonaws.com',
    ]);
    expectParametersOnlyInScanWhere(buckets.sql.text);
    expect(buckets.sql.text).toMatch(/LIMIT 1000$/);
    expect(buckets.days).toEqual({ from: '2026/11/01', to: '2026/11/03' });

    const history = buildTrailHistoryQuery(WINDOW, TABLE);
    expect(history.sql.params).toEqual(['2026/11/01', '2026/11/03', 'us-east-1', '2026-11-01T00:00:00Z', '2026-11-03T00:00:00Z']);
    expectParametersOnlyInScanWhere(history.sql.text);
    expect(history.sql.text).toContain("coalesce(errorcode, '') = ''");
    expect(history.sql.text).toMatch(/LIMIT 5001$/);
  });
});

describe('status over a generated archive', () => {
  const END = new Date('2026-11-24T09:30:00Z');
  let engine: LocalEngine;
  let facts: SampleFacts;
  let history: TrailHistoryAnswer;
  const at = (instant: string, deltaMs = 0): Date => new Date(Date.parse(instant) + deltaMs);
  const trailEvents = () => facts.management.filter((event) => event.eventSource === 'cloudtrail.amazonaws.com');
  const bucket = (name: string) => ({ name, region: facts.region, account: facts.accountId });
  /** The gap's reason names the trail, the StopLogging call and who made it. */
  const stoppedLogging = () =>
    expect.stringMatching(
      new RegExp(
        `^trail ${facts.trail.name} stopped logging \\(StopLogging by arn:aws:[^ ]+ at ${facts.loggingGap.stoppedAt.replace('T', ' ').replace('Z', ' UTC')}\\)$`,
      ),
    );

  beforeAll(async () => {
    const dir = await tempDir('s3x-status-');
    facts = (await generateArchive({ outDir: dir, seed: 11, end: END, days: 4, eventsPerDay: 400 })).facts;
    engine = await LocalEngine.open({ logsDir: dir });
    history = await askTrailHistory({ since: new Date(facts.start), until: END }, engine);
  });
  afterAll(async () => {
    await engine.close();
  });

  it('lists the trail’s own changes oldest first, once each, with the selectors PutEventSelectors wrote', () => {
    expect(history.changes.map((c) => [c.eventId, c.eventName, c.eventTime, c.trailName, c.region])).toEqual(
      trailEvents().map((event) => [event.eventId, event.eventName, event.eventTime, facts.trail.name, facts.region]),
    );
    const puts = history.changes.filter((c) => c.eventName === 'PutEventSelectors');
    expect(puts).toHaveLength(3);
    expect(puts.every((c) => c.selectors?.advanced?.length === 3 && c.trailArn === facts.trail.arn)).toBe(true);
    expect(history.logsFrom).toBe(facts.management[0]?.eventTime);
    expect(history.truncated).toBe(false);
  });

  it('shows every live directory bucket with the logging gap, over the last 90 days', async () => {
    const window = statusWindow(END);
    const answer = await askStatusFromLogs(engine, window);
    const created = trailEvents()[0]?.eventTime ?? '';
    const live = [...facts.directoryBuckets].sort();
    expect(answer.buckets.map((status) => status.bucket)).toEqual(live);
    // No fixed 90-day "cannot tell": status covers the window from where the logs begin, and says so.
    expect(answer.window).toEqual({ since: new Date(created), until: END });
    expect(answer.warnings).toEqual([`The logs begin at ${created}: status covers the window from there.`]);
    expect(answer.totalBuckets).toBe(4);
    // tmp-exports lost its selector: it needs logging now. From the logs alone s3x cannot rule out a trail
    // set up before them, so it says it cannot tell rather than "not logged".
    const tmp = answer.buckets.find((status) => status.bucket.startsWith('tmp-exports'));
    expect(tmp?.coverage).toMatchObject({ atEnd: 'unknown', gaps: [] });
    expect(tmp?.coverage.note).toContain('a trail set up before the logs begin');
    expect(needsLogging(tmp?.coverage as Parameters<typeof needsLogging>[0])).toBe(true);
    for (const status of answer.buckets.filter((s) => !s.bucket.startsWith('tmp-exports'))) {
      expect(status).toMatchObject({ region: facts.region, account: facts.accountId });
      expect(status.coverage).toMatchObject({
        state: 'partial',
        gaps: [],
        // Before the trail logs the bucket, and while it was stopped, a trail set up before the logs may have: unknown.
        unknown: [
          { from: created, to: expect.stringMatching(/^2026-11-20T09:3/) },
          { from: facts.loggingGap.stoppedAt, to: facts.loggingGap.restartedAt },
        ],
        atEnd: 'covered',
        reads: true,
        writes: true,
        trails: [facts.trail.name],
      });
      expect((status.coverage.unknown[0]?.to ?? '') > created).toBe(true);
      expect(status.coverage.note).toContain(`trail ${facts.trail.name} stopped logging (StopLogging by `);
      expect(needsLogging(status.coverage)).toBe(false);
      expect(status.lastActivity && status.lastActivity < facts.end).toBe(true);
    }
    expect(answer.trails).toEqual([
      { name: facts.trail.name, region: facts.region, isLogging: true, since: facts.loggingGap.restartedAt, multiRegion: false },
    ]);
    expect(answer.stats?.engine).toBe('local');
  });

  it('over a window holding the gap, with the history from before it, the gap is the only gap', () => {
    const window = { since: new Date(`${facts.anchorDay}T00:00:00Z`), until: END };
    const coverage = coverageOf({ changes: history.changes, everyTrailKnown: true }, bucket(facts.plantedBucket), window);
    expect(coverage).toMatchObject({
      state: 'partial',
      gaps: [{ from: facts.loggingGap.stoppedAt, to: facts.loggingGap.restartedAt, reason: stoppedLogging() }],
      unknown: [],
      coveredSince: facts.loggingGap.restartedAt,
    });
  });

  it('covers the buckets the PutEventSelectors name, from when they name them, and no other', () => {
    const window = { since: at(facts.start, 3600_000), until: END };
    const secondPut = trailEvents().filter((event) => event.eventName === 'PutEventSelectors')[1]?.eventTime;
    const tmp = facts.directoryBuckets.find((name) => name.startsWith('tmp-exports')) ?? '';
    const thirdPut = trailEvents().filter((event) => event.eventName === 'PutEventSelectors')[2]?.eventTime;
    // tmp-exports joins the selectors after it is created, and leaves them again later.
    const tmpGaps = coverageOf({ changes: history.changes, everyTrailKnown: true }, bucket(tmp), window).gaps;
    expect(tmpGaps[0]).toEqual({ from: '2026-11-20T10:30:00Z', to: secondPut, reason: 'no event selector covers it' });
    expect(tmpGaps.at(-1)).toMatchObject({ to: '2026-11-24T09:30:00Z' });
    expect(tmpGaps[1]?.from).toBe(thirdPut);
    const never = coverageOf({ changes: history.changes, everyTrailKnown: true }, bucket('other--use1-az4--x-s3'), window);
    expect(never).toMatchObject({
      state: 'not-covered',
      gaps: [
        {
          from: '2026-11-20T10:30:00Z',
          to: '2026-11-24T09:30:00Z',
          reason: expect.stringContaining('no event selector covers it'),
        },
      ],
      atEnd: 'not-covered',
    });
    expect(needsLogging(never)).toBe(true);
    // The trail is single-Region: a bucket elsewhere has no trail at all.
    const west = coverageOf(
      { changes: history.changes, everyTrailKnown: true },
      { ...bucket('far--usw2-az1--x-s3'), region: 'us-west-2' },
      window,
    );
    expect(west).toMatchObject({ state: 'not-covered', gaps: [{ reason: 'no trail' }] });
  });

  it('tells a who-deleted with no match inside the gap that deletes were not logged then', () => {
    const window = { since: at(facts.loggingGap.stoppedAt, 60_000), until: at(facts.loggingGap.restartedAt, -60_000) };
    const coverage = coverageOf({ changes: history.changes, everyTrailKnown: true }, bucket(facts.plantedBucket), window, {
      eventNames: ['DeleteObject', 'DeleteObjects'],
    });
    expect(coverage).toMatchObject({ state: 'not-covered', gaps: [{ reason: stoppedLogging() }] });
    expect(coverage.note).toContain(
      `CloudTrail did not log DeleteObject, DeleteObjects events of ${facts.plantedBucket} in the window (trail ${facts.trail.name} stopped logging (StopLogging by `,
    );
  });

  it('in AWS mode, takes buckets and trails from AWS and since when from the logs', async () => {
    const cloudTrail = mockClient(CloudTrailClient);
    const s3 = mockClient(S3Client);
    try {
      const selectors = history.changes.filter((c) => c.eventName === 'PutEventSelectors').at(-1)?.selectors?.advanced;
      s3.on(ListDirectoryBucketsCommand).resolves({
        Buckets: [{ Name: facts.plantedBucket }, { Name: 'other--use1-az4--x-s3' }],
      });
      cloudTrail
        .on(DescribeTrailsCommand)
        .resolves({ trailList: [{ Name: facts.trail.name, TrailARN: facts.trail.arn, HomeRegion: facts.region }] })
        .on(GetTrailStatusCommand)
        .resolves({ IsLogging: true, StartLoggingTime: new Date(facts.loggingGap.restartedAt) })
        .on(GetEventSelectorsCommand)
        .resolves({ TrailARN: facts.trail.arn, AdvancedEventSelectors: selectors });
      const inventory = new TrailInventory(
        {
          region: facts.region,
          s3: new S3Client({ region: facts.region }),
          cloudTrailFor: (region) => new CloudTrailClient({ region }),
        },
        { now: () => END.getTime(), sleep: async () => undefined, random: () => 0 },
      );

      const answer = await askStatusFromAws(inventory, { now: END, history, account: facts.accountId });
      expect(answer).toMatchObject({ source: 'aws', window: history.window, totalBuckets: 2, warnings: [] });
      const [other, planted] = [answer.buckets[1], answer.buckets[0]];
      expect(planted?.bucket).toBe(facts.plantedBucket);
      expect(planted?.coverage).toMatchObject({
        state: 'partial',
        gaps: [
          { reason: 'no event selector covers it; trail not logging' },
          { from: facts.loggingGap.stoppedAt, to: facts.loggingGap.restartedAt, reason: stoppedLogging() },
        ],
        coveredSince: facts.loggingGap.restartedAt,
        atEnd: 'covered',
      });
      expect(other).toMatchObject({ bucket: 'other--use1-az4--x-s3', coverage: { state: 'not-covered', atEnd: 'not-covered' } });
      expect(answer.trails).toEqual([
        {
          name: facts.trail.name,
          region: facts.region,
          isLogging: true,
          since: facts.loggingGap.restartedAt,
          multiRegion: false,
        },
      ]);

      // Without a log table: the present only.
      const now = await askStatusFromAws(inventory, { now: END, account: facts.accountId });
      expect(now.window).toEqual({ since: END, until: END });
      expect(now.buckets.map((status) => [status.bucket, status.coverage.state])).toEqual([
        [facts.plantedBucket, 'covered'],
        ['other--use1-az4--x-s3', 'not-covered'],
      ]);
      expect(now.stats).toBeUndefined();
    } finally {
      cloudTrail.restore();
      s3.restore();
    }
  });
});

describe('status over the real public CloudTrail records', () => {
  let engine: LocalEngine;
  beforeAll(async () => {
    engine = await LocalEngine.open({ logsDir: REAL_DATASETS });
  });
  afterAll(async () => {
    await engine.close();
  });

  const INVICTUS_DAY = { since: new Date('2023-07-10T00:00:00Z'), until: new Date('2023-07-11T00:00:00Z') };

  it('replays the Invictus trail changes: failed calls left out, data events switched off', async () => {
    const history = await askTrailHistory(INVICTUS_DAY, engine);
    expect(history.changes.map((c) => [c.eventTime, c.eventName, c.trailName.replace('stratus-red-team-', '')])).toEqual([
      ['2023-07-10T12:00:05Z', 'CreateTrail', 'ctes-trail-qyxyekjbtk'],
      ['2023-07-10T12:00:05Z', 'StartLogging', 'ctes-trail-qyxyekjbtk'],
      ['2023-07-10T12:00:08Z', 'PutEventSelectors', 'ctes-trail-qyxyekjbtk'],
      ['2023-07-10T12:00:31Z', 'CreateTrail', 'ctlr-trail-zqfsvooxqj'],
      ['2023-07-10T12:00:32Z', 'StartLogging', 'ctlr-trail-zqfsvooxqj'],
      ['2023-07-10T12:07:49Z', 'PutEventSelectors', 'ctes-trail-qyxyekjbtk'],
      // Same second: ordered by event id.
      ['2023-07-10T12:08:04Z', 'DeleteTrail', 'ctlr-trail-zqfsvooxqj'],
      ['2023-07-10T12:08:04Z', 'DeleteTrail', 'ctes-trail-qyxyekjbtk'],
    ]);
    expect(history.changes[2]?.selectors).toEqual({
      basic: [
        {
          ReadWriteType: 'ReadOnly',
          IncludeManagementEvents: false,
          DataResources: [
            { Type: 'AWS::S3::Object', Values: [] },
            { Type: 'AWS::Lambda::Function', Values: [] },
          ],
        },
      ],
    });
    expect(history.changes.every((c) => c.principalArn === 'arn:aws:iam::123837392027:user/bert-jan')).toBe(true);
    expect(history.logsFrom).toBe('2023-07-10T11:42:18Z');

    const window = { since: new Date('2023-07-10T11:00:00Z'), until: new Date('2023-07-10T13:00:00Z') };
    const hot = { name: 'hot--use1-az4--x-s3', region: 'us-east-1', account: '123837392027' };
    // From these logs alone, a trail set up before them may still log the bucket: s3x cannot tell.
    expect(coverageOf(history, hot, window)).toMatchObject({ state: 'unknown', gaps: [] });
    // Replayed as the account's whole trail history, data events are off from the first change on.
    const coverage = coverageOf({ ...history, everyTrailKnown: true }, hot, window);
    expect(coverage).toMatchObject({
      state: 'not-covered',
      unknown: [{ from: '2023-07-10T11:00:00Z', to: '2023-07-10T12:00:05Z' }],
      gaps: [
        {
          from: '2023-07-10T12:00:05Z',
          to: '2023-07-10T13:00:00Z',
          reason: 'no event selector covers it; no trail',
        },
      ],
    });

    const status = await askStatusFromLogs(engine, INVICTUS_DAY);
    expect(status).toMatchObject({ buckets: [], totalBuckets: 0, trails: [] });
  });

  it('reads Stratus Red Team’s PutEventSelectors as switching data events off for the trail’s Region', async () => {
    const history = await askTrailHistory(
      { since: new Date('2024-07-31T00:00:00Z'), until: new Date('2024-08-01T00:00:00Z') },
      engine,
    );
    expect(history.changes.map((c) => [c.eventName, c.eventId])).toEqual([
      ['DeleteTrail', 'ee73c230-44bc-4492-8542-cfb189eae287'],
      ['PutEventSelectors', 'c2a89408-340a-42f0-8ace-75d9f5769393'],
      ['StopLogging', '10163ed2-2253-469d-a5ee-cbc6651f8934'],
    ]);
    const put = history.changes[1];
    expect(put).toMatchObject({
      trailName: 'stratus-red-team-ctes-trail-khlvciwdor',
      trailArn: 'arn:aws:cloudtrail:cn-northsouth-2r:958312252124:trail/stratus-red-team-ctes-trail-khlvciwdor',
      region: 'cn-northsouth-2r',
    });
    const window = { since: new Date('2024-07-31T13:10:00Z'), until: new Date('2024-08-01T00:00:00Z') };
    const bucket = { name: 'b--cnns2-az1--x-s3', region: 'cn-northsouth-2r', account: '958312252124' };
    expect(coverageOf({ changes: history.changes }, bucket, window).state).toBe('unknown');
    const coverage = coverageOf({ changes: history.changes, everyTrailKnown: true }, bucket, window);
    expect(coverage.state).toBe('not-covered');
    expect(coverage.gaps[0]?.reason).toContain('no event selector covers it');
    expect(coverage.gaps[0]?.reason).toContain('stopped logging (StopLogging by arn:aws:iam::143434273843:user/christophe');
  });
});
