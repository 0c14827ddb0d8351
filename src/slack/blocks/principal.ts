import { describeBucket, describePrincipal, describePrincipalScan, OBJECT_ACTIONS } from '../../answers/principal/formats.js';
import type { PrincipalAnswer } from '../../answers/principal/question.js';
import { coverageCaveat, describeSpan, failedNote } from '../../answers/wording/aggregates.js';
import { ARN_MAX, PLAIN_MARKUP } from '../../text/markup.js';
import { formatNumber, formatUtc } from '../../text/numbers.js';
import { buildAggregateMessage, type ListPart } from './activity.js';
import { inlineCode } from './limits.js';
import type { SlackMessage } from './message.js';
import { MRKDWN } from './mrkdwn.js';

/** Objects listed per action in a message; Export CSV gives every object fetched. */
const OBJECTS_SHOWN = 20;

/** What one principal did: summary, one line per bucket and operation, objects, its sessions, then what was searched. */
export function buildPrincipalMessage(answer: PrincipalAnswer): SlackMessage {
  const opening = [describePrincipal(answer, MRKDWN)];
  if (answer.totals.events === 0) opening.push(coverageCaveat('the buckets this principal uses'));
  const parts: ListPart[] = [
    {
      title: 'By bucket and operation',
      lines: answer.rows.map(
        (row) =>
          `${describeBucket(row.bucket, MRKDWN)} · ${inlineCode(row.operation, 60)} · ${formatNumber(row.count)}` +
          `${failedNote(row.errors)} · ${describeSpan(row.firstEvent, row.lastEvent, MRKDWN)}`,
      ),
      total: answer.totalRows,
      one: 'bucket-and-operation group',
      table: {
        header: ['Bucket', 'Operation', 'Calls', 'Failed', 'First (UTC)', 'Last (UTC)'],
        rows: answer.rows.map((row) => [
          describeBucket(row.bucket, PLAIN_MARKUP),
          row.operation,
          row.count,
          row.errors,
          formatUtc(row.firstEvent),
          formatUtc(row.lastEvent),
        ]),
      },
    },
  ];
  for (const { action, title } of OBJECT_ACTIONS) {
    const objects = answer.objects.filter((object) => object.action === action);
    parts.push({
      title: `${title} (most recent first)`,
      lines: objects
        .slice(0, OBJECTS_SHOWN)
        .map(
          (object) =>
            `${describeBucket(object.bucket, MRKDWN)} · ${inlineCode(object.key, 200)} · ${formatNumber(object.count)} · ` +
            `${describeSpan(object.firstEvent, object.lastEvent, MRKDWN)}`,
        ),
      total: objects.length,
      one: 'object',
    });
  }
  // An exact ARN is its own only session; roles and names are worth breaking down.
  if (answer.matchedAs !== 'arn') {
    parts.push({
      title: 'Sessions',
      lines: answer.topSessions.map((session) => `${inlineCode(session.arn, ARN_MAX)} · ${formatNumber(session.count)}`),
      total: answer.sessions,
      one: 'session',
    });
  }
  return buildAggregateMessage(describePrincipal(answer, PLAIN_MARKUP), opening, parts, describePrincipalScan(answer, MRKDWN));
}
