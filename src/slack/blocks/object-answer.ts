import {
  CANDIDATE_HEADING,
  CANDIDATE_NOTE,
  describeAnswer,
  describeCoverageCaveat,
  describeEffect,
  describeHidden,
  describePrincipal,
  describeScan,
  EXACT_HEADING,
  mfaWords,
  PREFIX_KEYS_HEADING,
  prefixKeysTable,
} from '../../answers/object/formats.js';
import type { ObjectAnswer, ObjectEvent } from '../../answers/object/question.js';
import { describeMore } from '../../answers/wording/aggregates.js';
import { ARN_MAX, PLAIN_MARKUP } from '../../text/markup.js';
import { formatNumber, formatUtc } from '../../text/numbers.js';
import { type AnswerView, answerControls, pageCount, showEventAccessory } from './answer-controls.js';
import { roomAfter, takeWhileFits } from './budget.js';
import { blockTextLength, escapeMrkdwn, inlineCode, MAX_TOTAL_TEXT } from './limits.js';
import type { KnownBlock, SlackMessage } from './message.js';
import { buildMessage, contextBlock, dividerBlock, headerBlock, mrkdwnSection } from './message.js';
import { MRKDWN } from './mrkdwn.js';
import { buildTableBlock } from './table.js';

/** The key in each event is shorter than in the summary: it is the same key every time. */
const EVENT_KEY_MAX = 200;
/** Text kept free for the "…and N more events" line. */
const HIDDEN_LINE_RESERVE = 400;
/** Candidates kept in view even when exact matches could fill the message. */
const CANDIDATES_KEPT = 3;

/** Text a prefix answer's key table may take, on the message and on every page. */
const PREFIX_KEYS_TEXT = 3_000;

/**
 * A prefix answer's keys as Slack's table, as many as fit in PREFIX_KEYS_TEXT (Slack takes one
 * table per message), and how many more there are; Export CSV has every event. Nothing for a key question.
 */
function prefixKeysBlocks(answer: ObjectAnswer): KnownBlock[] {
  const keys = answer.keys ?? [];
  if (keys.length === 0) return [];
  const title = mrkdwnSection(`*${escapeMrkdwn(PREFIX_KEYS_HEADING)}*`);
  const table = buildTableBlock(prefixKeysTable(answer), PREFIX_KEYS_TEXT - blockTextLength(title) - HIDDEN_LINE_RESERVE);
  const shown = table ? table.rows.length - 1 : 0;
  const more = describeMore(shown, keys.length, 'key');
  const moreLine = more ? [contextBlock([escapeMrkdwn(`${more} Export CSV lists every event.`)])] : [];
  return [title, ...(table ? [table as KnownBlock] : []), ...moreLine];
}

/**
 * The answer to an object question as one message: summary, exact matches, batch-delete
 * candidates under their own heading, then what was searched. Events that do not fit Slack's
 * limits are counted in an "…and N more" line.
 */
export function buildObjectAnswerMessage(answer: ObjectAnswer, coverageNote?: string): SlackMessage {
  const caveat = coverageNote ? MRKDWN.text(coverageNote, 1200) : describeCoverageCaveat(answer, MRKDWN);
  const summary = mrkdwnSection([describeAnswer(answer, MRKDWN), ...(caveat ? [caveat] : [])].join('\n'));
  const exact = answer.events.filter((event) => event.evidence === 'exact');
  const candidates = answer.events.filter((event) => event.evidence === 'candidate');
  const grouped = candidates.length > 0;

  const opening = [...(answer.events.length > 0 ? [summary, dividerBlock()] : [summary]), ...prefixKeysBlocks(answer)];
  const exactIntro = grouped && exact.length > 0 ? [headerBlock(EXACT_HEADING)] : [];
  const candidateIntro = grouped ? [headerBlock(CANDIDATE_HEADING), contextBlock([escapeMrkdwn(CANDIDATE_NOTE)])] : [];
  const footer = [dividerBlock(), contextBlock(describeScan(answer, MRKDWN))];

  const fixed = [...opening, ...exactIntro, ...candidateIntro, ...footer];
  const budget = roomAfter(fixed, HIDDEN_LINE_RESERVE);
  const candidateBlocks = candidates.map(renderEvent);
  const kept = candidateBlocks.slice(0, CANDIDATES_KEPT);
  const shownExact = takeWhileFits(exact.map(renderEvent), budget, { blocks: kept.length, chars: blockTextLength(kept) });
  const shownCandidates = takeWhileFits(candidateBlocks, budget);
  const hidden = describeHidden(answer, shownExact.length + shownCandidates.length, exact.length - shownExact.length);

  const blocks = [
    ...opening,
    ...exactIntro,
    ...shownExact,
    ...candidateIntro,
    ...shownCandidates,
    ...(hidden ? [contextBlock([escapeMrkdwn(hidden)])] : []),
    ...footer,
  ];
  return buildMessage(describeAnswer(answer, PLAIN_MARKUP), blocks);
}

/**
 * One page of a stored answer: the events of that page (exact matches first, then candidates, as
 * the query ordered them), each with a Show event button, then Previous/Next, Export CSV and
 * Share. Every event is on exactly one page, so walking the pages shows each once.
 */
