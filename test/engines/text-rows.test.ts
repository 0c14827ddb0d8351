import { DuckDBInstance, DuckDBTypeId } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packedRowsSql, packedTextRows, resultColumnsOf, textRows } from '../../src/engines/local/text-rows.js';

let instance: DuckDBInstance;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
});
afterAll(() => instance.closeSync());

/** The conversion textRows replaced: every value through getRowObjectsJS, compound ones as JSON. */
function asJavaScriptThenText(row: Record<string, unknown>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(row)) {
    out[key] = value === null || value === undefined ? null : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return out;
}

describe('textRows', () => {
  it('gives every type the text getRowObjectsJS gave it, duplicate column names included', async () => {
    const connection = await instance.connect();
    try {
      await connection.run(`CREATE TYPE mode AS ENUM ('ReadWrite', 'ReadOnly')`);
      const reader = await connection.runAndReadAll(`SELECT
          concat('a', chr(0), 'b') AS text, CAST(9007199254740993 AS BIGINT) AS big, CAST(2 AS HUGEINT) * 10000000000000000000 AS huge,
          CAST(42 AS INTEGER) AS int, 1.5::DOUBLE AS dbl, CAST(0.1 AS FLOAT) AS flt, TRUE AS bool, CAST(12.345 AS DECIMAL(10, 3)) AS dec,
          TIMESTAMP '2026-11-19 23:59:59.5' AS ts, DATE '2026-11-19' AS d, [1, 2] AS list, {'a': 'x', 'b': NULL} AS struct,
          NULL AS nothing, CAST(NULL AS VARCHAR) AS no_text, 'x' AS text, CAST(7 AS UBIGINT) AS ub, 'ReadOnly'::mode AS mode
        FROM range(3)`);
      const rows = textRows(reader);
      expect(rows).toEqual(reader.getRowObjectsJS().map(asJavaScriptThenText));
      expect(rows).toHaveLength(3);
      expect(rows[0]).toMatchObject({ text: 'a\u0000b', 'text:1': 'x', big: '9007199254740993', huge: '20000000000000000000' });
      expect(rows[0]).toMatchObject({ bool: 'true', dec: '12.345', list: '[1,2]', struct: '{"a":"x","b":null}', nothing: null });
    } finally {
      connection.closeSync();
    }
  });

  it('packs rows of text, integer and boolean columns into the same texts, in the same order', async () => {
    const connection = await instance.connect();
    try {
      const query = `SELECT concat('a', chr(0), 'b"\\', chr(10), 'ü', i) AS text, CAST(9007199254740993 AS BIGINT) + i AS big,
          CAST(2 AS HUGEINT) * 10000000000000000000 AS huge, CAST(-42 AS INTEGER) AS int, CAST(7 AS UBIGINT) AS ub,
          i % 2 = 0 AS bool, CASE WHEN i = 1 THEN 'x' END AS maybe, NULL::VARCHAR AS no_text, repeat('k', 40) AS long_text
        FROM range(3000) t(i) ORDER BY i DESC`;
      const statement = await connection.prepare(query);
      const columns = resultColumnsOf(statement);
      const packed = packedRowsSql(query, columns);
      expect(packed).toBeDefined();
      const rows = packedTextRows(
        await connection.runAndReadAll(packed as string),
        columns.map((column) => column.name),
      );
      expect(rows).toEqual(textRows(await connection.runAndReadAll(query)));
      expect(rows[0]).toMatchObject({ text: 'a\u0000b"\\\nü2999', big: '9007199254743992', bool: 'false', maybe: null });
    } finally {
      connection.closeSync();
    }
  });

  it('leaves a query unpacked when a column has other types or two columns share a name', () => {
    const text = { name: 'a', typeId: DuckDBTypeId.VARCHAR };
    expect(packedRowsSql('SELECT 1.5::DOUBLE AS a', [{ name: 'a', typeId: DuckDBTypeId.DOUBLE }])).toBeUndefined();
    expect(packedRowsSql("SELECT 'x' AS a, 'y' AS a", [text, text])).toBeUndefined();
  });
});
