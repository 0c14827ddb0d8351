import { S3EXPRESS_SOURCE } from './buckets.js';

/*
 * Event selectors as s3x's own types. They keep CloudTrail's field names (the PutEventSelectors
 * API and its records spell them so), so the AWS adapter hands them to and from the SDK as they are.
 */

/** One condition of an advanced event selector: a field and the values it is compared with. */
export interface AdvancedFieldSelector {
  Field: string | undefined;
  Equals?: string[];
  StartsWith?: string[];
  EndsWith?: string[];
  NotEquals?: string[];
  NotStartsWith?: string[];
  NotEndsWith?: string[];
}

/** An advanced event selector: an event is selected when every field condition matches. */
export interface AdvancedEventSelector {
  Name?: string;
  FieldSelectors: AdvancedFieldSelector[] | undefined;
}

/** A basic event selector's data resource: a resource type and the ARNs (or prefixes) it logs. */
export interface DataResource {
  Type?: string;
  Values?: string[];
}

/** A basic event selector (the older form; it cannot log directory buckets). */
export interface EventSelector {
  ReadWriteType?: 'ReadOnly' | 'WriteOnly' | 'All';
  IncludeManagementEvents?: boolean;
  DataResources?: DataResource[];
  ExcludeManagementEventSources?: string[];
}

/** A trail's event selectors. A trail holds one kind or the other: PutEventSelectors takes either. */
export interface EventSelectorSet {
  advanced?: AdvancedEventSelector[];
  basic?: EventSelector[];
}

/** A directory bucket and where it lives: its ARN (and so a selector's `resources.ARN` match) needs all three. */
export interface DirectoryBucketRef {
  name: string;
  region: string;
  account: string;
}

/** What a selector set logs of one directory bucket's object (data) events. */
export interface SelectorCoverage {
  /** Every object read is logged, for every key (CreateSession aside: it authorizes, it reads nothing). */
  reads: boolean;
  /** Every object write and delete is logged, for every key. */
  writes: boolean;
  /** The first selector that logs some object event of the bucket for every key. */
  selectorName?: string;
  /** Object event names logged for every key of the bucket. */
  loggedEvents: string[];
  /** Some selector logs object events only for some keys or some callers: not counted as coverage. */
  narrowed: boolean;
  /**
   * Selectors (by name, `(unnamed)` otherwise) logging object events made through the account's
   * access points for directory buckets in the bucket's Region: calls through an access point
   * only, so they count as narrowed, never as the bucket's coverage.
   */
  accessPointSelectors: string[];
}

/** Zonal reads, all `readOnly: true` (aws-facts 1.2). */
export const S3EXPRESS_OBJECT_READS: readonly string[] = [
  'GetObject',
  'HeadObject',
  'GetObjectAttributes',
  'ListObjectsV2',
  'ListParts',
  'HeadBucket',
];

/** Zonal writes and deletes, all `readOnly: false` (aws-facts 1.2). */
export const S3EXPRESS_OBJECT_WRITES: readonly string[] = [
  'PutObject',
  'CopyObject',
  'CreateMultipartUpload',
  'UploadPart',
  'UploadPartCopy',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
  'DeleteObject',
  'DeleteObjects',
  'RenameObject',
];

const CREATE_SESSION = 'CreateSession';
const OBJECT_RESOURCE_TYPE = 'AWS::S3Express::Object';
/**
 * The data-event resource type of access points for directory buckets. CloudTrail's list names
 * `AWS::S3Express::AccessPoint`; one AWS example labels it `AWS::S3::AccessPoint` (which one real
 * trails carry is UNCONFIRMED, facts-2026), so both are read.
 */
export const ACCESS_POINT_RESOURCE_TYPES: readonly string[] = ['AWS::S3Express::AccessPoint', 'AWS::S3::AccessPoint'];

