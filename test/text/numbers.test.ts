import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatNumber, formatUtc } from '../../src/text/numbers.js';

describe('formatting helpers', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.0 KB'],
    [1_300_000, '1.3 MB'],
    [45_000_000_000, '45 GB'],
  ])('formatBytes(%d) is %s', (bytes, expected) => {
    expect(formatBytes(bytes)).toBe(expected);
  });
  it.each([
    [840, '840 ms'],
    [2345, '2.3 s'],
    [125_000, '2 min 5 s'],
  ])('formatDuration(%d) is %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
  it('groups numbers as en-US does (integers by hand, the rest by ICU)', () => {
    for (const n of [0, 7, 999, 1000, 12_345, 1_234_567, -1234, Number.MAX_SAFE_INTEGER, 1e21, 1234.5678, 0.5]) {
      expect(formatNumber(n)).toBe(n.toLocaleString('en-US'));
    }
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), fc.double({ noNaN: true })), (n) => {
        expect(formatNumber(n)).toBe(Object.is(n, -0) ? '0' : n.toLocaleString('en-US'));
      }),
    );
  });
  it('formats CloudTrail instants as UTC and leaves anything else alone', () => {
    expect(formatUtc('2024-07-02T00:22:11Z')).toBe('2024-07-02 00:22:11 UTC');
    expect(formatUtc('2024-07-02T00:22:11.123Z')).toBe('2024-07-02 00:22:11 UTC');
    expect(formatUtc('yesterday')).toBe('yesterday');
  });
});
