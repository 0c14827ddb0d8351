import { describe, expect, it } from 'vitest';
import { coverageOf, type TrailChange, trailsAt } from '../../src/cloudtrail/coverage.js';
import type { EventSelectorSet } from '../../src/cloudtrail/selectors.js';
import type { Trail } from '../../src/cloudtrail/trail.js';

const ADMIN = 'arn:aws:iam::111122223333:user/admin';
const BUCKET = { name: 'hot--use1-az4--x-s3', region: 'us-east-1', account: '111122223333' };
const OTHER_PREFIX = 'arn:aws:s3express:us-east-1:111122223333:bucket/cold--use1-az4--x-s3/';

function express(...extra: Array<{ Field: string; Equals?: string[]; StartsWith?: string[] }>): EventSelectorSet {
  return {
    advanced: [
      { Name: 'mgmt', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
      {
        Name: 'express',
        FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Data'] },
          { Field: 'resources.type', Equals: ['AWS::S3Express::Object'] },
          ...extra,
        ],
      },
    ],
  };
}

const EVERY_BUCKET = express();
const ONLY_OTHER = express({ Field: 'resources.ARN', StartsWith: [OTHER_PREFIX] });
const WRITES_ONLY = express({ Field: 'readOnly', Equals: ['false'] });

let counter = 0;
function change(eventName: TrailChange['eventName'], eventTime: string, extra: Partial<TrailChange> = {}): TrailChange {
  counter += 1;
  return {
    eventId: `change-${counter}`,
    eventTime,
    eventName,
    trailName: 'main',
    region: 'us-east-1',
    principalArn: ADMIN,
    ...extra,
  };
}

/** A trail made, pointed at every directory bucket and started, before the window. */
function setUp(trailName = 'main', at = '2026-11-01T00:0'): TrailChange[] {
  return [
    change('CreateTrail', `${at}0:00Z`, { trailName }),
    change('PutEventSelectors', `${at}1:00Z`, { trailName, selectors: EVERY_BUCKET }),
    change('StartLogging', `${at}2:00Z`, { trailName }),
  ];
}

const WINDOW = { since: new Date('2026-11-02T00:00:00Z'), until: new Date('2026-11-10T00:00:00Z') };

