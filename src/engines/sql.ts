/** A value bound to a `?` placeholder. Only strings: Athena takes parameters as SQL literal text. */
export type SqlParam = string;

/** SQL text with positional `?` parameters. The text never contains a user value. */
export interface SqlFragment {
  readonly text: string;
  readonly params: readonly SqlParam[];
}

const FRAGMENT = Symbol('sql-fragment');
interface BrandedFragment extends SqlFragment {
  readonly [FRAGMENT]: true;
}

function fragment(text: string, params: readonly SqlParam[]): BrandedFragment {
  return { text, params, [FRAGMENT]: true };
}

function isFragment(value: unknown): value is BrandedFragment {
  return typeof value === 'object' && value !== null && FRAGMENT in value;
}

/**
 * Tagged template for query text. Every interpolated string becomes a `?` parameter; a nested
 * `sql\`...\`` fragment is spliced in with its parameters, in order. There is no way to put a
 * value into the text, so no query text is ever built from user input.
 */
export function sql(strings: TemplateStringsArray, ...values: ReadonlyArray<SqlParam | SqlFragment>): BrandedFragment {
  let text = strings[0] ?? '';
  const params: SqlParam[] = [];
  values.forEach((value, i) => {
    if (isFragment(value)) {
      text += value.text;
      params.push(...value.params);
    } else if (typeof value === 'string') {
      text += '?';
      params.push(value);
    } else {
      throw new TypeError('sql`` accepts only strings and sql fragments');
    }
    text += strings[i + 1] ?? '';
  });
  return fragment(text, params);
}

/** `?, ?, ?` for an IN list (never empty). */
export function sqlList(values: readonly SqlParam[]): BrandedFragment {
  if (values.length === 0) throw new Error('sqlList needs at least one value');
  return fragment(values.map(() => '?').join(', '), values);
}

/** Join fragments with a separator written by us (e.g. ` AND `). */
export function sqlJoin(parts: readonly SqlFragment[], separator: string): BrandedFragment {
  return fragment(
    parts.map((p) => p.text).join(separator),
    parts.flatMap((p) => p.params),
  );
}

/** A trusted identifier from configuration (table names), checked so it cannot carry SQL. */
export function sqlIdentifier(name: string): BrandedFragment {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}(\.[A-Za-z_][A-Za-z0-9_]{0,127}){0,2}$/.test(name)) {
    throw new Error(`not a safe SQL identifier: ${name}`);
  }
  return fragment(name, []);
}

/** Constants that must be text, not parameters (Athena allows `?` only in WHERE): a sort direction or an integer. */
export function sqlConstant(value: 'ASC' | 'DESC' | number): BrandedFragment {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new Error('sqlConstant needs an integer');
  return fragment(String(value), []);
}

/**
 * An instant (a Date, never text from outside) as a `YYYY-MM-DDTHH:MM:SSZ` literal, for a SELECT
 * list where Athena takes no `?`: it compares with `eventtime` as text, like a parameter would.
 */
export function sqlInstant(instant: Date): BrandedFragment {
  const text = instant.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(text)) throw new Error('sqlInstant needs a date between years 0 and 9999');
  return fragment(`'${text}'`, []);
}

/** A `yyyy/MM/dd` partition day (computed from a Date, never text from outside) as a literal, for a SELECT list where Athena takes no `?`. */
export function sqlPartitionDay(day: string): BrandedFragment {
  if (!/^\d{4}\/\d{2}\/\d{2}$/.test(day)) throw new Error('sqlPartitionDay needs a yyyy/MM/dd day');
  return fragment(`'${day}'`, []);
}

/**
 * Names from our own code (event names, event sources such as `s3.amazonaws.com`) as a list of SQL
 * string literals, for a SELECT list where Athena takes no `?`. Only letters, digits and dots: no
 * value from outside can pass.
 */
export function sqlNameList(names: readonly string[]): BrandedFragment {
  if (names.length === 0 || names.some((name) => !/^[A-Za-z][A-Za-z0-9.]{0,127}$/.test(name))) {
    throw new Error('sqlNameList takes one or more API or service names');
  }
  return fragment(names.map((name) => `'${name}'`).join(', '), []);
}
