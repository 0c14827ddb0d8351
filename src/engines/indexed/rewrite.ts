import type { SqlFragment } from '../sql.js';
import { EXTRACTED_COLUMNS, HASHED_COLUMNS } from './schema.js';

interface Rewrite {
  from: string;
  to: string;
  /** `to` holds the `?`s of `from` twice, in the same order (the parameters are repeated). */
  repeatsParams?: boolean;
}

/**
 * Exact texts of our own question SQL (src/questions, src/digest) that the index has precomputed,
 * and what reads the precomputed value instead. Only trusted text is replaced: user values are
 * never in the text (they are `?` parameters, which a rewrite keeps in order).
 * test/engines/indexed-engine.test.ts checks that every question returns the same rows rewritten
 * and as written, and that each rewrite still finds its text in some question.
 */
export const INDEX_REWRITES: readonly Rewrite[] = [
  // An exact key or ARN is compared as its hash first (see HASHED_COLUMNS); the text test is kept, so the result cannot change.
  ...HASHED_COLUMNS.map((hashed) => ({
    from: `${hashed.of} = ?`,
    to: `(${hashed.column} = hash(CAST(? AS VARCHAR)) AND ${hashed.of} = ?)`,
    repeatsParams: true,
  })),
  ...EXTRACTED_COLUMNS.map((column) => ({ from: column.expression, to: column.name })),
  {
    // The delivery-day predicate of every question. Text min/max statistics keep 8 bytes (`yyyy/MM/`),
    // so only the integer day lets DuckDB skip the row groups of other days. Both parameters are
    // `yyyy/MM/dd` days (partitionRange); the text test is kept, so the result cannot change.
    from: '"timestamp" BETWEEN ? AND ?',
    to: `("timestamp" BETWEEN ? AND ? AND day_number BETWEEN CAST(replace(?, '/', '') AS INTEGER) AND CAST(replace(?, '/', '') AS INTEGER))`,
    repeatsParams: true,
  },
];

/** The query with every INDEX_REWRITES text replaced, its parameters still lined up with its `?`s. */
export function rewriteForIndex(query: SqlFragment): SqlFragment {
  let text = query.text;
  let params = [...query.params];
  for (const rewrite of INDEX_REWRITES) {
    if (rewrite.repeatsParams) ({ text, params } = replaceRepeating(text, params, rewrite));
    else text = text.replaceAll(rewrite.from, rewrite.to);
  }
  return { text, params };
}

/** Replace each occurrence, repeating the parameters it held (question text holds no `?` but placeholders). */
function replaceRepeating(text: string, params: readonly string[], { from, to }: Rewrite): { text: string; params: string[] } {
  const held = placeholders(from);
  const pieces = text.split(from);
  const out: string[] = [];
  let next = 0;
  pieces.forEach((piece, i) => {
    const before = placeholders(piece);
    out.push(...params.slice(next, next + before));
    next += before;
    if (i === pieces.length - 1) return;
    const replaced = params.slice(next, next + held);
    out.push(...replaced, ...replaced);
    next += held;
  });
  return { text: pieces.join(to), params: out };
}

function placeholders(text: string): number {
  return text.split('?').length - 1;
}
