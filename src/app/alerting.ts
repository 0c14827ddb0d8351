import { randomUUID } from 'node:crypto';
import type { AlertStore } from '../alerts/alert-store.js';
import { RuleEvaluator } from '../alerts/evaluate.js';
import type { AlertsFeed } from '../alerts/feed.js';
import { LogFileSource, SqliteFileLedger } from '../alerts/file-source.js';
import { familiarPrincipals } from '../alerts/history.js';
import { AlertPipeline } from '../alerts/pipeline.js';
import { type AlertQueueClient, QueueSource } from '../alerts/queue-source.js';
import { loadRules } from '../alerts/rules.js';
import { SqliteAlertStore } from '../alerts/sqlite-alert-store.js';
import { AnswerWatches } from '../alerts/watch.js';
import type { Engine } from '../engines/engine.js';
import { type AlertChatClient, AlertPoster } from '../slack/alert-poster.js';
import type { SqliteDatabase } from '../store/database.js';

/** "New to the bucket" looks this far back in the logs at start. */
const HISTORY_MS = 7 * 86_400_000;
/** Files: a claim not posted within this long is taken over (a crash). The queue uses its visibility timeout. */
const FILE_CLAIM_LEASE_MS = 30_000;

export interface AlertingOptions {
  rulesFile?: string;
  /** Where rules without a channel of their own post. */
  defaultChannel?: string;
  database: SqliteDatabase;
  /** Several replicas: the shared store (DynamoDB); one replica: the SQLite file. */
  store?: AlertStore;
  /** The local source: new delivery files here. */
  logsDir?: string;
  /** The AWS source (instead of files): the queue EventBridge delivers CloudTrail events to. */
  queue?: { client: AlertQueueClient; url: string; visibilitySeconds: number; pauseAfterPostMs?: number };
  /** Seeds "new to the bucket" from the logs. */
  engine: Engine;
  now: () => Date;
  log: (message: string) => void;
}

export interface Alerting {
  feed: AlertsFeed;
  /** Start evaluating and posting, through the app's Web API client. */
  start(client: AlertChatClient): Promise<void>;
  stop(): Promise<void>;
}

/** Rules, store and source, ready before the Slack app exists (its listeners need the feed). */
export async function prepareAlerting(options: AlertingOptions): Promise<Alerting> {
  const rules = await loadRules(options.rulesFile);
  const store: AlertStore = options.store ?? new SqliteAlertStore(options.database);
  const channelOf = (ruleId: string) =>
    rules.rules.find((rule) => rule.id === ruleId)?.channel ?? rules.channel ?? options.defaultChannel;
  const queue = options.queue;
  const logsDir = queue ? undefined : options.logsDir;
  const source = queue
    ? 'Alerts come from the EventBridge queue (S3X_ALERTS_QUEUE_URL): events a trail logs, usually seconds after the call, best effort. Data events reach it only for buckets whose objects a trail logs (/s3x status).'
    : logsDir
      ? 'Alerts come from new CloudTrail files in the log folder (checked every 2 s; CloudTrail delivers files about 5 minutes after the call).'
      : 'No alert source: the local engine watches S3X_LOGS_DIR; in AWS mode alerts need an EventBridge queue (S3X_ALERTS_QUEUE_URL).';
  const watches = new AnswerWatches(() => options.now().getTime(), options.log);
  const feed: AlertsFeed = { store, rules, channelOf, source, watches };
  let files: LogFileSource | undefined;
  let queued: QueueSource | undefined;
  let poster: AlertPoster | undefined;
  return {
    feed,
    async start(client) {
      const now = () => options.now().getTime();
      const history = await familiarPrincipals(options.engine, options.now(), HISTORY_MS).catch((error: unknown) => {
        options.log(
          `alerts: could not read who used which bucket (${error instanceof Error ? error.message : String(error)}); every principal counts as new until seen`,
        );
        return { seen: [], historyFrom: options.now() };
      });
      const evaluator = new RuleEvaluator(rules, history);
      poster = new AlertPoster({ client, store, source: queue ? 'queue' : 'files', now, log: options.log });
      const pipeline = new AlertPipeline({
        evaluator,
        rules,
        store,
        poster,
        ...(options.defaultChannel ? { defaultChannel: options.defaultChannel } : {}),
        owner: randomUUID(),
        now,
        leaseMs: queue ? queue.visibilitySeconds * 1000 : FILE_CLAIM_LEASE_MS,
        log: options.log,
        onEvent: (event) => watches.observe(event),
      });
      if (queue) {
        const pause = queue.pauseAfterPostMs;
        queued = new QueueSource({
          client: queue.client,
          queueUrl: queue.url,
          handle: (records) => pipeline.handle(records),
          log: options.log,
          visibilitySeconds: queue.visibilitySeconds,
          ...(pause === undefined
            ? {}
            : {
                hooks: {
                  afterHandled: async (id) => {
                    options.log(`test hook: queue message ${id} handled, paused before delete`);
                    await new Promise((resolve) => setTimeout(resolve, pause));
                  },
                },
              }),
        });
        queued.start();
      }
      if (logsDir) {
        files = new LogFileSource({
          logsDir,
          ledger: new SqliteFileLedger(options.database),
          handle: (records) => pipeline.handle(records),
          now,
          log: options.log,
        });
        await files.start();
      }
      options.log(`alerts on: ${rules.rules.length} rule(s); ${source}`);
    },
    async stop() {
      // Posts still waiting are let go first (their files stay unread), so the source's pass can end.
      poster?.stop();
      await Promise.all([files?.stop(), queued?.stop()]);
    },
  };
}
