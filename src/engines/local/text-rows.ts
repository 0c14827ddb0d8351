import { type DuckDBResultReader, type DuckDBType, type DuckDBValue, JSDuckDBValueConverter } from '@duckdb/node-api';
import type { Row } from '../engine.js';

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
