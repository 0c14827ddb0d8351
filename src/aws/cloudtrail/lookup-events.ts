import {
  type CloudTrailClient,
  type Event,
  LookupEventsCommand,
  type LookupEventsCommandInput,
  type LookupEventsCommandOutput,
} from '@aws-sdk/client-cloudtrail';
import {
  type BucketEventsAnswer,
  type BucketEventsSource,
  type ManagementEvent,
  summarizeRequestParameters,
} from '../../answers/bucket-events/question.js';
import { eventSourcesFor } from '../../cloudtrail/buckets.js';
import type { BucketEventsRequest } from '../../commands/requests.js';
import { EngineError } from '../../errors.js';
import { MAX_ROWS } from '../../questions/sql-pieces.js';
import { formatNumber } from '../../text/numbers.js';
import type { Clock } from '../../time/clock.js';
import { formatInstant } from '../../time/window.js';
import {
  describeError,
  errorName,
  isThrottling,
  isTransient,
  type RetryPolicy,
  safeName,
  toUserError,
  withRetry,
} from '../aws-call.js';

/** CloudTrail event history (LookupEvents) keeps this many days. */
const LOOKUP_EVENTS_RETENTION_DAYS = 90;
/** The largest page LookupEvents returns. */
const LOOKUP_EVENTS_PAGE_SIZE = 50;
/** When CloudTrail throttles or fails for a moment: 5 attempts, the first included, with full-jitter backoff. */
const RETRY: RetryPolicy = { attempts: 5, baseMs: 1000, capMs: 20_000 };

const DAY_MS = 24 * 3600_000;
const DEFAULT_MAX_PAGES = 40;
// LookupEvents allows 2 requests per second per account and Region.
const DEFAULT_MIN_INTERVAL_MS = 500;

export const RETENTION_WARNING = 'LookupEvents keeps 90 days; older bucket events need the Athena table.';

export interface LookupEventsOptions {
  clock: Clock;
  /** Pages read before stopping with a "partial answer" warning (50 events each). */
  maxPages?: number;
  /** Least time between the starts of two calls, retries included. */
  minIntervalMs?: number;
}

/**
 * Bucket-level (management) events from CloudTrail event history, for AWS mode without Athena.
 * LookupEvents takes one lookup attribute, so it asks for the bucket's event source and keeps
 * the bucket's own events client-side, keyed on `requestParameters.bucketName` as the SQL is.
 */
