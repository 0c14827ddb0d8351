import type { CommandName } from './requests.js';

export type OptionName = 'prefix' | 'bucket' | 'since' | 'until' | 'all' | 'deny' | 'read-only' | 'vpce' | 'for' | 'date';

/** How an option takes its value. */
export const OPTION_ARITY: Record<OptionName, 'value' | 'flag' | 'optional-value'> = {
  prefix: 'value',
  bucket: 'value',
  since: 'value',
  until: 'value',
  all: 'flag',
  deny: 'value',
  'read-only': 'optional-value',
  vpce: 'value',
  for: 'value',
  date: 'value',
};

export interface SubcommandSpec {
  name: CommandName;
  usage: string;
  summary: string;
  /** The positional argument, if any. */
  positional?: { name: string; required: boolean };
  options: readonly OptionName[];
  /** Built and answering today; the others say so honestly. */
  available: boolean;
  /** Shown by `/s3x help <subcommand>`; each must parse (a test checks). */
  examples: readonly string[];
}

const WINDOW: readonly OptionName[] = ['since', 'until'];

/** The whole `/s3x` surface, in help order. The parser, help text and manifest test read this. */
export const SUBCOMMANDS: readonly SubcommandSpec[] = [
  {
    name: 'help',
    usage: 'help [subcommand]',
    summary: 'this help',
    positional: { name: 'subcommand', required: false },
    options: [],
    available: true,
    examples: ['help', 'help who-deleted'],
  },
  {
    name: 'who-deleted',
    usage: 'who-deleted <key>|--prefix P [--bucket B] [--since WHEN] [--until WHEN]',
    summary: 'who deleted an object, or what was deleted under a prefix (DeleteObject; DeleteObjects as candidates)',
    // One of the key or --prefix: the parser checks.
    positional: { name: 'key', required: false },
    options: ['prefix', 'bucket', ...WINDOW],
    available: true,
    examples: [
      'who-deleted --prefix reports/2024/ --bucket analytics-hot--use1-az4--x-s3 --since 7d',
      'who-deleted reports/q3-forecast.parquet --bucket analytics-hot--use1-az4--x-s3',
      'who-deleted "reports/Q3 summary (final).csv" --since 2024-07-01 --until 2024-07-02',
    ],
  },
  {
    name: 'who-wrote',
    usage: 'who-wrote <key> [--bucket B] [--since WHEN] [--until WHEN]',
    summary: 'who wrote it (PutObject, CopyObject, CompleteMultipartUpload, RenameObject)',
    positional: { name: 'key', required: true },
    options: ['bucket', ...WINDOW],
    available: true,
    examples: ['who-wrote models/v3/weights.bin --since 24h'],
  },
  {
    name: 'who-read',
    usage: 'who-read <key> [--bucket B] [--since WHEN] [--until WHEN]',
    summary: 'who read it (GetObject, HeadObject, GetObjectAttributes)',
    positional: { name: 'key', required: true },
    options: ['bucket', ...WINDOW],
    available: true,
    examples: ['who-read finance/2026/payroll-export.csv --bucket corp-reports --since 7d'],
  },
  {
    name: 'history',
    usage: 'history <key> [--bucket B] [--since WHEN] [--until WHEN]',
    summary: 'every event on the key, as a timeline',
    positional: { name: 'key', required: true },
    options: ['bucket', ...WINDOW],
    available: true,
    examples: ['history reports/q3-forecast.parquet --since 14d'],
  },
  {
    name: 'activity',
    usage: 'activity <bucket> [--since WHEN] [--until WHEN]',
    summary: 'operations, top principals, errors, bytes',
    positional: { name: 'bucket', required: true },
    options: WINDOW,
    available: true,
    examples: ['activity analytics-hot--use1-az4--x-s3 --since 24h'],
  },
  {
    name: 'principal',
    usage: 'principal <arn-or-name> [--since WHEN] [--until WHEN]',
    summary: 'what one principal did',
    positional: { name: 'arn-or-name', required: true },
    options: WINDOW,
    available: true,
    examples: ['principal arn:aws:sts::111122223333:assumed-role/DataEngineer/mallory', 'principal DataEngineer --since 3d'],
  },
  {
    name: 'denied',
    usage: 'denied [--bucket B] [--since WHEN] [--until WHEN]',
    summary: 'AccessDenied and other failed calls',
    options: ['bucket', ...WINDOW],
    available: true,
    examples: ['denied --bucket analytics-hot--use1-az4--x-s3 --since 24h', 'denied'],
  },
  {
    name: 'bucket-events',
    usage: 'bucket-events <bucket> [--since WHEN] [--until WHEN]',
    summary: 'bucket-level (management) events',
    positional: { name: 'bucket', required: true },
    options: WINDOW,
    available: true,
    examples: ['bucket-events analytics-hot--use1-az4--x-s3 --since 30d'],
  },
  {
    name: 'status',
    usage: 'status [--since WHEN]',
    summary: 'logging coverage per directory bucket',
    options: ['since'],
    available: true,
    examples: ['status', 'status --since 30d'],
  },
  {
    name: 'enable-logging',
    usage: 'enable-logging <bucket>|--all',
    summary: 'plan, confirm, approve, apply data-event logging',
    positional: { name: 'bucket', required: false },
    options: ['all'],
    available: true,
    examples: ['enable-logging analytics-hot--use1-az4--x-s3', 'enable-logging --all'],
  },
  {
    name: 'tighten',
    usage: 'tighten <bucket> --deny <principal-arn> | --read-only [<principal-arn>] | --vpce <vpce-id> [--for <4h>]',
    summary: 'tighten a directory-bucket policy',
    positional: { name: 'bucket', required: true },
    options: ['deny', 'read-only', 'vpce', 'for'],
    available: true,
    examples: [
      'tighten analytics-hot--use1-az4--x-s3 --deny arn:aws:iam::111122223333:role/Intern',
      'tighten analytics-hot--use1-az4--x-s3 --deny arn:aws:sts::111122223333:assumed-role/DataEngineer/mallory --for 4h',
      'tighten analytics-hot--use1-az4--x-s3 --read-only',
      'tighten analytics-hot--use1-az4--x-s3 --vpce vpce-0a1b2c3d4e5f67890',
    ],
  },
  { name: 'approvals', usage: 'approvals', summary: 'pending requests', options: [], available: true, examples: ['approvals'] },
  {
    name: 'audit',
    usage: 'audit',
    summary: 'recent changes: requests, approvals, outcomes',
    options: [],
    available: true,
    examples: ['audit'],
  },
  {
    name: 'alerts',
    usage: 'alerts',
    summary: 'alert rules and their channels, mutes, the last alerts',
    options: [],
    available: true,
    examples: ['alerts'],
  },
  {
    name: 'digest',
    usage: 'digest [--date YYYY-MM-DD]',
    summary: 'post the digest now',
    options: ['date'],
    available: true,
    examples: ['digest', 'digest --date 2026-11-23'],
  },
];

export function findSubcommand(name: string): SubcommandSpec | undefined {
  return SUBCOMMANDS.find((spec) => spec.name === name);
}
