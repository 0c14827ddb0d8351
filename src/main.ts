import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Config, describeConfig, loadConfig } from './config.js';
import { createAwsClients, createTrailInventory } from './engines/aws-clients.js';
import { createEngine } from './engines/create-engine.js';
import { LookupEventsSource } from './engines/lookup-events/lookup-events.js';
import { systemClock } from './engines/retry.js';
import { ConfigError, S3xError } from './errors.js';
import { ensureSampleLogs } from './sample/sample-archive.js';
import { createSlackApp, type SlackAppOptions } from './slack/app.js';
import { AnswerStore } from './store/answer-store.js';
import { openDatabase } from './store/database.js';

/** Composition root: config → engine → Slack app; SIGTERM/SIGINT stop it cleanly. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  await mkdir(config.dataDir, { recursive: true });
  const aws = config.engine === 'athena' && config.athena.region ? createAwsClients(config.athena.region) : undefined;
  const logsDir = config.engine === 'local' ? await resolveLogsDir(config) : undefined;
  const engine = await createEngine(config, { logsDir, aws }, systemClock);
  // One LookupEvents source for the app: its pacing (2 requests/s) is per account and Region.
  const lookupEvents = aws ? new LookupEventsSource(aws.cloudTrail, { clock: systemClock }) : undefined;
  const store = new AnswerStore(openDatabase(path.join(config.dataDir, 's3x.sqlite')), () => new Date());
  const slack = createSlackApp(await slackOptions(config), {
    engine,
    lookupEvents,
    store,
    access: config.access,
    now: () => new Date(),
  });
  const { port } = await slack.start();

  const source = logsDir
    ? `logs ${logsDir}`
    : `table ${config.athena.database}.${config.athena.table} in ${config.athena.region}`;
  log(`s3x started (${config.mode} mode, engine ${config.engine}, ${source})`);
  log(`config ${JSON.stringify(describeConfig(config))}`);
  if (config.mode === 'local') {
    log(`Bolt is listening on http://localhost:${port}/slack/events (signed requests only; health at /healthz).`);
    log('Try the same questions from a terminal: npx s3x who-deleted <key> --format text');
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    await slack.stop().catch(() => undefined);
    await engine.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

async function resolveLogsDir(config: Config): Promise<string> {
  if (config.logsDir) {
    if (!existsSync(config.logsDir)) throw new ConfigError(`S3X_LOGS_DIR: ${config.logsDir} does not exist.`);
    return config.logsDir;
  }
  const started = Date.now();
  const sample = await ensureSampleLogs(config.dataDir, new Date());
  if (sample.generated) log(`generated sample CloudTrail logs in ${sample.dir} (${Date.now() - started} ms)`);
  return sample.dir;
}

async function slackOptions(config: Config): Promise<SlackAppOptions> {
  const common = { port: config.port, logLevel: config.logLevel, apiUrl: config.slack.apiUrl };
  if (config.mode === 'slack' && config.slack.botToken) {
    return {
      ...common,
      botToken: config.slack.botToken,
      signingSecret: config.slack.signingSecret,
      appToken: config.slack.appToken,
    };
  }
  // Local mode: no workspace. Requests are still signed and verified, with a secret kept in the data dir.
  return {
    ...common,
    botToken: 'xoxb-local-console',
    signingSecret: await localSigningSecret(config.dataDir),
    botIdentity: { botId: 'BLOCALS3X', botUserId: 'ULOCALS3X' },
  };
}

async function localSigningSecret(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'local-signing-secret');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(32).toString('hex');
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}

function log(message: string): void {
  console.log(`[s3x] ${message}`);
}

main().catch((error: unknown) => {
  console.error(
    `[s3x] cannot start: ${error instanceof S3xError ? error.userMessage : error instanceof Error ? error.stack : String(error)}`,
  );
  process.exit(1);
});
