import { describe, expect, it } from 'vitest';
import { toCsv, toJson, toText } from '../../../src/answers/object/formats.js';
import type { ObjectAnswer, ObjectEvent } from '../../../src/answers/object/question.js';

const KEY = 'reports/q3.parquet';
const BUCKET = 'analytics--usw2-az1--x-s3';
const MALLORY = 'arn:aws:sts::111122223333:assumed-role/etl-writer/mallory';

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
    vpcEndpointId: 'vpce-0abc',
    evidence: 'exact',
    lifecycle: false,
    ...overrides,
  };
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
      unreadableFiles: [
        { path: 'AWSLogs/111122223333/CloudTrail/us-west-2/2024/07/02/bad.json.gz', reason: 'unexpected end of file' },
      ],
      eventsScanned: 4210,
      bytesScanned: 1_300_000,
      newestEventTime: '2024-07-07T23:55:00Z',
      elapsedMs: 840,
    },
    ...overrides,
  };
}

const CANDIDATE = event({
  eventId: 'c1',
  eventName: 'DeleteObjects',
  key: null,
  evidence: 'candidate',
  principalArn: 'arn:aws:iam::111122223333:user/cleanup',
});
const LIFECYCLE = event({
  eventId: 'l1',
  principalArn: null,
  principalType: 'AWSService',
  invokedBy: 'lifecycle.s3.amazonaws.com',
  lifecycle: true,
  sessionMode: null,
  sessionIssuerArn: null,
  principalId: null,
  mfaAuthenticated: null,
});

describe('toJson', () => {
  it('prints exactly the documented shape, in order, with null for what is absent', () => {
    const fixture = answer({
      bucket: undefined,
      sources: ['s3express.amazonaws.com', 's3.amazonaws.com'],
      events: [event({ errorCode: 'AccessDenied', errorMessage: 'Access Denied' })],
      totalMatches: 7,
      exactMatches: 1,
      successfulMatches: 0,
      unlistedCandidates: 3,
      stats: { ...answer().stats, eventsScanned: undefined, newestEventTime: undefined },
    });
    const json = toJson(fixture);
    expect(json.endsWith('}\n')).toBe(true);
    expect(json).toContain('\n  "events": [\n    {\n      "eventId"');
    const parsed = JSON.parse(json);
    expect(parsed).toEqual({
      events: [
        {
          eventId: 'a1b2c3d4-0000-4000-8000-000000000001',
          eventTime: '2024-07-02T00:22:11Z',
          eventName: 'DeleteObject',
          principalArn: MALLORY,
          principalType: 'AssumedRole',
          bucket: BUCKET,
          key: KEY,
          accessPoint: null,
          keyRole: 'target',
          destination: null,
          sourceIp: '203.0.113.7',
          userAgent: 'aws-cli/2.17.0',
          principalId: 'AROA3EXAMPLEETLWRITER:mallory',
          mfaAuthenticated: false,
          sessionMode: 'ReadWrite',
          invokedBy: null,
          // A failed call is never passed off as a deletion: its error travels with it.
          errorCode: 'AccessDenied',
          errorMessage: 'Access Denied',
          addendumReason: null,
          evidence: 'exact',
        },
      ],
      scanned: {
        engine: 'local',
        files: 12,
        events: null,
        bytes: 1_300_000,
        costUsd: null,
        unreadableFiles: [
          { path: 'AWSLogs/111122223333/CloudTrail/us-west-2/2024/07/02/bad.json.gz', reason: 'unexpected end of file' },
        ],
        newestEventTime: null,
        elapsedMs: 840,
        warnings: [],
      },
      question: 'who-deleted',
      prefix: null,
      searched: {
        sources: ['s3express.amazonaws.com', 's3.amazonaws.com'],
        bucket: null,
        since: '2024-07-01T00:00:00Z',
        until: '2024-07-08T00:00:00Z',
      },
      totalMatches: 7,
      exactMatches: 1,
      successfulMatches: 0,
      unlistedCandidates: 3,
    });
    expect(Object.keys(parsed)).toEqual([
      'events',
      'scanned',
      'question',
      'prefix',
      'searched',
      'totalMatches',
      'exactMatches',
      'successfulMatches',
      'unlistedCandidates',
    ]);
    expect(Object.keys(parsed.events[0])).toEqual([
      'eventId',
      'eventTime',
      'eventName',
      'principalArn',
      'principalType',
      'bucket',
      'key',
      'accessPoint',
      'keyRole',
      'destination',
      'sourceIp',
      'userAgent',
      'principalId',
      'mfaAuthenticated',
      'sessionMode',
      'invokedBy',
      'errorCode',
      'errorMessage',
      'addendumReason',
      'evidence',
    ]);
    expect(Object.keys(parsed.scanned)).toEqual([
      'engine',
      'files',
      'events',
      'bytes',
      'costUsd',
      'unreadableFiles',
      'newestEventTime',
      'elapsedMs',
      'warnings',
    ]);
    expect(Object.keys(parsed.searched)).toEqual(['sources', 'bucket', 'since', 'until']);
  });

  it('keeps keys whole, whatever they contain', () => {
    const key = `${'k'.repeat(1000)}<"\n\``;
    expect(JSON.parse(toJson(answer({ key, events: [event({ key })] }))).events[0].key).toBe(key);
  });
});

