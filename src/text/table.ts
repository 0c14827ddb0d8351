import { formatNumber } from './numbers.js';
import { showControlCharacters } from './safe-text.js';
import { truncate } from './truncate.js';

/** A cell: text or a count. */
export type TableCell = string | number;

/** A table answer: its column headings and rows, in s3x's order (Slack draws it as a table block). */
export interface TableData {
  header: readonly string[];
  rows: ReadonlyArray<readonly TableCell[]>;
}

/** One column of a terminal table: its heading, its widest cell, and how a row fills it. */
export interface TextColumn<T> {
  title: string;
  max: number;
  /** Counts line up on the right. */
  numeric?: boolean;
  cell(row: T): string;
}

/** A right-aligned count column, at most 15 characters wide. */
export function countColumn<T>(title: string, count: (row: T) => number): TextColumn<T> {
  return { title, max: 15, numeric: true, cell: (row) => formatNumber(count(row)) };
}

/**
 * Aligned columns for a terminal, controls made visible and cells cut to each column's width.
 * With `hideEmptyColumns`, a column empty in every row is left out (event lists have many sparse ones).
 */
export function formatTable<T>(
  columns: readonly TextColumn<T>[],
  rows: readonly T[],
  options: { hideEmptyColumns?: boolean } = {},
): string[] {
  const allCells = rows.map((row) => columns.map((column) => truncate(showControlCharacters(column.cell(row)), column.max)));
  const kept = columns.flatMap((column, i) =>
    options.hideEmptyColumns && !allCells.some((row) => (row[i] ?? '') !== '') ? [] : [{ column, i }],
  );
  const cells = allCells.map((row) => kept.map(({ i }) => row[i] ?? ''));
  const widths = kept.map(({ column }, n) => Math.max(column.title.length, ...cells.map((row) => row[n]?.length ?? 0)));
  const line = (values: readonly string[]): string =>
    values
      .map((value, n) => (kept[n]?.column.numeric ? value.padStart(widths[n] ?? 0) : value.padEnd(widths[n] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(kept.map(({ column }) => column.title)), ...cells.map(line)];
}

/** A titled table in a report: a blank line, the title, the table; nothing at all when there are no rows. */
export function titledTable<T>(title: string, columns: readonly TextColumn<T>[], rows: readonly T[]): string[] {
  return rows.length === 0 ? [] : ['', title, ...formatTable(columns, rows)];
}
