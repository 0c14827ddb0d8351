import { bucketNameProblem, MAX_KEY_BYTES } from '../cloudtrail/buckets.js';
import { UsageError } from '../errors.js';
import { resolveWindow, type TimeWindow } from '../time/window.js';
import { findSubcommand, OPTION_ARITY, type OptionName, SUBCOMMANDS, type SubcommandSpec } from './grammar.js';
import { OBJECT_QUESTIONS, type ObjectQuestionName, type S3xRequest, type TightenChange } from './requests.js';
import { decodeSlackEntities, tokenizeWords, type Word } from './tokenize.js';

interface ParsedWords {
  positional: string[];
  options: Map<OptionName, string | true>;
}

/** The default of S3X_MAX_WINDOW_DAYS. */
export const DEFAULT_MAX_WINDOW_DAYS = 90;

/** What a request may ask for, from the configuration. */
export interface ParseLimits {
  /** The longest --since/--until window, in days (S3X_MAX_WINDOW_DAYS). */
  maxWindowDays: number;
}

const DEFAULT_LIMITS: ParseLimits = { maxWindowDays: DEFAULT_MAX_WINDOW_DAYS };

/** Parse the text of `/s3x ...` as Slack sends it (HTML entities, quotes). */
export function parseSlackText(text: string, now: Date, limits: ParseLimits = DEFAULT_LIMITS): S3xRequest {
  return parseWords(tokenizeWords(decodeSlackEntities(text)), now, limits);
}

/**
 * Parse already-split words (the CLI's argv) into a typed request. The shell has removed the
 * quotes, so a key starting with `--` goes after a bare `--`, which ends the options.
 */
export function parseCommand(words: readonly string[], now: Date, limits: ParseLimits = DEFAULT_LIMITS): S3xRequest {
  return parseWords(
    words.map((text) => ({ text, quoted: false })),
    now,
    limits,
  );
}

function parseWords(words: readonly Word[], now: Date, limits: ParseLimits): S3xRequest {
  const [first, ...rest] = words;
  const name = first?.text;
  if (name === undefined || name === '') return { command: 'help' };
  const spec = findSubcommand(name.toLowerCase());
  if (!spec) throw new UsageError(unknownSubcommandMessage(name));
  const parsed = splitWords(spec, rest);
  return buildRequest(spec, parsed, now, limits);
}

// A quoted word is never an option, so `"--weird-key"` stays a key; a bare `--` ends the options (POSIX).
const isOption = (word: Word): boolean => !word.quoted && word.text.startsWith('--');

