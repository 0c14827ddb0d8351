import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type AnswerDeps, answerDigest, answerRequest, type Reply } from './answer.js';
import { helpText } from './answers/help/formats.js';
import { type Format, printReply } from './answers/registry.js';
import { createEngine } from './app/create-engine.js';
import type { AthenaEngine } from './aws/athena/athena-engine.js';
import { type AwsClients, createAlertsSetupClients, createAwsClients, createTrailInventory } from './aws/clients.js';
import { LookupEventsSource } from './aws/cloudtrail/lookup-events.js';
import { parseCommand } from './commands/parse.js';
import { type Config, loadConfig } from './config.js';
import { postOnce } from './digest/digest-lease.js';
import { digestDayFor } from './digest/schedule.js';
import { ingestArchive } from './engines/indexed/ingest.js';
import { S3xError, UsageError } from './errors.js';
import { sampleLogsDir } from './sample/sample-archive.js';
import { applyAlertsSetup, describeAlertsSetup, parseSetupAlertsArgs, setupAlertsHelp } from './setup/alerts-setup.js';
import { applyAthenaSetup, buildAthenaSetupDdl, parseSetupAthenaArgs, setupAthenaHelp } from './setup/athena-table.js';
import { createWebClient, postDigest } from './slack/post-digest.js';
import { openStores, type Stores, stateFile } from './store/open-stores.js';
import { escapeUnsafeJson, showInvisibleKeepingLines } from './text/safe-text.js';
import { systemClock } from './time/clock.js';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

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
  env: Record<string, string | undefined>,
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
    if (argv[0] === 'setup') return await runSetup(argv.slice(1), env, io, now());
    if (argv[0] === 'ingest') return await runIngest(argv.slice(1), env, io, now);
    if (argv[0] === 'mcp') {
      // Loaded only here: the MCP SDK is not needed for any other command.
      const { runMcp } = await import('./mcp/mcp-command.js');
      return await runMcp(argv.slice(1), env, io, now);
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
    const config = loadConfig(env);
    const request = parseCommand(options.words, now(), { maxWindowDays: config.maxWindowDays });
    if (request.command === 'help') {
      io.out(helpText(request.topic));
      return 0;
    }
    if (request.command === 'enable-logging' || request.command === 'tighten') {
      throw new UsageError(`Changes need a second person's approval, so they are requested in Slack: /s3x ${argv.join(' ')}`);
    }
    const post = options.post ? postTarget(request.command, config) : undefined;
    const { deps, stores, close } = await openAnswerDeps(config, options.logs, now, { createState: post !== undefined });
    try {
      if (post && stores && request.command === 'digest') {
        const { botToken, channel } = post;
        // The scheduled run's lease: one post a day, whether the app or a terminal posts it.
        const day = request.date ?? digestDayFor(now(), config.digest.timeZone);
        const posted = await postOnce(stores.digestLease, day, `cli-${randomBytes(6).toString('hex')}`, async () =>
          postDigest(createWebClient(botToken, config.slack.apiUrl), channel, await answerDigest(day, deps)),
        );
        io.err(
          posted === 'posted'
            ? `s3x: digest for ${day} posted to ${channel}\n`
            : `s3x: the digest for ${day} was already posted (or another run is posting it now); not posted again\n`,
        );
        return 0;
      }
      const reply = await answerRequest(request, deps);
      return print(reply, options.format, io);
    } finally {
      await close();
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

/**
 * What `answerRequest` needs, as the CLI and `s3x mcp` open it: the engine, AWS sources, and the
 * configured store as the app opens it (approvals, audit, the digest lease). A SQLite state file
 * that does not exist holds nothing yet and is not created to say so, unless `createState`
 * (`digest --post`, which takes the day's lease there).
 */
export async function openAnswerDeps(
  config: Config,
  logsOption: string | undefined,
  now: () => Date,
  { createState = false }: { createState?: boolean } = {},
): Promise<{ deps: AnswerDeps; stores?: Stores; aws?: AwsClients; close: () => Promise<void> }> {
  const aws = config.engine === 'athena' && config.athena.region ? createAwsClients(config.athena.region) : undefined;
  const engine = await openEngine(config, logsOption, aws);
  const stores =
    config.store.kind === 'sqlite' && !createState && !existsSync(stateFile(config))
      ? undefined
      : openStores(config, systemClock, now);
  const deps: AnswerDeps = {
    engine,
    lookupEvents: aws ? new LookupEventsSource(aws.cloudTrail, { clock: systemClock }) : undefined,
    trailInventory: aws ? createTrailInventory(aws, systemClock, config.athena.trailLogs) : undefined,
    account: config.accountId,
    approvalStore: stores?.approvals,
    digestTimeZone: config.digest.timeZone,
    limits: { maxWindowDays: config.maxWindowDays },
    now,
  };
  return {
    deps,
    ...(stores ? { stores } : {}),
    ...(aws ? { aws } : {}),
    close: async () => {
      stores?.close();
      await engine.close();
    },
  };
}

/** `--post`: only for `s3x digest`, and only with somewhere to post. */
function postTarget(command: string, config: Config): { botToken: string; channel: string } {
  if (command !== 'digest') throw new UsageError('--post is for `s3x digest`.');
  const { botToken } = config.slack;
  const channel = config.digest.channel;
  if (!botToken || !channel) throw new UsageError('--post needs SLACK_BOT_TOKEN and S3X_DIGEST_CHANNEL.');
  return { botToken, channel };
}

/** `--logs` (or S3X_LOGS_DIR, or the sample archive) for the local engine; Athena needs only its settings. */
async function openEngine(config: Config, logsOption: string | undefined, aws: AwsClients | undefined) {
  if (config.engine === 'athena') {
    if (logsOption) throw new UsageError('--logs is for the local engine; S3X_ENGINE=athena reads the Athena table.');
    return createEngine(config, { aws }, systemClock);
  }
  const logsDir = logsOption ?? config.logsDir ?? sampleLogsDir(config.dataDir);
  if (!existsSync(logsDir)) throw new UsageError(`No CloudTrail logs at ${logsDir}. Pass --logs DIR or set S3X_LOGS_DIR.`);
  return createEngine(config, { logsDir }, systemClock);
}

const INGEST_HELP = `s3x ingest [--logs DIR] [--index FILE]

Reads a local CloudTrail archive (--logs, else S3X_LOGS_DIR) into a DuckDB file (--index, else
S3X_LOCAL_INDEX, else <S3X_DATA_DIR>/index.duckdb) so that questions answer in milliseconds; with
S3X_LOCAL_INDEX set, the local engine answers from it. Only files not read before (or changed
since) are read; files gone from disk are dropped. Run it again at any time. The index is one
process's at a time: stop the app first, or let the app keep it up to date by itself.
`;

/** `s3x ingest`: bring the local index up to date with the archive and say what was read. */
async function runIngest(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  io: Io,
  now: () => Date,
): Promise<number> {
  if (argv.includes('--help')) {
    io.out(INGEST_HELP);
    return 0;
  }
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
  const config = loadConfig(env);
  const logsDir = options.logs ?? config.logsDir ?? sampleLogsDir(config.dataDir);
  if (!existsSync(logsDir)) throw new UsageError(`No CloudTrail logs at ${logsDir}. Pass --logs DIR or set S3X_LOGS_DIR.`);
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
      io.err(`s3x: ${progress.filesDone}/${progress.filesToRead} files, ${progress.events.toLocaleString('en-US')} events\n`);
    },
  });
  for (const file of result.unreadableFiles) io.err(`s3x: skipped unreadable ${file.path}: ${file.reason}\n`);
  const seconds = (result.elapsedMs / 1000).toFixed(1);
  io.out(
    `${indexPath}: ${result.filesRead} files read, ${result.filesSkipped} already ingested, ` +
      `${result.unreadableFiles.length} unreadable, ${result.filesRemoved} removed; ` +
      `${result.events.toLocaleString('en-US')} events in ${seconds} s (${result.eventsPerSec.toLocaleString('en-US')} events/s)\n`,
  );
  return 0;
}

