import { formatCount } from '../text/numbers.js';
import { formatInstant, type TimeWindow } from '../time/window.js';
import {
  DEFAULT_TRAIL_SELECTORS,
  type DirectoryBucketRef,
  type EventSelectorSet,
  S3EXPRESS_OBJECT_READS,
  S3EXPRESS_OBJECT_WRITES,
  type SelectorCoverage,
  selectorCoverage,
} from './selectors.js';
import type { Trail, TrailDestination } from './trail.js';

/** The trail calls that change what a trail logs, in the order changes made in the same second apply. */
export const TRAIL_EVENT_NAMES = [
  'CreateTrail',
  'UpdateTrail',
  'PutEventSelectors',
  'StartLogging',
  'StopLogging',
  'DeleteTrail',
] as const;
export type TrailEventName = (typeof TRAIL_EVENT_NAMES)[number];

/** One successful call that changed a trail, as the logs hold it. */
export interface TrailChange {
  eventId: string;
  /** `2024-07-02T00:22:11Z`. */
  eventTime: string;
  eventName: TrailEventName;
  /** The trail's name (the last part of its ARN when the call named it by ARN). */
  trailName: string;
  trailArn?: string;
  /** The trail's home Region: trail calls are made there, so the call's `awsRegion` unless the ARN says otherwise. */
  region: string | null;
  principalArn: string | null;
  /** PutEventSelectors: the whole set it wrote (it replaces the trail's). Undefined when the record holds none readable. */
  selectors?: EventSelectorSet;
  /** CreateTrail / UpdateTrail: `isMultiRegionTrail`, when the call says. */
  multiRegion?: boolean;
  /** UpdateTrail: where the trail delivers from now on, when the call changed it. */
  destination?: TrailDestination;
}

export interface TrailHistory {
  /** Successful trail changes (any order; replayed oldest first). */
  changes: readonly TrailChange[];
  /** AWS mode: every trail as it is now. Only with changes that reach up to now, and a window ending now. */
  current?: readonly Trail[];
  /**
   * Every trail change from this instant on is in `changes`. Default: the first change, since
   * trails that were never changed in the logs are invisible to them.
   */
  completeSince?: string;
  /**
   * No trail exists but those in `current` and those the changes create (a test's or a sandbox's
   * account). Without it and without `current`, a trail set up before the logs begin (an
   * organization trail, say) may log the bucket: the history alone never says "not logged".
   */
  everyTrailKnown?: boolean;
}

/** The logs' own data events of the bucket in the window, per kind: each proves that kind was logged when it happened. */
export interface BucketEvidence {
  reads: EvidenceCount;
  writes: EvidenceCount;
}

export interface EvidenceCount {
  count: number;
  /** First and last event time of the kind in the window (set when count > 0). */
  first?: string;
  last?: string;
  /** First and last event of each hour that has any (default: first to last): events at both ends, maybe between. */
  ranges?: readonly CoverageSpan[];
}

export type CoverageState = 'covered' | 'partial' | 'not-covered' | 'unknown';
type MomentStatus = 'covered' | 'not-covered' | 'unknown';

export interface CoverageSpan {
  from: string;
  to: string;
}

export interface CoverageGap extends CoverageSpan {
  /** Why nothing was logged, e.g. `trail not logging`. */
  reason: string;
}

export interface BucketCoverage {
  /** Over the whole window: covered throughout, part of it, never (as far as is known), or cannot tell. */
  state: CoverageState;
  /** Stretches of the window where the bucket's object events were not logged. */
  gaps: CoverageGap[];
  /** Stretches of the window s3x cannot judge. */
  unknown: CoverageSpan[];
  /** Start of the logged stretch that reaches the end of the window, when the logs show it starting. */
  coveredSince?: string;
  /** The state at the end of the window (now, for a window ending now). */
  atEnd: MomentStatus;
  /** At the end of the window: every object read is logged. */
  reads: boolean;
  /** At the end of the window: every object write and delete is logged. */
  writes: boolean;
  /** The trails that log the bucket at the end of the window. */
  trails: string[];
  /** The bucket's own data events in the window, when s3x counted them. */
  evidence?: BucketEvidence;
  /** Plain sentences for people, each coverage claim with what it rests on; values are not escaped. */
  note: string;
}

