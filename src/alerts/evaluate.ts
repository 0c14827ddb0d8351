import { isDirectoryBucket, regionOfDirectoryBucket } from '../cloudtrail/buckets.js';
import { type DirectoryBucketRef, loggedSelectorSet, selectorCoverage } from '../cloudtrail/selectors.js';
import type { AlertEvent } from './event.js';
import { type AlertRule, type Check, globToRegExp, type RulesFile } from './rules.js';

/** One rule tripped by one event (for a threshold rule, the event that crossed it). */
export interface Firing {
  rule: AlertRule;
  event: AlertEvent;
  /** Who the alert is about: the principal (or the source IP for `per: source-ip` thresholds). */
  subject: string;
  /** Threshold rules: the matching events in the window when it fired. */
  count?: number;
  /** What the alert must say so it is not read as more than it is (short history, unreadable selectors). */
  notes: string[];
}

export interface EvaluatorOptions {
  /** Since when this evaluator has seen the events (start of its history); "new to the bucket" is judged against it. */
  historyFrom: Date;
  /** Principals already known on buckets (seeded from the logs at start), with when they were last seen. */
  seen?: Iterable<{ bucket: string; principal: string; at: Date }>;
  /** Directory buckets already known (seeded from the inventory), for the selector check. */
  directoryBuckets?: Iterable<DirectoryBucketRef>;
}

/** Events remembered by eventID so a duplicate delivery never counts twice. */
const MAX_REMEMBERED_IDS = 200_000;
/** Bucket/principal pairs remembered for "new to the bucket". */
const MAX_PAIRS = 500_000;

const NONE: readonly Firing[] = Object.freeze([]);

type Predicate = (event: AlertEvent) => boolean;

interface CompiledRule {
  rule: AlertRule;
  matches: Predicate;
  /** Set for `newToBucket`: the look-back in ms. */
  newToBucketMs?: number;
}

/**
 * The rule evaluator: pure and synchronous (no I/O, no clock: time is the events' own), so the
 * same records give the same firings. It keeps what rules need across events: the sliding
 * windows of threshold rules, when each principal was last seen on each bucket, the directory
 * buckets seen, and recent eventIDs (duplicates are skipped).
 */
export class RuleEvaluator {
  private readonly rules: CompiledRule[];
  private readonly windows = new Map<string, number[]>();
  private readonly lastSeen = new Map<string, number>();
  private readonly buckets = new Map<string, DirectoryBucketRef>();
  /** Recent eventIDs with what they fired: a duplicate delivery fires the same again and counts nowhere. */
  private readonly recentIds = new Map<string, readonly Firing[]>();
  /** The same ids in arrival order, a ring: the oldest is forgotten first without walking the map. */
  private readonly idRing: string[] = [];
  private ringNext = 0;
  private readonly historyFromMs: number;

  constructor(file: RulesFile, options: EvaluatorOptions) {
    this.rules = file.rules.map(compile);
    this.historyFromMs = options.historyFrom.getTime();
    for (const { bucket, principal, at } of options.seen ?? []) this.remember(bucket, principal, at.getTime());
    for (const ref of options.directoryBuckets ?? []) this.buckets.set(ref.name, ref);
  }

  /**
   * The firings of one event. A duplicate (an eventID seen before) returns what the first copy
   * fired, without counting again: the store's dedupe then keeps it from being posted twice, and a
   * redelivery whose alert was not posted yet still gets it.
   */
  evaluate(event: AlertEvent): readonly Firing[] {
    const earlier = this.recentIds.get(event.eventId);
    if (earlier) return earlier;
    const firings: Firing[] = [];
    for (const compiled of this.rules) {
      const firing = this.fire(compiled, event);
      if (firing) firings.push(firing);
    }
    this.recentIds.set(event.eventId, firings.length === 0 ? NONE : firings);
    const oldest = this.idRing[this.ringNext];
    if (oldest !== undefined) this.recentIds.delete(oldest);
    this.idRing[this.ringNext] = event.eventId;
    this.ringNext = (this.ringNext + 1) % MAX_REMEMBERED_IDS;
    // After the rules: the event itself never makes its principal familiar to its own bucket.
    this.learn(event);
    return firings;
  }

