import { z } from 'zod';
import { ConfigError } from './errors.js';

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

/** Every setting s3x reads, validated once at start. `process.env` is read nowhere else. */
export const configSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
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
    S3X_ENGINE: z.enum(['local'], { message: "must be 'local' (the athena engine comes later)" }).default('local'),
    S3X_LOGS_DIR: optionalString,
    S3X_DATA_DIR: z.string().trim().min(1).default('./.s3x'),
    S3X_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  })
  .superRefine((env, ctx) => {
    if (env.SLACK_BOT_TOKEN && !env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message: 'is required with SLACK_BOT_TOKEN (or set SLACK_APP_TOKEN for Socket Mode)',
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

export interface Config {
  port: number;
  /** `slack`: a real workspace; `local`: no credentials, the local console drives the app. */
  mode: 'slack' | 'local';
  slack: {
    botToken?: string;
    signingSecret?: string;
    appToken?: string;
    apiUrl?: string;
  };
  engine: 'local';
  logsDir?: string;
  dataDir: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

/** Parse the environment once. Throws ConfigError listing every bad setting. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const raw = parsed.data;
  return {
    port: raw.PORT,
    mode: raw.SLACK_BOT_TOKEN ? 'slack' : 'local',
    slack: {
      botToken: raw.SLACK_BOT_TOKEN,
      signingSecret: raw.SLACK_SIGNING_SECRET,
      appToken: raw.SLACK_APP_TOKEN,
      apiUrl: raw.SLACK_API_URL,
    },
    engine: raw.S3X_ENGINE,
    logsDir: raw.S3X_LOGS_DIR,
    dataDir: raw.S3X_DATA_DIR,
    logLevel: raw.S3X_LOG_LEVEL,
  };
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
