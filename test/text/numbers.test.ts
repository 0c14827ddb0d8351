import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatUtc } from '../../src/text/numbers.js';

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
  it('formats CloudTrail instants as UTC and leaves anything else alone', () => {
    expect(formatUtc('2024-07-02T00:22:11Z')).toBe('2024-07-02 00:22:11 UTC');
    expect(formatUtc('2024-07-02T00:22:11.123Z')).toBe('2024-07-02 00:22:11 UTC');
    expect(formatUtc('yesterday')).toBe('yesterday');
  });
});
