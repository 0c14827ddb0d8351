/** Time, injected so tests control sleeping and randomness. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
  random(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  capMs: number;
}

/**
 * Retry `call` while `retryable(error)`, sleeping with full jitter (random in [0, min(cap, base·2^n)]),
 * the AWS-recommended way to spread retries from many clients. The last error is rethrown.
 */
export async function withRetry<T>(
  call: () => Promise<T>,
  retryable: (error: unknown) => boolean,
  policy: RetryPolicy,
  clock: Clock,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= policy.attempts || !retryable(error)) throw error;
      const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1));
      await clock.sleep(Math.floor(clock.random() * ceiling));
    }
  }
}