export class LookupEventsSource implements BucketEventsSource {
  private readonly maxPages: number;
  private readonly minIntervalMs: number;
  /** The earliest time the next call may start; shared by every lookup, as the rate limit is. */
  private nextCallAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly client: CloudTrailClient,
    private readonly options: LookupEventsOptions,
  ) {
    this.maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
    this.minIntervalMs = options.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
  }

  async bucketEvents(request: BucketEventsRequest): Promise<BucketEventsAnswer> {
    const { clock } = this.options;
    const started = clock.now();
    const sources = eventSourcesFor(request.bucket);
    const warnings: string[] = [];
    const earliest = new Date(started - LOOKUP_EVENTS_RETENTION_DAYS * DAY_MS);
    const { until } = request.window;
    let since = request.window.since;
    if (since < earliest) {
      since = earliest;
      warnings.push(`${RETENTION_WARNING} Searched from ${formatInstant(earliest)} only.`);
    }

    const history =
      since < until
        ? await this.readHistory({
            // A named bucket has one source, so this is the single attribute LookupEvents allows.
            LookupAttributes: sources.map((source) => ({ AttributeKey: 'EventSource', AttributeValue: source })),
            StartTime: since,
            EndTime: until,
            MaxResults: LOOKUP_EVENTS_PAGE_SIZE,
          })
        : { items: [], pages: 0, truncated: false };
    if (history.truncated) {
      warnings.push(
        `Stopped after ${history.pages} pages (${formatNumber(history.items.length)} events) of CloudTrail event ` +
          'history, so this answer is partial: it holds only the newest events. Narrow --since/--until to see the rest.',
      );
    }
    const selected = selectBucketEvents(history.items, request.bucket, until);
    if (selected.unreadable > 0) {
      const events = selected.unreadable === 1 ? '1 event' : `${formatNumber(selected.unreadable)} events`;
      warnings.push(`Skipped ${events} from CloudTrail that carried no readable record.`);
    }
    const newest = history.items.reduce<Date | undefined>(
      (max, item) => (item.EventTime && (!max || item.EventTime > max) ? item.EventTime : max),
      undefined,
    );
    return {
      question: 'bucket-events',
      bucket: request.bucket,
      sources,
      window: request.window,
      events: selected.changes.slice(0, MAX_ROWS),
      totalMatches: selected.changes.length,
      readOnlyHidden: selected.readOnlyHidden,
      stats: {
        engine: 'lookup-events',
        bytesScanned: 0,
        eventsScanned: history.items.length,
        unreadableFiles: [],
        elapsedMs: clock.now() - started,
        warnings,
        newestEventTime: newest === undefined ? undefined : formatInstant(newest),
      },
    };
  }

  /** Every page of one lookup, newest first, up to maxPages. */
  private async readHistory(input: LookupEventsCommandInput): Promise<{ items: Event[]; pages: number; truncated: boolean }> {
    const items: Event[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      // A NextToken is only valid with the exact parameters of the first call.
      const page = await this.send(nextToken === undefined ? input : { ...input, NextToken: nextToken });
      pages += 1;
      items.push(...(page.Events ?? []));
      nextToken = page.NextToken;
    } while (nextToken !== undefined && pages < this.maxPages);
    return { items, pages, truncated: nextToken !== undefined };
  }

  /**
   * One LookupEvents call: paced, retried with full-jitter backoff while CloudTrail throttles or
   * fails for a moment (5xx, a dropped connection): the SDK clients make one attempt each.
   */
  private async send(input: LookupEventsCommandInput): Promise<LookupEventsCommandOutput> {
    const retryable = (error: unknown) => isThrottling(error) || isTransient(error);
    try {
      await this.waitForTurn(0);
      return await withRetry(
        () => this.client.send(new LookupEventsCommand(input)),
        retryable,
        RETRY,
        this.options.clock,
        (backoffMs) => this.waitForTurn(backoffMs),
      );
    } catch (error) {
      if (!retryable(error)) throw toEngineError(error);
      const options = { cause: error, detail: describeError(error) };
      throw isThrottling(error)
        ? new EngineError(
            'CloudTrail is throttling event-history lookups (LookupEvents allows 2 requests per second per account and ' +
              'Region, shared with every other tool). Try again in a minute.',
            options,
          )
        : new EngineError(
            `CloudTrail event history did not answer${safeName(error)} after ${RETRY.attempts} tries. Try again in a minute.`,
            options,
          );
    }
  }

  /** Sleep until this call may start: `delayMs` from now, and at least minIntervalMs after the previous call. */
  private async waitForTurn(delayMs: number): Promise<void> {
    const now = this.options.clock.now();
    const at = Math.max(now + delayMs, this.nextCallAt);
    // Reserved before sleeping, so concurrent lookups queue instead of starting together.
    this.nextCallAt = at + this.minIntervalMs;
    if (at > now) await this.options.clock.sleep(at - now);
  }
}

type CloudTrailRecord = Record<string, unknown>;

/**
 * The bucket's own calls among everything its event source logged, as the SQL picks them:
 * keyed on `requestParameters.bucketName`, de-duplicated on eventID, read-only calls counted apart.
 */