  private fire({ rule, matches, newToBucketMs }: CompiledRule, event: AlertEvent): Firing | undefined {
    if (!matches(event)) return undefined;
    const notes: string[] = [];
    if (newToBucketMs !== undefined) {
      if (!event.bucket) return undefined;
      const last = this.lastSeen.get(pairKey(event.bucket, event.principal));
      if (last !== undefined && last >= event.eventMs - newToBucketMs) return undefined;
      if (this.historyFromMs > event.eventMs - newToBucketMs) {
        notes.push(
          `s3x has seen this bucket's events only since ${new Date(this.historyFromMs).toISOString()}, less than the ${formatSpan(newToBucketMs)} this rule looks back: the principal may have used it before.`,
        );
      }
    }
    const check = rule.match.check;
    if (check) {
      const result = CHECK_FUNCTIONS[check](event, this.knownDirectoryBuckets(event.account));
      if (!result.fired) return undefined;
      notes.push(...result.notes);
    }
    const subject = rule.threshold?.per === 'source-ip' ? (event.sourceIp ?? 'unknown source IP') : event.principal;
    if (!rule.threshold) return { rule, event, subject, notes };
    const { count, window, per } = rule.threshold;
    const key = `${rule.id}\u0000${subject}${per === 'principal-and-bucket' ? `\u0000${event.bucket ?? ''}` : ''}`;
    const times = this.windows.get(key) ?? [];
    times.push(event.eventMs);
    times.sort((a, b) => a - b);
    const newest = times[times.length - 1] as number;
    while (times.length > 0 && (times[0] as number) <= newest - window) times.shift();
    if (times.length > count) {
      this.windows.delete(key);
      return { rule, event, subject, count: times.length, notes };
    }
    this.windows.set(key, times);
    return undefined;
  }

  private learn(event: AlertEvent): void {
    if (!event.bucket) return;
    if (event.errorCode === undefined) this.remember(event.bucket, event.principal, event.eventMs);
    if (isDirectoryBucket(event.bucket) && !this.buckets.has(event.bucket) && event.account) {
      const region = regionOfDirectoryBucket(event.bucket) ?? event.region;
      if (region) this.buckets.set(event.bucket, { name: event.bucket, region, account: event.account });
    }
  }

  private remember(bucket: string, principal: string, at: number): void {
    const key = pairKey(bucket, principal);
    if ((this.lastSeen.get(key) ?? -1) >= at) return;
    this.lastSeen.delete(key);
    this.lastSeen.set(key, at);
    if (this.lastSeen.size > MAX_PAIRS) this.lastSeen.delete(this.lastSeen.keys().next().value as string);
  }

  private knownDirectoryBuckets(account: string | undefined): DirectoryBucketRef[] {
    return [...this.buckets.values()].filter((ref) => account === undefined || ref.account === account);
  }
}

function pairKey(bucket: string, principal: string): string {
  return `${bucket}\u0000${principal}`;
}

function formatSpan(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} days`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} hours`;
  return `${Math.round(ms / 60_000)} minutes`;
}

/** A rule's match conditions as one predicate; every condition must hold. */
function compile(rule: AlertRule): CompiledRule {
  const m = rule.match;
  const checks: Predicate[] = [];
  const inSet = (values: readonly string[] | undefined, get: (e: AlertEvent) => string | undefined) => {
    if (!values) return;
    const set = new Set(values);
    checks.push((e) => {
      const value = get(e);
      return value !== undefined && set.has(value);
    });
  };
  inSet(m.source, (e) => e.eventSource);
  inSet(m.eventName, (e) => e.eventName);
  inSet(m.errorCode, (e) => e.errorCode);
  inSet(m.sessionMode, (e) => e.sessionMode);
  if (m.outcome === 'success') checks.push((e) => e.errorCode === undefined);
  if (m.outcome === 'failure') checks.push((e) => e.errorCode !== undefined);
  if (m.bucket) {
    const globs = m.bucket.map(globToRegExp);
    checks.push((e) => e.bucket !== undefined && globs.some((glob) => glob.test(e.bucket as string)));
  }
  if (m.principal?.allow) {
    const globs = m.principal.allow.map(globToRegExp);
    checks.push((e) => !globs.some((glob) => glob.test(e.principal)));
  }
  if (m.principal?.deny) {
    const globs = m.principal.deny.map(globToRegExp);
    checks.push((e) => globs.some((glob) => glob.test(e.principal)));
  }
  if (m.sourceIp?.in) {
    const inside = addressMatcher(m.sourceIp.in);
    checks.push((e) => e.sourceIp !== undefined && inside(e.sourceIp));
  }
  if (m.sourceIp?.notIn) {
    const inside = addressMatcher(m.sourceIp.notIn);
    checks.push((e) => e.sourceIp === undefined || !inside(e.sourceIp));
  }
  const vpce = m.vpcEndpoint;
  if (vpce?.present !== undefined) checks.push((e) => (e.vpcEndpointId !== undefined) === vpce.present);
  inSet(vpce?.in, (e) => e.vpcEndpointId);
  if (vpce?.notIn) {
    const set = new Set(vpce.notIn);
    checks.push((e) => e.vpcEndpointId === undefined || !set.has(e.vpcEndpointId));
  }
  const matches: Predicate = (event) => {
    for (const check of checks) if (!check(event)) return false;
    return true;
  };
  return { rule, matches, ...(m.principal?.newToBucket ? { newToBucketMs: m.principal.newToBucket } : {}) };
}

