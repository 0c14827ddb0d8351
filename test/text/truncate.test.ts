import { describe, expect, it } from 'vitest';
import { truncate } from '../../src/text/truncate.js';

describe('truncate', () => {
  it('leaves text that fits alone', () => {
    expect(truncate('reports/q3.parquet', 18)).toBe('reports/q3.parquet');
  });
  it('cuts to exactly max characters, ending in an ellipsis', () => {
    const cut = truncate('abcdefghij', 5);
    expect(cut).toBe('abcd…');
    expect(cut).toHaveLength(5);
  });
  it('never splits a surrogate pair', () => {
    // 'ab' + 😀 (two UTF-16 units) + 'cd': cutting at 4 would keep half of the emoji.
    const cut = truncate('ab😀cd', 4);
    expect(cut).toBe('ab…');
    expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    expect(truncate('ab😀cd', 5)).toBe('ab😀…');
  });
  it('handles tiny limits', () => {
    expect(truncate('abc', 1)).toBe('…');
    expect(truncate('abc', 0)).toBe('');
  });
});