function selectBucketEvents(
  items: readonly Event[],
  bucket: string,
  until: Date,
): { changes: ManagementEvent[]; readOnlyHidden: number; unreadable: number } {
  const changes: ManagementEvent[] = [];
  const seenIds = new Set<string>();
  let readOnlyHidden = 0;
  let unreadable = 0;
  for (const item of items) {
    const record = parseRecord(item.CloudTrailEvent);
    if (record === undefined) {
      unreadable += 1;
      continue;
    }
    if (bucketNameOf(record) !== bucket) continue;
    // EndTime is inclusive at LookupEvents; the window is half-open, as in the SQL.
    if (item.EventTime && item.EventTime >= until) continue;
    const event = toManagementEvent(record, item);
    if (seenIds.has(event.eventId)) continue;
    seenIds.add(event.eventId);
    if (event.readOnly === true) readOnlyHidden += 1;
    else changes.push(event);
  }
  changes.sort((a, b) => (a.eventTime === b.eventTime ? a.eventId.localeCompare(b.eventId) : a.eventTime < b.eventTime ? 1 : -1));
  return { changes, readOnlyHidden, unreadable };
}

function parseRecord(json: string | undefined): CloudTrailRecord | undefined {
  if (json === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as CloudTrailRecord) : undefined;
  } catch {
    return undefined;
  }
}

function objectAt(record: CloudTrailRecord, name: string): CloudTrailRecord {
  const value = record[name];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as CloudTrailRecord) : {};
}

function textAt(record: CloudTrailRecord, name: string): string | null {
  const value = record[name];
  return typeof value === 'string' ? value : null;
}

function bucketNameOf(record: CloudTrailRecord): string | null {
  return textAt(objectAt(record, 'requestParameters'), 'bucketName');
}

function readOnlyOf(value: unknown): boolean | null {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return null;
}

/** The record's own fields first; the LookupEvents summary fields fill gaps. */
function toManagementEvent(record: CloudTrailRecord, item: Event): ManagementEvent {
  const identity = objectAt(record, 'userIdentity');
  return {
    eventId: textAt(record, 'eventID') ?? item.EventId ?? '',
    eventTime: textAt(record, 'eventTime') ?? (item.EventTime ? formatInstant(item.EventTime) : ''),
    eventName: textAt(record, 'eventName') ?? item.EventName ?? '',
    eventSource: textAt(record, 'eventSource') ?? item.EventSource ?? '',
    region: textAt(record, 'awsRegion'),
    principalArn: textAt(identity, 'arn'),
    principalType: textAt(identity, 'type'),
    invokedBy: textAt(identity, 'invokedBy'),
    sourceIp: textAt(record, 'sourceIPAddress'),
    userAgent: textAt(record, 'userAgent'),
    errorCode: textAt(record, 'errorCode'),
    errorMessage: textAt(record, 'errorMessage'),
    readOnly: readOnlyOf(record.readOnly ?? item.ReadOnly),
    requestSummary: summarizeRequestParameters(record.requestParameters),
  };
}

function toEngineError(error: unknown): EngineError {
  const name = errorName(error);
  const options = { cause: error, detail: describeError(error) };
  if (name.includes('AccessDenied')) {
    return toUserError(error, {
      permission: 'cloudtrail:LookupEvents',
      purpose: 'read CloudTrail event history',
      permissionNote: ' (see docs/iam/read-only.json)',
    });
  }
  switch (name) {
    case 'InvalidTimeRangeException':
      return new EngineError(
        'CloudTrail rejected the time window: event history covers only the last 90 days, and --since must be before --until.',
        options,
      );
    case 'InvalidNextTokenException':
      return new EngineError('CloudTrail event history changed while s3x was paging through it. Ask again.', options);
    case 'OperationNotPermittedException':
    case 'UnsupportedOperationException':
      return new EngineError(
        `CloudTrail does not allow event-history lookups for this account or Region${safeName(error)}.`,
        options,
      );
    case 'InvalidLookupAttributesException':
    case 'InvalidMaxResultsException':
    case 'InvalidEventCategoryException':
      return new EngineError(
        `CloudTrail rejected the lookup s3x sent${safeName(error)}. This is a bug in s3x; please report it.`,
        options,
      );
    default:
      return new EngineError(
        `CloudTrail event history could not be read${safeName(error)}. Check the credentials and Region s3x runs with, then try again.`,
        options,
      );
  }
}
