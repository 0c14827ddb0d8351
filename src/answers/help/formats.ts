import { findSubcommand, SUBCOMMANDS } from '../../commands/grammar.js';

/** The terminal's own commands, not in Slack: each prints its options with --help (see cli.ts). */
export const TERMINAL_COMMANDS = [
  {
    name: 'setup',
    usage: 'setup athena|alerts ...',
    summary: 'print (or --apply) the Athena table over the trail bucket, or the alerts rule',
  },
  {
    name: 'ingest',
    usage: 'ingest [--logs DIR] [--index FILE]',
    summary: 'read the archive into a local index, for answers in milliseconds',
  },
  {
    name: 'mcp',
    usage: 'mcp [--logs DIR] [--http [--port N]]',
    summary: 'serve the questions to an AI assistant (Model Context Protocol)',
  },
] as const;

/** Plain-text help for the terminal, from the same grammar table as `/s3x help`. */
export function helpText(topic?: string): string {
  const spec = topic ? findSubcommand(topic) : undefined;
  if (spec) {
    const examples = spec.examples.map((example) => `  s3x ${example}`).join('\n');
    return `s3x ${spec.usage}\n  ${spec.summary}${spec.available ? '' : ' (coming soon)'}\n\nExamples:\n${examples}\n`;
  }
  const width = Math.max(...SUBCOMMANDS.map((s) => s.usage.length));
  const lines = SUBCOMMANDS.map((s) => `  s3x ${s.usage.padEnd(width)}  ${s.summary}${s.available ? '' : ' (coming soon)'}`);
  const terminalWidth = Math.max(...TERMINAL_COMMANDS.map((command) => command.usage.length));
  return [
    'usage: s3x <subcommand> [options] [--logs DIR] [--format text|json|csv]',
    '',
    ...lines,
    '',
    'In the terminal only (s3x help <command> or s3x <command> --help for its options):',
    ...TERMINAL_COMMANDS.map((command) => `  s3x ${command.usage.padEnd(terminalWidth)}  ${command.summary}`),
    '',
    'WHEN: relative (30m, 24h, 7d, 2w) or UTC (2024-07-01, 2024-07-01T12:00Z); default: the last 7 days.',
    'A bare date in --until means the end of that day. Quote keys with spaces: "a key with spaces".',
    '--logs DIR: CloudTrail files (a trail S3 layout AWSLogs/... or any folder of .json/.json.gz); default S3X_LOGS_DIR.',
    '',
  ].join('\n');
}
