import { findSubcommand, SUBCOMMANDS, type SubcommandSpec } from '../../commands/grammar.js';
import { DEFAULT_WINDOW_MS } from '../../time/window.js';
import { SLASH_COMMAND } from '../ids.js';
import { escapeMrkdwn, inlineCode } from './limits.js';
import { buildMessage, contextBlock, headerBlock, type KnownBlock, mrkdwnSection, type SlackMessage } from './message.js';

const DEFAULT_WINDOW_DAYS = DEFAULT_WINDOW_MS / 86_400_000;

const WHEN_TEXT = [
  '*WHEN* (`--since`, `--until`; all times are UTC)',
  '• relative, counted back from now: `30m`, `24h`, `7d`, `2w`',
  '• a date or date-time: `2024-07-01`, `2024-07-01T12:00Z`',
  '• a bare date in `--until` means the end of that day, so `--since 2024-07-01 --until 2024-07-01` is all of 1 July',
  `• neither given: the last ${DEFAULT_WINDOW_DAYS} days`,
].join('\n');

const QUOTING_TEXT = `*Keys with spaces*: wrap the key in double quotes, e.g. ${inlineCode(
  `${SLASH_COMMAND} who-deleted "reports/Q3 final.parquet" --bucket analytics--usw2-az1--x-s3`,
  200,
)}`;

/** `/s3x help [topic]`: every subcommand from the grammar table, or one; an unknown topic gets everything. */
export function buildHelpMessage(topic?: string): SlackMessage {
  const asked = topic?.trim() ?? '';
  const spec = asked === '' ? undefined : findSubcommand(asked.toLowerCase());
  if (spec) return buildTopicHelp(spec);

  const unknown =
    asked === ''
      ? []
      : [contextBlock([`There is no ${inlineCode(`${SLASH_COMMAND} ${asked}`, 120)} command; here is everything s3x can do.`])];
  const blocks: KnownBlock[] = [
    headerBlock('s3x: who deleted, wrote or read an S3 object'),
    ...unknown,
    mrkdwnSection(['*Commands*', ...SUBCOMMANDS.map(usageLine)].join('\n')),
    mrkdwnSection(WHEN_TEXT),
    mrkdwnSection(QUOTING_TEXT),
    contextBlock([`${inlineCode(`${SLASH_COMMAND} help <subcommand>`, 60)} shows one command.`]),
  ];
  const ready = SUBCOMMANDS.filter((s) => s.available).map((s) => s.name);
  const soon = SUBCOMMANDS.filter((s) => !s.available).map((s) => s.name);
  return buildMessage(`${SLASH_COMMAND} help: ${ready.join(', ')}; coming soon: ${soon.join(', ')}`, blocks);
}

function buildTopicHelp(spec: SubcommandSpec): SlackMessage {
  const soon = spec.available ? [] : ['_Coming soon: not available in this version of s3x yet._'];
  const blocks: KnownBlock[] = [
    mrkdwnSection([inlineCode(`${SLASH_COMMAND} ${spec.usage}`, 300), escapeMrkdwn(spec.summary), ...soon].join('\n')),
    mrkdwnSection(
      ['*Examples*', ...spec.examples.map((example) => `• ${inlineCode(`${SLASH_COMMAND} ${example}`, 300)}`)].join('\n'),
    ),
    ...(spec.options.includes('since') ? [mrkdwnSection(WHEN_TEXT)] : []),
    ...(spec.positional?.name === 'key' ? [mrkdwnSection(QUOTING_TEXT)] : []),
    contextBlock([`${inlineCode(`${SLASH_COMMAND} help`, 20)} lists every command.`]),
  ];
  const suffix = spec.available ? '' : ' (coming soon)';
  return buildMessage(`${SLASH_COMMAND} ${spec.usage}: ${spec.summary}${suffix}`, blocks);
}

function usageLine(spec: SubcommandSpec): string {
  const soon = spec.available ? '' : ' _(coming soon)_';
  return `• ${inlineCode(`${SLASH_COMMAND} ${spec.usage}`, 300)}: ${escapeMrkdwn(spec.summary)}${soon}`;
}
