import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { answerDigest } from './answers/answer-request.js';
import { type Alerting, prepareAlerting } from './app/alerting.js';
import { appLogsDir } from './app/logs-dir.js';
import { slackOptions, urlHost } from './app/slack-options.js';
import { openWiring, slackAppDeps } from './app/wiring.js';
import { checkServeConfig, describeConfig, loadConfig } from './config.js';
import { CONSOLE_CHANNEL } from './console/console-routes.js';
import { startDigestSchedule } from './digest/schedule.js';
import { S3xError } from './errors.js';
import { LiveSample } from './sample/live.js';
import { sampleLogsDir } from './sample/sample-archive.js';
import { SandboxAccount } from './sandbox/sandbox-account.js';
import { createSlackApp } from './slack/app.js';
import { startApplyRecovery } from './slack/apply-recovery.js';
import { postDigest } from './slack/post-digest.js';
import { systemClock } from './time/clock.js';

/** Composition root: config → engine → Slack app; SIGTERM/SIGINT stop it cleanly. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  // Local mode (the unauthenticated console) never runs against AWS: refused before anything starts.
  checkServeConfig(config);
  await mkdir(config.dataDir, { recursive: true });
  const logsDir = config.engine === 'local' ? await appLogsDir(config, systemClock, log) : undefined;
  // This process, as the owner of the changes it applies (its lease names it).
  const replicaId = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const wiring = await openWiring(config, { logsDir, replicaId, state: 'create', log, clock: systemClock });
  const { engine, stores, remediation, now } = wiring;
  const alerting: Alerting | undefined = config.alerts.enabled
    ? await prepareAlerting({
        rulesFile: config.alerts.rulesFile,
        // Locally, alerts land in the console's channel.
        defaultChannel: config.alerts.channel ?? (config.mode === 'local' ? CONSOLE_CHANNEL.id : undefined),
        database: stores.database,
        store: stores.alerts,
        logsDir,
        ...(config.alerts.queue
          ? {
              queue: {
                // The SQS client (and the AWS SDK) loads only with a queue: a local start never loads it.
                client: (await import('./aws/sqs/alert-queue.js')).createSqsClient(config.alerts.queue.region),
                url: config.alerts.queue.url,
                visibilitySeconds: config.alerts.queue.visibilitySeconds,
                pauseAfterPostMs: config.testHooks.pauseAfterAlertPostMs,
              },
            }
          : {}),
        engine,
        now,
        log,
      })
    : undefined;
  // The configured port, or (PORT=0) the one the server got: the console builds its URLs from it.
  let servedPort = config.port;
  const { options: slackAppOptions, console: localConsole } = await slackOptions(config, () => servedPort);
  const slack = createSlackApp(slackAppOptions, slackAppDeps(wiring, alerting?.feed));
  const digestSchedule = config.digest.channel
    ? startDigestSchedule({
        cron: config.digest.cron,
        timeZone: config.digest.timeZone,
        lease: stores.digestLease,
        post: async (day) =>
          postDigest(slack.app.client, config.digest.channel as string, await answerDigest(day, wiring.answers)),
        now,
        log,
        // A shutdown waits for a digest run in progress, up to its post being marked done.
        track: (run) => slack.track(run),
      })
    : undefined;
  // A change whose replica stopped while applying it is taken over once its lease runs out (never
  // applied again): the account is checked, the outcome recorded and its approval message updated.
  const recovery = slack.approvals
    ? startApplyRecovery({
        approvals: slack.approvals,
        client: slack.app.client,
        everyMs: Math.max(1000, config.remediation.applyLeaseMs / 2),
        log,
        track: (round) => slack.track(round),
      })
    : undefined;
  log(`replica ${replicaId}, store ${config.store.kind}`);
  log(
    remediation
      ? `remediation on (${remediation.account instanceof SandboxAccount ? 'sandbox account' : 'AWS'})`
      : 'remediation off: set S3X_APPROVERS or S3X_APPROVER_GROUP',
  );
  let stopping = false;
  /**
   * Graceful stop: refuse new requests, let accepted work (answers still being computed, clicks,
   * a digest being posted) finish within S3X_DRAIN_TIMEOUT_SECONDS, then close the engine and the
   * state file. Exit 0 when everything finished, 1 when the timeout cut work off. A second signal
   * stops at once.
   */
  const stop = async (signal: string) => {
    if (stopping) {
      log(`${signal} again: stopping now`);
      process.exit(1);
    }
    stopping = true;
    log(`${signal}: no new requests; waiting up to ${config.drainTimeoutMs / 1000} s for work in progress`);
    digestSchedule?.stop();
    recovery?.stop();
    await liveSample?.stop();
    await alerting?.stop();
    // The console's streams stay open while draining (answers still arrive on the page); open,
    // they would keep the HTTP server from closing.
    await slack
      .stop({ drainTimeoutMs: config.drainTimeoutMs, onDrained: () => localConsole?.close() })
      .catch((error: unknown) => {
        log(`stopping the Slack app failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    const abandoned = slack.inFlight;
    if (abandoned > 0) log(`drain timeout: ${abandoned} request(s) still running were cut off`);
    await wiring.close();
    log(abandoned > 0 ? 'stopped' : 'stopped cleanly');
    process.exit(abandoned > 0 ? 1 : 0);
  };
  let liveSample: LiveSample | undefined;
  // Before the server listens: a signal from then on drains what was accepted.
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  const { port } = await slack.start();
  servedPort = port;
  if (stopping) return;

  const source = logsDir
    ? `logs ${logsDir}`
    : `table ${config.athena.database}.${config.athena.table} in ${config.athena.region}`;
  log(`s3x started on port ${port} (${config.mode} mode, engine ${config.engine}, ${source})`);
  log(`config ${JSON.stringify(describeConfig(config))}`);
  // The console answers as soon as the server listens: say where before slower start-up work.
  if (config.mode === 'local') {
    const base = `http://${urlHost(config.host)}:${port}`;
    log(`Console: ${base}/ (a Slack look-alike; try /s3x help)`);
    log(`Bolt is listening on ${base}/slack/events (signed requests only; health at /healthz).`);
    log('Try the same questions from a terminal: npx s3x who-deleted <key> --format text');
  }
  // After start: locally, the console that plays Slack's Web API listens on this port.
  if (recovery) void recovery.runNow();
  // A digest missed while the app was down is posted now, once across replicas; errors are logged, never fatal.
  if (digestSchedule) void digestSchedule.runMissed();
  if (alerting) {
    await alerting.start(slack.app.client);
    // The generated sample gets a small live delivery file every few seconds, now and then one that trips a rule.
    const sample = logsDir !== undefined && path.resolve(logsDir) === sampleLogsDir(config.dataDir);
    if (sample && config.mode === 'local' && config.sampleLiveMs > 0) {
      liveSample = await LiveSample.open({ dir: logsDir, everyMs: config.sampleLiveMs, now, log });
      liveSample.start();
      log(`live sample: a new delivery file every ${config.sampleLiveMs / 1000} s (S3X_SAMPLE_LIVE_SECONDS=0 turns it off)`);
    }
  }
}

function log(message: string): void {
  console.log(`[s3x] ${message}`);
}

/** The port another process holds, when that is why the server could not listen (Bolt may wrap the error). */
function busyPort(error: unknown): string | undefined {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; depth++) {
    const { code, port } = cause as NodeJS.ErrnoException & { port?: number };
    if (code === 'EADDRINUSE') return port === undefined ? process.env.PORT : String(port);
    cause = (cause as { original?: unknown }).original ?? cause.cause;
  }
  return undefined;
}

main().catch((error: unknown) => {
  const port = busyPort(error);
  // A busy port is an everyday mistake (a second `npm start`): one line saying so, no stack trace.
  const reason =
    port !== undefined
      ? `port ${port} is already in use (is s3x already running?). Stop the other process or set PORT to another port.`
      : error instanceof S3xError
        ? error.userMessage
        : error instanceof Error
          ? error.stack
          : String(error);
  console.error(`[s3x] cannot start: ${reason}`);
  process.exit(1);
});
