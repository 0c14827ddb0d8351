import { z } from 'zod';
import { DEFAULT_MAX_WINDOW_DAYS } from './commands/parse.js';
import { DEFAULT_LOCAL_QUERY_TIMEOUT_SECONDS, DEFAULT_MAX_LOG_FILE_BYTES, DEFAULT_QUESTION_LIMITS } from './defaults.js';
import { ConfigError } from './errors.js';

const SQL_NAME = /^[a-z_][a-z0-9_]{0,127}$/;
const SQL_NAME_MESSAGE = 'must be a lowercase SQL name (letters, digits, _)';

/** A comma-separated list of Slack ids; empty means "no restriction". */
function idList(pattern: RegExp, what: string) {
  return z
    .string()
    .default('')
    .transform((text) =>
      text
        .split(',')
        .map((id) => id.trim())
        .filter((id) => id !== ''),
    )
    .refine((ids) => ids.every((id) => pattern.test(id)), `must be a comma-separated list of ${what}`);
}

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

/** Every setting s3x reads, validated once at start. `process.env` is read nowhere else. */
export const configSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    S3X_HOST: optionalString.pipe(
      z
        .string()
        .regex(/^([A-Za-z0-9.-]{1,253}|[0-9A-Fa-f:.]{2,45})$/, 'must be a host name or an IP address like 127.0.0.1')
        .optional(),
    ),
    SLACK_BOT_TOKEN: optionalString.pipe(
      z
        .string()
        .regex(/^xox[bp]-/, 'must start with xoxb- (bot token)')
        .optional(),
    ),
    SLACK_SIGNING_SECRET: optionalString,
    SLACK_APP_TOKEN: optionalString.pipe(
      z
        .string()
        .regex(/^xapp-/, 'must start with xapp- (app-level token)')
        .optional(),
    ),
    SLACK_API_URL: optionalString.pipe(z.url('must be a URL like http://127.0.0.1:4000/api/').optional()),
    S3X_ENGINE: z.enum(['local', 'athena'], { message: "must be 'local' or 'athena'" }).default('local'),
    S3X_LOGS_DIR: optionalString,
    S3X_LOCAL_INDEX: optionalString,
    S3X_DATA_DIR: z.string().trim().min(1).default('./.s3x'),
    S3X_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    AWS_REGION: optionalString.pipe(
      z
        .string()
        .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'must be a region like us-east-1')
        .optional(),
    ),
    AWS_ACCOUNT_ID: optionalString.pipe(
      z
        .string()
        .regex(/^\d{12}$/, 'must be a 12-digit account id')
        .optional(),
    ),
    ATHENA_DATABASE: z.string().trim().regex(SQL_NAME, SQL_NAME_MESSAGE).default('cloudtrail'),
    ATHENA_TABLE: z.string().trim().regex(SQL_NAME, SQL_NAME_MESSAGE).default('cloudtrail_logs'),
    ATHENA_WORKGROUP: z
      .string()
      .trim()
      .regex(/^[a-zA-Z0-9._-]{1,128}$/, 'must be a workgroup name')
      .default('primary'),
    ATHENA_CATALOG: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,256}$/, 'must be a data catalog name')
      .default('AwsDataCatalog'),
    ATHENA_OUTPUT_LOCATION: optionalString.pipe(
      z
        .string()
        .regex(/^s3:\/\/[a-z0-9.-]{3,63}(\/.*)?$/, 'must be an s3:// URL')
        .optional(),
    ),
    ATHENA_PARTITIONED: z.stringbool({ error: 'must be true or false' }).default(true),
    S3X_TRAIL_LOGS_LOCATION: optionalString.pipe(
      z
        .string()
        .regex(/^s3:\/\/[a-z0-9.-]{3,63}(\/[^\s]*)?$/, 'must be an s3:// URL')
        .optional(),
    ),
    ATHENA_REGIONS: optionalString.pipe(
      z
        .string()
        .regex(
          /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d(,[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d)*$/,
          'must be a comma-separated list of regions',
        )
        .optional(),
    ),
    ATHENA_QUERY_TIMEOUT_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
    ATHENA_RESULT_REUSE_MINUTES: z.coerce.number().int().min(0).max(10080).default(5),
    S3X_ALLOWED_CHANNELS: idList(/^[CDG][A-Z0-9]{2,}$/, 'channel ids like C0123ABCD'),
    S3X_ALLOWED_USERS: idList(/^[UW][A-Z0-9]{2,}$/, 'user ids like U0123ABCD'),
    S3X_ALLOWED_GROUPS: idList(/^S[A-Z0-9]{2,}$/, 'user group ids like S0123ABCD'),
    S3X_APPROVERS: idList(/^[UW][A-Z0-9]{2,}$/, 'user ids like U0123ABCD'),
    S3X_APPROVER_GROUP: optionalString.pipe(
      z
        .string()
        .regex(/^S[A-Z0-9]{2,}$/, 'must be a user group id like S0123ABCD')
        .optional(),
    ),
    S3X_REQUIRED_APPROVALS: z.coerce.number().int().min(1).max(5).default(1),
    S3X_APPROVAL_TTL: z
      .string()
      .trim()
      .default('1h')
      .refine((text) => /^\d{1,4}[mhd]$/.test(text), 'must be a duration like 30m, 1h or 1d')
      .transform(
        (text) => Number(text.slice(0, -1)) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[text.slice(-1) as 'm' | 'h' | 'd'],
      ),
    S3X_PROTECTED_PRINCIPALS: z
      .string()
      .default('')
      .transform((text) =>
        text
          .split(',')
          .map((arn) => arn.trim())
          .filter((arn) => arn !== ''),
      )
      .refine(
        (arns) => arns.every((arn) => /^arn:aws[a-z-]*:(iam|sts)::\d{12}:[\w+=,.@/-]+$/.test(arn)),
        'must be a comma-separated list of IAM ARNs',
      ),
    S3X_REMEDIATION_ROLE_ARN: optionalString.pipe(
      z
        .string()
        .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN')
        .optional(),
    ),
    S3X_DIGEST_CHANNEL: optionalString.pipe(
      z
        .string()
        .regex(/^[CG][A-Z0-9]{2,}$/, 'must be a channel id like C0123ABCD')
        .optional(),
    ),
    // `s3x mcp --allow-requests`: the person an assistant's requests are made for, and where they are posted.
    S3X_MCP_REQUESTER: optionalString.pipe(
      z
        .string()
        .regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user id like U0123ABCD (--requester sets it too)')
        .optional(),
    ),
    S3X_MCP_CHANNEL: optionalString.pipe(
      z
        .string()
        .regex(/^[CG][A-Z0-9]{2,}$/, 'must be a channel id like C0123ABCD (--channel sets it too)')
        .optional(),
    ),
    S3X_DIGEST_CRON: z
      .string()
      .trim()
      .default('0 9 * * *')
      .refine((text) => /^(\S+\s+){4}\S+$/.test(text), 'must be a 5-field cron expression like "0 9 * * *"'),
    S3X_DIGEST_TZ: z
      .string()
      .trim()
      .default('UTC')
      .refine((zone) => {
        // The default needs no check: ICU's first use costs a start about 15-30 ms.
        if (zone === 'UTC') return true;
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: zone });
          return true;
        } catch {
          return false;
        }
      }, 'must be an IANA time zone like UTC or Europe/Berlin'),
    S3X_APPLY_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
    S3X_ALERTS: z.stringbool({ error: 'must be true or false' }).default(true),
    S3X_ALERT_RULES: optionalString,
    S3X_ALERTS_CHANNEL: optionalString.pipe(
      z
        .string()
        .regex(/^[CG][A-Z0-9]{2,}$/, 'must be a channel id like C0123ABCD')
        .optional(),
    ),
    S3X_ALERTS_QUEUE_URL: optionalString.pipe(
      z
        .string()
        .regex(
          /^https?:\/\/[^\s/]+\/\d{12}\/[\w-]{1,80}$/,
          'must be an SQS queue URL like https://sqs.us-east-1.amazonaws.com/111122223333/s3x-alerts',
        )
        .optional(),
    ),
    S3X_ALERTS_VISIBILITY_SECONDS: z.coerce.number().int().min(2).max(43_200).default(60),
    S3X_SAMPLE_LIVE_SECONDS: z.coerce.number().int().min(0).max(3600).default(5),
    S3X_STORE: z.enum(['sqlite', 'dynamodb'], { message: "must be 'sqlite' or 'dynamodb'" }).default('sqlite'),
    S3X_DYNAMODB_TABLE: optionalString.pipe(
      z
        .string()
        .regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'must be a DynamoDB table name')
        .optional(),
    ),
    S3X_MAX_SCAN_BYTES: optionalString.pipe(
      z.string().regex(/^\d+$/, 'must be a whole number of bytes').transform(Number).optional(),
    ),
    S3X_DRAIN_TIMEOUT_SECONDS: z.coerce.number().int().min(0).max(600).default(25),
    S3X_MAX_CONCURRENT_QUESTIONS: z.coerce.number().int().min(1).max(64).default(DEFAULT_QUESTION_LIMITS.concurrent),
    S3X_MAX_WAITING_QUESTIONS: z.coerce.number().int().min(0).max(1000).default(DEFAULT_QUESTION_LIMITS.waiting),
    S3X_MAX_QUESTIONS_PER_USER: z.coerce.number().int().min(1).max(1000).default(DEFAULT_QUESTION_LIMITS.perAsker),
    S3X_MAX_WINDOW_DAYS: z.coerce.number().int().min(1).max(36_500).default(DEFAULT_MAX_WINDOW_DAYS),
    S3X_LOCAL_QUERY_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(DEFAULT_LOCAL_QUERY_TIMEOUT_SECONDS),
    S3X_MAX_LOG_FILE_MB: z.coerce
      .number()
      .int()
      .min(1)
      .max(1024)
      .default(DEFAULT_MAX_LOG_FILE_BYTES / (1024 * 1024)),
    S3X_FOLLOW_SYMLINKS: z.stringbool({ error: 'must be true or false' }).default(false),
  })
  .superRefine((env, ctx) => {
    if (env.SLACK_BOT_TOKEN && !env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message: 'is required with SLACK_BOT_TOKEN (or set SLACK_APP_TOKEN for Socket Mode)',
      });
    }
    if (env.S3X_ENGINE === 'athena' && !env.AWS_REGION) {
      ctx.addIssue({ code: 'custom', path: ['AWS_REGION'], message: 'is required with S3X_ENGINE=athena' });
    }
    if (env.S3X_ALERTS_QUEUE_URL && !env.AWS_REGION) {
      ctx.addIssue({ code: 'custom', path: ['AWS_REGION'], message: 'is required with S3X_ALERTS_QUEUE_URL' });
    }
    if (env.S3X_STORE === 'dynamodb' && (!env.S3X_DYNAMODB_TABLE || !env.AWS_REGION)) {
      ctx.addIssue({
        code: 'custom',
        path: ['S3X_DYNAMODB_TABLE'],
        message: 'and AWS_REGION are required with S3X_STORE=dynamodb',
      });
    }
    if ((env.SLACK_SIGNING_SECRET || env.SLACK_APP_TOKEN) && !env.SLACK_BOT_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_BOT_TOKEN'],
        message: 'is required when SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is set',
      });
    }
  });

