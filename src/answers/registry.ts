import type { TimeWindow } from '../time/window.js';
import * as activityFormats from './activity/formats.js';
import type { Reply, ReplyOf } from './answer-request.js';
import * as bucketEventsFormats from './bucket-events/formats.js';
import * as deniedFormats from './denied/formats.js';
import * as digestFormats from './digest/formats.js';
import { helpText } from './help/formats.js';
import * as objectAnswerFormats from './object/formats.js';
import * as principalFormats from './principal/formats.js';
import * as statusFormats from './status/formats.js';

/** The terminal's formats (`--format`). */
export type Format = 'text' | 'json' | 'csv';

/** What the terminal shows for a reply: the output, or a notice (on stderr) and its exit code. */
export type Printed = { out: string } | { err: string; exitCode: number };

/** Everything s3x does with one kind of reply outside Slack (Slack's views are in slack/render.ts). */
export interface AnswerKind<K extends Reply['kind']> {
  /** Kept in the answer store, for paging, Show event, Export CSV and Share; other replies are shown once. */
  stored: boolean;
  /** The reply in the terminal, in the format asked (`s3x mcp` returns the JSON). */
  print: (reply: ReplyOf<K>, format: Format) => Printed;
  /** Every row as CSV, for Export CSV; only for kinds with rows. */
  csv?: (reply: ReplyOf<K>) => string;
  /** A stored reply as read back from JSON: dates become Dates again. */
  revive?: (reply: ReplyOf<K>) => ReplyOf<K>;
}

interface FileFormats<A> {
  toText: (answer: A) => string;
  toJson: (answer: A) => string;
  toCsv: (answer: A) => string;
}

/** A reply printed and exported in its answer's file formats. */
interface InFileFormats<R> {
  print: (reply: R, format: Format) => Printed;
  csv: (reply: R) => string;
}

/** A kind whose answer the terminal prints in its file formats, and Export CSV exports as CSV. */
function inFileFormats<R, A>(answerOf: (reply: R) => A, formats: FileFormats<A>): InFileFormats<R> {
  const byFormat = { text: formats.toText, json: formats.toJson, csv: formats.toCsv };
  return {
    print: (reply, format) => ({ out: byFormat[format](answerOf(reply)) }),
    csv: (reply) => formats.toCsv(answerOf(reply)),
  };
}

/** JSON turns a window's dates into strings; turn them back. */
function reviveWindow(window: TimeWindow): TimeWindow {
  return { since: new Date(window.since), until: new Date(window.until) };
}

function reviveAnswerWindow<R extends { answer: { window: TimeWindow } }>(reply: R): R {
  return { ...reply, answer: { ...reply.answer, window: reviveWindow(reply.answer.window) } };
}

/** A stored kind whose reply is its answer, printed and exported in the answer's file formats. */
function storedAnswer<R extends { answer: { window: TimeWindow } }>(
  formats: FileFormats<R['answer']>,
): InFileFormats<R> & { stored: true; revive: (reply: R) => R } {
  return { stored: true, ...inFileFormats((reply: R) => reply.answer, formats), revive: reviveAnswerWindow };
}

/** A list for the terminal: JSON as it is, else one line per item, or what to say when there is none. */
function printList<T>(items: readonly T[], format: Format, line: (item: T) => string, none: string): Printed {
  return { out: format === 'json' ? JSON.stringify(items, null, 2) : items.map(line).join('\n') || none };
}

/** The one table of reply kinds: the CLI's print, Export CSV and the answer store read it instead of switching on the kind. */
export const ANSWER_KINDS: { [K in Reply['kind']]: AnswerKind<K> } = {
  help: { stored: false, print: (reply) => ({ out: helpText(reply.topic) }) },
  'not-available': {
    stored: false,
    print: (reply) => ({
      err: `s3x: \`${reply.command}\` is not available yet in this version of s3x.\n`.replaceAll('`', ''),
      exitCode: 3,
    }),
  },
  'object-answer': {
    stored: true,
    print: (reply, format) => ({ out: objectAnswerFormats.printObjectAnswer(reply, format) }),
    csv: (reply) => objectAnswerFormats.toCsv(reply.answer),
    revive: reviveAnswerWindow,
  },
  'bucket-events': storedAnswer<ReplyOf<'bucket-events'>>(bucketEventsFormats),
  activity: storedAnswer<ReplyOf<'activity'>>(activityFormats),
  principal: storedAnswer<ReplyOf<'principal'>>(principalFormats),
  denied: storedAnswer<ReplyOf<'denied'>>(deniedFormats),
  digest: {
    stored: true,
    ...inFileFormats((reply: ReplyOf<'digest'>) => reply.digest, digestFormats),
    revive: (reply) => ({ ...reply, digest: { ...reply.digest, window: reviveWindow(reply.digest.window) } }),
  },
  status: { stored: false, print: inFileFormats((reply: ReplyOf<'status'>) => reply.answer, statusFormats).print },
  approvals: {
    stored: false,
    print: (reply, format) =>
      printList(reply.pending, format, (r) => `${r.id}  ${r.expiresAt}  ${r.plan.summary}`, 'No approval requests are pending.'),
  },
  audit: {
    stored: false,
    print: (reply, format) =>
      printList(
        reply.entries,
        format,
        (e) => `${e.at}  ${e.action.padEnd(10)} ${e.actor.padEnd(12)} ${e.requestId.slice(0, 8)}  ${e.detail}`,
        'The audit log is empty.',
      ),
  },
  alerts: {
    stored: false,
    print: () => ({
      err: 's3x: alerts run inside the app (npm start, or the Slack app); ask `/s3x alerts` there.\n'.replaceAll('`', ''),
      exitCode: 3,
    }),
  },
};

/** The registry entry of a reply's kind, typed for that kind. */
function kindOf<K extends Reply['kind']>(reply: ReplyOf<K>): AnswerKind<K> {
  return ANSWER_KINDS[reply.kind as K];
}

/** What the terminal shows for a reply. */
export function printReply(reply: Reply, format: Format): Printed {
  return kindOf(reply).print(reply, format);
}

/** Whether a reply is worth storing for paging, export and sharing. */
export function isStored(reply: Reply): boolean {
  return kindOf(reply).stored;
}

/** The rows of a stored reply as CSV for Export CSV; undefined for a reply without rows. */
export function csvOf(reply: Reply): string | undefined {
  return kindOf(reply).csv?.(reply);
}

/** A reply as stored (parsed JSON), with its dates revived. */
export function reviveReply(reply: Reply): Reply {
  return kindOf(reply).revive?.(reply) ?? reply;
}