describe('toCsv', () => {
  it('writes the header and one CRLF-terminated row per event', () => {
    const failed = event({ errorCode: 'AccessDenied', errorMessage: 'Access Denied', addendumReason: 'DELIVERY_DELAY' });
    const renamed = event({
      eventId: 'r1',
      eventName: 'RenameObject',
      key: 'reports/q3-final.parquet',
      keyRole: 'source',
      destination: `${BUCKET}/reports/q3-final.parquet`,
      accessPoint: 'reports-ap--usw2-az1--xa-s3',
    });
    const csv = toCsv(answer({ events: [failed, renamed, CANDIDATE, LIFECYCLE] }));
    const rows = csv.split('\r\n');
    expect(rows).toEqual([
      'eventTime,eventName,principalArn,principalType,invokedBy,bucket,key,accessPoint,keyRole,destination,sourceIp,sessionMode,userAgent,mfaAuthenticated,errorCode,errorMessage,addendumReason,evidence,eventId',
      `2024-07-02T00:22:11Z,DeleteObject,${MALLORY},AssumedRole,,${BUCKET},${KEY},,target,,203.0.113.7,ReadWrite,aws-cli/2.17.0,false,AccessDenied,Access Denied,DELIVERY_DELAY,exact,a1b2c3d4-0000-4000-8000-000000000001`,
      `2024-07-02T00:22:11Z,RenameObject,${MALLORY},AssumedRole,,${BUCKET},reports/q3-final.parquet,reports-ap--usw2-az1--xa-s3,source,${BUCKET}/reports/q3-final.parquet,203.0.113.7,ReadWrite,aws-cli/2.17.0,false,,,,exact,r1`,
      `2024-07-02T00:22:11Z,DeleteObjects,arn:aws:iam::111122223333:user/cleanup,AssumedRole,,${BUCKET},,,target,,203.0.113.7,ReadWrite,aws-cli/2.17.0,false,,,,candidate,c1`,
      `2024-07-02T00:22:11Z,DeleteObject,,AWSService,lifecycle.s3.amazonaws.com,${BUCKET},${KEY},,target,,203.0.113.7,,aws-cli/2.17.0,,,,,exact,l1`,
      '',
    ]);
  });

  it('quotes and neutralises hostile keys so each record still has 19 fields', () => {
    const key = '=cmd|\' /C calc\'!A0,"x"\r\nnext';
    const csv = toCsv(answer({ events: [event({ key })] }));
    expect(csv).toContain(`,"'=cmd|' /C calc'!A0,""x""␍␊next",`);
    // A minimal RFC 4180 reader: the record round-trips with the key intact but for the guard.
    const fields: string[] = [];
    const record = csv.split('\r\n').slice(1).join('\r\n');
    const pattern = /("(?:[^"]|"")*"|[^,\r\n]*)(,|\r\n|$)/g;
    for (const match of record.matchAll(pattern)) {
      const raw = match[1] ?? '';
      fields.push(raw.startsWith('"') ? raw.slice(1, -1).replaceAll('""', '"') : raw);
      if (match[2] !== ',') break;
    }
    expect(fields).toHaveLength(19);
    expect(fields[6]).toBe(`'${key.replace('\r\n', '␍␊')}`);
  });

  it('writes only the header when nothing matched', () => {
    expect(toCsv(answer())).toBe(
      'eventTime,eventName,principalArn,principalType,invokedBy,bucket,key,accessPoint,keyRole,destination,sourceIp,sessionMode,userAgent,mfaAuthenticated,errorCode,errorMessage,addendumReason,evidence,eventId\r\n',
    );
  });
});

