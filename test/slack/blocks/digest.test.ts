import { describe, expect, it } from 'vitest';
import { digestFindings, toCsv, toJson, toText } from '../../../src/answers/digest/formats.js';
import { type Digest, type DigestBucket, dayWindow } from '../../../src/answers/digest/question.js';
import { parseSlackText } from '../../../src/commands/parse.js';
import { buildDigestMessage } from '../../../src/slack/blocks/digest.js';
import { checkBlockLimits } from '../../../src/slack/blocks/limits.js';
import type { KnownBlock } from '../../../src/slack/blocks/message.js';

const NOW = new Date('2026-11-24T09:00:00Z');

function digestOf(overrides: Partial<Digest>, timeZone = 'UTC'): Digest {
  return {
    date: '2026-11-23',
    timeZone,
    window: dayWindow('2026-11-23', timeZone),
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
    stats: { bytesScanned: 12_345_678, costUsd: 0.0001, elapsedMs: 900 },
    ...overrides,
  };
}

function busyBucket(n: number, findings: number): DigestBucket {
  const arn = (i: number) => `arn:aws:sts::111122223333:assumed-role/Role${n}/session-${i}`;
  return {
    bucket: `data-${n}--use1-az4--x-s3`,
    directory: true,
    events: 10_000 + n,
    operations: [
      { name: 'GetObject', count: 8000 },
      { name: 'DeleteObject', count: 2000 },
    ],
    deletes: Array.from({ length: findings }, (_, i) => ({ principal: arn(i), count: 3 + i, lifecycle: i % 7 === 0 })),
    denied: Array.from({ length: findings }, (_, i) => ({ principal: arn(i), count: 2 })),
    newPrincipals: Array.from({ length: findings }, (_, i) => arn(i)),
    newSourceIps: Array.from({ length: findings }, (_, i) => `10.0.${n % 250}.${i % 250}`),
    newVpcEndpoints: [`vpce-0abc${n}`],
    bytesIn: 5_000_000,
    bytesOut: 9_000_000,
    totals: {
      operations: 2,
      deletes: findings,
      denied: findings,
      newPrincipals: findings,
      newSourceIps: findings,
      newVpcEndpoints: 1,
    },
  };
}

function buttons(blocks: readonly KnownBlock[]): Array<{ action_id: string; value: string }> {
  return blocks.flatMap((block) =>
    block.type === 'section' && block.accessory?.type === 'button'
      ? [{ action_id: block.accessory.action_id ?? '', value: block.accessory.value ?? '' }]
      : [],
  );
}