export interface CoverageOptions {
  /** Count as covered only while all these events are logged (an object question's event names). */
  eventNames?: readonly string[];
  /** The bucket's data events in the window: where they are, logging was on, whatever the history says. */
  evidence?: BucketEvidence;
  /** Stretches of the window the logs hold nothing for (missing days, past the newest delivery): unknown. */
  missingLogs?: readonly CoverageGap[];
}

const TRAIL_ARN = /^arn:[^:]+:cloudtrail:([^:]*):[^:]*:trail\/(.+)$/;

/** A trail named by name or ARN: its name, and its home Region when the ARN says. */
export function parseTrailReference(reference: string): { name: string; region?: string } {
  const match = TRAIL_ARN.exec(reference);
  if (!match) return { name: reference };
  return { name: match[2] ?? reference, ...(match[1] ? { region: match[1] } : {}) };
}

interface TrailState {
  name: string;
  region: string | null;
  /** undefined: the logs do not say. */
  exists: boolean | undefined;
  logging: boolean | undefined;
  /** undefined: the logs do not say which selectors the trail had. */
  selectors: EventSelectorSet | undefined;
  multiRegion: boolean | undefined;
  loggingSince?: string;
  /** Stands for the trails set up before the logs begin, which the logs never show: everything about them is unknown. */
  unseen?: boolean;
  /** The last StopLogging, DeleteTrail or PutEventSelectors: who ended the coverage, and when. */
  lastChange?: TrailChange;
  /** The selectors a PutEventSelectors replaced, to tell narrowing a bucket away from never selecting it. */
  previousSelectors?: EventSelectorSet;
  /** The UpdateTrail that pointed the trail's delivery somewhere else: what it logs from then on, s3x may not read. */
  redirect?: TrailChange;
  /** AWS mode: why the trail's deliveries do not reach what s3x reads (another bucket, a delivery error). */
  deliveryProblem?: string;
}

function keyOf(name: string, region: string | null): string {
  return `${region ?? ''}|${name}`;
}

const RANK = new Map<string, number>(TRAIL_EVENT_NAMES.map((name, index) => [name, index]));

function inReplayOrder(changes: readonly TrailChange[]): TrailChange[] {
  return [...changes].sort((a, b) =>
    a.eventTime === b.eventTime
      ? (RANK.get(a.eventName) ?? 0) - (RANK.get(b.eventName) ?? 0) || a.eventId.localeCompare(b.eventId)
      : a.eventTime < b.eventTime
        ? -1
        : 1,
  );
}

/**
 * Each trail's state before its first change. A trail first seen being created did not exist; for
 * the rest, AWS's current answer holds back to the first change that could have altered it, and
 * a StartLogging (StopLogging) is read as the trail not logging (logging) before it.
 */
function initialStates(
  changes: readonly TrailChange[],
  current: readonly Trail[] | undefined,
  everyTrailKnown = false,
): Map<string, TrailState> {
  const byTrail = new Map<string, TrailChange[]>();
  for (const change of changes) {
    const key = keyOf(change.trailName, change.region);
    byTrail.set(key, [...(byTrail.get(key) ?? []), change]);
  }
  const states = new Map<string, TrailState>();
  const before = (name: string, region: string | null, own: readonly TrailChange[], snapshot?: Trail): TrailState => {
    if (own[0]?.eventName === 'CreateTrail') {
      return { name, region, exists: false, logging: false, selectors: undefined, multiRegion: undefined };
    }
    const firstSwitch = own.find(
      (c) => c.eventName === 'StartLogging' || c.eventName === 'StopLogging' || c.eventName === 'DeleteTrail',
    );
    const logging =
      firstSwitch === undefined
        ? snapshot?.isLogging
        : firstSwitch.eventName === 'DeleteTrail'
          ? undefined
          : firstSwitch.eventName === 'StopLogging';
    const selectorsChanged = own.some((c) => c.eventName === 'PutEventSelectors');
    const scopeChanged = own.some((c) => c.multiRegion !== undefined);
    const restarted = own.some((c) => c.eventName === 'StartLogging');
    return {
      name,
      region,
      exists: snapshot ? true : undefined,
      logging,
      selectors: selectorsChanged ? undefined : snapshot?.selectors,
      multiRegion: scopeChanged ? undefined : snapshot?.isMultiRegion,
      ...(snapshot?.loggingSince && !restarted ? { loggingSince: snapshot.loggingSince } : {}),
    };
  };
  for (const snapshot of current ?? []) {
    const key = keyOf(snapshot.name, snapshot.homeRegion);
    const problem = deliveryProblemOf(snapshot);
    states.set(key, {
      ...before(snapshot.name, snapshot.homeRegion, byTrail.get(key) ?? [], snapshot),
      ...(problem === undefined ? {} : { deliveryProblem: problem }),
    });
  }
  for (const [key, own] of byTrail) {
    const first = own[0];
    if (first && !states.has(key)) states.set(key, before(first.trailName, first.region, own));
  }
  if (current === undefined && !everyTrailKnown) {
    states.set(UNSEEN_KEY, {
      name: 'trails set up before the logs begin',
      region: null,
      exists: undefined,
      logging: undefined,
      selectors: undefined,
      multiRegion: undefined,
      unseen: true,
    });
  }
  return states;
}

