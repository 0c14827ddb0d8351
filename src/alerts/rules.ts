import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { parse as ParseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';

/**
 * Alert rules: one validated file (S3X_ALERT_RULES, YAML or JSON). Every condition of a rule's
 * `match` must hold; lists inside a condition are alternatives. Without a file the default set
 * below applies (README "Alerts" lists it).
 */

const MAX_LIST = 200;
const text = (max: number) => z.string().trim().min(1).max(max);
const list = (max: number) => z.array(text(max)).min(1).max(MAX_LIST);
const CHANNEL = /^[CG][A-Z0-9]{2,}$/;
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/\d{1,2})?$/;

/** `5m`, `1h`, `7d` → milliseconds. */
const duration = z
  .string()
  .trim()
  .regex(/^\d{1,4}[smhd]$/, 'must be a duration like 30s, 5m, 1h or 7d')
  .transform((value) => Number(value.slice(0, -1)) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[value.slice(-1) as 's']);

const addressList = z
  .array(
    text(64).refine((value) => {
      const parts = IPV4_CIDR.exec(value);
      if (parts) return parts.slice(1, 5).every((n) => Number(n) <= 255) && Number((parts[5] ?? '/32').slice(1)) <= 32;
      return /^[0-9a-f:]+$/i.test(value) || /^[a-z0-9.-]+\.amazonaws\.com$/.test(value);
    }, 'must be an IPv4 address, an IPv4 CIDR (10.0.0.0/8), an IPv6 address or an AWS service name'),
  )
  .min(1)
  .max(MAX_LIST);

/** Checks that need more than field matching (trail tampering). */
export const CHECKS = ['trail-destination-changed', 'directory-bucket-logging-dropped'] as const;
export type Check = (typeof CHECKS)[number];

const matchSchema = z
  .object({
    /** eventSource, e.g. s3express.amazonaws.com. */
    source: list(128).optional(),
    eventName: list(128).optional(),
    /** Bucket name globs (`*`, `?`), e.g. `*--x-s3` for every directory bucket. */
    bucket: list(128).optional(),
    principal: z
      .object({
        /** These principals (ARN globs) never trip the rule. */
        allow: list(2048).optional(),
        /** When set, only these principals (ARN globs) trip it. */
        deny: list(2048).optional(),
        /** Only a principal not seen on the event's bucket in the last `newToBucket` (e.g. 7d). */
        newToBucket: duration.optional(),
      })
      .strict()
      .optional(),
    /** `success`: no errorCode; `failure`: any errorCode; `any` (default). */
    outcome: z.enum(['success', 'failure', 'any']).default('any'),
    errorCode: list(128).optional(),
    sessionMode: z
      .array(z.enum(['ReadWrite', 'ReadOnly']))
      .min(1)
      .optional(),
    sourceIp: z.object({ in: addressList.optional(), notIn: addressList.optional() }).strict().optional(),
    vpcEndpoint: z
      .object({
        in: list(64).optional(),
        notIn: list(64).optional(),
        /** true: only calls through a VPC endpoint; false: only calls that came another way. */
        present: z.boolean().optional(),
      })
      .strict()
      .optional(),
    check: z.enum(CHECKS).optional(),
  })
  .strict();

const ruleSchema = z
  .object({
    id: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and hyphens (at most 63)'),
    title: text(150),
    description: text(1000).optional(),
    severity: z.enum(['critical', 'high', 'medium', 'low']).default('high'),
    /** Where its alerts go; the rules file's `channel`, or S3X_ALERTS_CHANNEL, otherwise. */
    channel: z.string().trim().regex(CHANNEL, 'must be a channel id like C0123ABCD').optional(),
    match: matchSchema,
    /** Fire only when more than `count` matching events (per `per`) fall within `window`. */
    threshold: z
      .object({
        count: z.number().int().min(1).max(1_000_000),
        window: duration,
        per: z.enum(['principal', 'principal-and-bucket', 'source-ip']).default('principal'),
      })
      .strict()
      .optional(),
  })
  .strict();

export const rulesFileSchema = z
  .object({
    channel: z.string().trim().regex(CHANNEL, 'must be a channel id like C0123ABCD').optional(),
    rules: z.array(ruleSchema).max(500),
  })
  .strict()
  .superRefine((file, context) => {
    const seen = new Set<string>();
    file.rules.forEach((rule, index) => {
      if (seen.has(rule.id))
        context.addIssue({ code: 'custom', path: ['rules', index, 'id'], message: `duplicate id ${rule.id}` });
      seen.add(rule.id);
    });
  });

export type AlertRule = z.output<typeof ruleSchema>;
export type AlertRuleInput = z.input<typeof ruleSchema>;
export type RulesFile = z.output<typeof rulesFileSchema>;

