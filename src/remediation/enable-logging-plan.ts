import {
  type AdvancedEventSelector,
  type AdvancedFieldSelector,
  DEFAULT_TRAIL_SELECTORS,
  type DirectoryBucketRef,
  directoryBucketArnPrefix,
  type EventSelector,
  isAccessPointSelector,
  selectorCoverage,
} from '../cloudtrail/selectors.js';
import { UsageError } from '../errors.js';
import { lineDiff } from './diff.js';
import type { AccountState, Plan, PlannedCall, TrailState } from './types.js';

/** The name of the one selector s3x owns on a trail: found again by name to extend it. */
export const S3X_SELECTOR_NAME = 's3x: S3 Express objects';
/** CloudTrail's limit on values across all field selectors of a trail's advanced selectors (aws-facts 2.2). */
export const MAX_SELECTOR_VALUES = 500;
/** CloudTrail data events: $0.10 per 100,000 (aws-facts pricing). */
const USD_PER_EVENT = 0.1 / 100_000;
const OBJECT_TYPE = 'AWS::S3Express::Object';

export interface EnableLoggingOptions {
  /** Name of a trail s3x creates when the account has none (default `s3x-data-events`). */
  trailName?: string;
  /** Log bucket of a new trail (default `aws-cloudtrail-logs-<account>-s3x`). */
  logBucket?: string;
  expectedEventsPerMonth?: number;
}

type Target = { bucket: string } | { all: true };

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** `arn:aws:s3` or `arn:aws:lambda`: a basic value naming every resource of its type. */
function namesEveryResource(value: string): boolean {
  return /^arn:[^:]+:[^:]+:*$/.test(value);
}

/**
 * A basic selector as advanced selectors that log the same events. ReadWriteType applies to
 * management and data events alike. A data resource with no values selects nothing, so it is left
 * out (reported): an advanced selector without `resources.ARN` would log every resource of the type.
 */
export function basicToAdvanced(selector: EventSelector, dropped: string[]): AdvancedEventSelector[] {
  const readOnly: AdvancedFieldSelector[] =
    selector.ReadWriteType === 'ReadOnly'
      ? [{ Field: 'readOnly', Equals: ['true'] }]
      : selector.ReadWriteType === 'WriteOnly'
        ? [{ Field: 'readOnly', Equals: ['false'] }]
        : [];
  const out: AdvancedEventSelector[] = [];
  if (selector.IncludeManagementEvents !== false) {
    const excluded = selector.ExcludeManagementEventSources ?? [];
    out.push({
      Name: 'Management events',
      FieldSelectors: [
        { Field: 'eventCategory', Equals: ['Management'] },
        ...readOnly,
        ...(excluded.length > 0 ? [{ Field: 'eventSource', NotEquals: [...excluded] }] : []),
      ],
    });
  }
  for (const resource of selector.DataResources ?? []) {
    const type = resource.Type ?? '';
    const values = resource.Values ?? [];
    if (values.length === 0) {
      dropped.push(type);
      continue;
    }
    const arn: AdvancedFieldSelector[] = values.some(namesEveryResource)
      ? []
      : [{ Field: 'resources.ARN', StartsWith: [...values] }];
    out.push({
      Name: `Data events: ${type}`,
      FieldSelectors: [
        { Field: 'eventCategory', Equals: ['Data'] },
        { Field: 'resources.type', Equals: [type] },
        ...readOnly,
        ...arn,
      ],
    });
  }
  return out;
}

/** Every value of every operator of every field selector: what CloudTrail's 500 limit counts. */
export function countSelectorValues(selectors: readonly AdvancedEventSelector[]): number {
  let count = 0;
  for (const selector of selectors) {
    for (const field of selector.FieldSelectors ?? []) {
      count +=
        (field.Equals?.length ?? 0) +
        (field.StartsWith?.length ?? 0) +
        (field.EndsWith?.length ?? 0) +
        (field.NotEquals?.length ?? 0) +
        (field.NotStartsWith?.length ?? 0) +
        (field.NotEndsWith?.length ?? 0);
    }
  }
  return count;
}

