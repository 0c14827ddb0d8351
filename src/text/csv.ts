import { showControlCharacters } from './safe-text.js';

/** Field separators a spreadsheet may use, by locale: a field holding one is always quoted. */
const CSV_NEEDS_QUOTES = /[",;\t\r\n]/;
/**
 * Where a spreadsheet may start a cell inside a value: at its start, or after a separator of any
 * locale (a reader whose separator is `;` splits `x;=cmd` even when the field is quoted, because
 * the quote no longer opens its cell), followed by what it reads as a formula after the white
 * space it skips: `=`, `+`, `-`, `@` and their full-width forms (`＝` is read as `=`). Quotes are
 * skipped too: a `"` after a separator opens a quoted cell there, and the doubled quote csvField
 * writes for it (`;""-`) reads as an empty quoted part followed by the formula.
 * @see https://owasp.org/www-community/attacks/CSV_Injection
 */
const CSV_FORMULA_START = /(^|[,;\t\r\n])(?=["\s\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]*[=+\-@\uff1d\uff0b\uff0d\uff20])/gu;

/**
 * One CSV field (RFC 4180). Every place a spreadsheet could start a formula gets a `'` (so
 * `x;=cmd` is written `"x;'=cmd"`); unsafe characters are shown visibly (a cell never holds ESC
 * or a raw line break); a field holding a quote, `,`, `;` or a tab is quoted.
 * @see https://www.rfc-editor.org/rfc/rfc4180
 */
export function csvField(value: string | null): string {
  if (value === null) return '';
  const shown = showControlCharacters(value.replace(CSV_FORMULA_START, "$1'"));
  return CSV_NEEDS_QUOTES.test(shown) ? `"${shown.replaceAll('"', '""')}"` : shown;
}

/** A value as a CSV field: numbers and booleans as text, null and undefined as an empty field. */
export type CsvValue = string | number | boolean | null | undefined;

/** One CSV line: every value written by csvField, comma-separated. */
export function csvRow(values: readonly CsvValue[]): string {
  return values.map((value) => csvField(value === null || value === undefined ? null : String(value))).join(',');
}

/** A whole RFC 4180 document: the heading line, then one line per row, each ending in CRLF. */
export function csvDocument(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header.join(','), ...rows.map(csvRow)].map((line) => `${line}\r\n`).join('');
}

/** A CSV document of records: one column per named field, in the order given. */
export function csvRecords<K extends string>(columns: readonly K[], records: readonly Readonly<Record<K, CsvValue>>[]): string {
  return csvDocument(
    columns,
    records.map((record) => columns.map((column) => record[column])),
  );
}
