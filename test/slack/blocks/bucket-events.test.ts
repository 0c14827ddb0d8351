import { describe, expect, it } from 'vitest';
import { toCsv, toJson, toText } from '../../../src/answers/bucket-events/formats.js';
import type { BucketEventsAnswer, ManagementEvent } from '../../../src/answers/bucket-events/question.js';
import { buildBucketEventsMessage } from '../../../src/slack/blocks/bucket-events.js';
import { checkBlockLimits, MAX_FALLBACK_TEXT } from '../../../src/slack/blocks/limits.js';
import type { KnownBlock, SlackMessage } from '../../../src/slack/blocks/message.js';

const BUCKET = 'analytics--usw2-az1--x-s3';
const ADMIN = 'arn:aws:sts::111122223333:assumed-role/Admin/alice';
const HOSTILE = 'a<b>&c`d`*e*_f_ <!channel> <@U123> <https://evil.example|click>';
const POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3express:CreateSession"}]}';

function event(overrides: Partial<ManagementEvent> = {}): ManagementEvent {
  return {
    eventId: 'b1b2c3d4-0000-4000-8000-000000000001',
    eventTime: '2024-07-02T00:22:11Z',
    eventName: 'PutBucketPolicy',
    eventSource: 's3express.amazonaws.com',
    region: 'us-west-2',
    principalArn: ADMIN,
    principalType: 'AssumedRole',
    invokedBy: null,
    sourceIp: '203.0.113.7',
    userAgent: 'aws-cli/2.17.0',
    errorCode: null,
    errorMessage: null,
    readOnly: false,
    requestSummary: POLICY,
    ...overrides,
  };
}

function answer(overrides: Partial<BucketEventsAnswer> = {}): BucketEventsAnswer {
  const events = overrides.events ?? [];
  return {
    question: 'bucket-events',
    bucket: BUCKET,
    sources: ['s3express.amazonaws.com'],
    window: { since: new Date('2024-07-01T00:00:00Z'), until: new Date('2024-07-08T00:00:00Z') },
    events,
    totalMatches: events.length,
    readOnlyHidden: 0,
    stats: {
      engine: 'lookup-events',
      bytesScanned: 0,
      eventsScanned: 312,
      unreadableFiles: [],
      elapsedMs: 2400,
      warnings: [],
      newestEventTime: '2024-07-07T23:55:00Z',
    },
    ...overrides,
  };
}