function s3xSelector(prefixes: string[] | 'all'): AdvancedEventSelector {
  return {
    Name: S3X_SELECTOR_NAME,
    FieldSelectors: [
      { Field: 'eventCategory', Equals: ['Data'] },
      { Field: 'resources.type', Equals: [OBJECT_TYPE] },
      ...(prefixes === 'all' ? [] : [{ Field: 'resources.ARN', StartsWith: prefixes }]),
    ],
  };
}

/** A selector logging every directory bucket's objects: only eventCategory=Data and the object type. */
function logsEveryDirectoryBucket(selector: AdvancedEventSelector): boolean {
  const fields = selector.FieldSelectors ?? [];
  const only = (field: AdvancedFieldSelector, name: string, value: string): boolean =>
    field.Field?.toLowerCase() === name.toLowerCase() &&
    field.Equals?.includes(value) === true &&
    [field.StartsWith, field.EndsWith, field.NotEquals, field.NotStartsWith, field.NotEndsWith].every(
      (v) => (v ?? []).length === 0,
    );
  return (
    fields.length === 2 &&
    fields.some((field) => only(field, 'eventCategory', 'Data')) &&
    fields.some((field) => only(field, 'resources.type', OBJECT_TYPE))
  );
}

function covers(
  selectors: readonly AdvancedEventSelector[],
  target: Target,
  ref: DirectoryBucketRef | undefined,
): string | undefined {
  if ('all' in target) {
    const selector = selectors.find(logsEveryDirectoryBucket);
    return selector === undefined ? undefined : (selector.Name ?? '');
  }
  if (ref === undefined) return undefined;
  const coverage = selectorCoverage({ advanced: [...selectors] }, ref);
  const full = coverage.reads && coverage.writes && coverage.loggedEvents.includes('CreateSession');
  return full ? (coverage.selectorName ?? '') : undefined;
}

/** Whether the trail records events of the region at all (a single-region trail sees its home region only). */
function sees(trail: TrailState, region: string): boolean {
  return trail.isMultiRegion || trail.homeRegion === region;
}

/** The trail's selectors as the advanced set PutEventSelectors will write, with what the conversion dropped. */
function currentAdvanced(trail: TrailState, warnings: string[]): AdvancedEventSelector[] {
  const advanced = [...(trail.advancedEventSelectors ?? [])];
  const basic = trail.eventSelectors ?? [];
  if (basic.length === 0) return advanced;
  const dropped: string[] = [];
  const converted = basic.flatMap((selector) => basicToAdvanced(selector, dropped));
  // Two basic selectors can yield the same management selector: write it once.
  const seen = new Set(advanced.map((selector) => JSON.stringify(selector)));
  for (const selector of converted) {
    const key = JSON.stringify(selector);
    if (!seen.has(key)) advanced.push(selector);
    seen.add(key);
  }
  warnings.push(
    `Trail ${trail.name} uses basic event selectors; they are rewritten as advanced selectors that log the same events (CloudTrail cannot mix the two kinds, and directory buckets need advanced selectors).`,
  );
  if (dropped.length > 0) {
    warnings.push(`Basic data resources with no values log nothing and are left out: ${[...new Set(dropped)].join(', ')}.`);
  }
  return advanced;
}

/** The trail's selectors with s3x's selector added or extended. */
function mergeS3x(selectors: AdvancedEventSelector[], target: Target, prefix: string | undefined): AdvancedEventSelector[] {
  const index = selectors.findIndex((selector) => selector.Name === S3X_SELECTOR_NAME);
  if ('all' in target || prefix === undefined) {
    if (index < 0) return [...selectors, s3xSelector('all')];
    return selectors.map((selector, at) => (at === index ? s3xSelector('all') : selector));
  }
  if (index < 0) return [...selectors, s3xSelector([prefix])];
  const existing = selectors[index] as AdvancedEventSelector;
  const arnField = existing.FieldSelectors?.find((field) => field.Field?.toLowerCase() === 'resources.arn');
  // Without a resources.ARN field the s3x selector already logs every bucket: keep it so.
  const merged =
    arnField === undefined ? s3xSelector('all') : s3xSelector([...new Set([...(arnField.StartsWith ?? []), prefix])]);
  return selectors.map((selector, at) => (at === index ? merged : selector));
}

