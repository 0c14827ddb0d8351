import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './paths.js';

/** The CREATE TABLE statement AWS documents for CloudTrail in Athena, kept beside the repository. */
export const AWS_DDL_PATH = path.resolve(REPO_ROOT, '..', 'shared', 'docs', 'athena-cloudtrail-ddl.sql');

export function awsDdl(): string {
  if (!existsSync(AWS_DDL_PATH)) {
    throw new Error(`The AWS-documented CloudTrail DDL is missing: expected it at ${AWS_DDL_PATH}`);
  }
  return readFileSync(AWS_DDL_PATH, 'utf8');
}

// ---- a small Hive DDL column parser, so the comparison covers names, types and nested fields ----

export type HiveType =
  | { kind: 'primitive'; name: string }
  | { kind: 'struct'; fields: Column[] }
  | { kind: 'array'; of: HiveType }
  | { kind: 'map'; key: HiveType; value: HiveType };
export interface Column {
  name: string;
  type: HiveType;
}

/** The text between the parentheses after `CREATE EXTERNAL TABLE <name>`, comments removed. */
export function columnBlock(ddl: string): string {
  const text = ddl
    .split('\n')
    .map((line) => line.replace(/--.*$/, ''))
    .join('\n');
  const start = text.search(/CREATE\s+EXTERNAL\s+TABLE/i);
  if (start === -1) throw new Error('no CREATE EXTERNAL TABLE in the DDL');
  const open = text.indexOf('(', start);
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    if (text[i] === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error('unbalanced parentheses in the column list');
}

export function parseColumns(block: string): Column[] {
  const tokens = block.toLowerCase().match(/[a-z0-9_]+|[<>,:]/g) ?? [];
  let at = 0;
  const next = (): string => {
    const token = tokens[at++];
    if (token === undefined) throw new Error('unexpected end of the column list');
    return token;
  };
  const expect_ = (want: string) => {
    const got = next();
    if (got !== want) throw new Error(`expected ${want}, got ${got} at token ${at}`);
  };
  const parseType = (): HiveType => {
    const name = next();
    if (name === 'struct') {
      expect_('<');
      const fields: Column[] = [];
      for (;;) {
        const field = next();
        expect_(':');
        fields.push({ name: field, type: parseType() });
        const sep = next();
        if (sep === '>') return { kind: 'struct', fields };
        if (sep !== ',') throw new Error(`expected , or > in struct, got ${sep}`);
      }
    }
    if (name === 'array') {
      expect_('<');
      const of = parseType();
      expect_('>');
      return { kind: 'array', of };
    }
    if (name === 'map') {
      expect_('<');
      const key = parseType();
      expect_(',');
      const value = parseType();
      expect_('>');
      return { kind: 'map', key, value };
    }
    return { kind: 'primitive', name };
  };
  const columns: Column[] = [];
  while (at < tokens.length) {
    const name = next();
    columns.push({ name, type: parseType() });
    if (at < tokens.length) expect_(',');
  }
  return columns;
}