function splitWords(spec: SubcommandSpec, words: readonly Word[]): ParsedWords {
  const positional: string[] = [];
  const options = new Map<OptionName, string | true>();
  for (let i = 0; i < words.length; i++) {
    const current = words[i] as Word;
    const word = current.text;
    if (word === '--' && !current.quoted) {
      positional.push(...words.slice(i + 1).map((w) => w.text));
      break;
    }
    if (!isOption(current)) {
      positional.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    const rawName = (eq === -1 ? word.slice(2) : word.slice(2, eq)).toLowerCase();
    const inlineValue = eq === -1 ? undefined : word.slice(eq + 1);
    if (!spec.options.includes(rawName as OptionName)) {
      const allowed = spec.options.length ? spec.options.map((o) => `--${o}`).join(', ') : 'none';
      throw new UsageError(
        `\`${spec.name}\` has no option \`--${rawName}\` (options: ${allowed}). Usage: \`/s3x ${spec.usage}\``,
      );
    }
    const option = rawName as OptionName;
    if (options.has(option)) throw new UsageError(`\`--${option}\` is given twice.`);
    const arity = OPTION_ARITY[option];
    if (arity === 'flag') {
      if (inlineValue !== undefined) throw new UsageError(`\`--${option}\` takes no value.`);
      options.set(option, true);
    } else if (inlineValue !== undefined) {
      if (inlineValue === '') throw new UsageError(`\`--${option}\` needs a value.`);
      options.set(option, inlineValue);
    } else {
      const next = words[i + 1];
      if (next !== undefined && !isOption(next)) {
        options.set(option, next.text);
        i++;
      } else if (arity === 'optional-value') {
        options.set(option, true);
      } else {
        throw new UsageError(`\`--${option}\` needs a value. Usage: \`/s3x ${spec.usage}\``);
      }
    }
  }
  return { positional, options };
}

function buildRequest(spec: SubcommandSpec, parsed: ParsedWords, now: Date, limits: ParseLimits): S3xRequest {
  const { positional, options } = parsed;
  const maxPositional = spec.positional ? 1 : 0;
  if (positional.length > maxPositional) {
    const extra = positional.slice(maxPositional).join(' ');
    const hint = spec.positional?.name === 'key' ? ' If the key has spaces, put it in double quotes.' : '';
    throw new UsageError(`Unexpected \`${extra}\`.${hint} Usage: \`/s3x ${spec.usage}\``);
  }
  const arg = positional[0];
  if (spec.positional?.required && arg === undefined) {
    throw new UsageError(`\`${spec.name}\` needs a ${spec.positional.name}. Usage: \`/s3x ${spec.usage}\``);
  }
  const text = (name: OptionName): string | undefined => {
    const value = options.get(name);
    return typeof value === 'string' ? value : undefined;
  };
  const windowOf = () => checkWindow(resolveWindow({ since: text('since'), until: text('until') }, now), limits);
  const bucketOption = () => {
    const bucket = text('bucket');
    return bucket === undefined ? undefined : checkBucket(bucket);
  };

  switch (spec.name) {
    case 'help':
      return { command: 'help', topic: arg };
    case 'who-deleted': {
      const prefix = text('prefix');
      if ((prefix === undefined) === (arg === undefined)) {
        const problem = arg === undefined ? 'needs a key or `--prefix P`' : 'takes a key or `--prefix`, not both';
        throw new UsageError(`\`who-deleted\` ${problem}. Usage: \`/s3x ${spec.usage}\``);
      }
      const target =
        prefix === undefined ? { key: checkKey(arg as string) } : { key: checkKey(prefix, 'prefix'), matchPrefix: true as const };
      return { command: spec.name, ...target, bucket: bucketOption(), window: windowOf() };
    }
    case 'who-wrote':
    case 'who-read':
    case 'history':
      return { command: spec.name, key: checkKey(arg as string), bucket: bucketOption(), window: windowOf() };
    case 'activity':
      return { command: 'activity', bucket: checkBucket(arg as string), window: windowOf() };
    case 'principal':
      return { command: 'principal', principal: checkPrincipal(arg as string), window: windowOf() };
    case 'denied':
      return { command: 'denied', bucket: bucketOption(), window: windowOf() };
    case 'bucket-events':
      return { command: 'bucket-events', bucket: checkBucket(arg as string), window: windowOf() };
    case 'status': {
      const since = text('since');
      return since === undefined ? { command: 'status' } : { command: 'status', since: windowOf().since };
    }
    case 'approvals':
      return { command: 'approvals' };
    case 'audit':
      return { command: 'audit' };
    case 'alerts':
      return { command: 'alerts' };
    case 'enable-logging': {
      const all = options.get('all') === true;
      if (all === (arg !== undefined)) {
        throw new UsageError('Name one bucket or use `--all`. Usage: `/s3x enable-logging <bucket>|--all`');
      }
      return { command: 'enable-logging', target: all ? { all: true } : { bucket: checkBucket(arg as string) } };
    }
    case 'tighten':
      return {
        command: 'tighten',
        bucket: checkBucket(arg as string),
        change: tightenChange(spec, options),
        ...timeBox(text('for')),
      };
    case 'digest': {
      const date = text('date');
      if (date !== undefined && !isCalendarDate(date)) throw new UsageError(`\`--date ${date}\` must be a date like 2024-07-01.`);
      return { command: 'digest', date };
    }
  }
}

/** Shortest and longest `--for`: a minute (the sweep's pace) to 30 days. */
const TIME_BOX_MS = { min: 60_000, max: 30 * 24 * 3600_000 } as const;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3600_000, d: 24 * 3600_000 };

/** `--for 90m` / `4h` / `2d`: how long a tighten lasts before it reverts itself. */
function timeBox(value: string | undefined): { revertAfterMs?: number } {
  if (value === undefined) return {};
  const match = /^(\d{1,5})([mhd])$/.exec(value);
  const ms = match ? Number(match[1]) * (UNIT_MS[match[2] as string] as number) : Number.NaN;
  if (!(ms >= TIME_BOX_MS.min && ms <= TIME_BOX_MS.max)) {
    throw new UsageError(`\`--for ${value}\` must be a duration from 1m to 30d, like 90m, 4h or 2d.`);
  }
  return { revertAfterMs: ms };
}

