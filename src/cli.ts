import { existsSync } from 'node:fs';
import { answerRequest, type Reply } from './answer.js';
import { parseCommand } from './commands/parse.js';
import { loadConfig } from './config.js';
import { LocalEngine } from './engines/local/local-engine.js';
import { S3xError, UsageError } from './errors.js';
import { helpText } from './output/help-text.js';
import { toCsv, toJson, toText } from './output/object-answer-formats.js';
import { sampleLogsDir } from './sample/sample-archive.js';

type Format = 'text' | 'json' | 'csv';

interface CliOptions {
  words: string[];
  logs?: string;
  format: Format;
}

/** Exit codes: 0 answered, 1 failed, 2 bad usage, 3 not available yet. */
export async function runCli(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  io: { out: (text: string) => void; err: (text: string) => void } = {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  },
  now: () => Date = () => new Date(),
): Promise<number> {
  try {
    const options = splitCliOptions(argv);
    const request = parseCommand(options.words, now());
    if (request.command === 'help') {
      io.out(helpText(request.topic));
      return 0;
    }
    const config = loadConfig(env);
    const logsDir = options.logs ?? config.logsDir ?? sampleLogsDir(config.dataDir);
    if (!existsSync(logsDir)) {
      throw new UsageError(`No CloudTrail logs at ${logsDir}. Pass --logs DIR or set S3X_LOGS_DIR.`);
    }
    const engine = await LocalEngine.open({ logsDir });
    try {
      const reply = await answerRequest(request, { engine });
      return print(reply, options.format, io);
    } finally {
      await engine.close();
    }
  } catch (error) {
    if (error instanceof S3xError) {
      io.err(`s3x: ${error.userMessage.replaceAll('`', '')}\n`);
      return error instanceof UsageError ? 2 : 1;
    }
    io.err(`s3x: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

function print(reply: Reply, format: Format, io: { out: (t: string) => void; err: (t: string) => void }): number {
  switch (reply.kind) {
    case 'help':
      io.out(helpText(reply.topic));
      return 0;
    case 'not-available':
      io.err(`s3x: \`${reply.command}\` is not available yet in this version of s3x.\n`.replaceAll('`', ''));
      return 3;
    case 'object-answer': {
      const render = { text: toText, json: toJson, csv: toCsv }[format];
      const output = render(reply.answer);
      io.out(output.endsWith('\n') ? output : `${output}\n`);
      return 0;
    }
  }
}

/** Take the CLI's own options out; everything else goes to the shared command parser. */
function splitCliOptions(argv: readonly string[]): CliOptions {
  const words: string[] = [];
  let logs: string | undefined;
  let format: Format = 'text';
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    const [name, inline] =
      word.startsWith('--') && word.includes('=')
        ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)]
        : [word, undefined];
    if (name !== '--logs' && name !== '--format') {
      words.push(word);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new UsageError(`${name} needs a value.`);
    if (name === '--logs') logs = value;
    else if (value === 'text' || value === 'json' || value === 'csv') format = value;
    else throw new UsageError(`--format must be text, json or csv, not ${value}.`);
  }
  return { words, logs, format };
}
