import { describe, expect, it } from 'vitest';
import { isThrottling, toUserError, withRetry } from '../../src/aws/aws-call.js';
import { EngineError } from '../../src/errors.js';
import type { Clock } from '../../src/time/clock.js';

function awsError(name: string, status?: number): Error {
  const error = new Error(`${name}: arn:aws:iam::111122223333:role/secret`);
  error.name = name;
  return Object.assign(error, status === undefined ? {} : { $metadata: { httpStatusCode: status } });
}

function recordingClock(): Clock & { slept: number[] } {
  const slept: number[] = [];
  return { slept, now: () => 0, random: () => 0.5, sleep: async (ms) => void slept.push(ms) };
}

describe('isThrottling', () => {
  it.each([
    'ThrottlingException',
    'Throttling',
    'TooManyRequestsException',
    'SlowDown',
    'RequestLimitExceeded',
    'ProvisionedThroughputExceededException',
  ])('is true for %s, whichever service sends it', (name) => {
    expect(isThrottling(awsError(name))).toBe(true);
  });

  it('is true for HTTP 429 and false for other failures', () => {
    expect(isThrottling(awsError('Unnamed', 429))).toBe(true);
    expect(isThrottling(awsError('AccessDeniedException', 403))).toBe(false);
    expect(isThrottling('ThrottlingException')).toBe(false);
  });
});

describe('withRetry', () => {
  it('retries what is retryable with full jitter, then rethrows the last error', async () => {
    const clock = recordingClock();
    let calls = 0;
    const failing = async () => {
      calls += 1;
      throw awsError('ThrottlingException');
    };
    await expect(withRetry(failing, isThrottling, { attempts: 4, baseMs: 100, capMs: 250 }, clock)).rejects.toThrow(
      'ThrottlingException',
    );
    expect(calls).toBe(4);
    expect(clock.slept).toEqual([50, 100, 125]);
  });

  it('gives up at once on an error that is not retryable', async () => {
    const clock = recordingClock();
    let calls = 0;
    const denied = async () => {
      calls += 1;
      throw awsError('AccessDeniedException');
    };
    await expect(withRetry(denied, isThrottling, { attempts: 5, baseMs: 100, capMs: 1000 }, clock)).rejects.toThrow();
    expect(calls).toBe(1);
    expect(clock.slept).toEqual([]);
  });
});

describe('toUserError', () => {
  const action = { permission: 'cloudtrail:DescribeTrails', purpose: 'list the trails' };

  it('names the missing permission, never the AWS message', () => {
    const error = toUserError(awsError('AccessDeniedException'), { ...action, permissionNote: ' (see docs/iam)' });
    expect(error.userMessage).toBe(
      's3x is not allowed to list the trails: its role needs the `cloudtrail:DescribeTrails` permission (see docs/iam).',
    );
    expect(error.userMessage).not.toContain('111122223333');
    expect(error.message).toContain('111122223333');
  });

  it('says who throttled, and otherwise only the error name', () => {
    expect(toUserError(awsError('SlowDown'), { ...action, service: 'S3' }).userMessage).toBe(
      'S3 kept throttling s3x while it tried to list the trails. Try again in a minute.',
    );
    expect(toUserError(awsError('ExpiredTokenException'), action).userMessage).toBe(
      's3x could not list the trails (ExpiredTokenException). Check the credentials and Region s3x runs with.',
    );
  });

  it('passes a user-safe error through unchanged', () => {
    const safe = new EngineError('already worded');
    expect(toUserError(safe, action)).toBe(safe);
  });
});