describe('coverageOf: replaying the trail history', () => {
  it('is covered for the whole window when the trail logged the bucket throughout', () => {
    const coverage = coverageOf({ changes: setUp(), everyTrailKnown: true }, BUCKET, WINDOW);
    expect(coverage).toMatchObject({
      state: 'covered',
      gaps: [],
      unknown: [],
      atEnd: 'covered',
      reads: true,
      writes: true,
      trails: ['main'],
    });
    // Logging started when the selectors were already there: that start dates the coverage.
    expect(coverage.coveredSince).toBe('2026-11-01T00:02:00Z');
    expect(coverage.note).toBe(
      'CloudTrail logged object-level (data) events of hot--use1-az4--x-s3 for the whole window (reads and writes) by trail main since 2026-11-01 00:02:00 UTC. ' +
        'Rests on: the trail changes in the logs from 2026-11-01 00:00:00 UTC.',
    );
  });

  it('shows the stretch from StopLogging to StartLogging as a gap', () => {
    const changes = [...setUp(), change('StopLogging', '2026-11-05T20:10:00Z'), change('StartLogging', '2026-11-05T20:35:07Z')];
    const coverage = coverageOf({ changes, everyTrailKnown: true }, BUCKET, WINDOW);
    expect(coverage).toMatchObject({
      state: 'partial',
      gaps: [
        {
          from: '2026-11-05T20:10:00Z',
          to: '2026-11-05T20:35:07Z',
          reason: 'trail main stopped logging (StopLogging by arn:aws:iam::111122223333:user/admin at 2026-11-05 20:10:00 UTC)',
        },
      ],
      unknown: [],
      coveredSince: '2026-11-05T20:35:07Z',
      atEnd: 'covered',
    });
    expect(coverage.note).toContain(
      'Not logged 2026-11-05 20:10:00 UTC – 2026-11-05 20:35:07 UTC (trail main stopped logging (StopLogging by arn:aws:iam::111122223333:user/admin at 2026-11-05 20:10:00 UTC)).',
    );
  });

  it('ends coverage at a PutEventSelectors that narrows the trail to another bucket (the set is replaced)', () => {
    const changes = [...setUp(), change('PutEventSelectors', '2026-11-04T12:00:00Z', { selectors: ONLY_OTHER })];
    const coverage = coverageOf({ changes, everyTrailKnown: true }, BUCKET, WINDOW);
    expect(coverage).toMatchObject({
      state: 'partial',
      gaps: [
        {
          from: '2026-11-04T12:00:00Z',
          to: '2026-11-10T00:00:00Z',
          reason:
            'the event selectors of trail main no longer cover it (PutEventSelectors by arn:aws:iam::111122223333:user/admin at 2026-11-04 12:00:00 UTC)',
        },
      ],
      atEnd: 'not-covered',
      reads: false,
      writes: false,
      trails: [],
    });
    expect(coverage.coveredSince).toBeUndefined();
    expect(coverage.note).toContain('Not logged at the end of the window.');
    // The other bucket stays covered.
    expect(coverageOf({ changes, everyTrailKnown: true }, { ...BUCKET, name: 'cold--use1-az4--x-s3' }, WINDOW).state).toBe(
      'covered',
    );
  });

  it('ends coverage at DeleteTrail', () => {
    const changes = [...setUp(), change('DeleteTrail', '2026-11-08T00:00:00Z')];
    expect(coverageOf({ changes, everyTrailKnown: true }, BUCKET, WINDOW)).toMatchObject({
      state: 'partial',
      gaps: [
        {
          from: '2026-11-08T00:00:00Z',
          to: '2026-11-10T00:00:00Z',
          reason: 'trail main deleted (DeleteTrail by arn:aws:iam::111122223333:user/admin at 2026-11-08 00:00:00 UTC)',
        },
      ],
      atEnd: 'not-covered',
    });
    expect(trailsAt({ changes }, WINDOW.until)).toEqual([]);
  });

  it('stays covered while one of two overlapping trails logs, and gaps only when neither does', () => {
    const changes = [
      ...setUp('main'),
      ...setUp('backup', '2026-11-03T00:0'),
      change('StopLogging', '2026-11-04T00:00:00Z', { trailName: 'main' }),
      change('StopLogging', '2026-11-06T00:00:00Z', { trailName: 'backup' }),
      change('StartLogging', '2026-11-07T00:00:00Z', { trailName: 'main' }),
    ];
    const coverage = coverageOf({ changes, everyTrailKnown: true }, BUCKET, WINDOW);
    expect(coverage).toMatchObject({
      state: 'partial',
      gaps: [
        {
          from: '2026-11-06T00:00:00Z',
          to: '2026-11-07T00:00:00Z',
          reason:
            'trail main stopped logging (StopLogging by arn:aws:iam::111122223333:user/admin at 2026-11-04 00:00:00 UTC); ' +
            'trail backup stopped logging (StopLogging by arn:aws:iam::111122223333:user/admin at 2026-11-06 00:00:00 UTC)',
        },
      ],
      coveredSince: '2026-11-07T00:00:00Z',
      trails: ['main'],
    });
    expect(trailsAt({ changes }, WINDOW.until)).toEqual([
      { name: 'backup', region: 'us-east-1', isLogging: false, multiRegion: false },
      { name: 'main', region: 'us-east-1', isLogging: true, since: '2026-11-07T00:00:00Z', multiRegion: false },
    ]);
  });

  it('is unknown when the history holds no trail change at all, and says so', () => {
    const coverage = coverageOf({ changes: [], everyTrailKnown: true }, BUCKET, WINDOW);
    expect(coverage).toMatchObject({
      state: 'unknown',
      gaps: [],
      unknown: [{ from: '2026-11-02T00:00:00Z', to: '2026-11-10T00:00:00Z' }],
      atEnd: 'unknown',
      reads: false,
      writes: false,
    });
    expect(coverage.note).toBe(
      's3x cannot tell whether CloudTrail logged object-level (data) events of hot--use1-az4--x-s3 in the window: ' +
        'the logs hold no trail change before then. Check the trail’s advanced event selectors for AWS::S3Express::Object. ' +
        'Rests on: the logs hold no trail change.',
    );
  });

  it('cannot tell before the first trail change, and judges from there on', () => {
    const changes = setUp('main', '2026-11-05T00:0');
    const coverage = coverageOf({ changes, everyTrailKnown: true }, BUCKET, WINDOW);
    expect(coverage).toMatchObject({
      state: 'partial',
      unknown: [{ from: '2026-11-02T00:00:00Z', to: '2026-11-05T00:00:00Z' }],
      gaps: [
        { from: '2026-11-05T00:00:00Z', to: '2026-11-05T00:02:00Z', reason: 'no event selector covers it; trail not logging' },
      ],
      coveredSince: '2026-11-05T00:02:00Z',
    });
    expect(coverage.note).toContain(
      'Cannot tell for 2026-11-02 00:00:00 UTC – 2026-11-05 00:00:00 UTC: the logs hold no trail change before then.',
    );
  });

  it('is not covered when the only trails known never selected the bucket', () => {
    const changes = [change('CreateTrail', '2026-11-01T00:00:00Z'), change('StartLogging', '2026-11-01T00:00:00Z')];
    const coverage = coverageOf({ changes, everyTrailKnown: true }, BUCKET, WINDOW);
    expect(coverage).toMatchObject({
      state: 'not-covered',
      gaps: [{ reason: 'no event selector covers it' }],
      atEnd: 'not-covered',
    });
    expect(coverage.note).toBe(
      'CloudTrail did not log object-level (data) events of hot--use1-az4--x-s3 in the window (no event selector covers it). ' +
        'Rests on: the trail changes in the logs from 2026-11-01 00:00:00 UTC.',
    );
  });

  it('cannot tell while a logging trail’s selectors are not in the logs', () => {
    // First seen starting: it existed before the logs, with selectors they never show.
    const changes = [change('StartLogging', '2026-11-01T00:00:00Z')];
    expect(coverageOf({ changes, everyTrailKnown: true }, BUCKET, WINDOW)).toMatchObject({
      state: 'unknown',
      atEnd: 'unknown',
      unknown: [{ from: '2026-11-02T00:00:00Z', to: '2026-11-10T00:00:00Z' }],
    });
    const later = [...changes, change('PutEventSelectors', '2026-11-06T00:00:00Z', { selectors: EVERY_BUCKET })];
    const coverage = coverageOf({ changes: later, everyTrailKnown: true }, BUCKET, WINDOW);
    expect(coverage).toMatchObject({ state: 'partial', gaps: [], atEnd: 'covered' });
    // Covered from a change whose "before" is unknown: the start may be older, so no date is claimed.
    expect(coverage.coveredSince).toBeUndefined();
  });

  it('replays same-second changes in a fixed order, whatever order they come in', () => {
    const changes = [
      change('StartLogging', '2026-11-01T00:00:05Z'),
      change('PutEventSelectors', '2026-11-01T00:00:05Z', { selectors: EVERY_BUCKET }),
      change('CreateTrail', '2026-11-01T00:00:05Z'),
    ];
    expect(coverageOf({ changes, everyTrailKnown: true }, BUCKET, WINDOW).state).toBe('covered');
  });

  it('counts a single-Region trail only in its own Region, a multi-Region trail everywhere', () => {
    const west = { ...BUCKET, name: 'hot--usw2-az1--x-s3', region: 'us-west-2' };
    expect(coverageOf({ changes: setUp(), everyTrailKnown: true }, west, WINDOW)).toMatchObject({
      state: 'not-covered',
      gaps: [{ reason: 'no trail' }],
    });
    const multi = setUp().map((c) => (c.eventName === 'CreateTrail' ? { ...c, multiRegion: true } : c));
    expect(coverageOf({ changes: multi, everyTrailKnown: true }, west, WINDOW).state).toBe('covered');
  });

  it('with event names, is covered only while all of them are logged', () => {
    const changes = [
      change('CreateTrail', '2026-11-01T00:00:00Z'),
      change('PutEventSelectors', '2026-11-01T00:01:00Z', { selectors: WRITES_ONLY }),
      change('StartLogging', '2026-11-01T00:02:00Z'),
    ];
    const deletes = coverageOf({ changes, everyTrailKnown: true }, BUCKET, WINDOW, {
      eventNames: ['DeleteObject', 'DeleteObjects'],
    });
    expect(deletes).toMatchObject({ state: 'covered', reads: false, writes: true });
    expect(deletes.note).toContain('DeleteObject, DeleteObjects events');
    const reads = coverageOf({ changes, everyTrailKnown: true }, BUCKET, WINDOW, { eventNames: ['GetObject'] });
    expect(reads).toMatchObject({ state: 'not-covered', gaps: [{ reason: 'only some object events are selected' }] });
    // Without event names, writes alone count as covered; the flags say which.
    expect(coverageOf({ changes, everyTrailKnown: true }, BUCKET, WINDOW)).toMatchObject({
      state: 'covered',
      reads: false,
      writes: true,
    });
  });
});

