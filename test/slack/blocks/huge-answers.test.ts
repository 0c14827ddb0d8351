import { describe, expect, it } from 'vitest';
import type { BucketEventsAnswer, ManagementEvent } from '../../../src/answers/bucket-events/question.js';
import type { ObjectAnswer, ObjectEvent } from '../../../src/answers/object/question.js';
import { pageCount } from '../../../src/slack/blocks/answer-controls.js';
import { buildBucketEventsMessage } from '../../../src/slack/blocks/bucket-events.js';
import { checkBlockLimits } from '../../../src/slack/blocks/limits.js';
import {
  buildObjectAnswerMessage,
  buildObjectAnswerPage,
  objectAnswerPageSize,
} from '../../../src/slack/blocks/object-answer.js';
import { renderStoredReply } from '../../../src/slack/render.js';

/** 1,024 bytes of UTF-8 with characters Slack treats specially. */
const KEY = `${'données/<&>*_`~'.repeat(40)}`.slice(0, 600).padEnd(1024 - 424, 'k');
const LONG_ARN = `arn:aws:sts::111122223333:assumed-role/<!channel>/${'R'.repeat(3000)}`;
const STATS = { engine: 'local' as const, unreadableFiles: [], bytesScanned: 1, elapsedMs: 1, warnings: [] };
const WINDOW = { since: new Date('2026-11-01T00:00:00Z'), until: new Date('2026-11-08T00:00:00Z') };

function objectEvent(i: number): ObjectEvent {
  return {
    eventId: `e-${i}-${'x'.repeat(30)}`,
    eventTime: '2026-11-02T00:00:00Z',
    eventName: i % 10 === 9 ? 'DeleteObjects' : 'DeleteObject',
    eventSource: 's3express.amazonaws.com',
    region: 'us-east-1',
    principalArn: LONG_ARN,
    principalType: 'AssumedRole',
    principalId: `AROA3EXAMPLEROLE:${'R'.repeat(3000)}`,
    mfaAuthenticated: null,
    invokedBy: null,
    bucket: 'b'.repeat(63),
    key: i % 10 === 9 ? null : KEY,
    accessPoint: i % 4 === 0 ? `${'a'.repeat(55)}--xa-s3` : null,
    keyRole: i % 5 === 0 ? 'source' : 'target',
    destination: i % 5 === 0 ? `${'b'.repeat(63)}/${KEY}` : null,
    sourceIp: '2001:db8::1',
    userAgent: 'u'.repeat(2000),
    errorCode: i % 3 === 0 ? 'AccessDenied'.repeat(20) : null,
    errorMessage: i % 3 === 0 ? `<!channel> ${'m'.repeat(3000)}` : null,
    addendumReason: i % 7 === 0 ? 'UPDATED_DATA' : null,
    sessionMode: 'ReadWrite',
    sessionIssuerArn: LONG_ARN,
    vpcEndpointId: 'vpce-0123456789abcdef0',
    evidence: i % 10 === 9 ? 'candidate' : 'exact',
    lifecycle: false,
  };
}

const HUGE_OBJECT_ANSWER: ObjectAnswer = {
  question: 'who-deleted',
  key: KEY,
  bucket: 'b'.repeat(63),
  sources: ['s3express.amazonaws.com'],
  window: WINDOW,
  events: Array.from({ length: 10_000 }, (_, i) => objectEvent(i)),
  totalMatches: 25_000,
  successfulMatches: 15_000,
  unlistedCandidates: 3_000,
  exactMatches: 20_000,
  stats: STATS,
};

function managementEvent(i: number): ManagementEvent {
  return {
    eventId: `m-${i}`,
    eventTime: '2026-11-02T00:00:00Z',
    eventName: 'PutBucketPolicy',
    eventSource: 's3express.amazonaws.com',
    region: 'us-east-1',
    principalArn: LONG_ARN,
    principalType: 'AssumedRole',
    invokedBy: null,
    sourceIp: '203.0.113.9',
    userAgent: 'u'.repeat(2000),
    errorCode: null,
    errorMessage: null,
    readOnly: false,
    requestSummary: `{"Statement":"${'<@U1>'.repeat(200)}"}`,
  };
}

describe('every builder stays within Slack limits on huge answers', () => {
  it('object answers: every page of a 10,000-row result with 1,024-byte keys and 3 KB ARNs', () => {
    const pageSize = objectAnswerPageSize(HUGE_OBJECT_ANSWER);
    const pages = pageCount(HUGE_OBJECT_ANSWER.events.length, pageSize);
    for (let page = 0; page < pages; page++) {
      const message = buildObjectAnswerPage(HUGE_OBJECT_ANSWER, { answerId: 'a'.repeat(24), page, pageSize, shared: false });
      expect(checkBlockLimits(message.blocks, 'message')).toEqual([]);
    }
    expect(checkBlockLimits(buildObjectAnswerMessage(HUGE_OBJECT_ANSWER).blocks, 'message')).toEqual([]);
  });

  it('bucket events with 10,000 rows, through the stored-answer renderer with its buttons', () => {
    const answer: BucketEventsAnswer = {
      question: 'bucket-events',
      bucket: 'b'.repeat(63),
      sources: ['s3express.amazonaws.com'],
      window: WINDOW,
      events: Array.from({ length: 10_000 }, (_, i) => managementEvent(i)),
      totalMatches: 10_000,
      readOnlyHidden: 5,
      stats: STATS,
    };
    expect(checkBlockLimits(buildBucketEventsMessage(answer).blocks, 'message')).toEqual([]);
    const stored = renderStoredReply({ kind: 'bucket-events', answer }, 'a'.repeat(24), 0, false);
    expect(checkBlockLimits(stored.blocks, 'message')).toEqual([]);
  });

  it('never lets a mention or a broadcast through', () => {
    const message = buildObjectAnswerPage(HUGE_OBJECT_ANSWER, { answerId: 'a'.repeat(24), page: 0, pageSize: 5, shared: false });
    expect(JSON.stringify(message)).not.toContain('<!channel>');
    expect(JSON.stringify(message)).toContain('&lt;!channel&gt;');
  });
});