/** Not a trail name: CloudTrail names have no `|`. */
const UNSEEN_KEY = '|unseen';

/** AWS's own word that a trail's logs do not reach s3x: it delivers elsewhere, or its last delivery failed. */
function deliveryProblemOf(snapshot: Trail): string | undefined {
  if (snapshot.deliversWhereRead === false) {
    return `trail ${snapshot.name} delivers to ${describeDestination(snapshot.destination ?? {})}, which s3x does not read`;
  }
  if (snapshot.latestDeliveryError) {
    return `trail ${snapshot.name} reports delivery error ${snapshot.latestDeliveryError}`;
  }
  return undefined;
}

export function describeDestination(destination: TrailDestination): string {
  const parts = [
    ...(destination.bucket ? [`bucket ${destination.bucket}`] : []),
    ...(destination.prefix !== undefined ? [`prefix ${destination.prefix === '' ? '(none)' : destination.prefix}`] : []),
    ...(destination.kmsKeyId ? [`KMS key ${destination.kmsKeyId}`] : []),
  ];
  return parts.length > 0 ? parts.join(', ') : 'another destination';
}

/** ` (StopLogging by arn:… at 2026-11-05 20:10:00 UTC)`: who made a change, and when. */
function madeBy(change: TrailChange): string {
  return ` (${change.eventName} by ${change.principalArn ?? 'an unknown principal'} at ${readable(change.eventTime)})`;
}

function apply(states: Map<string, TrailState>, change: TrailChange): void {
  const state = states.get(keyOf(change.trailName, change.region));
  if (state === undefined) return;
  switch (change.eventName) {
    case 'CreateTrail':
      Object.assign(state, {
        exists: true,
        logging: false,
        selectors: DEFAULT_TRAIL_SELECTORS,
        multiRegion: change.multiRegion ?? false,
      });
      delete state.loggingSince;
      delete state.redirect;
      delete state.lastChange;
      break;
    case 'UpdateTrail':
      state.exists = true;
      if (change.multiRegion !== undefined) state.multiRegion = change.multiRegion;
      if (change.destination !== undefined) state.redirect = change;
      break;
    case 'PutEventSelectors':
      state.exists = true;
      if (state.selectors === undefined) delete state.previousSelectors;
      else state.previousSelectors = state.selectors;
      state.selectors = change.selectors;
      state.lastChange = change;
      break;
    case 'StartLogging':
      state.exists = true;
      state.logging = true;
      state.loggingSince = change.eventTime;
      break;
    case 'StopLogging':
      state.exists = true;
      state.logging = false;
      state.lastChange = change;
      delete state.loggingSince;
      break;
    case 'DeleteTrail':
      // Selectors are kept, so a gap can say the trail that logged the bucket was deleted.
      state.exists = false;
      state.logging = false;
      state.lastChange = change;
      delete state.loggingSince;
      break;
  }
}

interface Moment {
  status: MomentStatus;
  /** Event names logged for sure. */
  logged: Set<string>;
  trails: string[];
  /** Why not covered (or why unknown); empty when covered. */
  reasons: string[];
}

const REASON = {
  noTrail: 'no trail',
  notSelected: 'no event selector covers it',
  narrowed: 'selectors cover only some keys or callers',
  someEvents: 'only some object events are selected',
  stopped: 'trail not logging',
  deleted: 'trail deleted',
  beforeLogs: 'the logs hold no trail change before then',
  unknownTrail: 'a trail whose selectors or state the logs do not show',
  unseenTrails: 'a trail set up before the logs begin (an organization trail, say) may log it, and the logs show no such trail',
  contradicted: 'the trail history shows nothing logging it, yet the logs hold its events around then',
} as const;