function tightenChange(spec: SubcommandSpec, options: Map<OptionName, string | true>): TightenChange {
  const chosen = (['deny', 'read-only', 'vpce'] as const).filter((o) => options.has(o));
  if (chosen.length !== 1) {
    throw new UsageError(`Choose exactly one of --deny, --read-only, --vpce. Usage: \`/s3x ${spec.usage}\``);
  }
  const deny = options.get('deny');
  if (typeof deny === 'string') return { kind: 'deny', principalArn: checkArn(deny) };
  const vpce = options.get('vpce');
  if (typeof vpce === 'string') {
    if (!/^vpce-[0-9a-f]{8,17}$/.test(vpce)) throw new UsageError(`\`${vpce}\` is not a VPC endpoint id (vpce-0123abcd...).`);
    return { kind: 'vpce', vpceId: vpce };
  }
  const readOnly = options.get('read-only');
  return { kind: 'read-only', principalArn: typeof readOnly === 'string' ? checkArn(readOnly) : undefined };
}

function checkKey(key: string, what: 'key' | 'prefix' = 'key'): string {
  if (key.length === 0) throw new UsageError(`The ${what} is empty.`);
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new UsageError(`That ${what} is longer than ${MAX_KEY_BYTES} bytes, the S3 limit, so no object can have it.`);
  }
  return key;
}

function checkBucket(bucket: string): string {
  const problem = bucketNameProblem(bucket);
  if (problem) throw new UsageError(`\`${bucket}\` is not a bucket name: ${problem}.`);
  return bucket;
}

function checkPrincipal(principal: string): string {
  // Refused here, before "Searching…" is shown; the question would refuse it anyway.
  if (principal.trim() === '') throw new UsageError('Name a principal: an ARN, a role name or a user name.');
  if (principal.length > 2048) throw new UsageError('That principal is too long to be an ARN or a name.');
  return principal;
}

// The delivery-day folder after the window must still have a 4-digit year: past 9999, ISO dates
// turn into `+010000-…` and the window's partition range would silently match nothing.
const LATEST_UNTIL_MS = Date.UTC(9999, 11, 31);

const DAY_MS = 24 * 3600_000;

/**
 * Every question reads (or, on Athena, pays for) each day of its window, so the window is capped:
 * a question over centuries would list millions of day folders or scan the whole table.
 */
function checkWindow(window: TimeWindow, limits: ParseLimits): TimeWindow {
  if (window.until.getTime() > LATEST_UNTIL_MS) {
    throw new UsageError('`--until` is past the year 9999. Leave it out to search up to now.');
  }
  const days = (window.until.getTime() - window.since.getTime()) / DAY_MS;
  if (days > limits.maxWindowDays) {
    throw new UsageError(
      `The window is ${Math.ceil(days)} days long; s3x answers over at most ${limits.maxWindowDays} days at a time. ` +
        `Ask about a shorter --since/--until (several questions can cover a longer period), or ask whoever runs s3x to raise S3X_MAX_WINDOW_DAYS.`,
    );
  }
  return window;
}

/** An IAM or STS principal ARN as IAM allows it: no spaces, control or invisible characters. */
export function isPrincipalArn(arn: string): boolean {
  return /^arn:aws[a-z-]*:(iam|sts)::\d{12}:[\w+=,.@/-]+$/.test(arn);
}

function checkArn(arn: string): string {
  if (!isPrincipalArn(arn)) {
    throw new UsageError(`\`${arn}\` is not an IAM principal ARN (arn:aws:iam::123456789012:role/Name).`);
  }
  return arn;
}

function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

function unknownSubcommandMessage(name: string): string {
  const names = SUBCOMMANDS.map((s) => s.name);
  const close = names.filter((candidate) => editDistance(candidate, name.toLowerCase()) <= 2);
  const suggestion = close.length ? ` Did you mean \`${close[0]}\`?` : '';
  return `\`${name}\` is not an s3x command.${suggestion} Try \`/s3x help\`.`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}

export function isObjectQuestion(request: S3xRequest): request is Extract<S3xRequest, { command: ObjectQuestionName }> {
  return (OBJECT_QUESTIONS as readonly string[]).includes(request.command);
}
