import { describeActivity, describeActivityScan } from '../../answers/activity/formats.js';
import type { ActivityAnswer } from '../../answers/activity/question.js';
import { coverageCaveat, describeMore, failedNote } from '../../answers/wording/aggregates.js';
import { describeCaller } from '../../answers/wording/callers.js';
import { BUCKET_MAX, CODE_MAX, PLAIN_MARKUP } from '../../text/markup.js';
import { formatNumber } from '../../text/numbers.js';
import type { TableData } from '../../text/table.js';
import { blockTextLength, escapeMrkdwn, inlineCode, MAX_SECTION_TEXT, MAX_TOTAL_TEXT } from './limits.js';
import { buildMessage, contextBlock, dividerBlock, type KnownBlock, mrkdwnSection, type SlackMessage } from './message.js';
import { MRKDWN } from './mrkdwn.js';
import { buildTableBlock } from './table.js';

/** Room kept in a list for its "…and N more" line. */
const MORE_LINE_RESERVE = 120;

/** One list of an aggregate answer, as mrkdwn lines already escaped and sized, most important first. */
export interface ListPart {
  /** s3x's own wording, shown bold. */
  title: string;
  lines: readonly string[];
  /** Groups in all, fetched or not (at least `lines.length`). */
  total: number;
  /** Noun for the "…and N more" line. */
  one: string;
  many?: string;
  /** The same rows as cells, for Slack's native table (one per message: the first list that has one and fits). */
  table?: TableData;
}

/**
 * Summary, then each list in as many sections as it needs, then what was searched. The text
 * left after the summary and footer is shared among the lists (a short list gives what it does
 * not need to the others); lines that do not fit are counted in an "…and N more" line, with the
 * groups the query did not fetch.
 */
export function buildAggregateMessage(
  fallback: string,
  opening: readonly string[],
  parts: readonly ListPart[],
  footer: string[],
): SlackMessage {
  const head = opening.map(mrkdwnSection);
  const tail = [dividerBlock(), contextBlock(footer)];
  const lists = parts.filter((part) => part.lines.length > 0);
  const tabled = lists.findIndex((part) => part.table !== undefined);
  const needs = lists.map((part, i) => (i === tabled ? Math.max(fullSize(part), tableSize(part)) : fullSize(part)));
  const allowances = shareText(needs, MAX_TOTAL_TEXT - blockTextLength([...head, ...tail]));
  const body = lists.flatMap(
    (part, i) => (i === tabled && renderTable(part, allowances[i] ?? 0)) || renderPart(part, allowances[i] ?? 0),
  );
  return buildMessage(fallback, [...head, ...(body.length > 0 ? [dividerBlock(), ...body] : []), ...tail]);
}

/** Text a list needs to show every line it has. */
function fullSize(part: ListPart): number {
  return part.title.length + 2 + part.lines.reduce((sum, line) => sum + line.length + 1, 0) + MORE_LINE_RESERVE;
}

/** Text a list needs to show every row in the native table (its cells are longer than the lines: one value per column). */
function tableSize(part: ListPart): number {
  const table = part.table && buildTableBlock(part.table, Number.POSITIVE_INFINITY);
  return part.title.length + 2 + blockTextLength(table) + MORE_LINE_RESERVE;
}

/** Split `available` among needs, smallest need first, none getting more than it needs or its fair share of what is left. */
function shareText(needs: readonly number[], available: number): number[] {
  const shares = needs.map(() => 0);
  let left = available;
  const order = needs.map((need, i) => ({ need, i })).sort((a, b) => a.need - b.need);
  order.forEach(({ need, i }, n) => {
    const share = Math.min(need, Math.floor(left / (order.length - n)));
    shares[i] = share;
    left -= share;
  });
  return shares;
}

function renderPart(part: ListPart, allowance: number): KnownBlock[] {
  const title = `*${escapeMrkdwn(part.title)}*`;
  const sections: string[][] = [[title]];
  let sectionSize = title.length;
  let used = title.length;
  let shown = 0;
  for (const line of part.lines) {
    if (used + line.length + 1 > allowance - MORE_LINE_RESERVE) break;
    if (sectionSize + line.length + 1 > MAX_SECTION_TEXT - MORE_LINE_RESERVE) {
      sections.push([line]);
      sectionSize = line.length;
    } else {
      sections.at(-1)?.push(line);
      sectionSize += line.length + 1;
    }
    used += line.length + 1;
    shown += 1;
  }
  const more = describeMore(shown, Math.max(part.total, part.lines.length), part.one, part.many);
  if (more) sections.at(-1)?.push(`_${escapeMrkdwn(more)}_`);
  return sections.map((lines) => mrkdwnSection(lines.join('\n')));
}

/** A list as its title, a native table of the rows that fit and "…and N more"; undefined when no row fits (then the text layout). */
function renderTable(part: ListPart, allowance: number): KnownBlock[] | undefined {
  const title = mrkdwnSection(`*${escapeMrkdwn(part.title)}*`);
  const table = part.table && buildTableBlock(part.table, allowance - blockTextLength(title) - MORE_LINE_RESERVE);
  if (!table) return undefined;
  const more = describeMore(table.rows.length - 1, Math.max(part.total, part.lines.length), part.one, part.many);
  return [title, table as KnownBlock, ...(more ? [contextBlock([`_${escapeMrkdwn(more)}_`])] : [])];
}

/** One bucket's activity: summary, operations, top principals, errors, then what was searched. */
export function buildActivityMessage(answer: ActivityAnswer): SlackMessage {
  const opening = [describeActivity(answer, MRKDWN)];
  if (answer.totals.events === 0) opening.push(coverageCaveat(`bucket ${MRKDWN.code(answer.bucket, BUCKET_MAX)}`));
  const parts: ListPart[] = [
    {
      title: 'Operations',
      lines: answer.operations.map((o) => `${inlineCode(o.name, 60)} · ${formatNumber(o.count)}${failedNote(o.errors)}`),
      total: answer.groupCounts.operations,
      one: 'operation',
    },
    {
      title: 'Top principals',
      lines: answer.principals.map(
        (p) => `${describeCaller(p.principal, MRKDWN)} · ${formatNumber(p.count)}${failedNote(p.errors)}`,
      ),
      total: answer.groupCounts.principals,
      one: 'principal',
      table: {
        header: ['Principal', 'Calls', 'Failed'],
        rows: answer.principals.map((p) => [describeCaller(p.principal, PLAIN_MARKUP), p.count, p.errors]),
      },
    },
    {
      title: 'Errors',
      lines: answer.errors.map((e) => `${inlineCode(e.code, CODE_MAX)} · ${formatNumber(e.count)}`),
      total: answer.groupCounts.errors,
      one: 'error code',
    },
  ];
  return buildAggregateMessage(describeActivity(answer, PLAIN_MARKUP), opening, parts, describeActivityScan(answer, MRKDWN));
}