export type RawConfig = z.infer<typeof configSchema>;

/**
 * Test-only settings, kept out of `configSchema` (and so out of `.env.example`): never set them in
 * a deployment. `S3X_TEST_PAUSE_APPLY=before:<ms>|after:<ms>` holds every approved change that
 * long just before (or just after) it reaches the account, so the crash tests in
 * `test/process/` can kill the process at that exact point. `S3X_TEST_SHARED_SANDBOX=<file>` keeps
 * the sandbox account in that SQLite file, so two replicas of a test change one account.
 */
const testHookSchema = z.object({
  // The sandbox account in this SQLite file, shared by the replicas of a process test: a stand-in
  // for the one real account that replicas in AWS mode share.
  S3X_TEST_SHARED_SANDBOX: optionalString,
  S3X_TEST_PAUSE_ALERT: optionalString.pipe(
    z
      .string()
      .regex(/^after-post:\d{1,6}$/, 'must be after-post:<ms> (test-only)')
      .transform((text) => Number(text.split(':')[1]))
      .optional(),
  ),
  S3X_TEST_PAUSE_APPLY: optionalString.pipe(
    z
      .string()
      .regex(/^(before|after):\d{1,6}$/, 'must be before:<ms> or after:<ms> (test-only)')
      .transform((text) => {
        const [when, ms] = text.split(':') as ['before' | 'after', string];
        return { when, ms: Number(ms) };
      })
      .optional(),
  ),
});