/** The reason a trail does not log the bucket, naming the change that made it so when the logs hold it. */
function endedBy(
  judge: Judge,
  state: TrailState,
  eventName: TrailEventName,
  generic: string,
  specific: (trail: string) => string,
): string {
  if (state.lastChange?.eventName !== eventName) return generic;
  const reason = `${specific(state.name)}${madeBy(state.lastChange)}`;
  judge.firm.add(reason);
  return reason;
}

function satisfied(logged: ReadonlySet<string>, required: readonly string[] | undefined): boolean {
  if (required !== undefined) return required.every((name) => logged.has(name));
  return S3EXPRESS_OBJECT_READS.every((name) => logged.has(name)) || S3EXPRESS_OBJECT_WRITES.every((name) => logged.has(name));
}

interface Judge {
  bucket: DirectoryBucketRef;
  required: readonly string[] | undefined;
  coverage(selectors: EventSelectorSet): SelectorCoverage;
  /** Reasons that name a change or AWS state ending the bucket's coverage: the bucket's own events never paper over them. */
  firm: Set<string>;
}

/** What counts as covered for this bucket; selector sets are judged once each, however many moments reuse them. */
function judgeFor(bucket: DirectoryBucketRef, required: readonly string[] | undefined): Judge {
  const judged = new Map<EventSelectorSet, SelectorCoverage>();
  return {
    bucket,
    required,
    firm: new Set(),
    coverage(selectors) {
      const known = judged.get(selectors) ?? selectorCoverage(selectors, bucket);
      judged.set(selectors, known);
      return known;
    },
  };
}

/** Whether the bucket's object events are logged while the trails are in these states. */
function evaluate(states: Iterable<TrailState>, judge: Judge): Moment {
  const { bucket, required } = judge;
  const logged = new Set<string>();
  const trails: string[] = [];
  const notLogged = new Set<string>();
  /** Logged, but not where s3x reads; or a trail the logs do not describe. */
  const unknown = new Set<string>();
  for (const state of states) {
    if (state.unseen) {
      unknown.add(REASON.unseenTrails);
      continue;
    }
    const sameRegion = state.region !== null && state.region === bucket.region;
    const inScope = sameRegion || state.multiRegion === true ? true : state.multiRegion === false ? false : undefined;
    if (inScope === false) continue;
    const coverage = state.selectors === undefined ? undefined : judge.coverage(state.selectors);
    if (coverage !== undefined && coverage.loggedEvents.length === 0) {
      const before = state.previousSelectors === undefined ? undefined : judge.coverage(state.previousSelectors);
      if (state.exists !== false && before !== undefined && before.loggedEvents.length > 0) {
        notLogged.add(
          endedBy(
            judge,
            state,
            'PutEventSelectors',
            REASON.notSelected,
            (trail) => `the event selectors of trail ${trail} no longer cover it`,
          ),
        );
      } else if (state.exists !== false) {
        notLogged.add(REASON.notSelected);
      }
      if (coverage.narrowed) notLogged.add(REASON.narrowed);
      continue;
    }
    if (state.exists === false) {
      if (coverage !== undefined)
        notLogged.add(endedBy(judge, state, 'DeleteTrail', REASON.deleted, (trail) => `trail ${trail} deleted`));
      continue;
    }
    if (state.logging === false) {
      notLogged.add(endedBy(judge, state, 'StopLogging', REASON.stopped, (trail) => `trail ${trail} stopped logging`));
      continue;
    }
    const elsewhere = state.redirect
      ? `trail ${state.name} now delivers to ${describeDestination(state.redirect.destination ?? {})}${madeBy(state.redirect)}`
      : state.deliveryProblem;
    if (elsewhere !== undefined) {
      unknown.add(elsewhere);
      // Firm only for a trail known to select the bucket: then its events are logged where s3x cannot read them.
      if (coverage !== undefined) judge.firm.add(elsewhere);
      continue;
    }
    if (coverage !== undefined && state.exists === true && state.logging === true && inScope === true) {
      for (const name of coverage.loggedEvents) logged.add(name);
      trails.push(state.name);
      continue;
    }
    unknown.add(REASON.unknownTrail);
  }
  if (satisfied(logged, required)) return { status: 'covered', logged, trails, reasons: [] };
  // What the logs show ending coverage comes first; then why that does not settle it.
  if (unknown.size > 0) return { status: 'unknown', logged, trails, reasons: [...notLogged, ...unknown] };
  const reasons = [...(logged.size > 0 ? [REASON.someEvents] : []), ...notLogged];
  return { status: 'not-covered', logged, trails, reasons: reasons.length > 0 ? reasons : [REASON.noTrail] };
}

