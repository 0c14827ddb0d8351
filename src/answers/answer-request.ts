import { type AlertsFeed, type AlertsOverview, alertsOverview } from '../alerts/feed.js';
import type { ApprovalRequest, ApprovalStore, AuditEntry } from '../approvals/approval.js';
import type { BucketCoverage } from '../cloudtrail/coverage.js';
import type { AccountInventory } from '../cloudtrail/trail.js';
import { findSubcommand } from '../commands/grammar.js';
import type { ParseLimits } from '../commands/parse.js';
import type { CommandName, ObjectQuestionRequest, S3xRequest } from '../commands/requests.js';
import { digestDayFor } from '../digest/schedule.js';
import type { Engine } from '../engines/engine.js';
import { checkCoverage } from '../questions/coverage-check.js';
import { describeMissingLogs } from '../questions/log-reach.js';
import { askTrailHistory } from '../questions/trail-history.js';
import { type ActivityAnswer, askActivity } from './activity/question.js';
import { askBucketEventsWithEngine, type BucketEventsAnswer, type BucketEventsSource } from './bucket-events/question.js';
import { askDenied, type DeniedAnswer } from './denied/question.js';
import { buildDigest, type Digest } from './digest/question.js';
import { askObjectQuestion, OBJECT_QUESTION_TABLE, type ObjectAnswer } from './object/question.js';
import { askPrincipal, type PrincipalAnswer } from './principal/question.js';
import { askStatusFromAws, askStatusFromLogs, type StatusAnswer, statusWindow } from './status/question.js';

/** What s3x says back, before it is rendered for Slack or a terminal. */
export type Reply =
  | { kind: 'help'; topic?: string }
  | {
      kind: 'object-answer';
      answer: ObjectAnswer;
      coverage?: BucketCoverage;
      /** Without a coverage verdict: the stretches of the window the logs hold nothing for, said plainly. */
      missingLogs?: string;
      /** A bucket neither the logs nor the account know: no Enable logging offered. */
      unknownBucket?: boolean;
    }
  | { kind: 'status'; answer: StatusAnswer }
  | { kind: 'approvals'; pending: ApprovalRequest[] }
  | { kind: 'digest'; digest: Digest }
  | { kind: 'audit'; entries: AuditEntry[] }
  /** No overview where alerting does not run (the CLI). */
  | { kind: 'alerts'; overview?: AlertsOverview }
  | { kind: 'bucket-events'; answer: BucketEventsAnswer }
  | { kind: 'activity'; answer: ActivityAnswer }
  | { kind: 'principal'; answer: PrincipalAnswer }
  | { kind: 'denied'; answer: DeniedAnswer }
  | { kind: 'not-available'; command: string };

/** The reply of one kind. */
export type ReplyOf<K extends Reply['kind']> = Extract<Reply, { kind: K }>;

export interface AnswerDeps {
  engine: Engine;
  /** AWS mode: directory buckets and trails as AWS reports them now. */
  trailInventory?: AccountInventory;
  /** The account of the buckets (coverage needs bucket ARNs); read from the logs when unset. */
  account?: string;
  now: () => Date;
  /** The digest's time zone (S3X_DIGEST_TZ); UTC when unset. */
  digestTimeZone?: string;
  /** Approval requests and the audit log (read here; the change flow writes them). */
  approvalStore?: ApprovalStore;
  /** AWS mode: bucket-level events come from CloudTrail event history, not the log table. */
  lookupEvents?: BucketEventsSource;
  /** What a request may ask for (S3X_MAX_WINDOW_DAYS), for the front ends that parse text; the defaults when unset. */
  limits?: ParseLimits;
  /** Alert rules, mutes and the last alerts; undefined where alerting is not running (the CLI). */
  alerts?: AlertsFeed;
}

/** The one call every front end makes: a parsed request in, a reply out. */
export async function answerRequest(request: S3xRequest, deps: AnswerDeps): Promise<Reply> {
  switch (request.command) {
    case 'help':
      return { kind: 'help', topic: request.topic };
    case 'who-deleted':
    case 'who-wrote':
    case 'who-read':
    case 'history':
      return answerObjectQuestion(request, deps);
    case 'status':
      return { kind: 'status', answer: await answerStatus(deps, request.since) };
    case 'digest':
      return { kind: 'digest', digest: await answerDigest(request.date, deps) };
    case 'approvals':
      return { kind: 'approvals', pending: (await deps.approvalStore?.listByState('pending', 50)) ?? [] };
    case 'audit':
      return { kind: 'audit', entries: (await deps.approvalStore?.recentAudit(30)) ?? [] };
    case 'alerts':
      return deps.alerts ? { kind: 'alerts', overview: await alertsOverview(deps.alerts, deps.now()) } : { kind: 'alerts' };
    case 'bucket-events':
      return {
        kind: 'bucket-events',
        answer: deps.lookupEvents
          ? await deps.lookupEvents.bucketEvents(request)
          : await askBucketEventsWithEngine(request, deps.engine),
      };
    case 'activity':
      return { kind: 'activity', answer: await askActivity(request, deps.engine) };
    case 'principal':
      return { kind: 'principal', answer: await askPrincipal(request, deps.engine) };
    case 'denied':
      return { kind: 'denied', answer: await askDenied(request, deps.engine) };
    default:
      return { kind: 'not-available', command: request.command };
  }
}

