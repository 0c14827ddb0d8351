import type { DuckDBPreparedStatement, DuckDBResultReader, DuckDBType, DuckDBTypeId, DuckDBValue } from '@duckdb/node-api';
import type { Row } from '../engine.js';
import { duckdb } from './duckdb.js';

const { JSDuckDBValueConverter } = duckdb;

/**
 * A result's rows with every value as text, as Athena returns them (both local engines answer so):
 * lists, structs and other compound values as the JSON of their JavaScript value. Strings and
 * numbers are taken as DuckDB gives them; only compound values go through the JavaScript
 * conversion (`getRowObjectsJS` sends every value through it: 10-15% more time on a principal
 * answer's 17k rows, most of which is reading the strings out of DuckDB).
 */
export function textRows(reader: DuckDBResultReader): Row[] {
  const names = reader.deduplicatedColumnNames();
  const types = reader.columnTypes();
  return reader.getRows().map((values) => {
    const row: Row = {};
    for (let column = 0; column < names.length; column++) {
      row[names[column] as string] = asText(values[column] ?? null, types[column] as DuckDBType);
    }
    return row;
  });
}

function asText(value: DuckDBValue, type: DuckDBType): string | null {
  switch (typeof value) {
    case 'string':
      return value;
    case 'bigint':
    case 'number':
    case 'boolean':
      return String(value);
  }
  if (value === null) return null;
  const converted = JSDuckDBValueConverter(value, type, JSDuckDBValueConverter);
  if (converted === null || converted === undefined) return null;
  return typeof converted === 'object' ? JSON.stringify(converted) : String(converted);
}

/** Types whose text DuckDB's cast to VARCHAR writes exactly as textRows does (digits, `true`/`false`, the text itself). */
const PACKABLE_TYPES: ReadonlySet<DuckDBTypeId> = new Set([
  duckdb.DuckDBTypeId.VARCHAR,
  duckdb.DuckDBTypeId.BOOLEAN,
  duckdb.DuckDBTypeId.TINYINT,
  duckdb.DuckDBTypeId.SMALLINT,
  duckdb.DuckDBTypeId.INTEGER,
  duckdb.DuckDBTypeId.BIGINT,
  duckdb.DuckDBTypeId.HUGEINT,
  duckdb.DuckDBTypeId.UTINYINT,
  duckdb.DuckDBTypeId.USMALLINT,
  duckdb.DuckDBTypeId.UINTEGER,
  duckdb.DuckDBTypeId.UBIGINT,
  duckdb.DuckDBTypeId.UHUGEINT,
]);

/** A column of a query's result, as its prepared statement describes it. */
export interface ResultColumn {
  name: string;
  typeId: DuckDBTypeId;
}

export function resultColumnsOf(statement: DuckDBPreparedStatement): ResultColumn[] {
  return Array.from({ length: statement.columnCount }, (_, i) => ({
    name: statement.columnName(i),
    typeId: statement.columnTypeId(i),
  }));
}

/**
 * The query with each row made one JSON array of its values as text, for packedTextRows; undefined
 * when a column's text could differ from textRows' (or two columns share a name). Each long string
 * read out of DuckDB is a native call and a decode (~0.6 µs): a principal answer's 17k rows of 18
 * columns took ~100 ms to read, as one JSON text per row ~40 ms, making the JSON included. The
 * projection keeps the query's order.
 */
export function packedRowsSql(text: string, columns: readonly ResultColumn[]): string | undefined {
  const names = columns.map((column) => column.name);
  if (new Set(names).size !== names.length || !columns.every((column) => PACKABLE_TYPES.has(column.typeId))) return undefined;
  const aliases = columns.map((_, i) => `c${i}`);
  return `SELECT to_json([${aliases.map((alias) => `CAST(${alias} AS VARCHAR)`).join(', ')}]) AS packed_row
FROM (${text}\n) AS packed_query(${aliases.join(', ')})`;
}

/** The rows of a packedRowsSql result, as textRows gives those of the query itself. */
export function packedTextRows(reader: DuckDBResultReader, names: readonly string[]): Row[] {
  const [packed = []] = reader.getColumns();
  return packed.map((json) => {
    const values = JSON.parse(json as string) as (string | null)[];
    const row: Row = {};
    for (let column = 0; column < names.length; column++) row[names[column] as string] = values[column] ?? null;
    return row;
  });
}
