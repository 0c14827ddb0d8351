import { existsSync } from 'node:fs';
import type { AlertsFeed } from '../alerts/feed.js';
import type { AnswerDeps } from '../answers/answer-request.js';
import type { AwsClients } from '../aws/clients.js';
import type { Config } from '../config.js';
import { QuestionQueue } from '../engines/question-queue.js';
import { inventoryOf } from '../sandbox/sandbox-inventory.js';
import type { RemediationDeps, SlackAppDeps } from '../slack/app.js';
import { openDatabase } from '../store/database.js';
import { type Clock, systemClock } from '../time/clock.js';
import { createEngine } from './create-engine.js';
import { openStores, type Stores, stateFile } from './open-stores.js';

export interface WiringOptions {
  /** The local engine's CloudTrail folder, as the front end found it; undefined with Athena. */
  logsDir: string | undefined;
  /** This process, as the owner of the changes it applies (its lease names it). */
  replicaId: string;
  /**
   * `create`: the SQLite state file is made when missing (the app; a CLI command that writes).
   * `read`: a state file that does not exist is left uncreated; the stores are then empty.
   */
  state: 'create' | 'read';
  log: (message: string) => void;
  /** Pacing and retries; the system's unless a test injects its own. */
  clock?: Clock;
  /** The time questions are asked at; the clock's unless a test fixes it. */
  now?: () => Date;
}

/** Every dependency of s3x, built once from the config: the app, the CLI and `s3x mcp` are shells over it. */
export interface Wiring {
  config: Config;
  clock: Clock;
  now: () => Date;
  aws?: AwsClients;
  logsDir?: string;
  /** Bounded: a burst of questions waits its turn (or is turned away) instead of starving the acks. */
  engine: QuestionQueue;
  stores: Stores;
  /** The change flow; undefined when no approvers are configured. */
  remediation?: RemediationDeps;
  /** What every front end answers a question from: one question, one answer. */
  answers: AnswerDeps;
  /** The engine first (it may still be answering from the stores' database), then the stores. */
  close(): Promise<void>;
}

export async function openWiring(config: Config, options: WiringOptions): Promise<Wiring> {
  const { logsDir, log } = options;
  const clock = options.clock ?? systemClock;
  const now = options.now ?? (() => new Date(clock.now()));
  // The AWS SDK loads only for Athena: a local question or a local app start never loads it.
  const aws =
    config.engine === 'athena' && config.athena.region
      ? (await import('../aws/clients.js')).createAwsClients(config.athena.region)
      : undefined;
  const engine = new QuestionQueue(await createEngine(config, { logsDir, aws }, clock), config.questions);
  // No state file yet: nothing was stored and there is no sandbox account (the app makes both on its first start).
  const noState = options.state === 'read' && !existsSync(stateFile(config));
  const stores = await openStores(config, clock, now, noState ? openDatabase(':memory:') : undefined);
  // The change flow's modules (planner, sandbox account) load only with a state file: a terminal
  // question before the app's first start needs none of them.
  const remediation = noState
    ? undefined
    : await (await import('./remediation-deps.js')).remediationDeps({
        config,
        database: stores.database,
        approvalStore: stores.approvals,
        aws,
        logsDir,
        replicaId: options.replicaId,
        engine,
        clock,
        now,
        log,
      });
  // Locally, the sandbox account plays AWS: status and coverage see its buckets and trails as they are now.
  const awsSources = aws ? await openAwsSources(aws, clock, config) : undefined;
  const trailInventory = awsSources ? awsSources.trailInventory : remediation ? inventoryOf(remediation.account) : undefined;
  const answers: AnswerDeps = {
    engine,
    lookupEvents: awsSources?.lookupEvents,
    trailInventory,
    account: config.accountId,
    approvalStore: stores.approvals,
    digestTimeZone: config.digest.timeZone,
    limits: { maxWindowDays: config.maxWindowDays },
    now,
  };
  return {
    config,
    clock,
    now,
    ...(aws ? { aws } : {}),
    ...(logsDir ? { logsDir } : {}),
    engine,
    stores,
    ...(remediation ? { remediation } : {}),
    answers,
    close: async () => {
      await engine.close().catch(() => undefined);
      stores.close();
    },
  };
}

/** The account's trails and its LookupEvents, in AWS mode only. */
async function openAwsSources(aws: AwsClients, clock: Clock, config: Config) {
  const [{ createTrailInventory }, { LookupEventsSource }] = await Promise.all([
    import('../aws/clients.js'),
    import('../aws/cloudtrail/lookup-events.js'),
  ]);
  return {
    trailInventory: createTrailInventory(aws, clock, config.athena.trailLogs),
    // One LookupEvents source per process: its pacing (2 requests/s) is per account and Region.
    lookupEvents: new LookupEventsSource(aws.cloudTrail, { clock }),
  };
}

/** What the Bolt app answers from: the wiring's answers, plus its stored answers, access lists and change flow. */
export function slackAppDeps(wiring: Wiring, alerts?: AlertsFeed): SlackAppDeps {
  return {
    ...wiring.answers,
    store: wiring.stores.answers,
    access: wiring.config.access,
    ...(wiring.remediation ? { remediation: wiring.remediation } : {}),
    ...(alerts ? { alerts } : {}),
  };
}
