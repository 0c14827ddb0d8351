import { describe, expect, it } from 'vitest';
import { dayCount, formatInstant, parseWhen, partitionRange, resolveWindow } from '../../src/time/window.js';

const NOW = new Date('2026-11-24T10:30:00Z');

describe('parseWhen', () => {
  it.each([
    ['30m', '2026-11-24T10:00:00Z'],
    ['24h', '2026-11-23T10:30:00Z'],
    ['7d', '2026-11-17T10:30:00Z'],
    ['2w', '2026-11-10T10:30:00Z'],
    ['2024-07-01', '2024-07-01T00:00:00Z'],
    ['2024-07-01T12:00Z', '2024-07-01T12:00:00Z'],
    ['2024-07-01T12:00:05Z', '2024-07-01T12:00:05Z'],
    ['2024-07-01 12:00', '2024-07-01T12:00:00Z'],
  ])('%s as --since is %s', (text, expected) => {
    expect(formatInstant(parseWhen(text, NOW, 'since'))).toBe(expected);
  });
  it('reads a bare date as the end of that day for --until', () => {
    expect(formatInstant(parseWhen('2024-07-01', NOW, 'until'))).toBe('2024-07-02T00:00:00Z');
  });
  it.each(['tomorrow', '7', '2024-7-1', '2024-02-30', '2024-07-01T25:00Z', '-1d'])('rejects %s', (text) => {
    expect(() => parseWhen(text, NOW, 'since')).toThrow();
  });
});

describe('partitionRange', () => {
  it('runs one day past the window end, because folders are delivery dates', () => {
    const window = resolveWindow({ since: '2026-11-01', until: '2026-11-07' }, NOW);
    expect(partitionRange(window)).toEqual({ from: '2026/11/01', to: '2026/11/08' });
    expect(dayCount('2026/11/01', '2026/11/08')).toBe(8);
  });
  it('crosses month and year boundaries', () => {
    expect(dayCount('2025/12/30', '2026/01/02')).toBe(4);
    expect(dayCount('2026/11/02', '2026/11/01')).toBe(0);
    // Centuries cost no more than a day: nothing is enumerated.
    expect(dayCount('1000/01/01', '9999/12/31')).toBe(3_287_182);
  });
});