describe('buildDigestMessage', () => {
  it('keeps a quiet day short', () => {
    const message = buildDigestMessage(digestOf({ events: 1234, buckets: [] }));
    expect(message.blocks).toHaveLength(3);
    expect(JSON.stringify(message.blocks)).toContain('s3x digest for 2026-11-23');
    expect(JSON.stringify(message.blocks)).toContain('A quiet day: 1,234 events, no deletes, no policy or trail changes');
  });

  it('stays within Slack limits with 5,000 findings and points to the CSV', () => {
    const buckets = Array.from({ length: 25 }, (_, n) => busyBucket(n, 50));
    const management = Array.from({ length: 3 }, (_, i) => ({
      eventTime: `2026-11-23T12:0${i}:00Z`,
      eventName: i === 0 ? 'StopLogging' : 'PutBucketPolicy',
      eventSource: i === 0 ? 'cloudtrail.amazonaws.com' : 's3express.amazonaws.com',
      principal: 'arn:aws:iam::111122223333:user/mallory',
      target: i === 0 ? 'main-trail' : 'data-1--use1-az4--x-s3',
      errorCode: null,
      eventId: `evt-${i}`,
      tampering: i === 0,
    }));
    const digest = digestOf({ buckets, management, managementTotal: 3, events: 250_000, quiet: false, pendingApprovals: 1 });
    const findings = digestFindings(digest);
    expect(findings.length).toBeGreaterThanOrEqual(5000);

    const message = buildDigestMessage(digest, { csvNote: 'the full list is in the attached CSV' });
    expect(checkBlockLimits(message.blocks, 'message')).toEqual([]);
    const text = JSON.stringify(message.blocks);
    expect(text).toMatch(/…and [\d,]+ more; the full list is in the attached CSV/);
    expect(text).toContain('⚠️ *StopLogging*');
    expect(text).toContain('SigmaHQ');

    const csvRows = toCsv(digest).trimEnd().split('\r\n');
    expect(csvRows.length).toBeGreaterThan(findings.length);
  });

  it('gives every finding a drill button with a unique action_id and a command that parses', () => {
    for (const timeZone of ['UTC', 'America/New_York']) {
      const digest = digestOf(
        {
          buckets: [busyBucket(1, 2)],
          management: [
            {
              eventTime: '2026-11-23T12:00:00Z',
              eventName: 'DeleteTrail',
              eventSource: 'cloudtrail.amazonaws.com',
              principal: 'arn:aws:iam::111122223333:user/mallory',
              target: 'main-trail',
              errorCode: 'TrailNotFoundException',
              eventId: 'evt-1',
              tampering: true,
            },
          ],
          managementTotal: 1,
          uncoveredBuckets: ['cold--use1-az4--x-s3'],
          events: 10,
          quiet: false,
        },
        timeZone,
      );
      const found = buttons(buildDigestMessage(digest).blocks);
      expect(found.length).toBeGreaterThan(8);
      expect(new Set(found.map((b) => b.action_id)).size).toBe(found.length);
      for (const button of found) {
        expect(button.action_id).toMatch(/^s3x_digest_drill_\d+$/);
        expect(button.value.length).toBeLessThanOrEqual(2000);
        const request = parseSlackText(button.value, NOW) as { command: string; window?: { since: Date; until: Date } };
        expect(['principal', 'denied', 'activity', 'bucket-events', 'status']).toContain(request.command);
        if (request.window) expect(request.window).toEqual(digest.window);
      }
      expect(found.map((b) => b.value)).toContain(
        timeZone === 'UTC'
          ? 'denied --bucket data-1--use1-az4--x-s3 --since 2026-11-23 --until 2026-11-23'
          : 'denied --bucket data-1--use1-az4--x-s3 --since 2026-11-23T05:00:00Z --until 2026-11-24T05:00:00Z',
      );
    }
  });
});

describe('digest formats', () => {
  const digest = digestOf({ buckets: [busyBucket(1, 1)], events: 10_001, quiet: false });

  it('writes JSON, text and inert CSV', () => {
    expect(JSON.parse(toJson(digest)).window).toEqual({ since: '2026-11-23T00:00:00Z', until: '2026-11-24T00:00:00Z' });
    expect(toText(digest)).toContain('NEW PRINCIPAL');
    const withFormula = digestOf({
      buckets: [
        { ...busyBucket(2, 0), newPrincipals: ['=HYPERLINK("x")'], totals: { ...busyBucket(2, 0).totals, newPrincipals: 1 } },
      ],
      quiet: false,
    });
    expect(toCsv(withFormula)).toContain(`"'=HYPERLINK(""x"")"`);
  });
});

describe('a day without logs is never a quiet day', () => {
  it('says there are no logs for the day, in Slack and in text, instead of "A quiet day"', () => {
    const digest = digestOf({ noLogs: true, quiet: false, logGaps: [] });
    const message = buildDigestMessage(digest);
    const shown = JSON.stringify(message.blocks);
    expect(shown).toContain(
      'No logs for this day: the logs hold no events from 2026-11-23 00:00:00 UTC to 2026-11-24 00:00:00 UTC',
    );
    expect(shown).not.toContain('quiet');
    expect(toText(digest)).toContain('No logs for this day');
    expect(toText(digest)).not.toContain('A quiet day');
  });

  it('lists the day’s logging gaps as findings, with a look at status', () => {
    const gap = {
      from: '2026-11-23T06:00:01Z',
      to: '2026-11-24T00:00:00Z',
      reason: 'the newest event of us-east-1 in the logs for the window is from 2026-11-23 06:00:00 UTC',
    };
    const digest = digestOf({ quiet: false, logGaps: [gap] });
    expect(digestFindings(digest)).toContainEqual(
      expect.objectContaining({ kind: 'logging-gap', drill: 'status', subject: expect.stringContaining(gap.reason) }),
    );
    expect(JSON.stringify(buildDigestMessage(digest).blocks)).toContain(
      'No logs 2026-11-23 06:00:01 UTC – 2026-11-24 00:00:00 UTC',
    );
    expect(toText(digest)).toContain('NO LOGS');
  });
});