/** Every object data event with its `readOnly` value: CreateSession is logged as a read. */
const OBJECT_EVENTS: ReadonlyArray<readonly [name: string, readOnly: boolean]> = [
  ...S3EXPRESS_OBJECT_READS.map((name) => [name, true] as const),
  [CREATE_SESSION, true],
  ...S3EXPRESS_OBJECT_WRITES.map((name) => [name, false] as const),
];

/** A new trail's selectors: all management events, no data events (PutEventSelectors API reference). */
export const DEFAULT_TRAIL_SELECTORS: EventSelectorSet = {
  basic: [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [] }],
};

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * `arn:aws:s3express:<region>:<account>:bucket/<name>/`: the prefix of the bucket's object ARNs, as
 * in the records' `ARNPrefix` (aws-facts 1.3; the selector format itself is UNCONFIRMED there).
 */
export function directoryBucketArnPrefix(bucket: DirectoryBucketRef): string {
  return `arn:${partitionOf(bucket.region)}:s3express:${bucket.region}:${bucket.account}:bucket/${bucket.name}/`;
}

type Reach = 'none' | 'some' | 'all';
const RANK: Record<Reach, number> = { none: 0, some: 1, all: 2 };

function widest(a: Reach, b: Reach): Reach {
  return RANK[a] >= RANK[b] ? a : b;
}

function narrowest(a: Reach, b: Reach): Reach {
  return RANK[a] <= RANK[b] ? a : b;
}

/**
 * One field against a single known value. Positive operators (Equals, StartsWith, EndsWith) match
 * when any value does; negative ones exclude when any value does; both kinds must agree.
 */
function matchesValue(field: AdvancedFieldSelector, value: string): boolean {
  const positives = [...(field.Equals ?? []), ...(field.StartsWith ?? []), ...(field.EndsWith ?? [])];
  const included =
    positives.length === 0 ||
    (field.Equals ?? []).includes(value) ||
    (field.StartsWith ?? []).some((prefix) => value.startsWith(prefix)) ||
    (field.EndsWith ?? []).some((suffix) => value.endsWith(suffix));
  const excluded =
    (field.NotEquals ?? []).includes(value) ||
    (field.NotStartsWith ?? []).some((prefix) => value.startsWith(prefix)) ||
    (field.NotEndsWith ?? []).some((suffix) => value.endsWith(suffix));
  return included && !excluded;
}

/**
 * `resources.ARN` against every object of the bucket (`<prefix><key>` for any key). A value equal
 * to the prefix is read as the bucket's `ARNPrefix`; a value longer than the prefix names some
 * keys only; EndsWith depends on the key, so it reaches some keys at most.
 */
function arnReach(field: AdvancedFieldSelector, prefix: string): Reach {
  const within = (value: string): boolean => value.startsWith(prefix) && value.length > prefix.length;
  const positives = [...(field.Equals ?? []), ...(field.StartsWith ?? []), ...(field.EndsWith ?? [])];
  let reach: Reach = positives.length === 0 ? 'all' : 'none';
  for (const value of field.Equals ?? []) reach = widest(reach, value === prefix ? 'all' : within(value) ? 'some' : 'none');
  for (const value of field.StartsWith ?? []) {
    reach = widest(reach, prefix.startsWith(value) ? 'all' : within(value) ? 'some' : 'none');
  }
  if ((field.EndsWith ?? []).length > 0) reach = widest(reach, 'some');

  let excluded: Reach = 'none';
  for (const value of field.NotEquals ?? [])
    excluded = widest(excluded, value === prefix ? 'all' : within(value) ? 'some' : 'none');
  for (const value of field.NotStartsWith ?? []) {
    excluded = widest(excluded, prefix.startsWith(value) ? 'all' : within(value) ? 'some' : 'none');
  }
  if ((field.NotEndsWith ?? []).length > 0) excluded = widest(excluded, 'some');

  if (excluded === 'all') return 'none';
  return excluded === 'some' ? narrowest(reach, 'some') : reach;
}