/**
 * An object question. Unless a call succeeded, whether "nothing" can be trusted: what the logs hold
 * for the window and, on a named directory bucket, whether it was logged (a failed attempt proves nothing).
 */
async function answerObjectQuestion(request: ObjectQuestionRequest, deps: AnswerDeps): Promise<Reply> {
  const question = OBJECT_QUESTION_TABLE[request.command];
  const answer = await askObjectQuestion(question, request, deps.engine);
  // A failed attempt is no answer: only a successful exact match makes the coverage check moot.
  if (answer.successfulMatches > 0) return { kind: 'object-answer', answer };
  const inventory = deps.trailInventory;
  const checked = await checkCoverage(request.bucket, request.window, question.spec.eventNames, {
    engine: deps.engine,
    currentTrails: inventory ? () => inventory.trails() : undefined,
    directoryBuckets: inventory ? () => inventory.directoryBuckets() : undefined,
    account: deps.account,
    now: deps.now,
  });
  // "Logs complete up to" speaks of the window asked, not of the newest file anywhere in the archive.
  const { newestEventTime: _archiveNewest, ...stats } = answer.stats;
  const windowAnswer = {
    ...answer,
    stats: { ...stats, ...(checked.newestEventTime === undefined ? {} : { newestEventTime: checked.newestEventTime }) },
  };
  const missing = checked.coverage ? undefined : describeMissingLogs(checked.missingLogs);
  return {
    kind: 'object-answer',
    answer: windowAnswer,
    ...(checked.coverage ? { coverage: checked.coverage } : {}),
    ...(checked.unknownBucket ? { unknownBucket: true } : {}),
    ...(missing ? { missingLogs: missing } : {}),
  };
}

/** The digest for a day (default: yesterday in the digest's time zone): one engine query. */
export async function answerDigest(date: string | undefined, deps: AnswerDeps): Promise<Digest> {
  const timeZone = deps.digestTimeZone ?? 'UTC';
  const pending = await deps.approvalStore?.listByState('pending', 100);
  // With an account to ask (AWS, or the sandbox), the buckets not logged now are named; the logs alone cannot say.
  const now = deps.trailInventory
    ? await askStatusFromAws(deps.trailInventory, { now: deps.now(), ...(deps.account ? { account: deps.account } : {}) })
    : undefined;
  const uncovered = now?.buckets.filter((status) => status.coverage.atEnd === 'not-covered').map((status) => status.bucket);
  return buildDigest(deps.engine, {
    date: date ?? digestDayFor(deps.now(), timeZone),
    timeZone,
    ...(pending ? { pendingApprovals: pending.length } : {}),
    ...(uncovered ? { uncoveredBuckets: uncovered } : {}),
  });
}

/** Local mode: the buckets and trails the logs show. AWS mode: what AWS reports now, with the log history. */
async function answerStatus(deps: AnswerDeps, since: Date | undefined): Promise<StatusAnswer> {
  const now = deps.now();
  const window = since === undefined ? statusWindow(now) : { since, until: now };
  if (!deps.trailInventory) return askStatusFromLogs(deps.engine, window);
  // Event times have whole seconds: reach one second past now so a change made this second counts.
  const history = await askTrailHistory({ since: window.since, until: new Date(window.until.getTime() + 1000) }, deps.engine);
  return askStatusFromAws(deps.trailInventory, { now: deps.now(), history, ...(deps.account ? { account: deps.account } : {}) });
}

/** True when the request needs no engine work, so it can be answered inside the ack. */
export function isInstant(request: S3xRequest): boolean {
  return isInstantCommand(request.command);
}

/** Help and the subcommands not available yet: answered inside the ack, never queued. */
export function isInstantCommand(name: CommandName): boolean {
  return name === 'help' || findSubcommand(name)?.available === false;
}
