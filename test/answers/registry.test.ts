import { describe, expect, it } from 'vitest';
import type { Reply } from '../../src/answers/answer-request.js';
import { dayWindow } from '../../src/answers/digest/question.js';
import { csvOf, reviveReply } from '../../src/answers/registry.js';
import { renderStoredReply } from '../../src/slack/render.js';

describe('the answer registry', () => {
  it('reads a stored digest back with its window as dates, so Export CSV and paging work on it', () => {
    const reply: Reply = {
      kind: 'digest',
      digest: {
        date: '2026-11-23',
        timeZone: 'UTC',
        window: dayWindow('2026-11-23', 'UTC'),
        buckets: [],
        management: [],
        managementTotal: 0,
        events: 0,
        uncoveredBuckets: [],
        logGaps: [],
        noLogs: false,
        pendingApprovals: 0,
        quiet: true,
        queries: 3,
        stats: { bytesScanned: 1000, elapsedMs: 900 },
      },
    };
    // As the answer stores keep it: JSON.
    const stored = reviveReply(JSON.parse(JSON.stringify(reply)) as Reply);
    expect(stored).toEqual(reply);
    expect(csvOf(stored)).toBe(csvOf(reply));
    expect(renderStoredReply(stored, 'a'.repeat(32), 0, false)).toEqual(renderStoredReply(reply, 'a'.repeat(32), 0, false));
  });
});