export interface AthenaConfig {
  region?: string;
  database: string;
  table: string;
  workgroup: string;
  catalog: string;
  outputLocation?: string;
  /** The table has the `"timestamp"` partition (false for tables made by the CloudTrail console). */
  partitioned: boolean;
  /** The table also has a `region` partition (tables made by `s3x setup athena`): these regions. */
  regions?: string[];
  /** Where the trail logs the table reads are delivered: a trail delivering elsewhere does not reach s3x. */
  trailLogs?: { bucket: string; prefix: string };
  queryTimeoutMs: number;
  resultReuseMinutes: number;
}

export interface Config {
  port: number;
  /**
   * The address the server listens on: S3X_HOST, else 127.0.0.1 in local mode (the console is
   * unauthenticated: only this machine may reach it), else every interface.
   */
  host?: string;
  /** `slack`: a real workspace; `local`: no credentials, the local console drives the app. */
  mode: 'slack' | 'local';
  slack: {
    botToken?: string;
    signingSecret?: string;
    appToken?: string;
    apiUrl?: string;
  };
  engine: 'local' | 'athena';
  athena: AthenaConfig;
  access: { channels: string[]; users: string[]; groups: string[] };
  remediation: {
    approvers: string[];
    approverGroup?: string;
    requiredApprovals: number;
    approvalTtlMs: number;
    /** Principals a tighten must never lock out (s3x's own role, the approvers' roles). */
    protectedPrincipals: string[];
    /** Assumed for each change with SourceIdentity = the approver. */
    roleArn?: string;
    /** An `applying` change is its replica's for this long without a heartbeat; then recovery takes it over. */
    applyLeaseMs: number;
  };
  digest: { channel?: string; cron: string; timeZone: string };
  /** Real-time alerts: on or off, the rules file (default set when unset), the channel of rules that name none. */
  alerts: {
    enabled: boolean;
    rulesFile?: string;
    channel?: string;
    /** AWS source: the SQS queue EventBridge delivers CloudTrail events to. */
    queue?: { url: string; region: string; visibilitySeconds: number };
  };
  /** Local mode on the generated sample: a small live delivery file this often (0 = off). */
  sampleLiveMs: number;
  /**
   * `s3x mcp --allow-requests`: the Slack user an assistant's change requests are made for (who
   * can then never approve them) and the channel they are posted in (S3X_DIGEST_CHANNEL by default).
   */
  mcp: { requester?: string; channel?: string };
  /** Where approval requests and the audit log live: one SQLite file, or DynamoDB for several replicas. */
  store: { kind: 'sqlite' } | { kind: 'dynamodb'; table: string; region: string };
  /** The directory buckets' account (coverage matches bucket ARNs); read from the logs when unset. */
  accountId?: string;
  /** Refuse questions whose estimated scan is larger (Athena). */
  maxScanBytes?: number;
  logsDir?: string;
  /** Local engine: answer from this DuckDB file, the logs ingested into it as questions need them. */
  localIndex?: string;
  dataDir: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** On SIGTERM/SIGINT: how long in-flight answers, clicks and digest runs may take to finish. */
  drainTimeoutMs: number;
  /** Questions the engine runs at once, how many may wait before new ones are turned away, and how many of them one person may have. */
  questions: { concurrent: number; waiting: number; perAsker: number };
  /** The longest --since/--until window a question may ask about, in days. */
  maxWindowDays: number;
  /** Local engine: a log file larger than this once decompressed is skipped (and listed); it bounds a question's memory. */
  maxLogFileBytes: number;
  /** Local engine: a question's DuckDB work is interrupted after this long. */
  localQueryTimeoutMs: number;
  /** Local engine: read log files that are symbolic links (off: an attacker who can write the archive could point one at /etc/passwd). */
  followSymlinks: boolean;
  /** Test-only hooks (see testHookSchema); absent in any real deployment. */
  testHooks: {
    pauseApply?: { when: 'before' | 'after'; ms: number };
    sharedSandbox?: string;
    pauseAfterAlertPostMs?: number;
  };
}

