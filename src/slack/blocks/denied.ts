import {
  DENIED_SECTIONS,
  deniedCoverage,
  describeDenied,
  describeDeniedCaller,
  describeDeniedScan,
  describeGroupBuckets,
} from '../../answers/denied/formats.js';
import type { DeniedAnswer, DeniedGroup } from '../../answers/denied/question.js';
import { coverageCaveat, describeSpan } from '../../answers/wording/aggregates.js';
import { CODE_MAX, PLAIN_MARKUP } from '../../text/markup.js';
import { formatCount, formatUtc } from '../../text/numbers.js';
import { buildAggregateMessage, type ListPart } from './activity.js';
import { inlineCode } from './limits.js';
import type { SlackMessage } from './message.js';
import { MRKDWN } from './mrkdwn.js';

const DENIED_MARK = ':no_entry:';

/**
 * Failed calls: summary, then access denials apart from other errors, one line (or table row) per
 * caller, operation and error code, with the buckets named, then what was searched.
 */
export function buildDeniedMessage(answer: DeniedAnswer): SlackMessage {
  const opening = [describeDenied(answer, MRKDWN)];
  if (answer.totals.events === 0) opening.push(coverageCaveat(deniedCoverage(answer, MRKDWN)));
  const parts = DENIED_SECTIONS.map(({ title, denials }): ListPart => {
    const groups = answer.groups.filter((group) => group.accessDenied === denials);
    // Groups not fetched (denials come first, so they are other errors) are counted in the second list.
    const unfetched = denials ? 0 : answer.totalGroups - answer.groups.length;
    return {
      title,
      lines: groups.map(renderGroup),
      total: groups.length + unfetched,
      one: 'group',
      table: {
        header: ['Caller', 'Operation', 'Error', 'Calls', 'Buckets', 'First (UTC)', 'Last (UTC)'],
        rows: groups.map((group) => [
          describeDeniedCaller(group, PLAIN_MARKUP),
          group.operation,
          group.errorCode,
          group.count,
          describeGroupBuckets(group, PLAIN_MARKUP).replace(/^on /, ''),
          formatUtc(group.firstEvent),
          formatUtc(group.lastEvent),
        ]),
      },
    };
  });
  return buildAggregateMessage(describeDenied(answer, PLAIN_MARKUP), opening, parts, describeDeniedScan(answer, MRKDWN));
}

function renderGroup(group: DeniedGroup): string {
  const mark = group.accessDenied ? `${DENIED_MARK} ` : '';
  return (
    `${mark}${describeDeniedCaller(group, MRKDWN)} · ${inlineCode(group.operation, 60)} · ${inlineCode(group.errorCode, CODE_MAX)}` +
    ` · ${formatCount(group.count, 'call')} ${describeGroupBuckets(group, MRKDWN)} · ${describeSpan(group.firstEvent, group.lastEvent, MRKDWN)}`
  );
}