const DELETES = ['DeleteObject', 'DeleteObjects'];
const DIRECTORY_BUCKETS = ['*--x-s3'];
const S3_SOURCES = ['s3express.amazonaws.com', 's3.amazonaws.com'];
const CLOUDTRAIL = ['cloudtrail.amazonaws.com'];

/** The default set, used when S3X_ALERT_RULES is not set; README "Alerts" describes each. */
export const DEFAULT_RULES: readonly AlertRuleInput[] = [
  {
    id: 'mass-delete',
    title: 'Mass delete',
    description: 'More than 100 successful delete calls by one principal in 5 minutes.',
    severity: 'critical',
    match: { source: S3_SOURCES, eventName: DELETES, outcome: 'success' },
    threshold: { count: 100, window: '5m', per: 'principal' },
  },
  {
    id: 'new-principal-delete',
    title: 'Delete or rename by a principal new to the bucket',
    description: 'A delete or rename in a directory bucket by a principal not seen on that bucket in the last 7 days.',
    severity: 'high',
    match: {
      source: ['s3express.amazonaws.com'],
      eventName: [...DELETES, 'RenameObject'],
      bucket: DIRECTORY_BUCKETS,
      outcome: 'success',
      principal: { newToBucket: '7d' },
    },
  },
  {
    id: 'bucket-policy-change',
    title: 'Bucket policy changed',
    description: 'A bucket policy was written or deleted.',
    severity: 'high',
    match: { source: S3_SOURCES, eventName: ['PutBucketPolicy', 'DeleteBucketPolicy'], outcome: 'success' },
  },
  {
    id: 'trail-stopped-or-deleted',
    title: 'Trail stopped or deleted',
    description: 'StopLogging or DeleteTrail: the events after it are not logged.',
    severity: 'critical',
    match: { source: CLOUDTRAIL, eventName: ['StopLogging', 'DeleteTrail'], outcome: 'success' },
  },
  {
    id: 'trail-destination-changed',
    title: 'Trail destination changed',
    description: 'UpdateTrail sent the trail to another S3 bucket or prefix.',
    severity: 'critical',
    match: { source: CLOUDTRAIL, eventName: ['UpdateTrail'], outcome: 'success', check: 'trail-destination-changed' },
  },
  {
    id: 'directory-bucket-logging-dropped',
    title: 'Event selectors stop covering a directory bucket',
    description: 'PutEventSelectors left a directory bucket s3x has seen without object write logging.',
    severity: 'critical',
    match: {
      source: CLOUDTRAIL,
      eventName: ['PutEventSelectors'],
      outcome: 'success',
      check: 'directory-bucket-logging-dropped',
    },
  },
  {
    id: 'denied-session-burst',
    title: 'Burst of denied CreateSession',
    description: 'More than 20 denied CreateSession calls by one principal in 5 minutes.',
    severity: 'medium',
    match: { source: ['s3express.amazonaws.com'], eventName: ['CreateSession'], outcome: 'failure' },
    threshold: { count: 20, window: '5m', per: 'principal' },
  },
];

/** The default set, validated like a file. */
export function defaultRules(): RulesFile {
  return rulesFileSchema.parse({ rules: DEFAULT_RULES });
}

/** The YAML parser, loaded by the first rules file: the default rules need none (it is about 8 MB resident at the app's start). */
let yamlParse: typeof ParseYaml | undefined;
function parseYaml(source: string): unknown {
  yamlParse ??= (createRequire(import.meta.url)('yaml') as { parse: typeof ParseYaml }).parse;
  return yamlParse(source, { maxAliasCount: 100 });
}

/** Parse a rules file's text (YAML is a superset of JSON, so one parser reads both). */
export function parseRules(source: string, name = 'S3X_ALERT_RULES'): RulesFile {
  let data: unknown;
  try {
    data = parseYaml(source);
  } catch (error) {
    throw new ConfigError(
      `${name}: not valid YAML or JSON (${error instanceof Error ? error.message.split('\n')[0] : 'parse error'}).`,
    );
  }
  const parsed = rulesFileSchema.safeParse(data);
  if (!parsed.success) {
    const lines = parsed.error.issues.slice(0, 10).map((issue) => `  ${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new ConfigError(`${name}: invalid alert rules:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** Rules files are small; a larger one is a mistake (or hostile). */
const MAX_RULES_FILE_BYTES = 1024 * 1024;

export async function loadRules(file: string | undefined): Promise<RulesFile> {
  if (!file) return defaultRules();
  let source: Buffer;
  try {
    source = await readFile(file);
  } catch {
    throw new ConfigError(`S3X_ALERT_RULES: cannot read ${file}.`);
  }
  if (source.length > MAX_RULES_FILE_BYTES) throw new ConfigError('S3X_ALERT_RULES: the file is larger than 1 MB.');
  return parseRules(source.toString('utf8'));
}

/** A glob (`*` any run of characters, `?` one) as an anchored, case-sensitive RegExp. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 's');
}