/** IPv4 addresses and CIDRs by range; anything else (IPv6, `s3.amazonaws.com`) exactly. */
function addressMatcher(entries: readonly string[]): (address: string) => boolean {
  const ranges: Array<[number, number]> = [];
  const exact = new Set<string>();
  for (const entry of entries) {
    const [ip, bits] = entry.split('/');
    const value = ipv4(ip ?? '');
    if (value === undefined) {
      exact.add(entry.toLowerCase());
      continue;
    }
    const prefix = bits === undefined ? 32 : Number(bits);
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    ranges.push([(value & mask) >>> 0, mask]);
  }
  return (address) => {
    const value = ipv4(address);
    if (value === undefined) return exact.has(address.toLowerCase());
    return ranges.some(([network, mask]) => (value & mask) >>> 0 === network);
  };
}

function ipv4(text: string): number | undefined {
  const parts = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!parts) return undefined;
  const octets = parts.slice(1).map(Number);
  if (octets.some((n) => n > 255)) return undefined;
  return octets.reduce((sum, n) => sum * 256 + n, 0);
}

type CheckResult = { fired: boolean; notes: string[] };

const DESTINATION_FIELDS = ['s3BucketName', 's3KeyPrefix'];

const CHECK_FUNCTIONS: Record<Check, (event: AlertEvent, buckets: DirectoryBucketRef[]) => CheckResult> = {
  /** UpdateTrail with a new S3 bucket or prefix: the logs now go somewhere else. */
  'trail-destination-changed': (event) => {
    const parameters = event.requestParameters ?? {};
    const changed = DESTINATION_FIELDS.filter((name) => typeof parameters[name] === 'string');
    return {
      fired: changed.length > 0,
      notes: changed.map((name) => `The request sets ${name} to ${String(parameters[name]).slice(0, 200)}.`),
    };
  },
  /** PutEventSelectors whose new set no longer logs object writes of a directory bucket s3x knows. */
  'directory-bucket-logging-dropped': (event, buckets) => {
    const selectors = loggedSelectorSet(event.requestParameters);
    if (!selectors) {
      return {
        fired: true,
        notes: ['The record does not show the new selectors in a readable form: check the trail with /s3x status.'],
      };
    }
    const trailNote = 'Another trail may still log these buckets: /s3x status shows the coverage of every trail.';
    if (buckets.length === 0) {
      // No directory bucket seen yet: judge whether the set could log any directory bucket at all.
      const logsAny = (selectors.advanced ?? []).some((selector) =>
        (selector.FieldSelectors ?? []).some(
          (field) => field.Field === 'resources.type' && (field.Equals ?? []).includes('AWS::S3Express::Object'),
        ),
      );
      return {
        fired: !logsAny,
        notes: ['The new selectors log no directory bucket objects (s3x has not seen a directory bucket yet).', trailNote],
      };
    }
    const dropped = buckets.filter((bucket) => !selectorCoverage(selectors, bucket).writes).map((bucket) => bucket.name);
    return {
      fired: dropped.length > 0,
      notes: [
        `Object writes are no longer logged by this trail for: ${dropped.slice(0, 10).join(', ')}${dropped.length > 10 ? ` and ${dropped.length - 10} more` : ''}.`,
        trailNote,
      ],
    };
  },
};