function pickTrail(trails: readonly TrailState[]): TrailState | undefined {
  return trails.find((trail) => trail.isLogging && trail.isMultiRegion) ?? trails.find((trail) => trail.isLogging) ?? trails[0];
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

function selectorsJson(trail: TrailState): string {
  return json({
    ...(trail.eventSelectors && trail.eventSelectors.length > 0 ? { EventSelectors: trail.eventSelectors } : {}),
    AdvancedEventSelectors: trail.advancedEventSelectors ?? [],
  });
}

/** The policy CloudTrail needs on its log bucket (aws-facts 2.5), scoped to this trail by aws:SourceArn. */
export function cloudTrailLogBucketPolicy(bucket: string, account: string, trailArn: string, partition: string): string {
  return json({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AWSCloudTrailAclCheck20150319',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 's3:GetBucketAcl',
        Resource: `arn:${partition}:s3:::${bucket}`,
        Condition: { StringEquals: { 'aws:SourceArn': trailArn } },
      },
      {
        Sid: 'AWSCloudTrailWrite20150319',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: `arn:${partition}:s3:::${bucket}/AWSLogs/${account}/*`,
        Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': trailArn } },
      },
    ],
  });
}

function costOf(options: EnableLoggingOptions, warnings: string[]): number | undefined {
  if (options.expectedEventsPerMonth === undefined) {
    warnings.push('Cost depends on the buckets’ traffic: CloudTrail bills data events at $0.10 per 100,000 events.');
    return undefined;
  }
  return Math.round(options.expectedEventsPerMonth * USD_PER_EVENT * 100) / 100;
}

function checkBudget(selectors: readonly AdvancedEventSelector[], trailName: string, target: Target): void {
  const count = countSelectorValues(selectors);
  if (count <= MAX_SELECTOR_VALUES) return;
  const hint = 'all' in target ? '' : ' Use `--all` to log every directory bucket with one selector that names no bucket.';
  throw new UsageError(
    `Trail ${trailName} would need ${count} selector values; CloudTrail allows ${MAX_SELECTOR_VALUES} across a trail's selectors.${hint}`,
  );
}

/**
 * Plan logging S3 Express object (data) events of one directory bucket, or all of them, on a trail.
 * PutEventSelectors replaces the whole set, so the plan writes back every selector the trail had.
 */