interface Span extends CoverageSpan {
  status: MomentStatus;
  reasons: string[];
}

function later(a: string, b: string): string {
  return a > b ? a : b;
}

function earlier(a: string, b: string): string {
  return a < b ? a : b;
}

/**
 * Replay the trail changes into when the bucket's object events were logged during the window: a
 * bucket is covered while at least one trail that exists, logs in the bucket's Region and is
 * logging has selectors that select its object events (PutEventSelectors replaces a trail's set).
 * Before the history is complete, or while a trail's selectors are not in the logs, s3x says it
 * cannot tell instead of guessing. An empty window (since = until) asks about that instant.
 */
export function coverageOf(
  history: TrailHistory,
  bucket: DirectoryBucketRef,
  window: TimeWindow,
  options: CoverageOptions = {},
): BucketCoverage {
  const changes = inReplayOrder(history.changes);
  const states = initialStates(changes, history.current, history.everyTrailKnown);
  const since = formatInstant(window.since);
  const until = formatInstant(window.until);
  const knownFrom = history.completeSince ?? changes[0]?.eventTime;
  const judge = judgeFor(bucket, options.eventNames);

  // The moment that holds from `at` until the next piece; '' sorts before every instant.
  const pieces: Array<{ at: string; moment: Moment }> = [{ at: '', moment: evaluate(states.values(), judge) }];
  for (let i = 0; i < changes.length; ) {
    const at = changes[i]?.eventTime ?? '';
    for (; i < changes.length && changes[i]?.eventTime === at; i += 1) {
      const change = changes[i];
      if (change) apply(states, change);
    }
    pieces.push({ at, moment: evaluate(states.values(), judge) });
  }

  const replayed = new SpanList();
  pieces.forEach((piece, index) => {
    const from = later(piece.at, since);
    const to = earlier(pieces[index + 1]?.at ?? until, until);
    if (knownFrom === undefined || to <= knownFrom) {
      replayed.push(from, to, 'unknown', [REASON.beforeLogs]);
      return;
    }
    if (from < knownFrom) replayed.push(from, knownFrom, 'unknown', [REASON.beforeLogs]);
    replayed.push(later(from, knownFrom), to, piece.moment.status, piece.moment.reasons);
  });
  // The logs' own events outrank the replay; missing logs outrank both (nothing can be read there).
  // An event proves logging at its own instant. Between the first and last event of an hour it
  // proves it only where the replay merely cannot tell, never across a change that ended coverage.
  let spans = replayed.spans;
  const covered = (span: Span): Span => ({ ...span, status: 'covered', reasons: [] });
  const within = (range: CoverageSpan, change: (span: Span) => Span): void => {
    spans = overlay(spans, later(range.from, since), earlier(plusSecond(range.to), until), change);
  };
  const shown = evidenceRanges(options.evidence, options.eventNames);
  // Where the replay only cannot tell, the events show logging on from the first to the last.
  if (shown.hull) within(shown.hull, (span) => (isSoft(span, judge) ? covered(span) : span));
  for (const range of shown.ranges) {
    // A replayed "not logged" with events around it: the history misses something there.
    within(range, (span) =>
      span.status === 'not-covered' ? { ...span, status: 'unknown', reasons: [REASON.contradicted] } : span,
    );
    for (const instant of [range.from, range.to]) within({ from: instant, to: instant }, covered);
  }
  for (const gap of options.missingLogs ?? []) {
    spans = overlay(spans, later(gap.from, since), earlier(gap.to, until), (span) => ({
      ...span,
      status: 'unknown',
      reasons: [gap.reason],
    }));
  }

  const instant = since === until;
  const endIndex = pieces.findLastIndex((piece) => (instant ? piece.at <= until : piece.at < until));
  const end = pieces[endIndex]?.moment ?? evaluate([], judge);
  const endKnown =
    history.current !== undefined || (knownFrom !== undefined && (instant ? until >= knownFrom : until > knownFrom));
  const lastSpan = spans.at(-1);
  const atEnd: MomentStatus = !instant && lastSpan !== undefined ? lastSpan.status : endKnown ? end.status : 'unknown';
  const endByHistory = endKnown && end.status === 'covered' && atEnd === 'covered';

  let coveredSince: string | undefined;
  if (endByHistory) {
    let start = endIndex;
    while (start > 0 && pieces[start - 1]?.moment.status === 'covered') start -= 1;
    const at = pieces[start]?.at ?? '';
    // Only a change that ended a known uncovered stretch dates the start; otherwise it may be older.
    const previousKnown = knownFrom !== undefined && at > knownFrom;
    const unbroken = instant || (lastSpan !== undefined && lastSpan.from <= later(at, since));
    if (start > 0 && previousKnown && unbroken && pieces[start - 1]?.moment.status === 'not-covered') coveredSince = at;
  }

  const has = (status: MomentStatus): boolean => spans.some((span) => span.status === status);
  const state: CoverageState = instant
    ? atEnd
    : has('covered')
      ? has('not-covered') || has('unknown')
        ? 'partial'
        : 'covered'
      : has('not-covered')
        ? 'not-covered'
        : 'unknown';

  const evidence = options.evidence;
  const endByEvidence = !instant && atEnd === 'covered' && !endByHistory;
  const reads = S3EXPRESS_OBJECT_READS.every((name) => end.logged.has(name));
  const writes = S3EXPRESS_OBJECT_WRITES.every((name) => end.logged.has(name));
  const coverage = {
    state,
    gaps: spans
      .filter((span) => span.status === 'not-covered')
      .map((span) => ({ from: span.from, to: span.to, reason: span.reasons.join('; ') })),
    unknown: spans.filter((span) => span.status === 'unknown').map((span) => ({ from: span.from, to: span.to })),
    ...(coveredSince === undefined ? {} : { coveredSince }),
    atEnd,
    reads: reads || (endByEvidence && (evidence?.reads.count ?? 0) > 0),
    writes: writes || (endByEvidence && (evidence?.writes.count ?? 0) > 0),
    trails: endByHistory ? end.trails : [],
    ...(evidence === undefined ? {} : { evidence }),
  };
  const unknownReasons = [...new Set(spans.filter((span) => span.status === 'unknown').flatMap((span) => span.reasons))];
  const context = {
    unknownReasons,
    endReason: endKnown ? end.reasons.join('; ') : REASON.beforeLogs,
    instant,
    basis: describeBasis(history, knownFrom, evidence, options.eventNames),
  };
  return { ...coverage, note: describeCoverage(coverage, context, bucket, options.eventNames) };
}

