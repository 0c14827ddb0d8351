import type { SqlFragment } from '../sql.js';
import { EXTRACTED_COLUMNS } from './schema.js';

/**
 * Exact texts of our own question SQL (src/questions, src/digest) that the index has precomputed,
 * and what reads the precomputed value instead. Only trusted text is replaced: user values are
 * never in the text (they are `?` parameters, which a rewrite keeps in number and order).
 * test/engines/indexed-engine.test.ts checks that each rewritten question returns the same rows as
 * the question as written, and that each rewrite still finds its text in some question.
 */
export const INDEX_REWRITES: ReadonlyArray<{ from: string; to: string }> = [
  ...EXTRACTED_COLUMNS.map((column) => ({ from: column.expression, to: column.name })),
  {
    // The delivery-day predicate of every question. Text min/max statistics keep 8 bytes (`yyyy/MM/`),
    // so only the integer day lets DuckDB skip the row groups of other days. Both parameters are
    // `yyyy/MM/dd` days (partitionRange); the string test is kept, so the result cannot change.
    from: '"timestamp" BETWEEN ? AND ?',
    to: `("timestamp" BETWEEN ? AND ? AND day_number BETWEEN ${dayNumberOf('?')} AND ${dayNumberOf('?')})`,
  },
];

function dayNumberOf(placeholder: string): string {
  return `CAST(replace(${placeholder}, '/', '') AS INTEGER)`;
}

/**
 * The query with every INDEX_REWRITES text replaced. A rewrite that adds placeholders repeats the
 * parameters it replaced, in order, so parameters still line up (question text holds no `?` but
 * placeholders).
 */
export function rewriteForIndex(query: SqlFragment): SqlFragment {
  let text = query.text;
  let params = [...query.params];
  for (const { from, to } of INDEX_REWRITES) {
    const fromCount = countPlaceholders(from);
    const toCount = countPlaceholders(to);
    if (fromCount === toCount) {
      text = text.replaceAll(from, to);
      continue;
    }
    // Only the day predicate adds placeholders: its `?`s appear twice, each pair in order.
    let out = '';
    let rest = text;
    const nextParams: string[] = [];
    let consumed = 0;
    for (let at = rest.indexOf(from); at >= 0; at = rest.indexOf(from)) {
      const before = rest.slice(0, at);
      const beforeCount = countPlaceholders(before);
      nextParams.push(...params.slice(consumed, consumed + beforeCount));
      consumed += beforeCount;
      const replaced = params.slice(consumed, consumed + fromCount);
      consumed += fromCount;
      nextParams.push(...replaced, ...replaced);
      out += before + to;
      rest = rest.slice(at + from.length);
    }
    nextParams.push(...params.slice(consumed));
    text = out + rest;
    params = nextParams;
  }
  return { text, params };
}

function countPlaceholders(text: string): number {
  return text.split('?').length - 1;
}
