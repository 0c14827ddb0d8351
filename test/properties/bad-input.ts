import fc from 'fast-check';
import { expect } from 'vitest';
import { buildActivityQuery } from '../../src/answers/activity/question.js';
import { buildBucketEventsQuery } from '../../src/answers/bucket-events/question.js';
import { buildDeniedQuery } from '../../src/answers/denied/question.js';
import { buildObjectEventsQuery, OBJECT_QUESTION_TABLE } from '../../src/answers/object/question.js';
import { buildPrincipalQuery, matchPrincipal, type PrincipalMatchKind } from '../../src/answers/principal/question.js';
import { isDirectoryBucket } from '../../src/cloudtrail/buckets.js';
import { isObjectQuestion } from '../../src/commands/parse.js';
import type { S3xRequest } from '../../src/commands/requests.js';
import type { EngineQuery, TableLayout } from '../../src/engines/engine.js';
import { LOCAL_TABLE_LAYOUT } from '../../src/engines/local/view.js';
import type { SqlFragment } from '../../src/engines/sql.js';

/** Shared generators and oracles for the bad-input suites (test/properties, test/security). */

/** Pieces that break naive parsers and SQL: quotes of every kind, escapes, whitespace, NUL, astral chars, entities, wildcards. */
export const SPECIAL_UNITS = [
  '"',
  '\u201c',
  '\u201d',
  "'",
  '\u2018',
  '\u2019',
  '`',
  '\\',
  ' ',
  '\t',
  '\n',
  '\r',
  '\u00a0',
  '\u2028',
  '\u3000',
  '\ufeff',
  '\u0000',
  '\u0007',
  '😀',
  '👩‍💻',
  '𝄞',
  '&amp;',
  '&lt;',
  '&gt;',
  '&',
  '<',
  '>',
  '--',
  '-',
  '=',
  '%',
  '_',
  '*',
  '?',
  '[a-z]',
  '$',
  '.',
  '..',
  '/',
  ';',
  '#',
  'é',
  'e\u0301',
  'a',
  'Z',
  '0',
] as const;

/** Arbitrary Unicode text: whole code points, or runs of the special pieces, or both mixed. */
export const trickyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...SPECIAL_UNITS), maxLength: 20 }),
  fc.string({
    unit: fc.oneof(fc.constantFrom(...SPECIAL_UNITS), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
    maxLength: 30,
  }),
);

/** A text that may start like an option, a quote or a space: what a key can be in S3. */
const prefixed = (rest: fc.Arbitrary<string>) =>
  fc.tuple(fc.constantFrom('', '', '', '--', '-', '---', ' ', '"', '\u201c', '\\'), rest).map(([prefix, text]) => prefix + text);

/** S3 object keys: 1 to 1024 bytes of UTF-8, anything else allowed, sometimes long. */
export const trickyKey: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 5, arbitrary: prefixed(trickyText) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 200, maxLength: 400 }) },
  )
  .filter((key) => key.length > 0 && Buffer.byteLength(key, 'utf8') <= 1024);

/** Principals as people type them: role/user ARNs and names with anything inside. */
export const trickyPrincipal: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(
      '',
      'arn:',
      'arn:aws:iam::111122223333:role/',
      'arn:aws:iam::111122223333:role/team/',
      'arn:aws:sts::111122223333:assumed-role/',
      'arn:aws:iam::111122223333:user/',
    ),
    prefixed(trickyText),
  )
  .map(([prefix, rest]) => prefix + rest)
  .filter((principal) => principal.trim() !== '' && principal.length <= 2048);

export type QuoteStyle = 'always' | 'minimal' | 'smart';

/**
 * How a user types a word so the tokenizer reads it back unchanged (src/commands/tokenize.ts):
 * inside `"…"` (or `“…”`) a backslash escapes the next character, so `\` and every closing quote
 * are escaped; outside quotes only whitespace and an opening quote split or start something, and
 * a word starting with `--` is read as an option unless quoted. `minimal` quotes only when needed.
 */
export function quoteForCommand(word: string, style: QuoteStyle): string {
  if (style === 'smart') return `\u201c${word.replace(/[\\"\u201d]/g, (c) => `\\${c}`)}\u201d`;
  const needsQuotes = word === '' || word.startsWith('--') || /[\s"\u201c]/u.test(word);
  if (style === 'minimal' && !needsQuotes) return word;
  return `"${word.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Slack escapes `&`, `<` and `>` in command text (even with should_escape off). */
export function asSlackSends(typed: string): string {
  return typed.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/**
 * @duckdb/node-api decodes VARCHAR results with a default TextDecoder, which drops a leading U+FEFF
 * (byte order mark): binding and comparing keep it, only values read back from DuckDB lose it.
 */
export function withoutLeadingBom(value: string): string {
  return value.replace(/^\ufeff/, '');
}

/** Independent decoder of one SQL string literal (`'…'`, inner `'` doubled); throws unless the whole text is exactly one literal. */
export function decodeSqlLiteral(text: string): string {
  const match = /^'((?:[^']|'')*)'$/su.exec(text);
  if (!match) throw new Error(`not a single SQL string literal: ${JSON.stringify(text)}`);
  return (match[1] as string).replaceAll("''", "'");
}