/** Every text string in the blocks, in order. */
function texts(blocks: readonly KnownBlock[]): string[] {
  const out: string[] = [];
  const walk = (value: unknown, name?: string): void => {
    if (name === 'text' && typeof value === 'string') out.push(value);
    else if (Array.isArray(value)) for (const item of value) walk(item);
    else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  walk(blocks);
  return out;
}

/** Sections that render one event: they open with the bold time, or the alarm and the bold time. */
function eventSections(message: SlackMessage): string[] {
  return message.blocks.flatMap((block) =>
    block.type === 'section' && block.text && /^(:rotating_light: )?\*\d{4}-\d{2}-\d{2} /.test(block.text.text)
      ? [block.text.text]
      : [],
  );
}

const CHANGES = answer({
  events: [
    event({ eventId: 'e3', eventTime: '2024-07-03T10:00:00Z', eventName: 'DeleteBucket', requestSummary: null }),
    event({
      eventId: 'e2',
      eventTime: '2024-07-02T09:00:00Z',
      eventName: 'DeleteBucket',
      errorCode: 'BucketNotEmpty',
      errorMessage: 'The bucket you tried to delete is not empty',
      requestSummary: null,
    }),
    event({ eventId: 'e1', eventTime: '2024-07-02T00:22:11Z' }),
    event({
      eventId: 'e0',
      eventTime: '2024-07-01T08:00:00Z',
      eventName: 'CreateBucket',
      principalArn: null,
      principalType: 'AWSService',
      invokedBy: 'cloudformation.amazonaws.com',
      sourceIp: null,
      requestSummary: '{"CreateBucketConfiguration":{"Location":{"Type":"AvailabilityZone","Name":"usw2-az1"}}}',
    }),
  ],
  readOnlyHidden: 25,
});

const HUGE = answer({
  events: Array.from({ length: 2000 }, (_, i) =>
    event({ eventId: `e${i}`, requestSummary: `{"p":"${'x'.repeat(280)}"}`, principalArn: `${ADMIN}/${'r'.repeat(150)}` }),
  ),
  totalMatches: 2500,
  readOnlyHidden: 9000,
});

const HOSTILE_ANSWER = answer({
  bucket: HOSTILE,
  events: [
    event({
      eventName: HOSTILE,
      principalArn: HOSTILE,
      invokedBy: HOSTILE,
      sourceIp: HOSTILE,
      errorCode: HOSTILE,
      errorMessage: HOSTILE,
      requestSummary: `{"x":"${HOSTILE}"}`,
      eventTime: HOSTILE,
    }),
    event({ principalArn: null, principalType: HOSTILE, invokedBy: null }),
  ],
  stats: {
    engine: 'local',
    bytesScanned: 10,
    filesScanned: 1,
    unreadableFiles: [{ path: `logs/${HOSTILE}.json.gz`, reason: HOSTILE }],
    elapsedMs: 1,
    warnings: [HOSTILE],
    newestEventTime: HOSTILE,
  },
});

describe('buildBucketEventsMessage', () => {
  it('sums up the changes, the failed attempts and the hidden read-only calls', () => {
    const message = buildBucketEventsMessage(CHANGES);
    expect(texts(message.blocks)[0]).toBe(
      `*4 bucket-level changes to \`${BUCKET}\`* (2 sensitive changes; 1 failed attempt; 25 read-only calls not shown).`,
    );
    expect(message.text).toBe(
      `4 bucket-level changes to ${BUCKET} (2 sensitive changes; 1 failed attempt; 25 read-only calls not shown).`,
    );
  });

  it('renders one compact section per event, newest first, with the alarm on deletions and policy changes', () => {
    const sections = eventSections(buildBucketEventsMessage(CHANGES));
    expect(sections).toEqual([
      `:rotating_light: *2024-07-03 10:00:00 UTC* · \`DeleteBucket\`\nby \`${ADMIN}\` · from \`203.0.113.7\``,
      ':rotating_light: *2024-07-02 09:00:00 UTC* · `DeleteBucket` · :x: *FAILED* `BucketNotEmpty` ' +
        `(The bucket you tried to delete is not empty): the call did not take effect\nby \`${ADMIN}\` · from \`203.0.113.7\``,
      `:rotating_light: *2024-07-02 00:22:11 UTC* · \`PutBucketPolicy\`\nby \`${ADMIN}\` · from \`203.0.113.7\`\nrequest \`${POLICY}\``,
      '*2024-07-01 08:00:00 UTC* · `CreateBucket`\nby `cloudformation.amazonaws.com` (AWS service)\n' +
        'request `{"CreateBucketConfiguration":{"Location":{"Type":"AvailabilityZone","Name":"usw2-az1"}}}`',
    ]);
  });

  it('ends with what was searched and how fresh it is', () => {
    const message = buildBucketEventsMessage(CHANGES);
    const footer = message.blocks.at(-1);
    expect(footer?.type).toBe('context');
    expect(texts(footer ? [footer] : [])).toEqual([
      `Searched \`s3express.amazonaws.com\` management events of bucket \`${BUCKET}\`, 2024-07-01 00:00:00 UTC – 2024-07-08 00:00:00 UTC.`,
      'Read 312 events from CloudTrail event history (LookupEvents) in 2.4 s.',
      'Logs complete up to 2024-07-07 23:55:00 UTC; CloudTrail delivers about 5 minutes late.',
    ]);
  });

  it('says plainly when nothing changed, and still counts the read-only calls', () => {
    const message = buildBucketEventsMessage(answer({ readOnlyHidden: 3 }));
    expect(texts(message.blocks)[0]).toBe(
      `No bucket-level changes to \`${BUCKET}\` in the events searched (3 read-only calls not shown).`,
    );
    expect(eventSections(message)).toEqual([]);
    expect(checkBlockLimits(message.blocks, 'message')).toEqual([]);
  });

  it('fits a 2,000-event answer within Slack’s limits and counts the rest', () => {
    const message = buildBucketEventsMessage(HUGE);
    expect(checkBlockLimits(message.blocks, 'message')).toEqual([]);
    expect(message.text.length).toBeLessThanOrEqual(MAX_FALLBACK_TEXT);
    const shown = eventSections(message).length;
    expect(shown).toBeGreaterThan(5);
    expect(texts(message.blocks)).toContain(
      `…and ${(2500 - shown).toLocaleString('en-US')} more changes (2,500 in all). ` +
        'Only the newest 2,000 were fetched: narrow --since/--until to see the rest.',
    );
    expect(texts(message.blocks)[0]).toContain('counts cover the newest 2,000 of 2,500; 9,000 read-only calls not shown');
  });

  it('says only the newest were fetched when the engine capped the rows', () => {
    const capped = answer({ events: [event()], totalMatches: 600 });
    expect(texts(buildBucketEventsMessage(capped).blocks)).toContain(
      '…and 599 more changes (600 in all). Only the newest 1 were fetched: narrow --since/--until to see the rest.',
    );
  });

  it('escapes hostile values everywhere: no mention, no broadcast, no link, no broken code span', () => {
    const message = buildBucketEventsMessage(HOSTILE_ANSWER);
    expect(checkBlockLimits(message.blocks, 'message')).toEqual([]);
    const all = [message.text, ...texts(message.blocks)];
    for (const text of all) {
      expect(text).not.toMatch(/<[!@#]/);
      expect(text).not.toContain('<https://');
      expect(text).not.toMatch(/<[^>]*\|/);
    }
    expect(all.join('\n')).toContain('&lt;!channel&gt;');
    const sections = message.blocks.flatMap((block) => (block.type === 'section' && block.text ? [block.text.text] : []));
    expect(sections).toHaveLength(3);
    for (const section of sections) expect((section.match(/`/g) ?? []).length % 2).toBe(0);
    // A backtick inside a value cannot close its code span.
    expect(sections[1]).toContain('`a&lt;b&gt;&amp;cˋdˋ*e*_f_ &lt;!channel&gt;');
    expect(sections[1]).toContain('request `{"x":"a&lt;b&gt;&amp;cˋdˋ');
    expect(sections[2]).toContain('by an unidentified `a&lt;b&gt;&amp;cˋdˋ');
  });
});

describe('bucket-events terminal formats', () => {
  it('toText shows the summary, a table with sensitive calls marked, and the footer', () => {
    const text = toText(CHANGES);
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      `4 bucket-level changes to ${BUCKET} (2 sensitive changes; 1 failed attempt; 25 read-only calls not shown).`,
    );
    expect(lines[2]).toMatch(/^TIME \(UTC\)\s+OPERATION\s+NOTE\s+PRINCIPAL\s+SOURCE IP\s+RESULT\s+REQUEST$/);
    expect(lines[3]).toMatch(
      /^2024-07-03 10:00:00\s+DeleteBucket\s+SENSITIVE\s+arn:aws:sts::111122223333:assumed-role\/Admin\/alice\s+203\.0\.113\.7\s+ok$/,
    );
    expect(lines[4]).toContain('FAILED BucketNotEmpty');
    expect(text).toContain('Read 312 events from CloudTrail event history (LookupEvents) in 2.4 s.');
    expect(text).not.toContain('`');
  });

  it('toCsv writes RFC 4180 rows and defuses formulas', () => {
    const csv = toCsv(answer({ events: [event({ principalArn: '=HYPERLINK("x")', requestSummary: '{"a":"b,c"}' })] }));
    expect(csv.split('\r\n')).toEqual([
      'eventTime,eventName,principalArn,principalType,invokedBy,sourceIp,userAgent,errorCode,errorMessage,requestSummary,region,eventSource,eventId',
      `2024-07-02T00:22:11Z,PutBucketPolicy,"'=HYPERLINK(""x"")",AssumedRole,,203.0.113.7,aws-cli/2.17.0,,,"{""a"":""b,c""}",us-west-2,s3express.amazonaws.com,b1b2c3d4-0000-4000-8000-000000000001`,
      '',
    ]);
  });

  it('toJson keeps the documented fields and the read-only count', () => {
    const document = JSON.parse(toJson(CHANGES));
    expect(document.question).toBe('bucket-events');
    expect(document.searched).toEqual({
      sources: ['s3express.amazonaws.com'],
      bucket: BUCKET,
      since: '2024-07-01T00:00:00Z',
      until: '2024-07-08T00:00:00Z',
    });
    expect(document.totalMatches).toBe(4);
    expect(document.readOnlyHidden).toBe(25);
    expect(document.events[2]).toEqual({
      eventId: 'e1',
      eventTime: '2024-07-02T00:22:11Z',
      eventName: 'PutBucketPolicy',
      eventSource: 's3express.amazonaws.com',
      region: 'us-west-2',
      principalArn: ADMIN,
      principalType: 'AssumedRole',
      invokedBy: null,
      sourceIp: '203.0.113.7',
      userAgent: 'aws-cli/2.17.0',
      errorCode: null,
      errorMessage: null,
      requestSummary: POLICY,
    });
    expect(document.scanned.engine).toBe('lookup-events');
  });
});
