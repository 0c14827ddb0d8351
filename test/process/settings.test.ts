import { describe, expect, it } from 'vitest';
import { configSchema, loadConfig } from '../../src/config.js';

describe('shutdown and test-hook settings', () => {
  it('drains for 25 s by default; S3X_DRAIN_TIMEOUT_SECONDS sets it and a bad value is named', () => {
    expect(loadConfig({}).drainTimeoutMs).toBe(25_000);
    expect(loadConfig({ S3X_DRAIN_TIMEOUT_SECONDS: '5' }).drainTimeoutMs).toBe(5_000);
    expect(() => loadConfig({ S3X_DRAIN_TIMEOUT_SECONDS: '-1' })).toThrow(/S3X_DRAIN_TIMEOUT_SECONDS/);
    expect(() => loadConfig({ S3X_DRAIN_TIMEOUT_SECONDS: 'soon' })).toThrow(/S3X_DRAIN_TIMEOUT_SECONDS/);
  });

  it('S3X_TEST_PAUSE_APPLY is off unless set, validated, and kept out of the documented schema', () => {
    expect(loadConfig({}).testHooks).toEqual({});
    expect(loadConfig({ S3X_TEST_PAUSE_APPLY: 'after:1500' }).testHooks).toEqual({ pauseApply: { when: 'after', ms: 1500 } });
    expect(() => loadConfig({ S3X_TEST_PAUSE_APPLY: 'during:5' })).toThrow(
      /S3X_TEST_PAUSE_APPLY: must be before:<ms> or after:<ms>/,
    );
    expect(Object.keys(configSchema.shape)).not.toContain('S3X_TEST_PAUSE_APPLY');
  });

  it('S3X_TEST_SHARED_SANDBOX is off unless set and kept out of the documented schema; S3X_APPLY_LEASE_SECONDS is 60 s by default and bounded', () => {
    expect(loadConfig({ S3X_TEST_SHARED_SANDBOX: '/tmp/sandbox.sqlite' }).testHooks).toEqual({
      sharedSandbox: '/tmp/sandbox.sqlite',
    });
    expect(Object.keys(configSchema.shape)).not.toContain('S3X_TEST_SHARED_SANDBOX');
    expect(loadConfig({}).remediation.applyLeaseMs).toBe(60_000);
    expect(loadConfig({ S3X_APPLY_LEASE_SECONDS: '2' }).remediation.applyLeaseMs).toBe(2_000);
    expect(() => loadConfig({ S3X_APPLY_LEASE_SECONDS: '0' })).toThrow(/S3X_APPLY_LEASE_SECONDS/);
  });
});
