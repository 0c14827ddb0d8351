import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { helpText, TERMINAL_COMMANDS } from './answers/help/formats.js';
import type { Format } from './answers/registry.js';
import type { Env, Io, OwnCommand } from './app/terminal.js';
import type { AthenaEngine } from './aws/athena/athena-engine.js';
import { findSubcommand } from './commands/grammar.js';
import { parseCommand } from './commands/parse.js';
import { isChangeRequest } from './commands/requests.js';
import type { Config } from './config.js';
import { S3xError, UsageError } from './errors.js';
import { formatNumber } from './text/numbers.js';
import { escapeUnsafeJson, showInvisibleKeepingLines } from './text/safe-text.js';

// Imported statically: only what `s3x help` and a usage error need (the command table, the parser,
// the output's escaping), and the counts' formatting (a leaf module). Everything else loads in the branch that uses it, so that `s3x help`
// starts without zod, the answers' formats, DuckDB, SQLite or the AWS SDK.

interface CliOptions {
  words: string[];
  logs?: string;
  format: Format;
  /** `digest --post`: post to S3X_DIGEST_CHANNEL instead of printing. */
  post: boolean;
}

/** Exit codes: 0 answered, 1 failed, 2 bad usage, 3 not available yet. */
export async function runCli(
  argv: readonly string[],
  env: Env,
  terminal: Io = {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  },
  now: () => Date = () => new Date(),
): Promise<number> {
  let format: Format = 'text';
  // Everything written goes through here: log data (keys, user agents) and typed input may hold
  // ESC, C1, bidi or invisible characters, which must reach neither a terminal nor a file raw.
  const io: Io = {
    out: (text) => terminal.out(format === 'json' ? escapeUnsafeJson(text) : showInvisibleKeepingLines(text)),
    err: (text) => terminal.err(showInvisibleKeepingLines(text)),
  };
  try {
    // `s3x help ingest` is `s3x ingest --help`: the terminal's own commands print their own options.
    const helpTopic = argv[0]?.toLowerCase() === 'help' && argv.length === 2 ? argv[1]?.toLowerCase() : undefined;
    if (helpTopic && TERMINAL_COMMANDS.some((command) => command.name === helpTopic))
      return await runCli([helpTopic, '--help'], env, terminal, now);
    if (argv[0] === 'setup') return await runSetup(argv.slice(1), env, io, now());
    // Commands with options of their own; the MCP SDK is loaded only for `s3x mcp`.
    const own = argv[0] === 'ingest' ? INGEST : argv[0] === 'mcp' ? (await import('./mcp/mcp-command.js')).MCP : undefined;
    if (own) {
      if (argv.includes('--help')) {
        io.out(own.usage);
        return 0;
      }
      return await own.run(argv.slice(1), env, io, now);
    }
    // `s3x --help`, `s3x -h`, `s3x tighten --help`: the terminal usage (not the Slack "/s3x help" hint).
    const helpAt = argv.findIndex((arg) => arg === '--help' || arg === '-h');
    const endOfOptions = argv.indexOf('--');
    if (helpAt >= 0 && (endOfOptions < 0 || helpAt < endOfOptions)) {
      io.out(helpText(helpAt > 0 ? argv[0] : undefined));
      return 0;
    }
    const options = splitCliOptions(argv);
    format = options.format;
    // `s3x help [topic]` takes no window, so it needs no limit from the config: answered before it is read.
    const first = options.words[0]?.toLowerCase();
    if (!first || findSubcommand(first)?.name === 'help') {
      const request = parseCommand(options.words, now());
      io.out(helpText(request.command === 'help' ? request.topic : undefined));
      return 0;
    }
    const config = await loadConfig(env);
    const request = parseCommand(options.words, now(), { maxWindowDays: config.maxWindowDays });
    if (isChangeRequest(request)) {
      throw new UsageError(`Changes need a second person's approval, so they are requested in Slack: /s3x ${argv.join(' ')}`);
    }
    const post = options.post ? postTarget(request.command, config) : undefined;
    const [{ openWiring }, { commandLogsDir }, { answerDigest, answerRequest }, { print }] = await Promise.all([
      import('./app/wiring.js'),
      import('./app/logs-dir.js'),
      import('./answers/answer-request.js'),
      import('./app/terminal.js'),
    ]);
    const wiring = await openWiring(config, {
      logsDir: commandLogsDir(config, options.logs),
      replicaId: `cli-${process.pid}-${randomBytes(4).toString('hex')}`,
      // `digest --post` takes the day's lease in the store; questions only read it.
      state: post ? 'create' : 'read',
      // A terminal asks questions; it never applies a change, so the change flow has nothing to say here.
      log: () => undefined,
      now,
    });
    try {
      if (post && request.command === 'digest') {
        const { botToken, channel } = post;
        // The scheduled run's lease: one post a day, whether the app or a terminal posts it.
        const [{ digestDayFor }, { postOnce }, { postDigest }, { createWebClient }] = await Promise.all([
          import('./digest/schedule.js'),
          import('./digest/digest-lease.js'),
          import('./slack/post-digest.js'),
          import('./slack/web-client.js'),
        ]);
        const day = request.date ?? digestDayFor(now(), config.digest.timeZone);
        const posted = await postOnce(wiring.stores.digestLease, day, `cli-${randomBytes(6).toString('hex')}`, async () =>
          postDigest(createWebClient(botToken, config.slack.apiUrl), channel, await answerDigest(day, wiring.answers)),
        );
        io.err(
          posted === 'posted'
            ? `s3x: digest for ${day} posted to ${channel}\n`
            : `s3x: the digest for ${day} was already posted (or another run is posting it now); not posted again\n`,
        );
        return 0;
      }
      const reply = await answerRequest(request, wiring.answers);
      return print(reply, options.format, io);
    } finally {
      await wiring.close();
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

/** The settings from the environment; zod, which checks them, loads with them. */
async function loadConfig(env: Env): Promise<Config> {
  return (await import('./config.js')).loadConfig(env);
}

/** `--post`: only for `s3x digest`, and only with somewhere to post. */
function postTarget(command: string, config: Config): { botToken: string; channel: string } {
  if (command !== 'digest') throw new UsageError('--post is for `s3x digest`.');
  const { botToken } = config.slack;
  const channel = config.digest.channel;
  if (!botToken || !channel) throw new UsageError('--post needs SLACK_BOT_TOKEN and S3X_DIGEST_CHANNEL.');
  return { botToken, channel };
}

const INGEST_HELP = `s3x ingest [--logs DIR] [--index FILE]

Reads a local CloudTrail archive (--logs, else S3X_LOGS_DIR) into a DuckDB file (--index, else
S3X_LOCAL_INDEX, else <S3X_DATA_DIR>/index.duckdb) so that questions answer in milliseconds; with
S3X_LOCAL_INDEX set, the local engine answers from it. Only files not read before (or changed
since) are read; files gone from disk are dropped. Run it again at any time. The index is one
process's at a time: stop the app first, or let the app keep it up to date by itself.
`;

/** `s3x ingest`: bring the local index up to date with the archive and say what was read. */
const INGEST: OwnCommand = { usage: INGEST_HELP, run: runIngest };

async function runIngest(argv: readonly string[], env: Env, io: Io, now: () => Date): Promise<number> {
  const options: { logs?: string; index?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    const [name, inline] = word.includes('=')
      ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)]
      : [word, undefined];
    if (name !== '--logs' && name !== '--index')
      throw new UsageError(`\`s3x ingest\` takes --logs DIR and --index FILE, not ${word}.`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new UsageError(`${name} needs a value.`);
    options[name === '--logs' ? 'logs' : 'index'] = value;
  }
  const config = await loadConfig(env);
  const [{ archiveDir }, { ingestArchive }] = await Promise.all([
    import('./app/logs-dir.js'),
    import('./engines/indexed/ingest.js'),
  ]);
  const logsDir = archiveDir(config, options.logs);
  const indexPath = options.index ?? config.localIndex ?? path.join(config.dataDir, 'index.duckdb');
  const clock = () => now().getTime();
  let lastReport = clock();
  const result = await ingestArchive({
    logsDir,
    indexPath,
    clock,
    followSymlinks: config.followSymlinks,
    maxFileBytes: config.maxLogFileBytes,
    onProgress: (progress) => {
      if (clock() - lastReport < 5000) return;
      lastReport = clock();
      io.err(`s3x: ${progress.filesDone}/${progress.filesToRead} files, ${formatNumber(progress.events)} events\n`);
    },
  });
  for (const file of result.unreadableFiles) io.err(`s3x: skipped unreadable ${file.path}: ${file.reason}\n`);
  const seconds = (result.elapsedMs / 1000).toFixed(1);
  io.out(
    `${indexPath}: ${result.filesRead} files read, ${result.filesSkipped} already ingested, ` +
      `${result.unreadableFiles.length} unreadable, ${result.filesRemoved} removed; ` +
      `${formatNumber(result.events)} events in ${seconds} s (${formatNumber(result.eventsPerSec)} events/s)\n`,
  );
  return 0;
}

/** `s3x setup alerts ...`: print the EventBridge rule and queues (API calls or CloudFormation), or make them with --apply. */
async function runSetupAlerts(argv: readonly string[], io: Io): Promise<number> {
  const { applyAlertsSetup, describeAlertsSetup, parseSetupAlertsArgs, setupAlertsHelp } = await import(
    './setup/alerts-setup.js'
  );
  if (argv.includes('--help')) {
    io.out(setupAlertsHelp());
    return 0;
  }
  const { spec, format, apply } = parseSetupAlertsArgs(argv);
  io.out(describeAlertsSetup(spec, format));
  if (!apply) return 0;
  const { createAlertsSetupClients } = await import('./aws/clients.js');
  const queueUrl = await applyAlertsSetup(spec, createAlertsSetupClients(spec.region));
  io.err(
    `s3x: created the queue, its dead-letter queue and the rule. Now set S3X_ALERTS_QUEUE_URL=${queueUrl} AWS_REGION=${spec.region}.\n`,
  );
  return 0;
}

/** `s3x setup athena ...`: print the DDL, or run it with --apply. */
async function runSetup(argv: readonly string[], env: Env, io: Io, now: Date): Promise<number> {
  if (argv[0] === 'alerts') return runSetupAlerts(argv.slice(1), io);
  const [{ setupAlertsHelp }, { applyAthenaSetup, buildAthenaSetupDdl, parseSetupAthenaArgs, setupAthenaHelp }] =
    await Promise.all([import('./setup/alerts-setup.js'), import('./setup/athena-table.js')]);
  if (argv[0] !== 'athena' || argv.includes('--help')) {
    io.out(`${setupAthenaHelp()}\n${setupAlertsHelp()}`);
    return argv.includes('--help') ? 0 : 2;
  }
  const { spec, apply } = parseSetupAthenaArgs(argv.slice(1), now);
  const ddl = buildAthenaSetupDdl(spec);
  io.out(`${ddl.createDatabase};\n\n${ddl.createTable};\n`);
  if (!apply) return 0;
  const config = await loadConfig(env);
  if (!config.athena.region)
    throw new UsageError(
      '--apply runs the DDL in Athena: set AWS_REGION (and ATHENA_WORKGROUP / ATHENA_OUTPUT_LOCATION as needed).',
    );
  const [{ createAwsClients }, { createEngine }, { systemClock }] = await Promise.all([
    import('./aws/clients.js'),
    import('./app/create-engine.js'),
    import('./time/clock.js'),
  ]);
  const engine = (await createEngine(
    { ...config, engine: 'athena' },
    { aws: createAwsClients(config.athena.region) },
    systemClock,
  )) as AthenaEngine;
  try {
    await applyAthenaSetup(ddl, (sql, database) => engine.runStatement(sql, database));
  } finally {
    await engine.close();
  }
  io.err(
    `s3x: created ${spec.database}.${spec.table}. Now set ATHENA_DATABASE=${spec.database} ATHENA_TABLE=${spec.table} ATHENA_REGIONS=${spec.regions.join(',')}.\n`,
  );
  return 0;
}

/** Take the CLI's own options out; everything else goes to the shared command parser. */
function splitCliOptions(argv: readonly string[]): CliOptions {
  const words: string[] = [];
  let logs: string | undefined;
  let format: Format = 'text';
  let post = false;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    // A bare `--` ends the options (the parser's rule too): what follows is text, so
    // `who-deleted -- --format` asks about the key `--format`. The `--` goes on for the parser.
    if (word === '--') {
      words.push(...argv.slice(i));
      break;
    }
    if (word === '--post') {
      post = true;
      continue;
    }
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
  return { words, logs, format, post };
}