/** A reason without who and when: `trail main stopped logging (StopLogging by … at …)` → `trail main stopped logging`. */
function reasonKind(reason: string): string {
  return reason.replace(/ \([A-Za-z]+ by .*\)$/, '');
}

/** Spans in order, a new one merged into the last when it continues it with the same status. */
class SpanList {
  readonly spans: Span[] = [];
  push(from: string, to: string, status: MomentStatus, reasons: readonly string[]): void {
    if (from >= to) return;
    const last = this.spans.at(-1);
    if (last && last.status === status && last.to === from) {
      last.to = to;
      // The same kind of reason again (a later PutEventSelectors, say) adds nothing: the first names who began it.
      const known = new Set(last.reasons.map(reasonKind));
      for (const reason of reasons) if (!known.has(reasonKind(reason))) last.reasons.push(reason);
    } else {
      this.spans.push({ from, to, status, reasons: [...reasons] });
    }
  }
}

/** The spans with [from, to) rewritten by `change`, merged again. */
function overlay(spans: readonly Span[], from: string, to: string, change: (span: Span) => Span): Span[] {
  const out = new SpanList();
  for (const span of spans) {
    const cutFrom = later(span.from, from);
    const cutTo = earlier(span.to, to);
    if (cutFrom >= cutTo) {
      out.push(span.from, span.to, span.status, span.reasons);
      continue;
    }
    out.push(span.from, cutFrom, span.status, span.reasons);
    const changed = change({ ...span, from: cutFrom, to: cutTo });
    out.push(cutFrom, cutTo, changed.status, changed.reasons);
    out.push(cutTo, span.to, span.status, span.reasons);
  }
  return out.spans;
}

/** The reasons that only say s3x cannot tell, with no change or AWS state that ended coverage. */
function isSoft(span: Span, judge: Judge): boolean {
  return span.status === 'unknown' && !span.reasons.some((reason) => judge.firm.has(reason));
}

/** One second after an instant: a half-open span holding just that second. */
export function plusSecond(instant: string): string {
  return formatInstant(new Date(new Date(instant).getTime() + 1000));
}

