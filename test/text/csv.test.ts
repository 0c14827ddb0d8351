import { describe, expect, it } from 'vitest';
import { csvField } from '../../src/text/csv.js';

describe('csvField', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    // Line breaks and other controls are shown (␊, ␍, ␉): a cell never holds a raw one.
    ['two\nlines', 'two␊lines'],
    ['cr\rhere', 'cr␍here'],
    ['=HYPERLINK("http://evil")', '"\'=HYPERLINK(""http://evil"")"'],
    ['+1', "'+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', '␉cmd'],
    ['\rcmd', '␍cmd'],
    ['\t=cmd', "'␉=cmd"],
    ['x;=cmd', '"x;\'=cmd"'],
    ['a=b', 'a=b'],
  ])('%j becomes %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });
  it('writes null as an empty field', () => {
    expect(csvField(null)).toBe('');
  });
});