/** Parse the environment once. Throws ConfigError listing every bad setting. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = configSchema.safeParse(env);
  const hooks = testHookSchema.safeParse(env);
  const issues = [...(parsed.success ? [] : parsed.error.issues), ...(hooks.success ? [] : hooks.error.issues)];
  if (!parsed.success || !hooks.success) {
    const lines = issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const raw = parsed.data;
  const mode = raw.SLACK_BOT_TOKEN ? 'slack' : 'local';
  return {
    port: raw.PORT,
    host: raw.S3X_HOST ?? (mode === 'local' ? '127.0.0.1' : undefined),
    mode,
    slack: {
      botToken: raw.SLACK_BOT_TOKEN,
      signingSecret: raw.SLACK_SIGNING_SECRET,
      appToken: raw.SLACK_APP_TOKEN,
      apiUrl: raw.SLACK_API_URL,
    },
    engine: raw.S3X_ENGINE,
    athena: {
      region: raw.AWS_REGION,
      database: raw.ATHENA_DATABASE,
      table: raw.ATHENA_TABLE,
      workgroup: raw.ATHENA_WORKGROUP,
      catalog: raw.ATHENA_CATALOG,
      outputLocation: raw.ATHENA_OUTPUT_LOCATION,
      partitioned: raw.ATHENA_PARTITIONED,
      regions: raw.ATHENA_REGIONS?.split(','),
      ...(raw.S3X_TRAIL_LOGS_LOCATION ? { trailLogs: trailLogsOf(raw.S3X_TRAIL_LOGS_LOCATION) } : {}),
      queryTimeoutMs: raw.ATHENA_QUERY_TIMEOUT_SECONDS * 1000,
      resultReuseMinutes: raw.ATHENA_RESULT_REUSE_MINUTES,
    },
    access: { channels: raw.S3X_ALLOWED_CHANNELS, users: raw.S3X_ALLOWED_USERS, groups: raw.S3X_ALLOWED_GROUPS },
    digest: { channel: raw.S3X_DIGEST_CHANNEL, cron: raw.S3X_DIGEST_CRON, timeZone: raw.S3X_DIGEST_TZ },
    alerts: {
      enabled: raw.S3X_ALERTS,
      rulesFile: raw.S3X_ALERT_RULES,
      channel: raw.S3X_ALERTS_CHANNEL,
      ...(raw.S3X_ALERTS_QUEUE_URL && raw.AWS_REGION
        ? {
            queue: {
              url: raw.S3X_ALERTS_QUEUE_URL,
              region: raw.AWS_REGION,
              visibilitySeconds: raw.S3X_ALERTS_VISIBILITY_SECONDS,
            },
          }
        : {}),
    },
    sampleLiveMs: raw.S3X_SAMPLE_LIVE_SECONDS * 1000,
    mcp: { requester: raw.S3X_MCP_REQUESTER, channel: raw.S3X_MCP_CHANNEL ?? raw.S3X_DIGEST_CHANNEL },
    store:
      raw.S3X_STORE === 'dynamodb' && raw.S3X_DYNAMODB_TABLE && raw.AWS_REGION
        ? { kind: 'dynamodb', table: raw.S3X_DYNAMODB_TABLE, region: raw.AWS_REGION }
        : { kind: 'sqlite' },
    accountId: raw.AWS_ACCOUNT_ID,
    remediation: {
      approvers: raw.S3X_APPROVERS,
      approverGroup: raw.S3X_APPROVER_GROUP,
      requiredApprovals: raw.S3X_REQUIRED_APPROVALS,
      approvalTtlMs: raw.S3X_APPROVAL_TTL,
      protectedPrincipals: raw.S3X_PROTECTED_PRINCIPALS,
      roleArn: raw.S3X_REMEDIATION_ROLE_ARN,
      applyLeaseMs: raw.S3X_APPLY_LEASE_SECONDS * 1000,
    },
    maxScanBytes: raw.S3X_MAX_SCAN_BYTES,
    logsDir: raw.S3X_LOGS_DIR,
    localIndex: raw.S3X_LOCAL_INDEX,
    dataDir: raw.S3X_DATA_DIR,
    logLevel: raw.S3X_LOG_LEVEL,
    drainTimeoutMs: raw.S3X_DRAIN_TIMEOUT_SECONDS * 1000,
    questions: {
      concurrent: raw.S3X_MAX_CONCURRENT_QUESTIONS,
      waiting: raw.S3X_MAX_WAITING_QUESTIONS,
      perAsker: raw.S3X_MAX_QUESTIONS_PER_USER,
    },
    maxWindowDays: raw.S3X_MAX_WINDOW_DAYS,
    followSymlinks: raw.S3X_FOLLOW_SYMLINKS,
    localQueryTimeoutMs: raw.S3X_LOCAL_QUERY_TIMEOUT_SECONDS * 1000,
    maxLogFileBytes: raw.S3X_MAX_LOG_FILE_MB * 1024 * 1024,
    testHooks: {
      ...(hooks.data.S3X_TEST_PAUSE_APPLY ? { pauseApply: hooks.data.S3X_TEST_PAUSE_APPLY } : {}),
      ...(hooks.data.S3X_TEST_SHARED_SANDBOX ? { sharedSandbox: hooks.data.S3X_TEST_SHARED_SANDBOX } : {}),
      ...(hooks.data.S3X_TEST_PAUSE_ALERT === undefined ? {} : { pauseAfterAlertPostMs: hooks.data.S3X_TEST_PAUSE_ALERT }),
    },
  };
}

/**
 * Rules for serving (`npm start`) only: the CLI shares the schema and may ask Athena from a
 * terminal. Without SLACK_BOT_TOKEN the server is the local console, which signs commands and
 * clicks as any user id, unauthenticated, and approves as its own U0APPROVER. So local mode never
 * touches AWS (no Athena data, no changes to the real account, no DynamoDB store): only the log
 * files and the sandbox account. A deployment that lost its Slack secrets stops here.
 */