/** A kind's events as ranges from a first to a last event (both instants logged). */
function rangesOf(count: EvidenceCount): readonly CoverageSpan[] {
  if (count.count === 0 || count.first === undefined || count.last === undefined) return [];
  return count.ranges ?? [{ from: count.first, to: count.last }];
}

function overlaps(a: readonly CoverageSpan[], b: readonly CoverageSpan[]): CoverageSpan[] {
  return a.flatMap((x) =>
    b.flatMap((y) => {
      const from = later(x.from, y.from);
      const to = earlier(x.to, y.to);
      return from <= to ? [{ from, to }] : [];
    }),
  );
}

/** The kinds of events a question needs: reads, writes, or (no event names) either. */
function kindsNeeded(eventNames: readonly string[] | undefined): { reads: boolean; writes: boolean } | undefined {
  if (eventNames === undefined) return undefined;
  return {
    reads: eventNames.some((name) => !S3EXPRESS_OBJECT_WRITES.includes(name)),
    writes: eventNames.some((name) => S3EXPRESS_OBJECT_WRITES.includes(name)),
  };
}

function hullOf(count: EvidenceCount): CoverageSpan | undefined {
  return count.count > 0 && count.first !== undefined && count.last !== undefined
    ? { from: count.first, to: count.last }
    : undefined;
}

/**
 * Where the evidence shows the events asked about logged: ranges whose two ends are logged events
 * (an hour's first and last), and the hull from the first event in the window to the last.
 */
function evidenceRanges(
  evidence: BucketEvidence | undefined,
  eventNames: readonly string[] | undefined,
): { hull?: CoverageSpan; ranges: CoverageSpan[] } {
  if (evidence === undefined) return { ranges: [] };
  const needed = kindsNeeded(eventNames) ?? { reads: false, writes: false };
  const kinds = [
    ...(needed.reads || !needed.writes ? [evidence.reads] : []),
    ...(needed.writes || !needed.reads ? [evidence.writes] : []),
  ];
  const hulls = kinds.map(hullOf).filter((hull): hull is CoverageSpan => hull !== undefined);
  if (needed.reads && needed.writes) {
    const [hull] = hulls.length === 2 ? overlaps([hulls[0] as CoverageSpan], [hulls[1] as CoverageSpan]) : [];
    return { ...(hull ? { hull } : {}), ranges: overlaps(rangesOf(evidence.reads), rangesOf(evidence.writes)) };
  }
  // Either kind will do: the wider hull, and every range of both.
  const hull =
    hulls.length === 0
      ? undefined
      : {
          from: hulls.map((h) => h.from).sort()[0] as string,
          to: hulls
            .map((h) => h.to)
            .sort()
            .at(-1) as string,
        };
  return { ...(hull ? { hull } : {}), ranges: kinds.flatMap(rangesOf) };
}

/** The trails known at an instant (deleted ones left out), for listing: replayed from the history. */
export function trailsAt(
  history: TrailHistory,
  instant: Date,
): Array<{ name: string; region: string | null; isLogging?: boolean; since?: string; multiRegion?: boolean }> {
  const at = formatInstant(instant);
  const changes = inReplayOrder(history.changes).filter((change) => change.eventTime < at);
  const states = initialStates(changes, history.current);
  for (const change of changes) apply(states, change);
  return [...states.values()]
    .filter((state) => state.exists !== false && !state.unseen)
    .map((state) => ({
      name: state.name,
      region: state.region,
      ...(state.logging === undefined ? {} : { isLogging: state.logging }),
      ...(state.loggingSince === undefined ? {} : { since: state.loggingSince }),
      ...(state.multiRegion === undefined ? {} : { multiRegion: state.multiRegion }),
    }))
    .sort((a, b) => a.name.localeCompare(b.name) || (a.region ?? '').localeCompare(b.region ?? ''));
}

// ---------------------------------------------------------------------------------------------
// The note
// ---------------------------------------------------------------------------------------------

const GAPS_NAMED = 3;

/** `2026-11-05T20:10:00Z` as `2026-11-05 20:10:00 UTC`. */
export function readable(instant: string): string {
  return instant.replace('T', ' ').replace(/Z$/, ' UTC');
}

function classes(reads: boolean, writes: boolean): string {
  if (reads && writes) return 'reads and writes';
  if (reads) return 'reads only';
  if (writes) return 'writes only';
  return 'some object events';
}

