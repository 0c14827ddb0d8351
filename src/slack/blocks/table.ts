import type { types } from '@slack/bolt';
import { formatNumber } from '../../text/numbers.js';
import { showControlCharacters } from '../../text/safe-text.js';
import type { TableData } from '../../text/table.js';
import { truncate } from '../../text/truncate.js';
import { blockTextLength, MAX_TABLE_COLUMNS, MAX_TABLE_ROWS } from './limits.js';

/** Longest text in one cell; ARNs of 200 characters fit. */
const MAX_CELL_TEXT = 300;

/**
 * Slack's native `table` block for `table`: its heading and as many leading rows as fit in
 * `maxText` characters and Slack's 100 rows (the heading row included). Undefined when not even
 * one row fits, or it has more than 20 columns: the caller then uses its text layout. The caller
 * counts the rows left out (`rows.length - 1` are shown).
 */
export function buildTableBlock(table: TableData, maxText: number): types.TableBlock | undefined {
  const width = table.header.length;
  if (width === 0 || width > MAX_TABLE_COLUMNS || table.rows.some((row) => row.length !== width)) return undefined;
  const rows: types.TableBlock['rows'] = [table.header.map(textCell)];
  let text = blockTextLength(rows);
  for (const row of table.rows.slice(0, MAX_TABLE_ROWS - 1)) {
    const cells = row.map((cell) => (typeof cell === 'number' ? numberCell(cell) : textCell(cell)));
    text += blockTextLength(cells);
    if (text > maxText) break;
    rows.push(cells);
  }
  if (rows.length < 2) return undefined;
  return {
    type: 'table',
    column_settings: table.rows[0]?.map((cell) => (typeof cell === 'number' ? { align: 'right' } : { is_wrapped: true })),
    rows,
  };
}

/**
 * raw_text is shown as it is, not parsed; `<` and `>` still become look-alikes, so that even a
 * client that did parse it could never see a mention, a broadcast or a link in data.
 */
function textCell(text: string): types.RawTextElement {
  const shown = showControlCharacters(text).replaceAll('<', '‹').replaceAll('>', '›');
  // raw_text needs at least one character.
  return { type: 'raw_text', text: truncate(shown, MAX_CELL_TEXT) || '–' };
}

function numberCell(value: number): types.RawNumberElement {
  return { type: 'raw_number', value, text: formatNumber(value) };
}