/** The two table layouts questions are built for: the local view, and a partitioned multi-region Athena table. */
export const TABLES: readonly TableLayout[] = [
  LOCAL_TABLE_LAYOUT,
  { name: 'cloudtrail.cloudtrail_logs', partitionedByDay: true, regions: ['us-east-1', 'eu-west-1'] },
];

type QuestionRequest = Extract<
  S3xRequest,
  { command: 'who-deleted' | 'who-wrote' | 'who-read' | 'history' | 'principal' | 'activity' | 'bucket-events' | 'denied' }
>;

export function isQuestion(request: S3xRequest): request is QuestionRequest {
  return isObjectQuestion(request) || ['principal', 'activity', 'bucket-events', 'denied'].includes(request.command);
}

/** Every engine query s3x builds for a question request (the trail-history and status queries take no user value). */
export function queriesFor(request: QuestionRequest, table: TableLayout): EngineQuery[] {
  if (isObjectQuestion(request)) return [buildObjectEventsQuery(request, table, OBJECT_QUESTION_TABLE[request.command].spec)];
  switch (request.command) {
    case 'principal':
      return [buildPrincipalQuery(request, table)];
    case 'activity':
      return [buildActivityQuery(request, table)];
    case 'bucket-events':
      return [buildBucketEventsQuery(request, table)];
    default:
      return [buildDeniedQuery(request, table)];
  }
}

const NEUTRAL_PRINCIPAL: Record<PrincipalMatchKind, string> = {
  role: 'arn:aws:iam::111122223333:role/Neutral',
  arn: 'arn:aws:iam::111122223333:user/neutral',
  name: 'Neutral',
};

function neutralBucket(bucket: string): string {
  return isDirectoryBucket(bucket) ? 'neutral--use1-az4--x-s3' : 'neutral-bucket';
}

/** The same request with every user value replaced by a harmless one of the same kind. */
function neutralOf(request: QuestionRequest): QuestionRequest {
  if (isObjectQuestion(request)) {
    return { ...request, key: 'neutral.txt', bucket: request.bucket === undefined ? undefined : neutralBucket(request.bucket) };
  }
  switch (request.command) {
    case 'principal':
      return { ...request, principal: NEUTRAL_PRINCIPAL[matchPrincipal(request.principal).matchedAs] };
    case 'denied':
      return { ...request, bucket: request.bucket === undefined ? undefined : neutralBucket(request.bucket) };
    default:
      return { ...request, bucket: neutralBucket(request.bucket) };
  }
}

/** Each value a user typed into a question request, with the neutral value it replaces in {@link neutralOf}. */
function userValuesOf(request: QuestionRequest): Array<[typed: string, neutral: string]> {
  const neutral = neutralOf(request);
  if (isObjectQuestion(request) && isObjectQuestion(neutral)) {
    return [
      [request.key, neutral.key],
      ...(request.bucket === undefined ? [] : [[request.bucket, neutral.bucket as string] as [string, string]]),
    ];
  }
  if (request.command === 'principal' && neutral.command === 'principal') return [[request.principal, neutral.principal]];
  if ('bucket' in request && request.bucket !== undefined && 'bucket' in neutral)
    return [[request.bucket, neutral.bucket as string]];
  return [];
}

/**
 * The query text of every question built for the request is the text built for a neutral request
 * (so no part of a user value can be in it), it has one `?` per parameter, and each user value is
 * bound exactly as typed, in the place of the neutral value it stands for.
 */
export function expectValuesOnlyInParams(request: QuestionRequest): void {
  const typed = userValuesOf(request);
  const substitute = new Map(typed.map(([value, neutral]) => [neutral, value]));
  // A role ARN also binds its account and name, which differ from the neutral ones: only the ARN is compared.
  const exact = request.command !== 'principal' || matchPrincipal(request.principal).matchedAs !== 'role';
  for (const table of TABLES) {
    const queries = queriesFor(request, table);
    const baselines = queriesFor(neutralOf(request), table);
    queries.forEach((query, i) => {
      const baseline = baselines[i] as EngineQuery;
      // The question, and the query that finds the files it needs where the engine reads those first.
      expect(query.neededFiles === undefined).toBe(baseline.neededFiles === undefined);
      const pairs: Array<[SqlFragment, SqlFragment]> = [[query.sql, baseline.sql]];
      if (query.neededFiles && baseline.neededFiles) pairs.push([query.neededFiles, baseline.neededFiles]);
      for (const [asked, neutral] of pairs) {
        expect(asked.text).toBe(neutral.text);
        expect(asked.text.split('?').length - 1).toBe(asked.params.length);
        expect(asked.params).toHaveLength(neutral.params.length);
        if (exact) expect(asked.params).toEqual(neutral.params.map((p) => substitute.get(p) ?? p));
        for (const [value] of typed) expect(asked.params).toContain(value);
      }
      expect(query.days.from).toMatch(/^\d{4}\/\d{2}\/\d{2}$/);
      expect(query.days.to).toMatch(/^\d{4}\/\d{2}\/\d{2}$/);
    });
  }
}