function describeGaps(gaps: readonly CoverageGap[]): string {
  const named = gaps
    .slice(0, GAPS_NAMED)
    .map((gap) => `${readable(gap.from)} – ${readable(gap.to)}${gap.reason === '' ? '' : ` (${gap.reason})`}`);
  const more = gaps.length > GAPS_NAMED ? ` and ${gaps.length - GAPS_NAMED} more` : '';
  return `Not logged ${named.join(', ')}${more}.`;
}

/** What a coverage verdict rests on: the bucket's own events, the trail history, AWS's current trails. */
function describeBasis(
  history: TrailHistory,
  knownFrom: string | undefined,
  evidence: BucketEvidence | undefined,
  eventNames: readonly string[] | undefined,
): string {
  const parts: string[] = [];
  if (evidence !== undefined) {
    const needed = kindsNeeded(eventNames) ?? { reads: true, writes: true };
    const kinds = [
      ...(needed.reads ? [formatCount(evidence.reads.count, 'read event')] : []),
      ...(needed.writes ? [formatCount(evidence.writes.count, 'write event')] : []),
    ];
    parts.push(`the logs hold ${kinds.join(' and ')} of this bucket in the window`);
  }
  if (history.current !== undefined) parts.push('the trails as AWS reports them now');
  parts.push(
    knownFrom === undefined
      ? 'the logs hold no trail change'
      : `the trail changes in the logs from ${readable(knownFrom)}${history.current === undefined && !history.everyTrailKnown ? ' (trails set up before then are not in them)' : ''}`,
  );
  return `Rests on: ${parts.join('; ')}.`;
}

function describeCoverage(
  coverage: Omit<BucketCoverage, 'note'>,
  context: { unknownReasons: readonly string[]; endReason: string; instant: boolean; basis: string },
  bucket: DirectoryBucketRef,
  eventNames: readonly string[] | undefined,
): string {
  return `${describeVerdict(coverage, context, bucket, eventNames)} ${context.basis}`;
}

function describeVerdict(
  coverage: Omit<BucketCoverage, 'note'>,
  context: { unknownReasons: readonly string[]; endReason: string; instant: boolean },
  bucket: DirectoryBucketRef,
  eventNames: readonly string[] | undefined,
): string {
  const { unknownReasons, endReason, instant } = context;
  const what = eventNames === undefined ? 'object-level (data) events' : `${eventNames.join(', ')} events`;
  const logged = eventNames === undefined ? classes(coverage.reads, coverage.writes) : 'the events asked about';
  const by = coverage.trails.length > 0 ? ` by trail ${coverage.trails.join(', ')}` : '';
  const since = coverage.coveredSince === undefined ? '' : ` since ${readable(coverage.coveredSince)}`;
  const unknown =
    coverage.unknown.length > 0
      ? ` Cannot tell for ${coverage.unknown.map((span) => `${readable(span.from)} – ${readable(span.to)}`).join(', ')}: ${unknownReasons.join('; ')}.`
      : '';
  if (instant) {
    if (coverage.atEnd === 'covered') return `CloudTrail logs ${what} of ${bucket.name} (${logged})${by}${since}.`;
    if (coverage.atEnd === 'not-covered') {
      return `CloudTrail does not log ${what} of ${bucket.name} now (${endReason}).`;
    }
    return `s3x cannot tell whether CloudTrail logs ${what} of ${bucket.name}: ${endReason}.`;
  }
  switch (coverage.state) {
    case 'covered':
      return `CloudTrail logged ${what} of ${bucket.name} for the whole window (${logged})${by}${since}.`;
    case 'partial': {
      const end =
        coverage.atEnd === 'covered'
          ? ` Logged at the end of the window${since} (${logged})${by}.`
          : coverage.atEnd === 'not-covered'
            ? ' Not logged at the end of the window.'
            : '';
      const gaps = coverage.gaps.length > 0 ? ` ${describeGaps(coverage.gaps)}` : '';
      return `CloudTrail logged ${what} of ${bucket.name} for only part of the window.${gaps}${unknown}${end}`;
    }
    case 'not-covered': {
      const reasons = [...new Set(coverage.gaps.map((gap) => gap.reason))].join('; ');
      return `CloudTrail did not log ${what} of ${bucket.name} in the window (${reasons}).${unknown}`;
    }
    case 'unknown':
      return (
        `s3x cannot tell whether CloudTrail logged ${what} of ${bucket.name} in the window: ${unknownReasons.join('; ')}. ` +
        'Check the trail’s advanced event selectors for AWS::S3Express::Object.'
      );
  }
}
