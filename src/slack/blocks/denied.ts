import { CODE_MAX, coverageCaveat, describeSpan } from '../../output/activity-formats.js';
import { deniedCoverage, describeDenied, describeDeniedCaller, describeDeniedScan } from '../../output/denied-formats.js';
import { formatCount, formatUtc, PLAIN_MARKUP } from '../../output/object-answer-formats.js';
import type { DeniedAnswer, DeniedGroup } from '../../questions/denied.js';
import { buildAggregateMessage, MRKDWN } from './activity.js';
import { inlineCode } from './limits.js';
import type { SlackMessage } from './message.js';

const DENIED_MARK = ':no_entry:';

/** Failed calls: summary, one line per caller, operation and error code (denials first), then what was searched. */
export function buildDeniedMessage(answer: DeniedAnswer): SlackMessage {
  const opening = [describeDenied(answer, MRKDWN)];
  if (answer.totals.events === 0) opening.push(coverageCaveat(deniedCoverage(answer, MRKDWN)));
  return buildAggregateMessage(
    describeDenied(answer, PLAIN_MARKUP),
    opening,
    [
      {
        title: 'Failed calls',
        lines: answer.groups.map(renderGroup),
        total: answer.totalGroups,
        one: 'group',
        table: {
          header: ['Caller', 'Operation', 'Error', 'Calls', 'Buckets', 'First (UTC)', 'Last (UTC)'],
          rows: answer.groups.map((group) => [
            describeDeniedCaller(group, PLAIN_MARKUP),
            group.operation,
            group.errorCode,
            group.count,
            group.buckets,
            formatUtc(group.firstEvent),
            formatUtc(group.lastEvent),
          ]),
        },
      },
    ],
    describeDeniedScan(answer, MRKDWN),
  );
}

function renderGroup(group: DeniedGroup): string {
  const mark = group.accessDenied ? `${DENIED_MARK} ` : '';
  return (
    `${mark}${describeDeniedCaller(group, MRKDWN)} · ${inlineCode(group.operation, 60)} · ${inlineCode(group.errorCode, CODE_MAX)}` +
    ` · ${formatCount(group.count, 'call')} on ${formatCount(group.buckets, 'bucket')} · ${describeSpan(group.firstEvent, group.lastEvent, MRKDWN)}`
  );
}
