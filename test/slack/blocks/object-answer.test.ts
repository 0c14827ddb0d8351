import { describe, expect, it } from 'vitest';
import type { ObjectAnswer, ObjectEvent } from '../../../src/answers/object/question.js';
import { checkBlockLimits, MAX_FALLBACK_TEXT, MAX_SECTION_TEXT } from '../../../src/slack/blocks/limits.js';
import type { KnownBlock, SlackMessage } from '../../../src/slack/blocks/message.js';
import { buildObjectAnswerMessage } from '../../../src/slack/blocks/object-answer.js';

const KEY = 'reports/q3.parquet';
const BUCKET = 'analytics--usw2-az1--x-s3';
const MALLORY = 'arn:aws:sts::111122223333:assumed-role/etl-writer/mallory';
const HOSTILE = 'a<b>&c`d`*e*_f_ <!channel> <@U123> <https://evil.example|click>';

function event(overrides: Partial<ObjectEvent> = {}): ObjectEvent {
  return {
    eventId: 'a1b2c3d4-0000-4000-8000-000000000001',
    eventTime: '2024-07-02T00:22:11Z',
    eventName: 'DeleteObject',
    eventSource: 's3express.amazonaws.com',
    region: 'us-west-2',
    principalArn: MALLORY,
    principalType: 'AssumedRole',
    principalId: 'AROA3EXAMPLEETLWRITER:mallory',
    mfaAuthenticated: false,
    invokedBy: null,
    bucket: BUCKET,
    key: KEY,
    accessPoint: null,
    keyRole: 'target',
    destination: null,
    sourceIp: '203.0.113.7',
    userAgent: 'aws-cli/2.17.0',
    errorCode: null,
    errorMessage: null,
    addendumReason: null,
    sessionMode: 'ReadWrite',
    sessionIssuerArn: 'arn:aws:iam::111122223333:role/etl-writer',
    vpcEndpointId: null,
    evidence: 'exact',
    lifecycle: false,
    ...overrides,
  };
}

function candidate(overrides: Partial<ObjectEvent> = {}): ObjectEvent {
  return event({
    eventName: 'DeleteObjects',
    key: null,
    evidence: 'candidate',
    principalArn: 'arn:aws:iam::111122223333:user/cleanup',
    ...overrides,
  });
}