export function planEnableLogging(state: AccountState, target: Target, options: EnableLoggingOptions = {}): Plan {
  const request = { kind: 'enable-logging' as const, target };
  const warnings: string[] = [];
  const what = 'all' in target ? 'every directory bucket' : `bucket ${target.bucket}`;

  let ref: DirectoryBucketRef | undefined;
  if (!('all' in target)) {
    const bucket = state.directoryBuckets.find((candidate) => candidate.name === target.bucket);
    if (bucket === undefined) throw new UsageError(`No directory bucket named ${target.bucket} in account ${state.account}.`);
    ref = { name: bucket.name, region: bucket.region, account: state.account };
  }
  const prefix = ref === undefined ? undefined : directoryBucketArnPrefix(ref);

  for (const trail of state.trails) {
    if (!trail.isLogging || (ref !== undefined && !sees(trail, ref.region))) continue;
    const by = covers(trail.advancedEventSelectors ?? [], target, ref);
    if (by !== undefined) {
      const selector = by === '' ? '' : ` (selector "${by}")`;
      return {
        request,
        summary: `Trail ${trail.name} already logs S3 Express data events for ${what}${selector}; nothing to change.`,
        diff: '',
        calls: [],
        warnings,
      };
    }
  }

  const trail = pickTrail(state.trails);
  if (trail === undefined) return planNewTrail(state, target, prefix, options, what);

  if (ref !== undefined && !sees(trail, ref.region)) {
    warnings.push(`Trail ${trail.name} is single-region (${trail.homeRegion}): it will not record ${ref.name} in ${ref.region}.`);
  }
  const before = currentAdvanced(trail, warnings);
  const throughAccessPoints =
    ref === undefined ? [] : before.filter((selector) => isAccessPointSelector(selector, ref)).map((s) => s.Name ?? '(unnamed)');
  if (throughAccessPoints.length > 0) {
    warnings.push(
      `Trail ${trail.name} logs calls made through access points (${throughAccessPoints.join(', ')}): only those calls, so ${what} is not covered by it. ` +
        'Those selectors are kept as they are; the object selector added logs the calls made to the bucket itself.',
    );
  }
  const calls: PlannedCall[] = [];
  // Selected but not logging: StartLogging alone is enough.
  const after = covers(before, target, ref) !== undefined ? before : mergeS3x(before, target, prefix);
  if (after !== before) {
    checkBudget(after, trail.name, target);
    calls.push({
      api: 'cloudtrail:PutEventSelectors',
      region: trail.homeRegion,
      trailName: trail.name,
      advancedEventSelectors: after,
    });
  }
  if (!trail.isLogging) calls.push({ api: 'cloudtrail:StartLogging', region: trail.homeRegion, trailName: trail.name });
  if ('all' in target) warnings.push('The selector names no bucket: it also logs directory buckets created later.');
  const estimatedMonthlyCostUsd = costOf(options, warnings);
  const action = after === before ? `Start logging on trail ${trail.name}, which already selects` : `Add`;
  return {
    request,
    summary: `${action} S3 Express data events for ${what}${after === before ? '' : ` to trail ${trail.name}`}`,
    diff: lineDiff(selectorsJson(trail), json({ AdvancedEventSelectors: after })),
    calls,
    ...(estimatedMonthlyCostUsd === undefined ? {} : { estimatedMonthlyCostUsd }),
    warnings,
  };
}

function planNewTrail(
  state: AccountState,
  target: Target,
  prefix: string | undefined,
  options: EnableLoggingOptions,
  what: string,
): Plan {
  const warnings: string[] = [];
  const trailName = options.trailName ?? 's3x-data-events';
  const logBucket = options.logBucket ?? `aws-cloudtrail-logs-${state.account}-s3x`;
  const region = state.region;
  const partition = partitionOf(region);
  const trailArn = `arn:${partition}:cloudtrail:${region}:${state.account}:trail/${trailName}`;
  const dropped: string[] = [];
  // A new trail logs all management events until PutEventSelectors replaces its set: keep them.
  const management = (DEFAULT_TRAIL_SELECTORS.basic ?? []).flatMap((selector) => basicToAdvanced(selector, dropped));
  const selectors = mergeS3x(management, target, prefix);
  checkBudget(selectors, trailName, target);
  warnings.push(
    `Log bucket ${logBucket} must already exist in ${region}; its bucket policy is replaced by the one CloudTrail needs.`,
  );
  if ('all' in target) warnings.push('The selector names no bucket: it also logs directory buckets created later.');
  const estimatedMonthlyCostUsd = costOf(options, warnings);
  return {
    request: { kind: 'enable-logging', target },
    summary: `Create multi-region trail ${trailName} (logs to ${logBucket}) and log S3 Express data events for ${what}`,
    diff: lineDiff('', json({ AdvancedEventSelectors: selectors })),
    calls: [
      // CreateTrail checks the log bucket's policy, so the policy goes first.
      {
        api: 's3:PutBucketPolicy',
        bucket: logBucket,
        policy: cloudTrailLogBucketPolicy(logBucket, state.account, trailArn, partition),
      },
      {
        api: 'cloudtrail:CreateTrail',
        region,
        name: trailName,
        s3BucketName: logBucket,
        isMultiRegionTrail: true,
        enableLogFileValidation: true,
      },
      { api: 'cloudtrail:PutEventSelectors', region, trailName, advancedEventSelectors: selectors },
      { api: 'cloudtrail:StartLogging', region, trailName },
    ],
    ...(estimatedMonthlyCostUsd === undefined ? {} : { estimatedMonthlyCostUsd }),
    warnings,
  };
}
