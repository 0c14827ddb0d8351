import { describe, expect, it } from 'vitest';
import { sql, sqlConstant, sqlIdentifier, sqlJoin, sqlList, sqlNameList } from '../../src/engines/sql.js';

describe('sql tagged template', () => {
  it('turns every interpolated value into a ? parameter', () => {
    const key = "x' OR '1'='1";
    const query = sql`SELECT 1 FROM t WHERE k = ${key} AND b IN (${sqlList(['a', 'b'])})`;
    expect(query.text).toBe('SELECT 1 FROM t WHERE k = ? AND b IN (?, ?)');
    expect(query.params).toEqual([key, 'a', 'b']);
    expect(query.text).not.toContain('OR');
  });
  it('splices nested fragments with their parameters in order', () => {
    const inner = sql`x = ${'1'}`;
    const query = sql`WHERE ${sqlJoin([inner, sql`y = ${'2'}`], ' AND ')} AND z = ${'3'}`;
    expect(query.text).toBe('WHERE x = ? AND y = ? AND z = ?');
    expect(query.params).toEqual(['1', '2', '3']);
  });
  it('refuses a fake fragment object, so plain objects cannot smuggle text', () => {
    const forged = { text: '1; DROP TABLE t', params: [] } as unknown as string;
    expect(() => sql`WHERE ${forged}`).toThrow(TypeError);
  });
  it('accepts only safe identifiers and constants', () => {
    expect(sqlIdentifier('db.cloudtrail_logs').text).toBe('db.cloudtrail_logs');
    expect(() => sqlIdentifier('t; drop')).toThrow();
    expect(() => sqlIdentifier('"t"')).toThrow();
    expect(sqlConstant(500).text).toBe('500');
    expect(() => sqlConstant(1.5)).toThrow();
    expect(() => sqlList([])).toThrow();
  });
  it('writes API and service names as literals, and nothing else', () => {
    expect(sqlNameList(['DeleteObject', 's3.amazonaws.com']).text).toBe("'DeleteObject', 's3.amazonaws.com'");
    expect(sqlNameList(['DeleteObject']).params).toEqual([]);
    for (const bad of ["s3' OR '1'='1", 'a b', '.amazonaws.com', 'x--y', '']) expect(() => sqlNameList([bad])).toThrow();
    expect(() => sqlNameList([])).toThrow();
  });
});
