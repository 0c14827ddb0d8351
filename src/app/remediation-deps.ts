import path from 'node:path';
import type { ApprovalStore } from '../approvals/approval.js';
import type { AwsClients } from '../aws/clients.js';
import type { Config } from '../config.js';
import type { Engine } from '../engines/engine.js';
import { principalsSeenOnBucket } from '../questions/bucket-principals.js';
import { createPlanner } from '../remediation/planner.js';
import type { AccountPort } from '../remediation/types.js';
import { sampleLogsDir } from '../sample/sample-archive.js';
import { SandboxAccount } from '../sandbox/sandbox-account.js';
import type { RemediationDeps } from '../slack/app.js';
import { openDatabase, type SqliteDatabase } from '../store/database.js';
import type { Clock } from '../time/clock.js';

/** Local people in the console: the approver the sandbox demo uses when no approvers are configured. */
const LOCAL_APPROVER = 'U0APPROVER';

/**
 * The change flow: the sandbox account locally (its changes are written into the sample logs so
 * status sees them), the real account in AWS mode (optionally through the remediation role). The
 * AWS account's modules load only in AWS mode.
 */
export async function remediationDeps({
  config,
  database,
  approvalStore,
  aws,
  logsDir,
  replicaId,
  engine,
  clock,
  now,
  log,
}: {
  config: Config;
  database: SqliteDatabase;
  approvalStore: ApprovalStore;
  aws: AwsClients | undefined;
  logsDir: string | undefined;
  /** This process, as the owner of the changes it applies (its lease names it). */
  replicaId: string;
  /** Answers "who else would this deny block" from the logs. */
  engine: Engine;
  clock: Clock;
  now: () => Date;
  log: (message: string) => void;
}): Promise<RemediationDeps | undefined> {
  const { remediation } = config;
  const approvers =
    // The console's approver only ever approves changes to the sandbox account (checkServeConfig).
    remediation.approvers.length === 0 && !remediation.approverGroup && config.mode === 'local' && !aws
      ? [LOCAL_APPROVER]
      : remediation.approvers;
  if (approvers.length === 0 && !remediation.approverGroup) return undefined;
  let account: AccountPort;
  if (aws) {
    if (!config.accountId) {
      log('remediation needs AWS_ACCOUNT_ID in AWS mode; it stays off');
      return undefined;
    }
    const roleArn = remediation.roleArn;
    const [{ AwsAccount }, { makeAssumeRemediationRole }] = await Promise.all([
      import('../aws/account/aws-account.js'),
      import('../aws/account/assume-role.js'),
    ]);
    account = new AwsAccount({
      region: aws.region,
      account: config.accountId,
      cloudTrailFor: (region) => aws.cloudTrailFor(region),
      s3For: (region) => aws.s3For(region),
      clock,
      ...(roleArn ? { assumeRemediationRole: makeAssumeRemediationRole(aws.sts, roleArn) } : {}),
    });
  } else {
    // Only the generated sample logs get the sandbox's management events; never a user's own archive.
    const sampleLogs = logsDir !== undefined && path.resolve(logsDir) === sampleLogsDir(config.dataDir) ? logsDir : undefined;
    const shared = config.testHooks.sharedSandbox;
    if (shared) log(`TEST HOOK S3X_TEST_SHARED_SANDBOX: the sandbox account lives in ${shared} (never in production)`);
    const sandbox = new SandboxAccount(shared ? openDatabase(shared) : database, {
      ...(sampleLogs ? { logsDir: sampleLogs } : {}),
      now,
    });
    sandbox.seedDefaults();
    account = sandbox;
  }
  const pause = config.testHooks.pauseApply;
  if (pause) {
    log(`TEST HOOK S3X_TEST_PAUSE_APPLY: every change waits ${pause.ms} ms ${pause.when} it is applied (never in production)`);
    account = pausingApply(account, pause, log);
  }
  const policy = {
    approvers,
    approverGroup: remediation.approverGroup,
    requiredApprovals: remediation.requiredApprovals,
    ttlMs: remediation.approvalTtlMs,
  };
  return {
    account,
    store: approvalStore,
    policy,
    plan: createPlanner(account, {
      protectedPrincipals: remediation.protectedPrincipals,
      principalsSeen: (bucket) => principalsSeenOnBucket(engine, bucket, now()),
    }),
    lease: { owner: replicaId, ms: remediation.applyLeaseMs },
    log,
  };
}

/** Test-only (S3X_TEST_PAUSE_APPLY): the account, with a logged pause before or after each apply. */
function pausingApply(
  account: AccountPort,
  pause: { when: 'before' | 'after'; ms: number },
  log: (message: string) => void,
): AccountPort {
  const wait = (requestId: string) => {
    log(`test hook: request ${requestId} paused ${pause.when} apply`);
    return new Promise((resolve) => setTimeout(resolve, pause.ms));
  };
  return {
    readState: () => account.readState(),
    getBucketPolicy: (bucket, region) => account.getBucketPolicy(bucket, region),
    async apply(calls, actor) {
      if (pause.when === 'before') await wait(actor.requestId);
      const result = await account.apply(calls, actor);
      if (pause.when === 'after') await wait(actor.requestId);
      return result;
    },
  };
}
