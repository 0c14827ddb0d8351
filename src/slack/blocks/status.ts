import {
  byAttention,
  describeBucketCoverage,
  describeLogged,
  describeStatus,
  describeStatusScan,
  describeTrails,
  NOW_ICONS,
  NOW_LABELS,
} from '../../answers/status/formats.js';
import { type BucketStatus, needsLogging, type StatusAnswer } from '../../answers/status/question.js';
import { BUCKET_MAX, PLAIN_MARKUP } from '../../text/markup.js';
import { formatNumber, formatUtc } from '../../text/numbers.js';
import type { TableData } from '../../text/table.js';
import { ACTIONS } from '../ids.js';
import { roomAfter, takeWhileFits } from './budget.js';
import { escapeMrkdwn, inlineCode, MAX_BUTTON_VALUE, MAX_SECTION_TEXT } from './limits.js';
import { buildMessage, contextBlock, dividerBlock, type KnownBlock, mrkdwnSection, type SlackMessage } from './message.js';
import { MRKDWN } from './mrkdwn.js';
import { buildTableBlock } from './table.js';

/** The Enable logging button; its value is the bucket name. */
export const ENABLE_LOGGING_ACTION = ACTIONS.enableLogging;

/** Buckets told in full (a section and a button each); the rest get one line, so 100 buckets of 63-character names fit. */
const DETAILED_ROWS = 15;
/** Text kept free for the "…and N more" line (at most about 200 characters). */
const HIDDEN_LINE_RESERVE = 260;

/**
 * Logging coverage per directory bucket: the buckets that need attention first, each in its own
 * section with its gaps and an Enable logging button when it is not fully logged now; then one
 * compact line per bucket, packed into sections, while Slack's limits allow; then "…and N more".
 */
export function buildStatusMessage(answer: StatusAnswer): SlackMessage {
  // Attention first: any bucket not covered throughout, or not fully logged now (say, writes only).
  const attention: BucketStatus[] = [];
  const calm: BucketStatus[] = [];
  for (const status of byAttention(answer.buckets)) {
    (status.coverage.state !== 'covered' || needsLogging(status.coverage) ? attention : calm).push(status);
  }
  const ordered = [...attention, ...calm];
  const opening = [
    mrkdwnSection(describeStatus(answer, MRKDWN, NOW_ICONS)),
    contextBlock([describeTrails(answer, MRKDWN)]),
    ...(ordered.length > 0 ? [dividerBlock()] : []),
  ];
  const footer = [dividerBlock(), contextBlock(describeStatusScan(answer, MRKDWN))];
  const fixed = [...opening, ...footer];
  const budget = roomAfter(fixed, HIDDEN_LINE_RESERVE);
  const rows = takeWhileFits(attention.slice(0, DETAILED_ROWS).map(detailedRow), budget);
  let shown = rows.length;

  // The rest in Slack's native table when it fits (at most 99 buckets, within the text left); else one line each.
  const rest = ordered.slice(shown);
  const table = budget.blocks >= 1 ? buildTableBlock(statusTable(rest), budget.chars) : undefined;
  if (table && table.rows.length - 1 === rest.length) {
    rows.push(table as KnownBlock);
    shown += rest.length;
  }

  let lines: string[] = [];
  let sectionLength = 0;
  const flush = (): void => {
    if (lines.length > 0) rows.push(mrkdwnSection(lines.join('\n')));
    lines = [];
    sectionLength = 0;
  };
  for (const status of ordered.slice(shown)) {
    const line = compactLine(status);
    if (sectionLength + 1 + line.length > MAX_SECTION_TEXT) flush();
    const cost = line.length + (lines.length > 0 ? 1 : 0);
    if ((lines.length === 0 && budget.blocks < 1) || budget.chars < cost) break;
    if (lines.length === 0) budget.blocks -= 1;
    lines.push(line);
    sectionLength += cost;
    budget.chars -= cost;
    shown += 1;
  }
  flush();

  const hidden = describeHidden(answer, ordered.slice(shown));
  const blocks = [...opening, ...rows, ...(hidden === undefined ? [] : [contextBlock([hidden])]), ...footer];
  return buildMessage(describeStatus(answer, PLAIN_MARKUP), blocks);
}

function detailedRow(status: BucketStatus): KnownBlock {
  const now = status.coverage.atEnd;
  const lines = [
    `${NOW_ICONS[now]} ${inlineCode(status.bucket, BUCKET_MAX)} · ${MRKDWN.text(status.region, 30)} · *${NOW_LABELS[now]}*`,
    ...describeBucketCoverage(status, MRKDWN),
    ...(status.lastActivity === undefined ? [] : [`Last activity ${MRKDWN.text(formatUtc(status.lastActivity), 40)}.`]),
  ];
  const section = mrkdwnSection(lines.join('\n'));
  // A name too long for a button value is no bucket enable-logging could act on.
  if (!needsLogging(status.coverage) || status.bucket.length > MAX_BUTTON_VALUE) return section;
  return {
    ...section,
    accessory: {
      type: 'button',
      action_id: ENABLE_LOGGING_ACTION,
      value: status.bucket,
      text: { type: 'plain_text', text: 'Enable logging' },
    },
  } as KnownBlock;
}

function statusTable(statuses: readonly BucketStatus[]): TableData {
  return {
    header: ['Bucket', 'Region', 'Now', 'Logged', 'Covered since (UTC)', 'Gaps'],
    rows: statuses.map(({ bucket, region, coverage }) => [
      bucket,
      region,
      `${NOW_ICONS[coverage.atEnd]} ${NOW_LABELS[coverage.atEnd]}`,
      describeLogged(coverage),
      coverage.coveredSince === undefined ? '–' : formatUtc(coverage.coveredSince),
      coverage.gaps.length,
    ]),
  };
}

function compactLine(status: BucketStatus): string {
  const { coverage } = status;
  const head = `${NOW_ICONS[coverage.atEnd]} ${inlineCode(status.bucket, BUCKET_MAX)}`;
  const gaps = coverage.gaps.length === 0 ? '' : `, ${coverage.gaps.length} ${coverage.gaps.length === 1 ? 'gap' : 'gaps'}`;
  if (coverage.atEnd === 'covered') {
    const since = coverage.coveredSince === undefined ? '' : ` since ${MRKDWN.text(formatUtc(coverage.coveredSince), 40)}`;
    return `${head} · ${describeLogged(coverage)}${since}${gaps}`;
  }
  // Short: the icon and the opening summary already say it is about now.
  return `${head} · ${coverage.atEnd === 'unknown' ? 'cannot tell' : 'not logged'}${gaps}`;
}

/** The line for buckets not shown (those left out here and those past the answer's cap); undefined when none. */
function describeHidden(answer: StatusAnswer, left: readonly BucketStatus[]): string | undefined {
  const hidden = left.length + (answer.totalBuckets - answer.buckets.length);
  if (hidden <= 0) return undefined;
  const needing = left.filter((status) => needsLogging(status.coverage)).length;
  const note = needing > 0 ? ` (${formatNumber(needing)} of them not fully logged now)` : '';
  const enable =
    needing > 0 ? `, and ${inlineCode('/s3x enable-logging --all', 40)} turns logging on for every directory bucket` : '';
  return (
    `${escapeMrkdwn(`…and ${formatNumber(hidden)} more ${hidden === 1 ? 'bucket' : 'buckets'}${note}.`)} ` +
    `${inlineCode('s3x status --format csv', 40)} lists them all${enable}.`
  );
}
