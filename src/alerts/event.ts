/**
 * One CloudTrail record as the alert path reads it: from a delivery file's `Records` or from an
 * EventBridge envelope's `detail` (the same record, aws-facts 7). Every field is checked: a
 * record is hostile input, and one without an eventID, a time, a source or a name is refused.
 */
export interface AlertEvent {
  eventId: string;
  /** ISO 8601, as in the record. */
  eventTime: string;
  eventMs: number;
  eventSource: string;
  eventName: string;
  region?: string;
  account?: string;
  /** `requestParameters.bucketName` (never parsed from ARNs: aws-facts 1.3). */
  bucket?: string;
  key?: string;
  /** `userIdentity.arn`; for AWS service callers `invokedBy`; otherwise `principalId`. */
  principal: string;
  identityType?: string;
  accessKeyId?: string;
  sessionMode?: 'ReadWrite' | 'ReadOnly';
  sourceIp?: string;
  vpcEndpointId?: string;
  errorCode?: string;
  userAgent?: string;
  requestParameters?: Record<string, unknown>;
  /** `addendum.reason`, when CloudTrail says the record was delivered late or updated. */
  addendum?: string;
  /** The record itself, for Show event. */
  record: Record<string, unknown>;
}

export const UNKNOWN_PRINCIPAL = 'unknown principal';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short string field, or undefined (anything else, or longer than `max`, is dropped). */
function str(value: unknown, max = 2048): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= max ? value : undefined;
}

/** A key in any case: samples differ (`Host`/`host`, `CipherSuite`/`cipherSuite`). */
function field(object: Json | undefined, name: string): unknown {
  if (!object) return undefined;
  if (name in object) return object[name];
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(object)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

function sessionModeOf(record: Json, request: Json | undefined): AlertEvent['sessionMode'] {
  const mode = field(isObject(record.additionalEventData) ? record.additionalEventData : undefined, 'sessionModeApplied');
  const asked = field(request, 'x-amz-create-session-mode');
  const value = mode ?? asked;
  return value === 'ReadWrite' || value === 'ReadOnly' ? value : undefined;
}

/** The record as an AlertEvent, or undefined when it lacks what every alert needs. */
export function toAlertEvent(value: unknown): AlertEvent | undefined {
  if (!isObject(value)) return undefined;
  const eventId = str(value.eventID, 128);
  const eventTime = str(value.eventTime, 64);
  const eventSource = str(value.eventSource, 128);
  const eventName = str(value.eventName, 128);
  const eventMs = eventTime ? Date.parse(eventTime) : Number.NaN;
  if (!eventId || !eventTime || !eventSource || !eventName || !Number.isFinite(eventMs)) return undefined;
  const identity = isObject(value.userIdentity) ? value.userIdentity : undefined;
  const request = isObject(value.requestParameters) ? value.requestParameters : undefined;
  const principal = str(identity?.arn) ?? str(identity?.invokedBy, 256) ?? str(identity?.principalId, 256) ?? UNKNOWN_PRINCIPAL;
  const addendum = isObject(value.addendum) ? (str(value.addendum.reason, 64) ?? 'unspecified') : undefined;
  const optional = {
    region: str(value.awsRegion, 64),
    account: str(value.recipientAccountId, 32),
    bucket: str(field(request, 'bucketName'), 255),
    key: str(field(request, 'key'), 4096),
    identityType: str(identity?.type, 64),
    accessKeyId: str(identity?.accessKeyId, 128),
    sessionMode: sessionModeOf(value, request),
    sourceIp: str(value.sourceIPAddress, 256),
    vpcEndpointId: str(value.vpcEndpointId, 64),
    errorCode: str(value.errorCode, 256),
    userAgent: str(value.userAgent, 1024),
    requestParameters: request,
    addendum,
  };
  const event: AlertEvent = { eventId, eventTime, eventMs, eventSource, eventName, principal, record: value };
  for (const [name, item] of Object.entries(optional)) if (item !== undefined) (event as unknown as Json)[name] = item;
  return event;
}

/**
 * The records of one delivery file's parsed JSON (`{"Records":[...]}`, a bare array, or one
 * record), or of an EventBridge envelope (`detail`).
 */
export function recordsOf(document: unknown): unknown[] {
  if (Array.isArray(document)) return document;
  if (!isObject(document)) return [];
  if (Array.isArray(document.Records)) return document.Records;
  if (isObject(document.detail) && typeof document['detail-type'] === 'string') return [document.detail];
  return [document];
}