export function checkServeConfig(config: Config): void {
  checkSandboxSharing(config);
  if (config.mode !== 'local') return;
  const aws = [
    ...(config.engine === 'athena' ? ['S3X_ENGINE=athena'] : []),
    ...(config.store.kind === 'dynamodb' ? ['S3X_STORE=dynamodb'] : []),
    ...(config.alerts.queue ? ['S3X_ALERTS_QUEUE_URL'] : []),
  ];
  if (aws.length === 0) return;
  throw new ConfigError(
    `Invalid configuration:\n  SLACK_BOT_TOKEN: is required with ${aws.join(' and ')}. Without it s3x runs in local mode, ` +
      'whose console signs requests as any user with no authentication, so it only serves local log files and the ' +
      'sandbox account. Set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN), or ask Athena from a ' +
      'terminal with `npx s3x <question>`.',
  );
}

/**
 * The sandbox account (the local engine's stand-in for AWS) lives in each replica's own state
 * file. With a shared store there may be several replicas, and a change planned on one and
 * approved on another would be applied to a different sandbox: refused at start.
 */
function checkSandboxSharing(config: Config): void {
  const remediation = config.remediation.approvers.length > 0 || config.remediation.approverGroup !== undefined;
  if (config.engine !== 'local' || config.store.kind !== 'dynamodb' || !remediation || config.testHooks.sharedSandbox) return;
  throw new ConfigError(
    'Invalid configuration:\n  S3X_STORE: dynamodb is for several replicas, but with S3X_ENGINE=local each replica ' +
      'changes its own sandbox account, so a change planned on one replica and approved on another would be applied to a ' +
      'different account. Use S3X_ENGINE=athena (changes go to the real account), or run one replica with S3X_STORE=sqlite, ' +
      'or turn remediation off (unset S3X_APPROVERS and S3X_APPROVER_GROUP).',
  );
}

/** The config with secrets masked, for the startup log line. */
export function describeConfig(config: Config): Record<string, unknown> {
  const mask = (value: string | undefined) => (value ? `${value.slice(0, 5)}…(set)` : undefined);
  return {
    ...config,
    slack: {
      botToken: mask(config.slack.botToken),
      signingSecret: config.slack.signingSecret ? '(set)' : undefined,
      appToken: mask(config.slack.appToken),
      apiUrl: config.slack.apiUrl,
    },
  };
}

/** `s3://bucket/prefix/` as the trail's S3BucketName and S3KeyPrefix (no slashes around the prefix). */
function trailLogsOf(location: string): { bucket: string; prefix: string } {
  const [bucket = '', ...rest] = location.slice('s3://'.length).split('/');
  return { bucket, prefix: rest.join('/').replace(/^\/+|\/+$/g, '') };
}
