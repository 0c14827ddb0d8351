import {
  type DigestFinding,
  describeDigestCost,
  describeQuietDay,
  digestFindings,
  hiddenFindingsNote,
  SIGMA_CITATION,
  slashCommand,
  slashWindow,
} from '../../answers/digest/formats.js';
import type { Digest, DigestBucket } from '../../answers/digest/question.js';
import { describeCaller } from '../../answers/wording/callers.js';
import { BUCKET_MAX, CODE_MAX } from '../../text/markup.js';
import { formatBytes, formatCount, formatNumber, formatUtc } from '../../text/numbers.js';
import { ACTIONS } from '../ids.js';
import { blockTextLength, escapeMrkdwn, inlineCode, MAX_BLOCKS_PER_MESSAGE, MAX_TOTAL_TEXT } from './limits.js';
import {
  buildMessage,
  contextBlock,
  dividerBlock,
  headerBlock,
  type KnownBlock,
  mrkdwnSection,
  type SlackMessage,
} from './message.js';
import { MRKDWN } from './mrkdwn.js';

const DRILL_LABEL = 'Look closer';
/** Room kept for the closing context: citation, "…and N more", cost. */
const FOOTER_RESERVE = 900;

function drillSection(text: string, drill: string | undefined, n: number): KnownBlock {
  const section = mrkdwnSection(text);
  if (drill === undefined || section.type !== 'section') return section;
  return {
    ...section,
    accessory: {
      type: 'button',
      text: { type: 'plain_text', text: DRILL_LABEL },
      action_id: `${ACTIONS.digestDrill}_${n}`,
      value: drill,
    },
  };
}

function describeFinding(f: DigestFinding): string {
  const who = describeCaller(f.subject, MRKDWN);
  switch (f.kind) {
    case 'management': {
      const e = f.event;
      if (!e) return who;
      const target = e.target === null ? '' : ` on ${inlineCode(e.target, BUCKET_MAX)}`;
      const failed = e.errorCode === null ? '' : ` (failed: ${inlineCode(e.errorCode, CODE_MAX)})`;
      return `${e.tampering ? '⚠️ ' : ''}*${escapeMrkdwn(e.eventName)}*${target} by ${who} at ${escapeMrkdwn(formatUtc(e.eventTime))}${failed}`;
    }
    case 'delete':
      return f.lifecycle
        ? `S3 Lifecycle (${who}) expired objects: ${formatCount(f.count, 'delete call')}`
        : `🗑️ ${who} deleted objects: ${formatCount(f.count, 'delete call')}`;
    case 'denied':
      return `⛔ ${who} was denied ${formatCount(f.count, 'time')}`;
    case 'new-principal':
      return `🆕 New principal ${who}`;
    case 'new-source-ip':
      return `🆕 New source IP ${inlineCode(f.subject ?? '', 60)}`;
    case 'new-vpc-endpoint':
      return `🆕 New VPC endpoint ${inlineCode(f.subject ?? '', 60)}`;
    case 'logging-gap':
      return `🕳️ No logs ${escapeMrkdwn(f.subject ?? '')}`;
    case 'uncovered-bucket':
      return `Data-event logging does not cover ${inlineCode(f.bucket ?? '', BUCKET_MAX)}`;
    case 'pending-approvals':
      return `${formatCount(f.count, 'change request')} waiting for approval`;
  }
}

function describeBucket(bucket: DigestBucket): string {
  const top = bucket.operations
    .slice(0, 3)
    .map((o) => `${inlineCode(o.name, 40)} ${formatNumber(o.count)}`)
    .join(', ');
  const kind = bucket.directory ? 'directory bucket' : 'general purpose bucket';
  return `*${inlineCode(bucket.bucket, BUCKET_MAX)}* (${kind}) · ${formatCount(bucket.events, 'data event')} · ${formatBytes(bucket.bytesIn)} in · ${formatBytes(bucket.bytesOut)} out${top ? ` · top: ${top}` : ''}`;
}

function summary(digest: Digest): string {
  const deletes = digest.buckets.reduce((sum, b) => sum + b.deletes.reduce((n, d) => n + d.count, 0), 0);
  const denied = digest.buckets.reduce((sum, b) => sum + b.denied.reduce((n, d) => n + d.count, 0), 0);
  return [
    `*${formatCount(digest.events, 'data event')} on ${formatCount(digest.buckets.length, 'bucket')}*`,
    formatCount(deletes, 'delete call'),
    `${formatCount(denied, 'denied call')}`,
    formatCount(digest.managementTotal, 'policy or trail change'),
  ].join(' · ');
}

/**
 * The daily digest: account-wide changes first (tampering marked), then each bucket with findings,
 * then gaps and approvals, each with a button that asks the closer question. What does not fit in
 * one message is counted and left to the CSV.
 */
export function buildDigestMessage(digest: Digest, options: { csvNote?: string } = {}): SlackMessage {
  const header = headerBlock(`s3x digest for ${digest.date}`);
  const cost = escapeMrkdwn(describeDigestCost(digest));
  if (digest.quiet || digest.noLogs) {
    const text = describeQuietDay(digest);
    return buildMessage(`s3x digest for ${digest.date}: ${text}`, [
      header,
      mrkdwnSection(escapeMrkdwn(text)),
      contextBlock([cost]),
    ]);
  }

  const opening = [header, mrkdwnSection(summary(digest)), dividerBlock()];
  const findings = digestFindings(digest);
  const byBucket = new Map(digest.buckets.map((b) => [b.bucket, b]));
  const range = slashWindow(digest.window, digest.date);
  const body: KnownBlock[] = [];
  let text = blockTextLength(opening) + FOOTER_RESERVE;
  let shown = 0;
  let headed: string | undefined;
  const fits = (blocks: readonly KnownBlock[]): boolean =>
    opening.length + body.length + blocks.length + 2 <= MAX_BLOCKS_PER_MESSAGE &&
    text + blockTextLength(blocks) <= MAX_TOTAL_TEXT;

  for (const finding of findings) {
    const blocks: KnownBlock[] = [];
    const bucket = finding.kind === 'management' || finding.bucket === null ? undefined : byBucket.get(finding.bucket);
    if (bucket && headed !== bucket.bucket) {
      blocks.push(
        drillSection(describeBucket(bucket), slashCommand(['activity', bucket.bucket], range), body.length + blocks.length),
      );
    }
    blocks.push(drillSection(describeFinding(finding), finding.drill, body.length + blocks.length));
    if (!fits(blocks)) break;
    body.push(...blocks);
    text += blockTextLength(blocks);
    if (bucket) headed = bucket.bucket;
    shown += 1;
  }

  const footer: string[] = [];
  if (digest.management.some((e) => e.tampering)) footer.push(`⚠️ ${escapeMrkdwn(SIGMA_CITATION)}`);
  const hidden = findings.length - shown + Math.max(0, digest.managementTotal - digest.management.length);
  if (hidden > 0) footer.push(`_${escapeMrkdwn(hiddenFindingsNote(hidden, options.csvNote))}_`);
  footer.push(cost);
  const fallback = `s3x digest for ${digest.date}: ${formatCount(findings.length, 'finding')}`;
  return buildMessage(fallback, [...opening, ...body, dividerBlock(), contextBlock(footer)]);
}
