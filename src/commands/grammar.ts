import type { CommandName } from './requests.js';

export type OptionName = 'bucket' | 'since' | 'until' | 'all' | 'deny' | 'read-only' | 'vpce' | 'date';

/** How an option takes its value. */
export const OPTION_ARITY: Record<OptionName, 'value' | 'flag' | 'optional-value'> = {
  bucket: 'value',
  since: 'value',
  until: 'value',
  all: 'flag',
  deny: 'value',
  'read-only': 'optional-value',
  vpce: 'value',
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
  },
  {
    name: 'who-deleted',
    usage: 'who-deleted <key> [--bucket B] [--since WHEN] [--until WHEN]',
    summary: 'who deleted an object (DeleteObject; DeleteObjects as candidates)',
    positional: { name: 'key', required: true },
    options: ['bucket', ...WINDOW],
    available: true,
  },
  {
    name: 'who-wrote',
    usage: 'who-wrote <key> [--bucket B] [--since WHEN] [--until WHEN]',
    summary: 'who wrote it (PutObject, CopyObject, CompleteMultipartUpload, RenameObject)',
    positional: { name: 'key', required: true },
    options: ['bucket', ...WINDOW],
    available: true,
  },
  {
    name: 'who-read',
    usage: 'who-read <key> [--bucket B] [--since WHEN] [--until WHEN]',
    summary: 'who read it (GetObject, HeadObject, GetObjectAttributes)',
    positional: { name: 'key', required: true },
    options: ['bucket', ...WINDOW],
    available: true,
  },
  {
    name: 'history',
    usage: 'history <key> [--bucket B] [--since WHEN] [--until WHEN]',
    summary: 'every event on the key, as a timeline',
    positional: { name: 'key', required: true },
    options: ['bucket', ...WINDOW],
    available: true,
  },
  {
    name: 'activity',
    usage: 'activity <bucket> [--since WHEN] [--until WHEN]',
    summary: 'operations, top principals, errors, bytes',
    positional: { name: 'bucket', required: true },
    options: WINDOW,
    available: true,
  },
  {
    name: 'principal',
    usage: 'principal <arn-or-name> [--since WHEN] [--until WHEN]',
    summary: 'what one principal did',
    positional: { name: 'arn-or-name', required: true },
    options: WINDOW,
    available: true,
  },
  {
    name: 'denied',
    usage: 'denied [--bucket B] [--since WHEN] [--until WHEN]',
    summary: 'AccessDenied and other failed calls',
    options: ['bucket', ...WINDOW],
    available: true,
  },
  {
    name: 'bucket-events',
    usage: 'bucket-events <bucket> [--since WHEN] [--until WHEN]',
    summary: 'bucket-level (management) events',
    positional: { name: 'bucket', required: true },
    options: WINDOW,
    available: true,
  },
  { name: 'status', usage: 'status', summary: 'logging coverage per directory bucket', options: [], available: false },
  {
    name: 'enable-logging',
    usage: 'enable-logging <bucket>|--all',
    summary: 'plan, confirm, approve, apply data-event logging',
    positional: { name: 'bucket', required: false },
    options: ['all'],
    available: false,
  },
  {
    name: 'tighten',
    usage: 'tighten <bucket> --deny <principal-arn> | --read-only [<principal-arn>] | --vpce <vpce-id>',
    summary: 'tighten a directory-bucket policy',
    positional: { name: 'bucket', required: true },
    options: ['deny', 'read-only', 'vpce'],
    available: false,
  },
  { name: 'approvals', usage: 'approvals', summary: 'pending requests', options: [], available: false },
  {
    name: 'digest',
    usage: 'digest [--date YYYY-MM-DD]',
    summary: 'post the digest now',
    options: ['date'],
    available: false,
  },
];

export function findSubcommand(name: string): SubcommandSpec | undefined {
  return SUBCOMMANDS.find((spec) => spec.name === name);
}
