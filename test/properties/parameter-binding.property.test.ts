import {
  AthenaClient,
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askObjectQuestion, OBJECT_QUESTION_TABLE } from '../../src/answers/object/question.js';
import { toExecutionParameter } from '../../src/aws/athena/athena-engine.js';
import { parseCommand } from '../../src/commands/parse.js';
import { OBJECT_QUESTIONS, type ObjectQuestionName, type ObjectQuestionRequest } from '../../src/commands/requests.js';
import { TRINO_COMPAT_MACROS } from '../../src/engines/local/view.js';
import { type SqlFragment, sql, sqlJoin, sqlList } from '../../src/engines/sql.js';
import { EngineError } from '../../src/errors.js';
import { athenaPages, contractAthenaEngine, mockPages } from '../helpers/athena.js';
import { decodeSqlLiteral, trickyKey, trickyText, withoutLeadingBom } from './bad-input.js';

/**
 * Property tests of how values travel to the engines: as Athena ExecutionParameters (SQL literal
 * text) and as DuckDB bound parameters. Values never become query text, and come back unchanged.
 */
const RUNS = 1000;
const NOW = new Date('2026-11-24T10:00:00Z');
/** Characters of a value's Athena literal: its own, two quotes, and one more per inner quote. */
const literalLength = (value: string): number => value.length + 2 + (value.match(/'/g)?.length ?? 0);
const athenaMock = mockClient(AthenaClient);
let duckdb: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  duckdb = await DuckDBInstance.create(':memory:');
  connection = await duckdb.connect();
  for (const macro of TRINO_COMPAT_MACROS) await connection.run(macro);
});
afterAll(() => {
  connection.closeSync();
  duckdb.closeSync();
});

/** Values of every length up to and past the 1024-character parameter limit, quote-heavy. */
const anyValue = fc.oneof(
  trickyText,
  fc.string({ unit: fc.constantFrom("'", "''", '\\', '"', '\u2019', 'a', '😀', '\u0000', '\n'), maxLength: 700 }),
  fc.string({ unit: 'binary', maxLength: 1100 }),
);

describe('Athena ExecutionParameters encoding', () => {
  it('decodes back to the value, or refuses a too-long value with an EngineError (never truncates)', () => {
    fc.assert(
      fc.property(anyValue, (value) => {
        const expectedLength = literalLength(value);
        if (expectedLength > 1024) {
          expect(() => toExecutionParameter(value)).toThrow(EngineError);
          return;
        }
        const literal = toExecutionParameter(value);
        expect(literal).toHaveLength(expectedLength);
        expect(decodeSqlLiteral(literal)).toBe(value);
      }),
      { numRuns: RUNS },
    );
  });

  it('is always exactly one SQL string literal, as a SQL parser reads it (DuckDB, same literal rules as Trino)', async () => {
    await fc.assert(
      fc.asyncProperty(
        // DuckDB cannot read NUL inside SQL text at all; the decoder test above covers NUL.
        anyValue.filter((value) => !value.includes('\u0000') && literalLength(value) <= 1024),
        async (value) => {
          const reader = await connection.runAndReadAll(`SELECT ${toExecutionParameter(value)} AS v, 'sentinel' AS s`);
          expect(reader.columnNames()).toEqual(['v', 's']);
          expect(reader.getRowObjectsJS()).toEqual([{ v: withoutLeadingBom(value), s: 'sentinel' }]);
        },
      ),
      { numRuns: RUNS / 2 },
    );
  });

  it('sends the question text unchanged and every value as its own literal, in order', async () => {
    athenaMock.reset();
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q' });
    athenaMock
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 1 } } });
    mockPages(athenaMock, athenaPages(['eventid'], []));
    const engine = contractAthenaEngine();
    const sentFor = async (command: ObjectQuestionName, key: string) => {
      athenaMock.resetHistory();
      const request = parseCommand([command, '--since', '2d', '--', key], NOW) as ObjectQuestionRequest;
      await askObjectQuestion(OBJECT_QUESTION_TABLE[request.command], request, engine);
      // The question, then the freshness query asked beside it (it takes no user value).
      return athenaMock.commandCalls(StartQueryExecutionCommand).map((call) => call.args[0].input);
    };
    const baseline = new Map<ObjectQuestionName, StartQueryExecutionCommandInput[]>();
    for (const command of OBJECT_QUESTIONS) baseline.set(command, await sentFor(command, 'neutral.txt'));
    // Keys whose literal fits Athena's 1024-character limit (longer ones are refused, tested above).
    const fits = trickyKey.filter((key) => literalLength(key) <= 1024);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...OBJECT_QUESTIONS), fits, async (command, key) => {
        const sent = await sentFor(command, key);
        const neutral = baseline.get(command) as StartQueryExecutionCommandInput[];
        // Each text is the text sent for any other key, so no part of this one is in it; the
        // parameters are the same, with the key's literal where the neutral key's was.
        expect(sent).toEqual(
          neutral.map((input) => ({
            ...input,
            ExecutionParameters: input.ExecutionParameters?.map((p) => (p === "'neutral.txt'" ? toExecutionParameter(key) : p)),
          })),
        );
        for (const input of sent) expect((input.QueryString ?? '').split('?').length - 1).toBe(input.ExecutionParameters?.length);
        expect(sent[0]?.ExecutionParameters?.map(decodeSqlLiteral)).toContain(key);
      }),
      { numRuns: RUNS / 4 },
    );
  });
});

