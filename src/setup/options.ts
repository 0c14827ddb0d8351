import { UsageError } from '../errors.js';

/**
 * `--name value`, `--name=value` and `--apply` for the `s3x setup …` commands: every value follows
 * its option, each option at most once. Throws UsageError naming the bad word.
 */
export function parseSetupOptions<Name extends string>(
  argv: readonly string[],
  names: readonly Name[],
  usage: string,
): { values: Map<Name, string>; apply: boolean } {
  const values = new Map<Name, string>();
  let apply = false;
  const known = (name: string): name is Name => (names as readonly string[]).includes(name);
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (!word.startsWith('--') || word === '--') {
      throw new UsageError(`Unexpected ${show(word)}: every value follows its option. Usage: \`${usage}\``);
    }
    const eq = word.indexOf('=');
    const name = eq === -1 ? word.slice(2) : word.slice(2, eq);
    const inline = eq === -1 ? undefined : word.slice(eq + 1);
    if (name === 'apply') {
      if (inline !== undefined) throw new UsageError('`--apply` takes no value.');
      if (apply) throw new UsageError('`--apply` is given twice.');
      apply = true;
      continue;
    }
    if (!known(name)) throw new UsageError(`Unknown option ${show(`--${name}`)}. Usage: \`${usage}\``);
    if (values.has(name)) throw new UsageError(`\`--${name}\` is given twice.`);
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        value = next;
        i++;
      }
    }
    if (value === undefined || value === '') throw new UsageError(`\`--${name}\` needs a value. Usage: \`${usage}\``);
    values.set(name, value);
  }
  return { values, apply };
}

/** A user's value in a message, as a JSON string (quotes, escapes), at most 60 characters. */
export function show(value: string): string {
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}..."` : json;
}