describe('coverageOf with AWS’s current trails', () => {
  const TRAIL: Trail = {
    name: 'main',
    arn: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/main',
    homeRegion: 'us-east-1',
    isMultiRegion: false,
    isLogging: true,
    selectors: EVERY_BUCKET,
    loggingSince: '2026-10-01T00:00:00Z',
  };

  it('judges the present instant from the current state alone', () => {
    const now = new Date('2026-11-10T00:00:00Z');
    const coverage = coverageOf({ changes: [], current: [TRAIL] }, BUCKET, { since: now, until: now });
    expect(coverage).toMatchObject({ state: 'covered', atEnd: 'covered', reads: true, writes: true, trails: ['main'] });
    expect(coverage.note).toBe(
      'CloudTrail logs object-level (data) events of hot--use1-az4--x-s3 (reads and writes) by trail main. ' +
        'Rests on: the trails as AWS reports them now; the logs hold no trail change.',
    );
    const stopped = coverageOf({ changes: [], current: [{ ...TRAIL, isLogging: false }] }, BUCKET, { since: now, until: now });
    expect(stopped).toMatchObject({ state: 'not-covered' });
    expect(stopped.note).toBe(
      'CloudTrail does not log object-level (data) events of hot--use1-az4--x-s3 now (trail not logging). ' +
        'Rests on: the trails as AWS reports them now; the logs hold no trail change.',
    );
  });

  it('holds the current state back to when the logs are complete when nothing changed', () => {
    const coverage = coverageOf({ changes: [], current: [TRAIL], completeSince: '2026-11-01T00:00:00Z' }, BUCKET, WINDOW);
    expect(coverage).toMatchObject({ state: 'covered', unknown: [] });
    expect(coverage.coveredSince).toBeUndefined();
  });

  it('reads a stop and restart in the logs back from the current state', () => {
    const changes = [change('StopLogging', '2026-11-05T00:00:00Z'), change('StartLogging', '2026-11-06T00:00:00Z')];
    const coverage = coverageOf({ changes, current: [TRAIL], completeSince: '2026-11-01T00:00:00Z' }, BUCKET, WINDOW);
    expect(coverage).toMatchObject({
      state: 'partial',
      gaps: [
        {
          from: '2026-11-05T00:00:00Z',
          to: '2026-11-06T00:00:00Z',
          reason: 'trail main stopped logging (StopLogging by arn:aws:iam::111122223333:user/admin at 2026-11-05 00:00:00 UTC)',
        },
      ],
      unknown: [],
      coveredSince: '2026-11-06T00:00:00Z',
    });
  });

  it('cannot tell before a PutEventSelectors whose earlier set is not in the logs', () => {
    const changes = [change('PutEventSelectors', '2026-11-05T00:00:00Z', { selectors: EVERY_BUCKET })];
    expect(coverageOf({ changes, current: [TRAIL], completeSince: '2026-11-01T00:00:00Z' }, BUCKET, WINDOW)).toMatchObject({
      state: 'partial',
      unknown: [{ from: '2026-11-02T00:00:00Z', to: '2026-11-05T00:00:00Z' }],
      gaps: [],
      atEnd: 'covered',
    });
  });
});

