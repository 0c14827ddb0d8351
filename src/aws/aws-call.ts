import { EngineError } from '../errors.js';
import type { Clock } from '../time/clock.js';

/**
 * The one kit every AWS adapter calls through: what an AWS error is called, whether it means
 * "slow down", retrying with jitter, and turning a failure into a user-safe EngineError.
 */

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

/**
 * "Slow down" as each service s3x calls spells it: ThrottlingException / Throttling (CloudTrail,
 * STS, EventBridge), TooManyRequestsException (Athena), SlowDown (S3), RequestLimitExceeded and
 * ProvisionedThroughputExceededException (DynamoDB). One union, so no adapter misses a name
 * another service uses; HTTP 429 is throttling whatever the name.
 */
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'SlowDown',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
]);

export function isThrottling(error: unknown): boolean {
  return THROTTLING.has(errorName(error)) || httpStatus(error) === 429;
}

const TRANSIENT_NAMES = new Set([
  'InternalFailure',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

/** A failure worth another try: a 5xx, or the connection dropped or timed out on the way. */
export function isTransient(error: unknown): boolean {
  const status = httpStatus(error);
  if (status !== undefined && status >= 500) return true;
  if (TRANSIENT_NAMES.has(errorName(error))) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_CODES.has(code);
}

/** For logs only: AWS messages can name accounts and ARNs, so they never reach userMessage. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** ` (AccessDeniedException)`: an AWS error name is safe to show; anything else is left out. */
export function safeName(error: unknown): string {
  const name = errorName(error);
  return /^[A-Za-z][A-Za-z0-9]{0,79}$/.test(name) ? ` (${name})` : '';
}

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  capMs: number;
}

/** Control-plane calls (trails, bucket policies, bucket lists) are few: a handful of jittered retries rides out a throttling burst. */
export const CONTROL_PLANE_RETRY: RetryPolicy = { attempts: 5, baseMs: 500, capMs: 10_000 };

/**
 * Retry `call` while `retryable(error)`, waiting with full jitter (random in [0, min(cap, base·2^n)]),
 * the AWS-recommended way to spread retries from many clients. The last error is rethrown.
 * `wait` defaults to sleeping; a paced caller passes its own to keep its rate limit.
 * SDK clients make one attempt each (src/aws/clients.ts), so these are the only retries.
 */
export async function withRetry<T>(
  call: () => Promise<T>,
  retryable: (error: unknown) => boolean,
  policy: RetryPolicy,
  clock: Clock,
  wait: (ms: number) => Promise<void> = (ms) => clock.sleep(ms),
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= policy.attempts || !retryable(error)) throw error;
      const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1));
      await wait(Math.floor(clock.random() * ceiling));
    }
  }
}

/** What a call was for, to say in a failure: "s3x could not <purpose>", "needs the `<permission>` permission". */
export interface AwsAction {
  permission: string;
  purpose: string;
  /** Appended to the missing-permission sentence, e.g. " (see docs/iam/read-only.json)". */
  permissionNote?: string;
  /** Who throttled, e.g. "DynamoDB" (default "AWS"). */
  service?: string;
  /** Appended to the catch-all sentence, e.g. ", then try again". */
  retryHint?: string;
}

/** A failed AWS call as a user-safe EngineError: the missing permission, throttling, or the error's name only. */
export function toUserError(error: unknown, action: AwsAction): EngineError {
  if (error instanceof EngineError) return error;
  const options = { cause: error, detail: describeError(error) };
  const { permission, purpose } = action;
  if (errorName(error).includes('AccessDenied')) {
    return new EngineError(
      `s3x is not allowed to ${purpose}: its role needs the \`${permission}\` permission${action.permissionNote ?? ''}.`,
      options,
    );
  }
  if (isThrottling(error)) {
    return new EngineError(
      `${action.service ?? 'AWS'} kept throttling s3x while it tried to ${purpose}. Try again in a minute.`,
      options,
    );
  }
  return new EngineError(
    `s3x could not ${purpose}${safeName(error)}. Check the credentials and Region s3x runs with${action.retryHint ?? ''}.`,
    options,
  );
}

/** One call: throttling retried, then any failure turned into a user-safe EngineError. */
export async function callAws<T>(send: () => Promise<T>, action: AwsAction, policy: RetryPolicy, clock: Clock): Promise<T> {
  try {
    return await withRetry(send, isThrottling, policy, clock);
  } catch (error) {
    throw toUserError(error, action);
  }
}
