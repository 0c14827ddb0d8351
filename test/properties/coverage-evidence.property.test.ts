import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BucketEvidence, type CoverageGap, coverageOf, type TrailChange } from '../../src/cloudtrail/coverage.js';
import type { EventSelectorSet } from '../../src/cloudtrail/selectors.js';
import { formatInstant } from '../../src/time/window.js';

/**
 * Whatever the trail history, the missing logs and the evidence already counted: adding data
 * events of the bucket inside the window, of the kind the question asks about, never makes its
 * coverage "not logged". Histories are replayed as complete (every trail known), the only setting
 * in which the replay may say "not logged" at all.
 */
const BUCKET = { name: 'hot--use1-az4--x-s3', region: 'us-east-1', account: '111122223333' };
const SINCE = Date.parse('2026-11-02T00:00:00Z');
const UNTIL = Date.parse('2026-11-10T00:00:00Z');
const WINDOW = { since: new Date(SINCE), until: new Date(UNTIL) };

function express(extra: Array<{ Field: string; Equals?: string[]; StartsWith?: string[] }>): EventSelectorSet {
  return {
    advanced: [
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

const SELECTOR_SETS: EventSelectorSet[] = [
  express([]),
  express([{ Field: 'readOnly', Equals: ['false'] }]),
  express([{ Field: 'readOnly', Equals: ['true'] }]),
  express([{ Field: 'resources.ARN', StartsWith: ['arn:aws:s3express:us-east-1:111122223333:bucket/cold--use1-az4--x-s3/'] }]),
  {},
];

const QUESTIONS: Array<{ eventNames?: string[]; kind: 'reads' | 'writes' }> = [
  { eventNames: ['DeleteObject', 'DeleteObjects'], kind: 'writes' },
  { eventNames: ['PutObject', 'CopyObject', 'CompleteMultipartUpload'], kind: 'writes' },
  { eventNames: ['GetObject', 'HeadObject'], kind: 'reads' },
  { kind: 'writes' },
  { kind: 'reads' },
];

/** An instant from 10 days before the window to its end, to the second. */
const instant = fc
  .integer({ min: SINCE - 10 * 86_400_000, max: UNTIL - 1000 })
  .map((ms) => formatInstant(new Date(ms - (ms % 1000))));
const inWindow = fc.integer({ min: SINCE, max: UNTIL - 1000 }).map((ms) => formatInstant(new Date(ms - (ms % 1000))));

const change: fc.Arbitrary<TrailChange> = fc
  .record({
    eventTime: instant,
    eventName: fc.constantFrom<TrailChange['eventName']>(
      'CreateTrail',
      'UpdateTrail',
      'PutEventSelectors',
      'StartLogging',
      'StopLogging',
      'DeleteTrail',
    ),
    trailName: fc.constantFrom('main', 'backup'),
    selectors: fc.constantFrom(...SELECTOR_SETS),
    multiRegion: fc.option(fc.boolean(), { nil: undefined }),
    redirect: fc.boolean(),
    id: fc.uuid(),
  })
  .map(({ eventTime, eventName, trailName, selectors, multiRegion, redirect, id }) => ({
    eventId: id,
    eventTime,
    eventName,
    trailName,
    region: 'us-east-1',
    principalArn: 'arn:aws:iam::111122223333:user/admin',
    ...(eventName === 'PutEventSelectors' ? { selectors } : {}),
    ...((eventName === 'CreateTrail' || eventName === 'UpdateTrail') && multiRegion !== undefined ? { multiRegion } : {}),
    ...(eventName === 'UpdateTrail' && redirect ? { destination: { bucket: 'elsewhere' } } : {}),
  }));

const span = fc.tuple(inWindow, inWindow).map(([a, b]) => (a <= b ? [a, b] : [b, a]) as [string, string]);
const missing: fc.Arbitrary<CoverageGap[]> = fc.array(
  span.map(([from, to]) => ({ from, to, reason: 'the logs hold no events of us-east-1 then' })),
  { maxLength: 3 },
);
/** Event times of one kind: none, or a first and a last in the window. */
const counted = fc
  .option(span, { nil: undefined })
  .map((range) => (range === undefined ? { count: 0 } : { count: 2, first: range[0], last: range[1] }));

function withEvents(evidence: BucketEvidence, kind: 'reads' | 'writes', added: readonly string[]): BucketEvidence {
  const before = evidence[kind];
  const times = [...added, ...(before.first ? [before.first] : []), ...(before.last ? [before.last] : [])].sort();
  return { ...evidence, [kind]: { count: before.count + added.length, first: times[0], last: times.at(-1) } };
}

describe('coverage from evidence', () => {
  it('adding data events of the bucket to the window never turns its coverage into "not logged"', () => {
    fc.assert(
      fc.property(
        fc.array(change, { maxLength: 12 }),
        fc.constantFrom(...QUESTIONS),
        fc.record({ reads: counted, writes: counted }),
        missing,
        fc.array(inWindow, { minLength: 1, maxLength: 4 }),
        (changes, question, evidence, gaps, added) => {
          // Missing logs hold no events: a stretch holding any event of the bucket (the evidence already
          // counted, or one added) was delivered after all. (Log reach and evidence come from one scan.)
          const events = [added, [evidence.reads.first, evidence.reads.last, evidence.writes.first, evidence.writes.last]]
            .flat()
            .filter((time): time is string => time !== undefined);
          const missingLogs = gaps.filter((gap) => !events.some((time) => gap.from <= time && time < gap.to));
          const options = { ...(question.eventNames ? { eventNames: question.eventNames } : {}), missingLogs };
          const history = { changes, everyTrailKnown: true };
          const more = coverageOf(history, BUCKET, WINDOW, { ...options, evidence: withEvents(evidence, question.kind, added) });
          expect(more.state).not.toBe('not-covered');
          // Where the added events are, nothing is called a gap.
          for (const time of added) {
            expect(more.gaps.some((gap) => gap.from <= time && time < gap.to)).toBe(false);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