function fieldReach(field: AdvancedFieldSelector, eventName: string, readOnly: boolean, prefix: string): Reach {
  const known = (value: string): Reach => (matchesValue(field, value) ? 'all' : 'none');
  switch ((field.Field ?? '').toLowerCase()) {
    case 'eventcategory':
      return known('Data');
    case 'resources.type':
      return known(OBJECT_RESOURCE_TYPE);
    case 'readonly':
      return known(String(readOnly));
    case 'eventname':
      return known(eventName);
    case 'eventsource':
      return known(S3EXPRESS_SOURCE);
    case 'eventtype':
      return known('AwsApiCall');
    case 'resources.arn':
      return arnReach(field, prefix);
    default:
      // userIdentity.arn, sessionCredentialFromConsole, ...: depends on the caller, so some calls at most.
      return 'some';
  }
}

/** `arn:aws:s3express:<region>:<account>:accesspoint/`: the start of the ARNs of the account's access points there. */
function accessPointArnPrefix(bucket: DirectoryBucketRef): string {
  return `arn:${partitionOf(bucket.region)}:s3express:${bucket.region}:${bucket.account}:accesspoint/`;
}

/**
 * A selector whose resources are access points for directory buckets (not objects): it logs object
 * calls made through an access point of the account and Region (any of them, or those its
 * `resources.ARN` names), which may be an access point of this bucket.
 */
export function isAccessPointSelector(selector: AdvancedEventSelector, bucket: DirectoryBucketRef): boolean {
  const fields = selector.FieldSelectors ?? [];
  const type = fields.find((field) => field.Field?.toLowerCase() === 'resources.type');
  if (type === undefined || matchesValue(type, OBJECT_RESOURCE_TYPE)) return false;
  if (!ACCESS_POINT_RESOURCE_TYPES.some((name) => matchesValue(type, name))) return false;
  const arn = fields.find((field) => field.Field?.toLowerCase() === 'resources.arn');
  const prefix = accessPointArnPrefix(bucket);
  return (
    arn === undefined ||
    [...(arn.Equals ?? []), ...(arn.StartsWith ?? [])].some((value) => value.startsWith(prefix) || prefix.startsWith(value))
  );
}

/** One selector for one event of the bucket: every field must match (eventCategory and resources.type are required). */
function selectorReach(selector: AdvancedEventSelector, eventName: string, readOnly: boolean, bucket: DirectoryBucketRef): Reach {
  const fields = selector.FieldSelectors ?? [];
  const names = new Set(fields.map((field) => (field.Field ?? '').toLowerCase()));
  if (!names.has('eventcategory') || !names.has('resources.type')) return 'none';
  const prefix = directoryBucketArnPrefix(bucket);
  if (isAccessPointSelector(selector, bucket)) {
    // Calls through an access point only: some of the bucket's calls at most, whatever the other fields say.
    const rest = fields.filter((field) => !['resources.type', 'resources.arn'].includes(field.Field?.toLowerCase() ?? ''));
    const reach = rest.reduce<Reach>((r, field) => narrowest(r, fieldReach(field, eventName, readOnly, prefix)), 'all');
    return narrowest(reach, 'some');
  }
  return fields.reduce<Reach>((reach, field) => narrowest(reach, fieldReach(field, eventName, readOnly, prefix)), 'all');
}

/**
 * Which of the bucket's object events a trail with these selectors logs: an event is logged when
 * any selector matches it. Basic event selectors cannot log directory buckets at all (AWS: advanced
 * selectors only), so they cover nothing.
 */
