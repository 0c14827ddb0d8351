import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RuleEvaluator } from '../../src/alerts/evaluate.js';
import { type AlertEvent, recordsOf, toAlertEvent } from '../../src/alerts/event.js';
import { DEFAULT_RULES, defaultRules, loadRules, parseRules, type RulesFile } from '../../src/alerts/rules.js';
import { ConfigError } from '../../src/errors.js';
import { invictusRecords, pantherRecords, type RawRecord, s3ExpressDocRecords, stratusRecord, variant } from './real-records.js';

const T0 = new Date('2024-07-02T00:30:00Z');
const LONG_AGO = new Date('2024-01-01T00:00:00Z');
const [DOC_SESSION, DOC_GET, DOC_LIFECYCLE_DELETE, DOC_DENIED_SESSION] = s3ExpressDocRecords() as [
  RawRecord,
  RawRecord,
  RawRecord,
  RawRecord,
];
/** The docs' DeleteObjects, made by the docs' CreateSession caller (an AssumedRole) instead of S3 Lifecycle. */
const USER_DELETE: RawRecord = {
  ...structuredClone(DOC_LIFECYCLE_DELETE),
  userIdentity: structuredClone(DOC_SESSION.userIdentity),
  sourceIPAddress: '72.21.198.68',
};
const USER_ARN = (DOC_SESSION.userIdentity as { arn: string }).arn;
const DIRECTORY_BUCKET = 'amzn-s3-demo-bucket--use2-az2--x-s3';

function event(record: RawRecord): AlertEvent {
  const parsed = toAlertEvent(record);
  if (!parsed) throw new Error('record refused');
  return parsed;
}

function evaluator(rules: RulesFile = defaultRules(), options: Partial<ConstructorParameters<typeof RuleEvaluator>[1]> = {}) {
  return new RuleEvaluator(rules, { historyFrom: LONG_AGO, ...options });
}

function fired(engine: RuleEvaluator, records: RawRecord[]): string[] {
  return records.flatMap((record) => engine.evaluate(event(record)).map((firing) => firing.rule.id));
}

const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