describe('toText', () => {
  it('prints the summary, an aligned table, candidates in their own section, and the footer facts', () => {
    const text = toText(answer({ events: [event(), event({ errorCode: 'AccessDenied' }), LIFECYCLE, CANDIDATE] }));
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      `${KEY} was last deleted by ${MALLORY} (2 deletes by 2 principals, 1 failed attempt, 1 batch-delete candidate).`,
    );
    const header = lines.find((line) => line.startsWith('TIME (UTC)')) ?? '';
    expect(header).toMatch(
      /^TIME \(UTC\) +OPERATION +PRINCIPAL +BUCKET +KEY +SOURCE IP +SESSION +SESSION ISSUER +MFA +USER AGENT +VPC ENDPOINT +RESULT$/,
    );
    // Aligned: every column starts at the same offset in the header and the rows.
    const rows = lines.slice(lines.indexOf(header) + 1, lines.indexOf(header) + 4);
    const principalColumn = header.indexOf('PRINCIPAL');
    expect(rows.map((row) => row.slice(principalColumn, principalColumn + 12))).toEqual([
      'arn:aws:sts:',
      'arn:aws:sts:',
      'S3 Lifecycle',
    ]);
    expect(rows[1]).toMatch(/FAILED AccessDenied$/);
    expect(rows[0]).toMatch(/ ok$/);

    const exactHeading = lines.indexOf('Exact matches (the CloudTrail record names the key)');
    const candidateHeading = lines.indexOf('Batch-delete candidates (DeleteObjects)');
    expect(exactHeading).toBeGreaterThan(0);
    expect(candidateHeading).toBeGreaterThan(exactHeading);
    expect(lines[candidateHeading + 1]).toMatch(/^CloudTrail does not record which keys a DeleteObjects call removed/);
    expect(lines.slice(candidateHeading).join('\n')).toContain('arn:aws:iam::111122223333:user/cleanup');
    expect(lines.slice(candidateHeading).join('\n')).toContain('(not recorded)');

    expect(text).toContain(
      `Searched s3express.amazonaws.com events in bucket ${BUCKET}, 2024-07-01 00:00:00 UTC – 2024-07-08 00:00:00 UTC.`,
    );
    expect(text).toContain('Scanned 12 files, 4,210 events, 1.3 MB read by the local engine in 840 ms.');
    expect(text).toContain('Skipped 1 unreadable file: bad.json.gz (unexpected end of file).');
    expect(text).toContain('Logs complete up to 2024-07-07 23:55:00 UTC; CloudTrail delivers about 5 minutes late.');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('leaves out columns that are empty for every event and headings when there are no candidates', () => {
    const text = toText(answer({ events: [event({ vpcEndpointId: null, sessionIssuerArn: null })] }));
    expect(text).not.toContain('SESSION ISSUER');
    expect(text).not.toContain('VPC ENDPOINT');
    expect(text).not.toContain('Exact matches');
  });

  it('says how many matches were not fetched', () => {
    const events = Array.from({ length: 500 }, (_, i) => event({ eventId: `e${i}` }));
    const text = toText(answer({ events, totalMatches: 2000 }));
    expect(text).toContain('…and 1,500 more events (2,000 matched in all). Only the newest 500 were fetched');
  });

  it('states an empty answer with the coverage caveat', () => {
    const text = toText(answer());
    expect(text).toMatch(
      /^No DeleteObject on reports\/q3\.parquet in the logs searched, no rename \(RenameObject\) moved it away, and no batch delete/,
    );
    expect(text).toContain('s3x could not tell from the trail history');
    expect(text).not.toContain('TIME (UTC)');
  });

  it('cannot be used to send escape sequences to the terminal', () => {
    const key = 'evil\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202e.txt';
    const text = toText(answer({ key, events: [event({ key, sourceIp: '\u001b[31m1.2.3.4' })] }));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting no control characters reach the terminal.
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(text).toContain('evil␛]0;pwned␇␛[2J');
  });
});