describe('coverageOf: evidence, trails outside the logs, redirection', () => {
  const DELETES = ['DeleteObject', 'DeleteObjects'];
  /** Another trail, created inside the logs, that never selects the bucket: the usual noise beside an organization trail. */
  const otherTrail = [
    change('CreateTrail', '2026-11-01T00:00:00Z', { trailName: 'audit' }),
    change('PutEventSelectors', '2026-11-01T00:01:00Z', { trailName: 'audit', selectors: ONLY_OTHER }),
    change('StartLogging', '2026-11-01T00:02:00Z', { trailName: 'audit' }),
  ];

  it('never says "not logged" from the logs alone: a trail set up before them may log the bucket', () => {
    const coverage = coverageOf({ changes: otherTrail }, BUCKET, WINDOW, { eventNames: DELETES });
    expect(coverage.state).toBe('unknown');
    expect(coverage.gaps).toEqual([]);
    expect(coverage.note).toContain('a trail set up before the logs begin (an organization trail, say) may log it');
    expect(coverage.note).toContain(
      'Rests on: the trail changes in the logs from 2026-11-01 00:00:00 UTC (trails set up before then are not in them).',
    );
  });

  it('is logged where the bucket’s own write events are, and says it rests on them', () => {
    const evidence = {
      reads: { count: 0 },
      writes: { count: 1204, first: '2026-11-02T00:00:00Z', last: '2026-11-09T23:59:59Z' },
    };
    const coverage = coverageOf({ changes: otherTrail }, BUCKET, WINDOW, { eventNames: DELETES, evidence });
    expect(coverage).toMatchObject({ state: 'covered', gaps: [], unknown: [], atEnd: 'covered', writes: true });
    expect(coverage.note).toBe(
      'CloudTrail logged DeleteObject, DeleteObjects events of hot--use1-az4--x-s3 for the whole window (the events asked about). ' +
        'Rests on: the logs hold 1,204 write events of this bucket in the window; ' +
        'the trail changes in the logs from 2026-11-01 00:00:00 UTC (trails set up before then are not in them).',
    );
    // Reads prove nothing about deletes.
    const readsOnly = { reads: evidence.writes, writes: { count: 0 } };
    expect(coverageOf({ changes: otherTrail }, BUCKET, WINDOW, { eventNames: DELETES, evidence: readsOnly }).state).toBe(
      'unknown',
    );
  });

  it('outranks a replayed "not logged" where the events are, and keeps the rest', () => {
    const changes = [change('CreateTrail', '2026-11-01T00:00:00Z'), change('StartLogging', '2026-11-01T00:00:00Z')];
    const evidence = { reads: { count: 0 }, writes: { count: 3, first: '2026-11-05T00:00:00Z', last: '2026-11-06T00:00:00Z' } };
    const coverage = coverageOf({ changes, everyTrailKnown: true }, BUCKET, WINDOW, { eventNames: DELETES, evidence });
    expect(coverage.state).toBe('partial');
    expect(coverage.gaps.map((gap) => [gap.from, gap.to])).toEqual([
      ['2026-11-02T00:00:00Z', '2026-11-05T00:00:00Z'],
      ['2026-11-06T00:00:01Z', '2026-11-10T00:00:00Z'],
    ]);
  });

  it('reads an UpdateTrail that moves delivery as unknown from then on, naming where, who and when', () => {
    const changes = [
      ...setUp(),
      change('UpdateTrail', '2026-11-06T08:00:00Z', {
        destination: { bucket: 'attacker-owned-logs', prefix: 'x' },
        principalArn: 'arn:aws:sts::111122223333:assumed-role/Ops/mallory',
      }),
    ];
    const coverage = coverageOf({ changes, everyTrailKnown: true }, BUCKET, WINDOW);
    expect(coverage).toMatchObject({
      state: 'partial',
      gaps: [],
      unknown: [{ from: '2026-11-06T08:00:00Z', to: '2026-11-10T00:00:00Z' }],
      atEnd: 'unknown',
      trails: [],
    });
    expect(coverage.note).toContain(
      'trail main now delivers to bucket attacker-owned-logs, prefix x (UpdateTrail by arn:aws:sts::111122223333:assumed-role/Ops/mallory at 2026-11-06 08:00:00 UTC)',
    );
  });

  it('reads a trail AWS says delivers elsewhere, or fails to deliver, as unknown', () => {
    const trail: Trail = {
      name: 'main',
      arn: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/main',
      homeRegion: 'us-east-1',
      isMultiRegion: false,
      isLogging: true,
      selectors: EVERY_BUCKET,
    };
    const now = new Date('2026-11-10T00:00:00Z');
    const elsewhere = coverageOf(
      { changes: [], current: [{ ...trail, deliversWhereRead: false, destination: { bucket: 'other-logs' } }] },
      BUCKET,
      { since: now, until: now },
    );
    expect(elsewhere.atEnd).toBe('unknown');
    expect(elsewhere.note).toContain('trail main delivers to bucket other-logs, which s3x does not read');
    const failing = coverageOf({ changes: [], current: [{ ...trail, latestDeliveryError: 'AccessDenied' }] }, BUCKET, {
      since: now,
      until: now,
    });
    expect(failing.note).toContain('trail main reports delivery error AccessDenied');
  });

  it('is unknown where the logs are missing, even while a trail logged the bucket', () => {
    const missingLogs = [
      { from: '2026-11-08T00:00:00Z', to: '2026-11-09T00:00:00Z', reason: 'the logs hold no events of us-east-1 on 2026-11-08' },
    ];
    const coverage = coverageOf({ changes: setUp(), everyTrailKnown: true }, BUCKET, WINDOW, { missingLogs });
    expect(coverage).toMatchObject({
      state: 'partial',
      gaps: [],
      unknown: [{ from: '2026-11-08T00:00:00Z', to: '2026-11-09T00:00:00Z' }],
      atEnd: 'covered',
    });
    expect(coverage.note).toContain(
      'Cannot tell for 2026-11-08 00:00:00 UTC – 2026-11-09 00:00:00 UTC: the logs hold no events of us-east-1 on 2026-11-08.',
    );
  });
});