function answer(overrides: Partial<ObjectAnswer> = {}): ObjectAnswer {
  const events = overrides.events ?? [];
  return {
    question: 'who-deleted',
    key: KEY,
    bucket: BUCKET,
    sources: ['s3express.amazonaws.com'],
    window: { since: new Date('2024-07-01T00:00:00Z'), until: new Date('2024-07-08T00:00:00Z') },
    events,
    totalMatches: events.length,
    exactMatches: events.filter((e) => e.evidence === 'exact').length,
    successfulMatches: events.filter((e) => e.evidence === 'exact' && e.errorCode === null).length,
    unlistedCandidates: 0,
    stats: {
      engine: 'local',
      warnings: [],
      filesScanned: 12,
      unreadableFiles: [],
      eventsScanned: 4210,
      bytesScanned: 1_300_000,
      newestEventTime: '2024-07-07T23:55:00Z',
      elapsedMs: 840,
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

function summaryOf(message: SlackMessage): string {
  return texts(message.blocks)[0] ?? '';
}

/** Sections that render one event: they open with the bold event time. */
function eventSections(message: SlackMessage): string[] {
  return message.blocks.flatMap((block) =>
    block.type === 'section' && block.text && /^\*\d{4}-\d{2}-\d{2} /.test(block.text.text) ? [block.text.text] : [],
  );
}

function indexOfText(message: SlackMessage, fragment: string): number {
  return message.blocks.findIndex((block) => texts([block]).some((text) => text.includes(fragment)));
}

const EXACT_AND_CANDIDATES = answer({
  events: [
    event(),
    candidate({ eventId: 'c1', eventTime: '2024-07-01T18:00:00Z' }),
    candidate({ eventId: 'c2', eventTime: '2024-07-01T09:00:00Z' }),
  ],
});
const LIFECYCLE = answer({
  events: [
    event({
      principalArn: null,
      principalType: 'AWSService',
      invokedBy: 'lifecycle.s3.amazonaws.com',
      lifecycle: true,
      sessionMode: null,
      sessionIssuerArn: null,
    }),
  ],
});
const FAILED_ONLY = answer({
  events: [event({ errorCode: 'AccessDenied', principalArn: 'arn:aws:iam::111122223333:user/eve' })],
});
const EMPTY = answer({ bucket: undefined, sources: ['s3express.amazonaws.com', 's3.amazonaws.com'] });
const HUGE = answer({
  key: 'k'.repeat(600),
  events: Array.from({ length: 500 }, (_, i) => event({ eventId: `e${i}`, key: 'k'.repeat(600) })),
  totalMatches: 2000,
  exactMatches: 2000,
});
const HUGE_MIXED = answer({
  events: Array.from({ length: 500 }, (_, i) => (i % 10 === 9 ? candidate({ eventId: `c${i}` }) : event({ eventId: `e${i}` }))),
  totalMatches: 500,
});
const HOSTILE_ANSWER = answer({
  key: HOSTILE,
  bucket: BUCKET,
  events: [
    event({
      key: HOSTILE,
      principalArn: `arn:aws:iam::1:user/${HOSTILE}`,
      sourceIp: HOSTILE,
      errorCode: HOSTILE,
      sessionIssuerArn: HOSTILE,
    }),
    candidate({ invokedBy: HOSTILE }),
  ],
  stats: {
    engine: 'local',
    warnings: [],
    filesScanned: 1,
    unreadableFiles: [{ path: `logs/${HOSTILE}.json.gz`, reason: HOSTILE }],
    bytesScanned: 10,
    newestEventTime: HOSTILE,
    elapsedMs: 1,
  },
});
const AMPERSAND_KEY = answer({ key: '&'.repeat(1024), events: [event({ key: '&'.repeat(1024) })] });

describe('buildObjectAnswerMessage', () => {
  it('names the deleter in the summary and counts deletes and candidates', () => {
    const message = buildObjectAnswerMessage(EXACT_AND_CANDIDATES);
    expect(summaryOf(message)).toBe(`*\`${KEY}\` was deleted by \`${MALLORY}\`* (1 delete, 2 batch-delete candidates).`);
    expect(message.text).toBe(`${KEY} was deleted by ${MALLORY} (1 delete, 2 batch-delete candidates).`);
  });

  it('renders each exact event with time, principal, operation, bucket, key, source IP and session', () => {
    const [first] = eventSections(buildObjectAnswerMessage(EXACT_AND_CANDIDATES));
    expect(first).toContain('*2024-07-02 00:22:11 UTC*');
    expect(first).toContain('`DeleteObject`');
    expect(first).toContain(`by \`${MALLORY}\``);
    expect(first).toContain(`bucket \`${BUCKET}\` · key \`${KEY}\``);
    expect(first).toContain('from `203.0.113.7`');
    expect(first).toContain('session `ReadWrite` (issuer `arn:aws:iam::111122223333:role/etl-writer`)');
    expect(first).not.toContain('FAILED');
  });

  it('says the user agent and the MFA state of each event, and nothing about MFA when the record does not say', () => {
    const [withMfa, unknown] = eventSections(
      buildObjectAnswerMessage(
        answer({ events: [event({ mfaAuthenticated: true }), event({ eventId: 'e2', mfaAuthenticated: null })] }),
      ),
    );
    expect(withMfa).toContain('agent `aws-cli/2.17.0`');
    expect(withMfa).toMatch(/ · MFA(\n|$)/);
    expect(unknown).not.toMatch(/MFA/);
    const [without] = eventSections(buildObjectAnswerMessage(answer({ events: [event()] })));
    expect(without).toContain('no MFA');
  });

  it('puts candidates under their own heading, after the exact matches, with the reason they are not proof', () => {
    const message = buildObjectAnswerMessage(EXACT_AND_CANDIDATES);
    const exactHeading = indexOfText(message, 'Exact matches');
    const heading = indexOfText(message, 'Batch-delete candidates (DeleteObjects)');
    const note = indexOfText(message, 'CloudTrail does not record which keys a DeleteObjects call removed');
    const firstCandidate = indexOfText(message, 'arn:aws:iam::111122223333:user/cleanup');
    const exact = indexOfText(message, '*2024-07-02 00:22:11 UTC*');
    expect(message.blocks[heading]?.type).toBe('header');
    expect(exactHeading).toBeLessThan(exact);
    expect(exact).toBeLessThan(heading);
    expect(heading).toBeLessThan(note);
    expect(note).toBeLessThan(firstCandidate);
    expect(texts(message.blocks).join('\n')).toContain('never proof');
    const candidates = eventSections(message).slice(1);
    expect(candidates).toHaveLength(2);
    for (const text of candidates) expect(text).toContain('key _not recorded (DeleteObjects lists no keys)_');
  });

  it('has no group headings when there are no candidates', () => {
    const message = buildObjectAnswerMessage(answer({ events: [event()] }));
    expect(message.blocks.some((block) => block.type === 'header')).toBe(false);
  });

  it('labels S3 Lifecycle deletes', () => {
    const message = buildObjectAnswerMessage(LIFECYCLE);
    expect(summaryOf(message)).toBe(`*\`${KEY}\` was deleted by S3 Lifecycle (expiration rule)* (1 delete).`);
    expect(eventSections(message)[0]).toContain('by S3 Lifecycle (expiration rule)');
  });

  it('names the AWS service when there is no principal ARN', () => {
    const message = buildObjectAnswerMessage(
      answer({ events: [event({ principalArn: null, invokedBy: 'athena.amazonaws.com' })] }),
    );
    expect(eventSections(message)[0]).toContain('by `athena.amazonaws.com` (AWS service)');
  });

  it('marks a failed call and does not call it a delete', () => {
    const message = buildObjectAnswerMessage(FAILED_ONLY);
    expect(summaryOf(message)).toMatch(
      /^\*No successful DeleteObject of `reports\/q3\.parquet`\*; 1 failed attempt by `arn:aws:iam::111122223333:user\/eve`\./,
    );
    expect(summaryOf(message)).toContain('No match means nobody did it only if');
    expect(eventSections(message)[0]).toContain(':x: *FAILED* `AccessDenied`: nothing was deleted');
  });

  it('says plainly when nothing matched, with the coverage caveat', () => {
    const message = buildObjectAnswerMessage(EMPTY);
    const summary = summaryOf(message);
    expect(summary).toMatch(/^No DeleteObject on `reports\/q3\.parquet` in the logs searched/);
    expect(summary).toContain('only if CloudTrail data-event logging covered');
    expect(summary).toContain('Name a directory bucket with --bucket and s3x checks the trail history');
    expect(eventSections(message)).toEqual([]);
    expect(message.text).toMatch(/^No DeleteObject on reports\/q3\.parquet in the logs searched/);
  });

  it('leaves the caveat out when a call succeeded', () => {
    expect(summaryOf(buildObjectAnswerMessage(EXACT_AND_CANDIDATES))).not.toContain('logging coverage');
  });

  it('ends with the footer: what was searched, what was read, freshness and engine time', () => {
    const message = buildObjectAnswerMessage(
      answer({
        events: [event()],
        stats: {
          ...answer().stats,
          unreadableFiles: ['a', 'b', 'c', 'd', 'e'].map((name) => ({
            path: `AWSLogs/111122223333/CloudTrail/us-west-2/2024/07/02/${name}.json.gz`,
            reason: 'unexpected end of file',
          })),
        },
      }),
    );
    const footer = message.blocks.at(-1);
    expect(footer?.type).toBe('context');
    const lines = texts(footer ? [footer] : []);
    expect(lines).toEqual([
      `Searched \`s3express.amazonaws.com\` events in bucket \`${BUCKET}\`, 2024-07-01 00:00:00 UTC – 2024-07-08 00:00:00 UTC.`,
      'Scanned 12 files, 4,210 events, 1.3 MB read by the local engine in 840 ms.',
      'Skipped 5 unreadable files: `a.json.gz` (unexpected end of file), `b.json.gz` (unexpected end of file), `c.json.gz` (unexpected end of file) and 2 more.',
      'Logs complete up to 2024-07-07 23:55:00 UTC; CloudTrail delivers about 5 minutes late.',
    ]);
  });

  it('says "all buckets" without --bucket and admits unknown freshness', () => {
    const message = buildObjectAnswerMessage({
      ...EMPTY,
      stats: { ...EMPTY.stats, newestEventTime: undefined, eventsScanned: undefined },
    });
    const footer = texts(message.blocks.slice(-1));
    expect(footer[0]).toContain('`s3express.amazonaws.com` and `s3.amazonaws.com` events in all buckets');
    expect(footer[1]).toBe('Scanned 12 files, 1.3 MB read by the local engine in 840 ms.');
    expect(footer[2]).toMatch(/^Log freshness unknown/);
  });

  it('cuts 500 events with 600-character keys to fit and counts the rest against all 2,000 matches', () => {
    const message = buildObjectAnswerMessage(HUGE);
    expect(checkBlockLimits(message.blocks, 'message')).toEqual([]);
    const shown = eventSections(message).length;
    expect(shown).toBeGreaterThan(5);
    expect(shown).toBeLessThan(500);
    const more = texts(message.blocks).find((text) => text.startsWith('…and '));
    expect(more).toContain(`…and ${(2000 - shown).toLocaleString('en-US')} more events (2,000 matched in all).`);
    expect(more).toContain(`${(2000 - shown).toLocaleString('en-US')} of them are exact matches.`);
    expect(more).toContain('Only the newest 500 were fetched');
    expect(summaryOf(message)).toContain('counts cover the newest 500 of 2,000 matches');
    expect(message.text.length).toBeLessThanOrEqual(MAX_FALLBACK_TEXT);
  });

  it('keeps some candidates in view when exact matches could fill the message', () => {
    const message = buildObjectAnswerMessage(HUGE_MIXED);
    const sections = eventSections(message);
    expect(sections.filter((text) => text.includes('DeleteObjects')).length).toBeGreaterThanOrEqual(3);
    const more = texts(message.blocks).find((text) => text.startsWith('…and '));
    expect(more).toContain(`…and ${500 - sections.length} more events (500 matched in all).`);
    expect(more).not.toContain('were fetched');
  });

  it('escapes hostile keys and values everywhere, including the fallback text', () => {
    const message = buildObjectAnswerMessage(HOSTILE_ANSWER);
    for (const text of [message.text, ...texts(message.blocks)]) {
      expect(text).not.toMatch(/[<>]/);
      expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
    const all = texts(message.blocks).join('\n');
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('&lt;@U123&gt;');
    // The backticks in the key are replaced, so the code span holds the whole key.
    expect(summaryOf(message)).toContain(
      '`a&lt;b&gt;&amp;cˋdˋ*e*_f_ &lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt;`',
    );
  });

  it('keeps every section under 3000 characters even when escaping grows a key fivefold', () => {
    const message = buildObjectAnswerMessage(AMPERSAND_KEY);
    for (const block of message.blocks) {
      if (block.type === 'section') expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(MAX_SECTION_TEXT);
    }
  });

  it('words who-wrote, who-read and history answers', () => {
    const other = 'arn:aws:iam::111122223333:user/bob';
    const wrote = buildObjectAnswerMessage(answer({ question: 'who-wrote', events: [event({ eventName: 'PutObject' })] }));
    expect(summaryOf(wrote)).toBe(`*\`${KEY}\` was written by \`${MALLORY}\`* (1 write).`);
    const read = buildObjectAnswerMessage(
      answer({
        question: 'who-read',
        events: [
          event({ eventName: 'GetObject' }),
          event({ eventName: 'GetObject', principalArn: other }),
          event({ eventName: 'HeadObject' }),
        ],
      }),
    );
    expect(summaryOf(read)).toBe(`*\`${KEY}\` was last read by \`${MALLORY}\`* (3 reads by 2 principals).`);
    const history = buildObjectAnswerMessage(
      answer({
        question: 'history',
        events: [
          event({ eventName: 'PutObject', eventTime: '2024-07-01T08:00:00Z' }),
          event({ eventTime: '2024-07-02T00:22:11Z' }),
        ],
      }),
    );
    expect(summaryOf(history)).toBe(`*History of \`${KEY}\`*: 2 events from 2024-07-01 08:00:00 UTC to 2024-07-02 00:22:11 UTC.`);
    expect(summaryOf(buildObjectAnswerMessage(answer({ question: 'who-read' })))).toMatch(
      /^No read \(GetObject, HeadObject or GetObjectAttributes\) of `reports\/q3\.parquet` in the logs searched, and no copy \(CopyObject, UploadPartCopy\) was made from it\./,
    );
    expect(summaryOf(buildObjectAnswerMessage(answer({ question: 'history' })))).toMatch(
      /^No event names `reports\/q3\.parquet`/,
    );
  });

  it('says a rename moved the key away, and where to', () => {
    const renamed = event({
      eventName: 'RenameObject',
      key: 'reports/q3-final.parquet',
      keyRole: 'source',
      destination: `${BUCKET}/reports/q3-final.parquet`,
    });
    const message = buildObjectAnswerMessage(answer({ events: [renamed] }));
    expect(summaryOf(message)).toBe(
      `*\`${KEY}\` was moved away to \`${BUCKET}/reports/q3-final.parquet\` by \`${MALLORY}\`* (1 rename away).`,
    );
    expect(eventSections(message)[0]).toContain(`\`RenameObject\` · moved away to \`${BUCKET}/reports/q3-final.parquet\``);
  });

  it('counts a copy from the key as a read and says where it went', () => {
    const copied = event({ eventName: 'CopyObject', keyRole: 'source', destination: 'other--usw2-az1--x-s3/archive/q3.parquet' });
    const message = buildObjectAnswerMessage(
      answer({ question: 'who-read', events: [copied, event({ eventName: 'GetObject' })] }),
    );
    expect(summaryOf(message)).toBe(
      `*\`${KEY}\` was copied to \`other--usw2-az1--x-s3/archive/q3.parquet\` by \`${MALLORY}\`* (1 read and 1 copy).`,
    );
  });

  it('shows the access point, the error message and the addendum on the event', () => {
    const through = event({
      accessPoint: 'reports-ap--usw2-az1--xa-s3',
      errorCode: 'AccessDenied',
      errorMessage: 'Access Denied',
      addendumReason: 'DELIVERY_DELAY',
    });
    const [section] = eventSections(buildObjectAnswerMessage(answer({ events: [through] })));
    expect(section).toContain(`bucket \`${BUCKET}\` via access point \`reports-ap--usw2-az1--xa-s3\``);
    expect(section).toContain(':x: *FAILED* `AccessDenied` (Access Denied): nothing was deleted');
    expect(section).toContain('addendum `DELIVERY_DELAY` (delivered late)');
  });

  it('says how many batch deletes were counted but not listed', () => {
    const message = buildObjectAnswerMessage(answer({ events: [event()], unlistedCandidates: 156 }));
    expect(summaryOf(message)).toBe(
      `*\`${KEY}\` was deleted by \`${MALLORY}\`* (1 delete, 156 batch deletes not listed: in buckets where the key was not seen, or while it did not exist).`,
    );
  });

  it('names every failed attempt’s principals when only failed attempts match', () => {
    const eve = 'arn:aws:iam::111122223333:user/eve';
    const message = buildObjectAnswerMessage(
      answer({ events: [event({ errorCode: 'AccessDenied', principalArn: eve }), event({ errorCode: 'AccessDenied' })] }),
    );
    expect(summaryOf(message)).toMatch(
      /^\*No successful DeleteObject of `reports\/q3\.parquet`\*; 2 failed attempts by 2 principals, the last by `arn:aws:iam::111122223333:user\/eve`\./,
    );
    expect(summaryOf(message)).not.toContain('was deleted by');
  });

  it('says when only batch deletes could have removed the key', () => {
    const message = buildObjectAnswerMessage(answer({ events: [candidate()] }));
    expect(summaryOf(message)).toMatch(/^\*No DeleteObject names `reports\/q3\.parquet`\* \(1 batch-delete candidate\)\./);
  });

  it.each([
    ['exact and candidates', EXACT_AND_CANDIDATES],
    ['lifecycle', LIFECYCLE],
    ['failed call', FAILED_ONLY],
    ['empty', EMPTY],
    ['500 events, 600-character keys, 2000 matches', HUGE],
    ['500 mixed events', HUGE_MIXED],
    ['hostile values', HOSTILE_ANSWER],
    ['a 1024-character key of ampersands', AMPERSAND_KEY],
  ])('stays within Block Kit limits: %s', (_name, fixture) => {
    const message = buildObjectAnswerMessage(fixture);
    expect(checkBlockLimits(message.blocks, 'message')).toEqual([]);
    expect(message.text.length).toBeGreaterThan(0);
    expect(message.text.length).toBeLessThanOrEqual(MAX_FALLBACK_TEXT);
  });
});