export function selectorCoverage(selectors: EventSelectorSet, bucket: DirectoryBucketRef): SelectorCoverage {
  const advanced = selectors.advanced ?? [];
  const loggedEvents: string[] = [];
  let narrowed = false;
  let selectorName: string | undefined;
  let namedAt = Number.POSITIVE_INFINITY;
  for (const [eventName, readOnly] of OBJECT_EVENTS) {
    let reach: Reach = 'none';
    for (const [index, selector] of advanced.entries()) {
      const one = selectorReach(selector, eventName, readOnly, bucket);
      if (one === 'all' && index < namedAt) {
        namedAt = index;
        selectorName = selector.Name;
      }
      reach = widest(reach, one);
    }
    if (reach === 'all') loggedEvents.push(eventName);
    else if (reach === 'some') narrowed = true;
  }
  return {
    reads: S3EXPRESS_OBJECT_READS.every((name) => loggedEvents.includes(name)),
    writes: S3EXPRESS_OBJECT_WRITES.every((name) => loggedEvents.includes(name)),
    ...(selectorName === undefined ? {} : { selectorName }),
    loggedEvents,
    narrowed,
    accessPointSelectors: advanced
      .filter((selector) => isAccessPointSelector(selector, bucket))
      .map((selector) => selector.Name ?? '(unnamed)'),
  };
}

// ---------------------------------------------------------------------------------------------
// Selectors as CloudTrail logs them: camelCase keys in requestParameters (`fieldSelectors`, `startsWith`).
// ---------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A key in any case: records say `fieldSelectors`, the API says `FieldSelectors`. */
function at(object: Json, name: string): unknown {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(object)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined;
}

const OPERATORS = ['Equals', 'StartsWith', 'EndsWith', 'NotEquals', 'NotStartsWith', 'NotEndsWith'] as const;

function toFieldSelector(value: unknown): AdvancedFieldSelector | undefined {
  if (!isObject(value)) return undefined;
  const field = at(value, 'field');
  if (typeof field !== 'string') return undefined;
  const selector: AdvancedFieldSelector = { Field: field };
  for (const operator of OPERATORS) {
    const values = strings(at(value, operator));
    if (values !== undefined) selector[operator] = values;
  }
  return selector;
}

function toAdvancedSelector(value: unknown): AdvancedEventSelector | undefined {
  if (!isObject(value)) return undefined;
  const fields = at(value, 'fieldSelectors');
  if (!Array.isArray(fields)) return undefined;
  const name = at(value, 'name');
  return {
    ...(typeof name === 'string' ? { Name: name } : {}),
    FieldSelectors: fields.map(toFieldSelector).filter((field): field is AdvancedFieldSelector => field !== undefined),
  };
}

function toDataResource(value: unknown): DataResource | undefined {
  if (!isObject(value)) return undefined;
  const type = at(value, 'type');
  return { ...(typeof type === 'string' ? { Type: type } : {}), Values: strings(at(value, 'values')) ?? [] };
}

function toBasicSelector(value: unknown): EventSelector | undefined {
  if (!isObject(value)) return undefined;
  const readWrite = at(value, 'readWriteType');
  const management = at(value, 'includeManagementEvents');
  const resources = at(value, 'dataResources');
  return {
    ...(readWrite === 'ReadOnly' || readWrite === 'WriteOnly' || readWrite === 'All' ? { ReadWriteType: readWrite } : {}),
    ...(typeof management === 'boolean' ? { IncludeManagementEvents: management } : {}),
    DataResources: Array.isArray(resources)
      ? resources.map(toDataResource).filter((resource): resource is DataResource => resource !== undefined)
      : [],
  };
}

/**
 * The selector set a PutEventSelectors record wrote, from its requestParameters (or the
 * responseElements that echo it). Undefined when the record holds no readable set.
 */
export function loggedSelectorSet(parameters: unknown): EventSelectorSet | undefined {
  if (!isObject(parameters)) return undefined;
  const advanced = at(parameters, 'advancedEventSelectors');
  if (Array.isArray(advanced)) {
    const parsed = advanced.map(toAdvancedSelector);
    return parsed.every((selector) => selector !== undefined) ? { advanced: parsed as AdvancedEventSelector[] } : undefined;
  }
  const basic = at(parameters, 'eventSelectors');
  if (Array.isArray(basic)) {
    const parsed = basic.map(toBasicSelector);
    return parsed.every((selector) => selector !== undefined) ? { basic: parsed as EventSelector[] } : undefined;
  }
  return undefined;
}
