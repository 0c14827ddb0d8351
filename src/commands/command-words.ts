import type { SubcommandSpec } from './grammar.js';

/** `arn-or-name` → `arnOrName`: a grammar name as a JSON property or step input name. */
export function propertyName(grammarName: string): string {
  return grammarName.replace(/-([a-z])/g, (_m, letter: string) => letter.toUpperCase());
}

/**
 * Named arguments (an MCP tool call, a Workflow Builder step's inputs) as the words of the command
 * line, so the one parser validates them. Options are inline (`--since=7d`) and the positional
 * comes after `--`, so no value is ever read as an option.
 */
export function commandWords(spec: SubcommandSpec, args: Readonly<Record<string, string | undefined>>): string[] {
  const words: string[] = [spec.name];
  for (const option of spec.options) {
    const value = args[propertyName(option)];
    if (value !== undefined) words.push(`--${option}=${value}`);
  }
  const positional = spec.positional ? args[propertyName(spec.positional.name)] : undefined;
  if (positional !== undefined) words.push('--', positional);
  return words;
}
