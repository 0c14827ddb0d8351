import {
  describeBucketEvents,
  describeBucketEventsScan,
  describeHiddenEvents,
  isSensitive,
} from '../../answers/bucket-events/formats.js';
import { type BucketEventsAnswer, type ManagementEvent, REQUEST_SUMMARY_MAX } from '../../answers/bucket-events/question.js';
import { describeRecordedCaller } from '../../answers/wording/callers.js';
import { PLAIN_MARKUP } from '../../text/markup.js';
import { formatUtc } from '../../text/numbers.js';
import { roomAfter, takeWhileFits } from './budget.js';
import { escapeMrkdwn, inlineCode } from './limits.js';
import { buildMessage, contextBlock, dividerBlock, type KnownBlock, mrkdwnSection, type SlackMessage } from './message.js';
import { MRKDWN } from './mrkdwn.js';

const SENSITIVE_MARK = ':rotating_light:';
/** Text kept free for the "…and N more" line. */
const HIDDEN_LINE_RESERVE = 400;
const ERROR_MESSAGE_MAX = 160;

/**
 * The bucket's management events as one message: summary, one section per change (sensitive
 * ones marked), then what was searched. Changes that do not fit Slack's limits are counted in an
 * "…and N more" line.
 */
export function buildBucketEventsMessage(answer: BucketEventsAnswer): SlackMessage {
  const summary = mrkdwnSection(describeBucketEvents(answer, MRKDWN));
  const opening = answer.events.length > 0 ? [summary, dividerBlock()] : [summary];
  const footer = [dividerBlock(), contextBlock(describeBucketEventsScan(answer, MRKDWN))];

  const fixed = [...opening, ...footer];
  const shown = takeWhileFits(answer.events.map(renderEvent), roomAfter(fixed, HIDDEN_LINE_RESERVE));
  const hidden = describeHiddenEvents(answer, shown.length);

  const blocks = [...opening, ...shown, ...(hidden ? [contextBlock([escapeMrkdwn(hidden)])] : []), ...footer];
  return buildMessage(describeBucketEvents(answer, PLAIN_MARKUP), blocks);
}

function renderEvent(event: ManagementEvent): KnownBlock {
  const mark = isSensitive(event) ? `${SENSITIVE_MARK} ` : '';
  const failure = event.errorCode === null ? '' : ` · ${describeFailure(event)}`;
  const origin = event.sourceIp === null ? '' : ` · from ${inlineCode(event.sourceIp, 60)}`;
  const lines = [
    `${mark}*${MRKDWN.text(formatUtc(event.eventTime), 40)}* · ${inlineCode(event.eventName, 60)}${failure}`,
    `by ${describeRecordedCaller(event, MRKDWN)}${origin}`,
    ...(event.requestSummary === null ? [] : [`request ${inlineCode(event.requestSummary, REQUEST_SUMMARY_MAX + 2)}`]),
  ];
  return mrkdwnSection(lines.join('\n'));
}

/** A failed call changed nothing; say so where it would otherwise read as a change. */
function describeFailure(event: ManagementEvent): string {
  const reason = event.errorMessage === null ? '' : ` (${MRKDWN.text(event.errorMessage, ERROR_MESSAGE_MAX)})`;
  return `:x: *FAILED* ${inlineCode(event.errorCode ?? '', 80)}${reason}: the call did not take effect`;
}
