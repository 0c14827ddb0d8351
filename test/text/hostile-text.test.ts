import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvField } from '../../src/text/csv.js';
import { escapeUnsafeJson, showInvisibleKeepingLines } from '../../src/text/safe-text.js';
import { HOSTILE, RAW_UNSAFE } from '../helpers/hostile-strings.js';

/** Split one CSV line as a spreadsheet does in a locale whose separator is `separator` (RFC 4180 quoting). */
function spreadsheetCells(line: string, separator: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string;
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"' && cell === '') quoted = true;
    else if (char === separator) {
      cells.push(cell);
      cell = '';
    } else cell += char;
  }
  cells.push(cell);
  return cells;
}

/** What a spreadsheet runs as a formula: after leading white space, = + - @ or their full-width forms. */
const FORMULA = /^[\s\u3000]*[=+\-@\uff1d\uff0b\uff0d\uff20]/u;

describe('CSV fields can never become a formula, whatever the locale separator', () => {
  const attacks = [
    "x;=cmd|' /C calc'!A0",
    "x,=cmd|' /C calc'!A0",
    "x\t=cmd|' /C calc'!A0",
    "=cmd|' /C calc'!A0",
    "  =cmd|' /C calc'!A0",
    "\t=cmd|' /C calc'!A0",
    "\u3000=cmd|' /C calc'!A0",
    "＝cmd|' /C calc'!A0",
    '＋1+1',
    '－1+1',
    '＠SUM(A1)',
    '+1+1',
    '-1+1',
    '@SUM(A1)',
    '\r=1+1',
    'a"b;=1',
    // Found by fast-check: read with `;`, the doubled quote opens and closes a quoted part, then `-` starts the cell.
    ';"-',
    'x;""=1',
  ];
  for (const attack of attacks) {
    it(`${JSON.stringify(attack)}`, () => {
      const line = ['safe', csvField(attack), 'end'].join(',');
      for (const separator of [',', ';', '\t']) {
        const cells = spreadsheetCells(line, separator);
        for (const cell of cells) expect(cell, `separator ${JSON.stringify(separator)}`).not.toMatch(FORMULA);
      }
      // With the file's own separator the value reads back as one cell: the attack, shown visibly, with `'` guards.
      const [, value] = spreadsheetCells(line, ',');
      expect(value?.replaceAll("'", '')).toBe(attack.replaceAll("'", '').replace('\r', '␍').replace('\t', '␉'));
    });
  }

  it('writes the guard where a cell could start, and quotes what holds a separator', () => {
    expect(csvField("x;=cmd|' /C calc'!A0")).toBe(`"x;'=cmd|' /C calc'!A0"`);
    expect(csvField('  =1+1')).toBe("'  =1+1");
    expect(csvField('＝1+1')).toBe("'＝1+1");
    expect(csvField('a"b')).toBe('"a""b"');
  });

  it('leaves ordinary values as they are', () => {
    expect(csvField('reports/q3-forecast.parquet')).toBe('reports/q3-forecast.parquet');
    expect(csvField('2024-07-02T00:22:01Z')).toBe('2024-07-02T00:22:01Z');
    expect(csvField(null)).toBe('');
  });
});

describe('the sanitizer on arbitrary text (fast-check)', () => {
  /** Any code point, weighted toward the characters that matter here. */
  const hostileText = fc.string({
    unit: fc.oneof(
      fc.constantFrom(...Object.values(HOSTILE).flatMap((h) => [...h]), '=', '+', '-', '@', '＝', ';', ',', '\t', ' ', '"', "'"),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    ),
    maxLength: 40,
  });

  it('JSON keeps every value exact and carries no raw unsafe character', () => {
    fc.assert(
      fc.property(hostileText, (value) => {
        const json = escapeUnsafeJson(JSON.stringify({ key: value }, null, 2));
        expect(json).not.toMatch(RAW_UNSAFE);
        expect((JSON.parse(json) as { key: string }).key).toBe(value);
      }),
      { numRuns: 1000 },
    );
  });

  it('text keeps its line breaks and shows everything else', () => {
    fc.assert(
      fc.property(hostileText, (value) => {
        const shown = showInvisibleKeepingLines(value);
        expect(shown.replaceAll('\n', '')).not.toMatch(RAW_UNSAFE);
        expect(shown.split('\n').length).toBe(value.replaceAll('\r\n', '\n').split('\n').length);
      }),
      { numRuns: 1000 },
    );
  });

  it('no CSV cell can start a formula, with any separator', () => {
    fc.assert(
      fc.property(fc.array(hostileText, { minLength: 1, maxLength: 4 }), (values) => {
        const line = values.map(csvField).join(',');
        expect(line).not.toMatch(RAW_UNSAFE);
        for (const separator of [',', ';']) {
          for (const cell of spreadsheetCells(line, separator)) expect(cell).not.toMatch(FORMULA);
        }
        // With the file's own separator every value is one cell.
        expect(spreadsheetCells(line, ',')).toHaveLength(values.length);
      }),
      { numRuns: 1000 },
    );
  });
});