describe('rules file', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('the documented default set validates and names the five kinds of the issue', () => {
    const ids = defaultRules().rules.map((rule) => rule.id);
    expect(ids).toEqual(DEFAULT_RULES.map((rule) => rule.id));
    expect(ids).toEqual(
      expect.arrayContaining([
        'mass-delete',
        'new-principal-delete',
        'bucket-policy-change',
        'trail-stopped-or-deleted',
        'trail-destination-changed',
        'directory-bucket-logging-dropped',
        'denied-session-burst',
      ]),
    );
  });

  it('reads the same rules from YAML and from JSON, durations in milliseconds', async () => {
    const yaml = `channel: C0ALERTS
rules:
  - id: big-delete
    title: Big delete
    channel: C0SECOPS
    match:
      source: [s3express.amazonaws.com]
      eventName: [DeleteObjects]
      bucket: ["prod-*--x-s3"]
      principal: { allow: ["arn:aws:sts::*:assumed-role/Backup/*"], newToBucket: 7d }
      sourceIp: { notIn: [10.0.0.0/8] }
    threshold: { count: 100, window: 5m }
`;
    const json = JSON.stringify({
      channel: 'C0ALERTS',
      rules: [
        {
          id: 'big-delete',
          title: 'Big delete',
          channel: 'C0SECOPS',
          match: {
            source: ['s3express.amazonaws.com'],
            eventName: ['DeleteObjects'],
            bucket: ['prod-*--x-s3'],
            principal: { allow: ['arn:aws:sts::*:assumed-role/Backup/*'], newToBucket: '7d' },
            sourceIp: { notIn: ['10.0.0.0/8'] },
          },
          threshold: { count: 100, window: '5m' },
        },
      ],
    });
    const dir = mkdtempSync(path.join(tmpdir(), 's3x-rules-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'rules.yaml'), yaml);
    writeFileSync(path.join(dir, 'rules.json'), json);
    const fromYaml = await loadRules(path.join(dir, 'rules.yaml'));
    const fromJson = await loadRules(path.join(dir, 'rules.json'));
    expect(fromYaml).toEqual(fromJson);
    expect(fromYaml.rules[0]?.threshold).toEqual({ count: 100, window: 300_000, per: 'principal' });
    expect(fromYaml.rules[0]?.match.principal?.newToBucket).toBe(7 * 86_400_000);
  });

  it.each([
    ['an unknown key', 'rules:\n  - id: a\n    title: A\n    match: { evntName: [X] }\n', 'rules.0.match'],
    ['a bad channel', 'rules:\n  - id: a\n    title: A\n    channel: general\n    match: {}\n', 'rules.0.channel'],
    ['a duplicate id', 'rules:\n  - { id: a, title: A, match: {} }\n  - { id: a, title: B, match: {} }\n', 'duplicate id a'],
    ['a bad duration', 'rules:\n  - { id: a, title: A, match: {}, threshold: { count: 1, window: 5 minutes } }\n', 'duration'],
    ['a bad CIDR', 'rules:\n  - { id: a, title: A, match: { sourceIp: { in: [10.0.0.0/33] } } }\n', 'CIDR'],
    ['an id with spaces', 'rules:\n  - { id: "a b", title: A, match: {} }\n', 'rules.0.id'],
    ['not YAML at all', 'rules: [ {', 'not valid YAML'],
    ['a list at the top', '- 1\n- 2\n', '(file)'],
  ])('refuses %s with the path of the problem', (_what, source, message) => {
    expect(() => parseRules(source)).toThrow(ConfigError);
    expect(() => parseRules(source)).toThrow(message);
  });

  it('refuses a YAML alias bomb and a file over 1 MB', async () => {
    const bomb = `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nrules: []\n`;
    expect(() => parseRules(bomb)).toThrow(ConfigError);
    const dir = mkdtempSync(path.join(tmpdir(), 's3x-rules-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'big.yaml'), `rules: []\n#${'x'.repeat(1024 * 1024)}`);
    await expect(loadRules(path.join(dir, 'big.yaml'))).rejects.toThrow('larger than 1 MB');
    await expect(loadRules(path.join(dir, 'missing.yaml'))).rejects.toThrow('cannot read');
  });
});

describe('records as alert events', () => {
  it('reads the S3 Express documentation records: bucket, key, session mode, service callers', () => {
    const get = event(DOC_GET);
    expect(get).toMatchObject({
      eventName: 'GetObject',
      bucket: 'bucket-base-name--usw2-az1--x-s3',
      sessionMode: 'ReadWrite',
      principal: USER_ARN,
    });
    expect(event(DOC_SESSION).sessionMode).toBe('ReadWrite');
    expect(event(DOC_LIFECYCLE_DELETE).principal).toBe('lifecycle.s3.amazonaws.com');
    expect(event(DOC_DENIED_SESSION).errorCode).toBe('AccessDenied');
  });

  it('takes the record out of an EventBridge envelope and out of a delivery file', () => {
    expect(
      recordsOf({ version: '0', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.s3express', detail: DOC_GET }),
    ).toEqual([DOC_GET]);
    expect(recordsOf({ Records: [DOC_GET, DOC_SESSION] })).toHaveLength(2);
  });

  it.each([
    ['null', null],
    ['an array', [1, 2]],
    ['no eventID (the Panther NetworkActivity UpdateTrail)', pantherRecords().find((r) => r.eventName === 'UpdateTrail')],
    ['an unreadable time', { ...DOC_GET, eventTime: 'yesterday' }],
    ['an eventID that is an object', { ...DOC_GET, eventID: { $gt: '' } }],
    ['a 10 kB eventName', { ...DOC_GET, eventName: 'x'.repeat(10_000) }],
  ])('refuses %s', (_what, record) => {
    expect(toAlertEvent(record)).toBeUndefined();
  });

  it('drops fields of the wrong type instead of trusting them', () => {
    const odd = event({
      ...DOC_GET,
      sourceIPAddress: 42,
      requestParameters: 'bucketName=x',
      userIdentity: null,
      addendum: { reason: 'DELIVERY_DELAY' },
    });
    expect(odd.sourceIp).toBeUndefined();
    expect(odd.bucket).toBeUndefined();
    expect(odd.principal).toBe('unknown principal');
    expect(odd.addendum).toBe('DELIVERY_DELAY');
  });
});

describe('default rules on real records', () => {
  it('trail tampering: the Stratus StopLogging and DeleteTrail fire, a failed StopLogging does not', () => {
    const engine = evaluator();
    expect(fired(engine, [stratusRecord('cloudtrail-stop')])).toEqual(['trail-stopped-or-deleted']);
    expect(fired(engine, [stratusRecord('cloudtrail-delete')])).toEqual(['trail-stopped-or-deleted']);
    const failed = pantherRecords().find((r) => r.eventName === 'StopLogging' && r.errorCode) as RawRecord;
    expect(fired(engine, [{ ...failed, eventID: 'failed-stop' }])).toEqual([]);
  });

  it('PutEventSelectors that leaves a directory bucket s3x has seen without write logging fires and names it', () => {
    const engine = evaluator();
    // The docs' GetObject makes the directory bucket and its account known.
    expect(fired(engine, [DOC_GET])).toEqual([]);
    const selectors = { ...stratusRecord('cloudtrail-event-selectors'), recipientAccountId: '111122223333' };
    const [firing] = engine.evaluate(event(selectors));
    expect(firing?.rule.id).toBe('directory-bucket-logging-dropped');
    expect(firing?.notes.join(' ')).toContain('bucket-base-name--usw2-az1--x-s3');
  });

  it('PutEventSelectors that logs every directory bucket object event does not fire', () => {
    const engine = evaluator();
    fired(engine, [DOC_GET]);
    const covering = {
      ...stratusRecord('cloudtrail-event-selectors'),
      eventID: 'covering',
      recipientAccountId: '111122223333',
      requestParameters: {
        trailName: 'main',
        advancedEventSelectors: [
          {
            name: 'S3 Express objects',
            fieldSelectors: [
              { field: 'eventCategory', equals: ['Data'] },
              { field: 'resources.type', equals: ['AWS::S3Express::Object'] },
            ],
          },
        ],
      },
    };
    expect(fired(engine, [covering])).toEqual([]);
  });

  it('with no directory bucket seen yet, the real Stratus selectors (S3 and Lambda only) fire; unreadable selectors fire with a note', () => {
    expect(fired(evaluator(), [stratusRecord('cloudtrail-event-selectors')])).toEqual(['directory-bucket-logging-dropped']);
    const [firing] = evaluator().evaluate(
      event({ ...stratusRecord('cloudtrail-event-selectors'), requestParameters: { trailName: 'x' } }),
    );
    expect(firing?.notes[0]).toContain('not show the new selectors');
  });

  it('UpdateTrail fires only when it moves the logs (the real Panther UpdateTrail changes isMultiRegionTrail)', () => {
    const update = { ...(pantherRecords().find((r) => r.eventName === 'UpdateTrail') as RawRecord), eventID: 'u1' };
    expect(fired(evaluator(), [update])).toEqual([]);
    const moved = { ...update, eventID: 'u2', requestParameters: { name: 'management-events', s3BucketName: 'attacker-logs' } };
    const [firing] = evaluator().evaluate(event(moved));
    expect(firing?.rule.id).toBe('trail-destination-changed');
    expect(firing?.notes).toEqual(['The request sets s3BucketName to attacker-logs.']);
  });

  it('bucket policy changes: the real Invictus PutBucketPolicy records fire; a denied one (Panther) does not', () => {
    const policies = invictusRecords().filter((r) => r.eventName === 'PutBucketPolicy' && !r.errorCode);
    expect(policies.length).toBeGreaterThan(0);
    expect(fired(evaluator(), policies)).toEqual(policies.map(() => 'bucket-policy-change'));
    const denied = pantherRecords().find((r) => r.eventName === 'PutBucketPolicy' && r.errorCode === 'AccessDenied') as RawRecord;
    expect(fired(evaluator(), [{ ...denied, eventID: 'denied-policy' }])).toEqual([]);
  });

  it('no default rule fires on the 2,900 real Invictus records except policy and trail changes', () => {
    const ids = new Set(
      fired(
        evaluator(),
        invictusRecords().filter((r) => toAlertEvent(r)),
      ),
    );
    for (const id of ids)
      expect(['bucket-policy-change', 'trail-stopped-or-deleted', 'directory-bucket-logging-dropped']).toContain(id);
  });

  it('mass delete: the 101st delete by one principal within 5 minutes fires, with the count', () => {
    const engine = evaluator();
    const deletes = Array.from({ length: 100 }, (_, n) => variant(USER_DELETE, n, new Date(T0.getTime() + n * 2000)));
    expect(fired(engine, deletes)).not.toContain('mass-delete');
    const crossing = engine.evaluate(event(variant(USER_DELETE, 100, minutes(4)))).find((f) => f.rule.id === 'mass-delete');
    expect(crossing).toMatchObject({ count: 101, subject: USER_ARN });
    // The window starts over: the next delete alone does not fire again.
    expect(fired(engine, [variant(USER_DELETE, 101, minutes(4.5))])).not.toContain('mass-delete');
  });

  it('mass delete: duplicates (same eventID) do not count, and deletes spread past 5 minutes do not fire', () => {
    const engine = evaluator();
    const once = Array.from({ length: 100 }, (_, n) => variant(USER_DELETE, n, new Date(T0.getTime() + n * 1000)));
    expect(fired(engine, [...once, ...once])).not.toContain('mass-delete');
    const slow = evaluator();
    const spread = Array.from({ length: 150 }, (_, n) => variant(USER_DELETE, n, minutes(n * 0.05 + (n % 2) * 6)));
    expect(fired(slow, spread.filter((_, n) => n % 2 === 0).slice(0, 100))).not.toContain('mass-delete');
    expect(fired(slow, spread.filter((_, n) => n % 2 === 1).slice(0, 50))).not.toContain('mass-delete');
  });

  it('a duplicate delivery fires what the first copy fired (the store dedupes), and counts nowhere', () => {
    const engine = evaluator();
    const first = variant(USER_DELETE, 1, T0);
    expect(fired(engine, [first])).toEqual(['new-principal-delete']);
    expect(fired(engine, [first])).toEqual(['new-principal-delete']);
    expect(fired(engine, [variant(USER_DELETE, 2, minutes(1))])).toEqual([]);
  });

  it('a delete by a principal new to the directory bucket fires once; seen in the last 7 days, it does not', () => {
    const engine = evaluator();
    expect(fired(engine, [variant(USER_DELETE, 1, T0)])).toEqual(['new-principal-delete']);
    // Now known on that bucket.
    expect(fired(engine, [variant(USER_DELETE, 2, minutes(1))])).toEqual([]);
    const seeded = evaluator(defaultRules(), {
      seen: [{ bucket: DIRECTORY_BUCKET, principal: USER_ARN, at: new Date(T0.getTime() - 3 * 86_400_000) }],
    });
    expect(fired(seeded, [variant(USER_DELETE, 3, T0)])).toEqual([]);
    const stale = evaluator(defaultRules(), {
      seen: [{ bucket: DIRECTORY_BUCKET, principal: USER_ARN, at: new Date(T0.getTime() - 8 * 86_400_000) }],
    });
    expect(fired(stale, [variant(USER_DELETE, 4, T0)])).toEqual(['new-principal-delete']);
  });

  it('a principal only ever denied on the bucket is still new; a short history says so in the alert', () => {
    const engine = evaluator(defaultRules(), { historyFrom: new Date(T0.getTime() - 86_400_000) });
    fired(engine, [variant(USER_DELETE, 1, minutes(-5), { errorCode: 'AccessDenied' })]);
    const [firing] = engine.evaluate(event(variant(USER_DELETE, 2, T0)));
    expect(firing?.rule.id).toBe('new-principal-delete');
    expect(firing?.notes[0]).toMatch(/only since 2024-07-01T00:30:00.000Z, less than the 7 days/);
  });

  it('S3 Lifecycle deleting in a directory bucket is judged like any principal (the docs record)', () => {
    expect(fired(evaluator(), [DOC_LIFECYCLE_DELETE])).toEqual(['new-principal-delete']);
  });

  it('denied CreateSession: the 21st denial by one principal in 5 minutes fires (the docs record)', () => {
    const engine = evaluator();
    const denials = Array.from({ length: 21 }, (_, n) => variant(DOC_DENIED_SESSION, n, new Date(T0.getTime() + n * 1000)));
    const ids = fired(engine, denials);
    expect(ids).toEqual(['denied-session-burst']);
    // A successful CreateSession never counts.
    expect(
      fired(
        evaluator(),
        Array.from({ length: 30 }, (_, n) => variant(DOC_SESSION, n, T0)),
      ),
    ).toEqual([]);
  });
});

describe('match conditions', () => {
  const rules = (match: Record<string, unknown>) => parseRules(JSON.stringify({ rules: [{ id: 'r', title: 'R', match }] }));
  const reads = (n: number, changes: RawRecord = {}) => variant(DOC_GET, n, T0, changes);

  it('principal allow globs exempt, deny globs restrict', () => {
    expect(
      fired(evaluator(rules({ principal: { allow: ['arn:aws:sts::111122223333assumed-role/RoleToBeAssumed/*'] } })), [reads(1)]),
    ).toEqual([]);
    expect(fired(evaluator(rules({ principal: { deny: ['*/Other/*'] } })), [reads(2)])).toEqual([]);
    expect(fired(evaluator(rules({ principal: { deny: ['*RoleToBeAssumed*'] } })), [reads(3)])).toEqual(['r']);
  });

  it('a glob matches literally apart from * and ? (regex characters in names do not widen it)', () => {
    expect(fired(evaluator(rules({ bucket: ['bucket-base-name--usw2-az1--x-s3'] })), [reads(1)])).toEqual(['r']);
    expect(fired(evaluator(rules({ bucket: ['bucket.base-name--usw2-az1--x-s3'] })), [reads(2)])).toEqual([]);
    expect(fired(evaluator(rules({ bucket: ['bucket-base-name--????-az1--x-s3'] })), [reads(3)])).toEqual(['r']);
  });

  it('source IP in / not in a CIDR, VPC endpoint present, session mode, error code', () => {
    expect(fired(evaluator(rules({ sourceIp: { in: ['72.21.0.0/16'] } })), [reads(1)])).toEqual(['r']);
    expect(fired(evaluator(rules({ sourceIp: { notIn: ['72.21.0.0/16'] } })), [reads(2)])).toEqual([]);
    expect(fired(evaluator(rules({ sourceIp: { notIn: ['10.0.0.0/8'] } })), [reads(3)])).toEqual(['r']);
    expect(fired(evaluator(rules({ vpcEndpoint: { present: true } })), [reads(4)])).toEqual([]);
    expect(fired(evaluator(rules({ vpcEndpoint: { in: ['vpce-1'] } })), [reads(5, { vpcEndpointId: 'vpce-1' })])).toEqual(['r']);
    expect(fired(evaluator(rules({ sessionMode: ['ReadOnly'] })), [reads(6)])).toEqual([]);
    expect(fired(evaluator(rules({ errorCode: ['AccessDenied'] })), [DOC_DENIED_SESSION])).toEqual(['r']);
    expect(fired(evaluator(rules({ errorCode: ['AccessDenied'] })), [reads(7)])).toEqual([]);
  });
});
