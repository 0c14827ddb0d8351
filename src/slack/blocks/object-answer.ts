import {
  ARN_MAX,
  CANDIDATE_HEADING,
  CANDIDATE_NOTE,
  describeAnswer,
  describeCoverageCaveat,
  describeHidden,
  describePrincipal,
  describeScan,
  EXACT_HEADING,
  formatUtc,
  type Markup,
  PLAIN_MARKUP,
} from '../../output/object-answer-formats.js';
import type { ObjectAnswer, ObjectEvent } from '../../questions/object-events.js';
import {
  blockTextLength,
  escapeAndTruncate,
  escapeMrkdwn,
  inlineCode,
  MAX_BLOCKS_PER_MESSAGE,
  MAX_TOTAL_TEXT,
  showControlCharacters,
} from './limits.js';
import {
  buildMessage,
  contextBlock,
  dividerBlock,
  headerBlock,
  type KnownBlock,
  mrkdwnSection,
  type SlackMessage,
} from './message.js';

const MRKDWN: Markup = {
  code: inlineCode,
  text: (value, max) => escapeAndTruncate(showControlCharacters(value), max),
  strong: (text) => `*${text}*`,
};

/** The key in each event is shorter than in the summary: it is the same key every time. */
const EVENT_KEY_MAX = 200;
/** Text kept free for the "…and N more events" line. */
const HIDDEN_LINE_RESERVE = 400;
/** Candidates kept in view even when exact matches could fill the message. */
const CANDIDATES_KEPT = 3;

interface Budget {
  blocks: number;
  chars: number;
}

/**
 * The answer to an object question as one message: summary, exact matches, batch-delete
 * candidates under their own heading, then what was searched. Events that do not fit Slack's
 * limits are counted in an "…and N more" line.
 */
export function buildObjectAnswerMessage(answer: ObjectAnswer): SlackMessage {
  const caveat = describeCoverageCaveat(answer, MRKDWN);
  const summary = mrkdwnSection([describeAnswer(answer, MRKDWN), ...(caveat ? [caveat] : [])].join('\n'));
  const exact = answer.events.filter((event) => event.evidence === 'exact');
  const candidates = answer.events.filter((event) => event.evidence === 'candidate');
  const grouped = candidates.length > 0;

  const opening = answer.events.length > 0 ? [summary, dividerBlock()] : [summary];
  const exactIntro = grouped && exact.length > 0 ? [headerBlock(EXACT_HEADING)] : [];
  const candidateIntro = grouped ? [headerBlock(CANDIDATE_HEADING), contextBlock([escapeMrkdwn(CANDIDATE_NOTE)])] : [];
  const footer = [dividerBlock(), contextBlock(describeScan(answer, MRKDWN))];

  const fixed = [...opening, ...exactIntro, ...candidateIntro, ...footer];
  const budget: Budget = {
    blocks: MAX_BLOCKS_PER_MESSAGE - fixed.length - 1,
    chars: MAX_TOTAL_TEXT - blockTextLength(fixed) - HIDDEN_LINE_RESERVE,
  };
  const candidateBlocks = candidates.map(renderEvent);
  const kept = candidateBlocks.slice(0, CANDIDATES_KEPT);
  const shownExact = takeWhileFits(exact.map(renderEvent), budget, { blocks: kept.length, chars: blockTextLength(kept) });
  const shownCandidates = takeWhileFits(candidateBlocks, budget, { blocks: 0, chars: 0 });
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

/** Take sections in order while they fit, leaving `reserve` for what comes after. */
function takeWhileFits(sections: readonly KnownBlock[], budget: Budget, reserve: Budget): KnownBlock[] {
  const taken: KnownBlock[] = [];
  for (const section of sections) {
    const size = blockTextLength(section);
    if (budget.blocks - reserve.blocks < 1 || budget.chars - reserve.chars < size) break;
    taken.push(section);
    budget.blocks -= 1;
    budget.chars -= size;
  }
  return taken;
}

function renderEvent(event: ObjectEvent): KnownBlock {
  const failure = event.errorCode === null ? '' : ` · ${describeFailure(event.eventName, event.errorCode)}`;
  const bucket = event.bucket === null ? '_unknown_' : inlineCode(event.bucket, 80);
  const key = event.key === null ? '_not recorded (DeleteObjects lists no keys)_' : inlineCode(event.key, EVENT_KEY_MAX);
  const issuer = event.sessionIssuerArn === null ? '' : ` (issuer ${inlineCode(event.sessionIssuerArn, ARN_MAX)})`;
  const origin = [
    event.sourceIp === null ? '' : `from ${inlineCode(event.sourceIp, 60)}`,
    event.sessionMode === null ? (issuer ? `session${issuer}` : '') : `session ${inlineCode(event.sessionMode, 30)}${issuer}`,
    event.vpcEndpointId === null ? '' : `VPC endpoint ${inlineCode(event.vpcEndpointId, 60)}`,
  ].filter((part) => part !== '');
  const lines = [
    `*${MRKDWN.text(formatUtc(event.eventTime), 40)}* · ${inlineCode(event.eventName, 60)}${failure}`,
    `by ${describePrincipal(event, MRKDWN)}`,
    `bucket ${bucket} · key ${key}`,
    ...(origin.length > 0 ? [origin.join(' · ')] : []),
  ];
  return mrkdwnSection(lines.join('\n'));
}

/** A failed call changed nothing; say so where it would otherwise read as the answer. */
function describeFailure(eventName: string, errorCode: string): string {
  const effect = eventName.startsWith('Delete') ? 'nothing was deleted' : 'the call did not take effect';
  return `:x: *FAILED* ${inlineCode(errorCode, 80)}: ${effect}`;
}