/** `s3x setup alerts ...`: print the EventBridge rule and queues (API calls or CloudFormation), or make them with --apply. */
async function runSetupAlerts(argv: readonly string[], io: Io): Promise<number> {
  if (argv.includes('--help')) {
    io.out(setupAlertsHelp());
    return 0;
  }
  const { spec, format, apply } = parseSetupAlertsArgs(argv);
  io.out(describeAlertsSetup(spec, format));
  if (!apply) return 0;
  const queueUrl = await applyAlertsSetup(spec, createAlertsSetupClients(spec.region));
  io.err(
    `s3x: created the queue, its dead-letter queue and the rule. Now set S3X_ALERTS_QUEUE_URL=${queueUrl} AWS_REGION=${spec.region}.\n`,
  );
  return 0;
}

/** `s3x setup athena ...`: print the DDL, or run it with --apply. */
async function runSetup(argv: readonly string[], env: Record<string, string | undefined>, io: Io, now: Date): Promise<number> {
  if (argv[0] === 'alerts') return runSetupAlerts(argv.slice(1), io);
  if (argv[0] !== 'athena' || argv.includes('--help')) {
    io.out(`${setupAthenaHelp()}\n${setupAlertsHelp()}`);
    return argv[0] === 'athena' ? 0 : 2;
  }
  const { spec, apply } = parseSetupAthenaArgs(argv.slice(1), now);
  const ddl = buildAthenaSetupDdl(spec);
  io.out(`${ddl.createDatabase};\n\n${ddl.createTable};\n`);
  if (!apply) return 0;
  const config = loadConfig(env);
  if (!config.athena.region)
    throw new UsageError(
      '--apply runs the DDL in Athena: set AWS_REGION (and ATHENA_WORKGROUP / ATHENA_OUTPUT_LOCATION as needed).',
    );
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

/** The CLI's rendering of a reply (`s3x mcp` reuses its JSON); returns the exit code. */
export function print(reply: Reply, format: Format, io: Io): number {
  const printed = printReply(reply, format);
  if ('err' in printed) {
    io.err(printed.err);
    return printed.exitCode;
  }
  io.out(printed.out.endsWith('\n') ? printed.out : `${printed.out}\n`);
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