export function buildObjectAnswerPage(answer: ObjectAnswer, view: AnswerView, coverageNote?: string): SlackMessage {
  const caveat = coverageNote ? MRKDWN.text(coverageNote, 1200) : describeCoverageCaveat(answer, MRKDWN);
  const summary = mrkdwnSection([describeAnswer(answer, MRKDWN), ...(caveat ? [caveat] : [])].join('\n'));
  const pageEvents = answer.events.slice(view.page * view.pageSize, (view.page + 1) * view.pageSize);
  const rows: KnownBlock[] = [];
  let lastEvidence: ObjectEvent['evidence'] | undefined;
  for (const event of pageEvents) {
    if (event.evidence !== lastEvidence && answer.events.some((e) => e.evidence === 'candidate')) {
      rows.push(headerBlock(event.evidence === 'exact' ? EXACT_HEADING : CANDIDATE_HEADING));
      if (event.evidence === 'candidate') rows.push(contextBlock([escapeMrkdwn(CANDIDATE_NOTE)]));
    }
    lastEvidence = event.evidence;
    const section = renderEvent(event) as KnownBlock & { accessory?: unknown };
    const accessory = showEventAccessory(view.answerId, event.eventId);
    rows.push(accessory ? ({ ...section, accessory } as KnownBlock) : section);
  }
  const unfetched = answer.totalMatches - answer.events.length;
  const blocks = [
    summary,
    ...prefixKeysBlocks(answer),
    ...(rows.length > 0 ? [dividerBlock(), ...rows] : []),
    ...(unfetched > 0 && view.page === pageCount(answer.events.length, view.pageSize) - 1
      ? [
          contextBlock([
            escapeMrkdwn(
              `${formatNumber(unfetched)} more matches were not fetched: narrow --since/--until or add --bucket to see them.`,
            ),
          ]),
        ]
      : []),
    dividerBlock(),
    contextBlock(describeScan(answer, MRKDWN)),
    ...answerControls(view, answer.events.length),
  ];
  return buildMessage(describeAnswer(answer, PLAIN_MARKUP), blocks);
}

/** Room left for event rows once summary, footer and controls are in. */
const PAGE_TEXT_BUDGET = MAX_TOTAL_TEXT - 4_000;
const MAX_PAGE_SIZE = 15;

/**
 * Events per page for this answer: as many as fit when every row is as long as its longest one,
 * so every page of the answer fits Slack's limits and pages never shift.
 */
export function objectAnswerPageSize(answer: ObjectAnswer): number {
  const longest = answer.events.reduce((max, event) => Math.max(max, blockTextLength(renderEvent(event)) + 150), 1);
  const budget = PAGE_TEXT_BUDGET - (answer.matchPrefix ? PREFIX_KEYS_TEXT : 0);
  return Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(budget / longest)));
}

/** What CloudTrail's addendum reasons mean, for the event line. */
const ADDENDUM_MEANING: Record<string, string> = {
  DELIVERY_DELAY: 'delivered late',
  UPDATED_DATA: 'this record corrects an earlier one',
  SERVICE_OUTAGE: 'delivered after a CloudTrail outage',
};

function renderEvent(event: ObjectEvent): KnownBlock {
  const failure = event.errorCode === null ? '' : ` · ${describeFailure(event)}`;
  const effect = event.keyRole === 'source' ? ` · ${describeEffect(event, '', MRKDWN)}` : '';
  const bucket = event.bucket === null ? '_unknown_' : inlineCode(event.bucket, 80);
  const accessPoint = event.accessPoint === null ? '' : ` via access point ${inlineCode(event.accessPoint, 80)}`;
  const key = event.key === null ? '_not recorded (DeleteObjects lists no keys)_' : inlineCode(event.key, EVENT_KEY_MAX);
  const issuer = event.sessionIssuerArn === null ? '' : ` (issuer ${inlineCode(event.sessionIssuerArn, ARN_MAX)})`;
  const origin = [
    event.sourceIp === null ? '' : `from ${inlineCode(event.sourceIp, 60)}`,
    event.sessionMode === null ? (issuer ? `session${issuer}` : '') : `session ${inlineCode(event.sessionMode, 30)}${issuer}`,
    event.vpcEndpointId === null ? '' : `VPC endpoint ${inlineCode(event.vpcEndpointId, 60)}`,
    mfaWords(event.mfaAuthenticated),
  ].filter((part) => part !== '');
  const addendum =
    event.addendumReason === null
      ? []
      : [
          `addendum ${inlineCode(event.addendumReason, 40)}${
            ADDENDUM_MEANING[event.addendumReason] ? ` (${ADDENDUM_MEANING[event.addendumReason]})` : ''
          }`,
        ];
  const agent = event.userAgent === null || event.userAgent === '' ? [] : [`agent ${inlineCode(event.userAgent, 200)}`];
  const lines = [
    `*${MRKDWN.text(formatUtc(event.eventTime), 40)}* · ${inlineCode(event.eventName, 60)}${effect}${failure}`,
    `by ${describePrincipal(event, MRKDWN)}`,
    `bucket ${bucket}${accessPoint} · key ${key}`,
    ...(origin.length > 0 ? [origin.join(' · ')] : []),
    ...addendum,
    ...agent,
  ];
  return mrkdwnSection(lines.join('\n'));
}

/** A failed call changed nothing; say so where it would otherwise read as the answer. */
function describeFailure(event: ObjectEvent): string {
  const effect =
    event.eventName.startsWith('Delete') || event.eventName === 'RenameObject'
      ? 'nothing was deleted'
      : 'the call did not take effect';
  const message = event.errorMessage === null ? '' : ` (${MRKDWN.text(event.errorMessage, 200)})`;
  return `:x: *FAILED* ${inlineCode(event.errorCode ?? '', 80)}${message}: ${effect}`;
}