/** A random tree of sql`` fragments: our text around values, nested, joined, and IN lists. */
type Built = { fragment: SqlFragment; text: string; params: string[] };
/** Call the tag as the compiler does, with static parts of our choosing. */
const template = (...parts: string[]) => Object.assign([...parts], { raw: parts }) as unknown as TemplateStringsArray;
const OUR_TEXT = ['k = ', 'b IN (', ')', ' AND ', "x LIKE 'a%' OR y = ", ''];
const leaf = fc.tuple(fc.constantFrom(...OUR_TEXT), fc.constantFrom(...OUR_TEXT), trickyText).map(
  ([before, after, value]): Built => ({
    fragment: sql(template(before, after), value),
    text: `${before}?${after}`,
    params: [value],
  }),
);
const tree: fc.Arbitrary<Built> = fc.letrec<{ node: Built }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(trickyText, { minLength: 1, maxLength: 4 }).map((values) => ({
      fragment: sql`k IN (${sqlList(values)})`,
      text: `k IN (${values.map(() => '?').join(', ')})`,
      params: values,
    })),
    fc.tuple(tie('node'), tie('node')).map(([a, b]) => ({
      fragment: sqlJoin([a.fragment, b.fragment], ' AND '),
      text: `${a.text} AND ${b.text}`,
      params: [...a.params, ...b.params],
    })),
    fc.tuple(tie('node'), trickyText).map(([inner, value]) => ({
      fragment: sql`(${inner.fragment}) OR v = ${value}`,
      text: `(${inner.text}) OR v = ?`,
      params: [...inner.params, value],
    })),
  ),
})).node;

describe('the sql`` template', () => {
  it('puts only our text in the query and every value, in order, in params', () => {
    fc.assert(
      fc.property(tree, (built) => {
        expect(built.fragment.text).toBe(built.text);
        expect(built.fragment.params).toEqual(built.params);
      }),
      { numRuns: RUNS },
    );
  });
});

/** Strings a careless comparison would confuse with the value: wildcards, case, normalization, BOM, NUL, padding. */
const LOOKALIKES: ReadonlyArray<(value: string) => string> = [
  (v) => v,
  (v) => v.toUpperCase(),
  (v) => v.normalize('NFC'),
  (v) => v.normalize('NFD'),
  (v) => `${v} `,
  (v) => `\ufeff${v}`,
  (v) => `${v}\u0000`,
  (v) => v.replace(/./u, '_'),
  (v) => v.replace(/./u, '?'),
  (v) => `${Array.from(v)[0] ?? ''}%`,
  () => '%',
  () => '*',
  (v) => Array.from(v).slice(0, -1).join(''),
];
const valueAndLookalike = fc
  .tuple(trickyKey, fc.nat({ max: LOOKALIKES.length - 1 }))
  .map(([value, i]) => [value, (LOOKALIKES[i] as (v: string) => string)(value)] as const)
  .filter(([, other]) => other.length > 0 && Buffer.byteLength(other, 'utf8') <= 1024);

describe('DuckDB bound parameters', () => {
  it('arrive byte for byte and compare equal only to the identical string (no wildcard, no normalization)', async () => {
    await fc.assert(
      fc.asyncProperty(valueAndLookalike, async ([value, other]) => {
        const reader = await connection.runAndReadAll(
          'SELECT ?::VARCHAR AS v, strlen(?::VARCHAR) AS bytes, ?::VARCHAR = ?::VARCHAR AS same',
          [value, value, value, other],
        );
        expect(reader.getRowObjectsJS()).toEqual([
          { v: withoutLeadingBom(value), bytes: BigInt(Buffer.byteLength(value, 'utf8')), same: value === other },
        ]);
      }),
      { numRuns: RUNS / 2 },
    );
  });

  it('match a key inside a CloudTrail record exactly through json_extract_scalar, as the questions do', async () => {
    await fc.assert(
      fc.asyncProperty(valueAndLookalike, fc.boolean(), async ([recorded, lookalike], swap) => {
        const asked = swap ? recorded : lookalike;
        const stored = swap ? lookalike : recorded;
        const reader = await connection.runAndReadAll(
          `SELECT json_extract_scalar(doc, '$.key') AS key, json_extract_scalar(doc, '$.key') = ? AS matched
           FROM (SELECT ?::JSON AS doc)`,
          [asked, JSON.stringify({ bucketName: 'b', key: stored })],
        );
        expect(reader.getRowObjectsJS()).toEqual([{ key: withoutLeadingBom(stored), matched: asked === stored }]);
      }),
      { numRuns: RUNS / 2 },
    );
  });
});
