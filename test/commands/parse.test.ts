import { describe, expect, it } from 'vitest';
import { SUBCOMMANDS } from '../../src/commands/grammar.js';
import { parseCommand, parseSlackText } from '../../src/commands/parse.js';
import { decodeSlackEntities, tokenize } from '../../src/commands/tokenize.js';
import { UsageError } from '../../src/errors.js';

const NOW = new Date('2026-11-24T10:00:00Z');

describe('tokenize', () => {
  it('splits on whitespace and groups double-quoted words', () => {
    expect(tokenize('who-deleted "a key with spaces" --bucket b1')).toEqual([
      'who-deleted',
      'a key with spaces',
      '--bucket',
      'b1',
    ]);
  });
  it('keeps single quotes as ordinary characters', () => {
    expect(tokenize("who-deleted x' OR '1'='1")).toEqual(['who-deleted', "x'", 'OR', "'1'='1"]);
  });
  it('accepts smart quotes that Slack clients insert', () => {
    expect(tokenize('who-read \u201cQ3 summary.csv\u201d')).toEqual(['who-read', 'Q3 summary.csv']);
  });
  it('unescapes backslash inside quotes and keeps empty quoted words', () => {
    expect(tokenize('a "b \\" c" ""')).toEqual(['a', 'b " c', '']);
  });
  it('rejects an unclosed quote', () => {
    expect(() => tokenize('who-read "open')).toThrow(UsageError);
  });
});

describe('decodeSlackEntities', () => {
  it('decodes the three entities Slack encodes, in one pass', () => {
    expect(decodeSlackEntities('a &amp; b &lt;c&gt; &amp;lt;')).toBe('a & b <c> &lt;');
  });
});

describe('parseSlackText', () => {
  it('parses who-deleted with bucket and absolute window', () => {
    const request = parseSlackText(
      'who-deleted reports/q3.parquet --bucket analytics--use1-az4--x-s3 --since 2026-11-01 --until 2026-11-02',
      NOW,
    );
    expect(request).toEqual({
      command: 'who-deleted',
      key: 'reports/q3.parquet',
      bucket: 'analytics--use1-az4--x-s3',
      window: { since: new Date('2026-11-01T00:00:00Z'), until: new Date('2026-11-03T00:00:00Z') },
    });
  });
  it('decodes entities inside keys', () => {
    const request = parseSlackText('who-read "a &amp; b &lt;1&gt;.txt"', NOW);
    expect(request).toMatchObject({ command: 'who-read', key: 'a & b <1>.txt' });
  });
  it('defaults to the last 7 days', () => {
    const request = parseSlackText('history k', NOW);
    expect(request).toMatchObject({ window: { since: new Date('2026-11-17T10:00:00Z'), until: NOW } });
  });
  it('accepts --opt=value and relative times', () => {
    expect(parseSlackText('who-wrote k --since=24h', NOW)).toMatchObject({ window: { since: new Date('2026-11-23T10:00:00Z') } });
  });
  it('treats empty text as help', () => {
    expect(parseSlackText('   ', NOW)).toEqual({ command: 'help' });
  });
  it.each([
    ['who-delted k', /Did you mean `who-deleted`/],
    ['frobnicate', /not an s3x command/],
    ['who-deleted', /needs a key/],
    ['who-deleted a b', /double quotes/],
    ['who-deleted k --bucket', /needs a value/],
    ['who-deleted k --color red', /has no option `--color`/],
    ['who-deleted k --bucket Bad_Bucket', /not a bucket name/],
    ['who-deleted k --since yesterday', /not a time/],
    ['who-deleted k --since 2026-02-30', /not a valid date/],
    ['who-deleted k --since 1d --until 2d', /window is empty/],
    ['who-deleted k --bucket b1b --bucket b2b', /given twice/],
    ['enable-logging', /one bucket or use `--all`/],
    ['tighten bkt1 --deny arn:aws:iam::123456789012:role/x --vpce vpce-0123abcd', /exactly one/],
    ['tighten bkt1 --deny not-an-arn', /not an IAM principal ARN/],
    ['digest --date 2026-13-01', /must be a date/],
  ])('rejects %s with a helpful message', (text, message) => {
    expect(() => parseSlackText(text, NOW)).toThrow(message);
  });
  it('refuses a window longer than S3X_MAX_WINDOW_DAYS, saying how to ask for a longer one', () => {
    const refusal = () => parseSlackText('who-read x --since 1000-01-01 --until 9999-12-30', NOW);
    expect(refusal).toThrow(UsageError);
    expect(refusal).toThrow(/at most 90 days.*shorter --since\/--until.*S3X_MAX_WINDOW_DAYS/);
    // Exactly the cap is allowed; one day more is not; the configured cap replaces the default.
    expect(parseSlackText('who-read x --since 2026-08-26 --until 2026-11-23', NOW)).toMatchObject({ command: 'who-read' });
    expect(() => parseSlackText('who-read x --since 2026-08-25 --until 2026-11-23', NOW)).toThrow(/91 days/);
    expect(() => parseCommand(['activity', 'bkt1', '--since', '8d'], NOW, { maxWindowDays: 7 })).toThrow(/at most 7 days/);
    expect(parseCommand(['activity', 'bkt1', '--since', '8d'], NOW, { maxWindowDays: 8 })).toMatchObject({ command: 'activity' });
  });
  it('rejects keys longer than S3 allows', () => {
    expect(() => parseCommand(['who-read', 'é'.repeat(513)], NOW)).toThrow(/1024 bytes/);
  });
});

describe('the whole surface parses', () => {
  it.each([
    ['activity analytics--use1-az4--x-s3 --since 7d', { command: 'activity', bucket: 'analytics--use1-az4--x-s3' }],
    [
      'principal arn:aws:iam::111122223333:user/alice',
      { command: 'principal', principal: 'arn:aws:iam::111122223333:user/alice' },
    ],
    ['denied --bucket corp-reports', { command: 'denied', bucket: 'corp-reports' }],
    ['denied', { command: 'denied', bucket: undefined }],
    ['bucket-events corp-reports', { command: 'bucket-events', bucket: 'corp-reports' }],
    ['status', { command: 'status' }],
    ['status --since 30d', { command: 'status', since: new Date(NOW.getTime() - 30 * 86_400_000) }],
    ['enable-logging --all', { command: 'enable-logging', target: { all: true } }],
    ['enable-logging b--use1-az4--x-s3', { command: 'enable-logging', target: { bucket: 'b--use1-az4--x-s3' } }],
    ['tighten bkt1 --read-only', { command: 'tighten', change: { kind: 'read-only', principalArn: undefined } }],
    [
      'tighten bkt1 --read-only arn:aws:iam::123456789012:role/Reader',
      { change: { kind: 'read-only', principalArn: 'arn:aws:iam::123456789012:role/Reader' } },
    ],
    ['tighten bkt1 --deny arn:aws:sts::123456789012:assumed-role/R/s', { change: { kind: 'deny' } }],
    ['tighten bkt1 --vpce vpce-0a1b2c3d4e5f', { change: { kind: 'vpce', vpceId: 'vpce-0a1b2c3d4e5f' } }],
    ['approvals', { command: 'approvals' }],
    ['digest --date 2026-11-23', { command: 'digest', date: '2026-11-23' }],
    ['help who-read', { command: 'help', topic: 'who-read' }],
  ])('%s', (text, expected) => {
    expect(parseSlackText(text, NOW)).toMatchObject(expected);
  });
  it('has a usage line for every subcommand', () => {
    for (const spec of SUBCOMMANDS) expect(spec.usage.startsWith(spec.name)).toBe(true);
  });
});

describe('help examples', () => {
  it.each(SUBCOMMANDS.flatMap((spec) => spec.examples.map((example) => [spec.name, example] as const)))(
    '%s: `%s` parses',
    (name, example) => {
      expect(parseSlackText(example, NOW).command).toBe(name);
    },
  );
  it('every subcommand has at least one example', () => {
    for (const spec of SUBCOMMANDS) expect(spec.examples.length).toBeGreaterThan(0);
  });
});

describe('who-deleted --prefix', () => {
  it('takes a prefix instead of a key, kept literally (wildcard and quote characters included)', () => {
    for (const prefix of ['reports/2024/', '50%_off/', 'a\\b/', "it's/", '"q"/']) {
      expect(parseCommand(['who-deleted', '--prefix', prefix, '--bucket', 'b1--use1-az4--x-s3'], NOW)).toMatchObject({
        command: 'who-deleted',
        key: prefix,
        matchPrefix: true,
        bucket: 'b1--use1-az4--x-s3',
      });
    }
    expect(parseSlackText('who-deleted --prefix "reports/Q3 &amp; Q4/" --since 7d', NOW)).toMatchObject({
      key: 'reports/Q3 & Q4/',
      matchPrefix: true,
    });
  });

  it('a key question carries no prefix mark', () => {
    expect(parseCommand(['who-deleted', 'reports/'], NOW)).not.toHaveProperty('matchPrefix');
  });

  it('refuses both a key and a prefix, neither, an empty or too long prefix, and --prefix elsewhere', () => {
    expect(() => parseCommand(['who-deleted', 'k', '--prefix', 'p/'], NOW)).toThrow(/takes a key or `--prefix`, not both/);
    expect(() => parseCommand(['who-deleted'], NOW)).toThrow(/needs a key or `--prefix P`/);
    expect(() => parseCommand(['who-deleted', '--prefix=', 'x'], NOW)).toThrow(UsageError);
    expect(() => parseSlackText('who-deleted --prefix ""', NOW)).toThrow(/prefix is empty/);
    expect(() => parseCommand(['who-deleted', '--prefix', 'é'.repeat(600)], NOW)).toThrow(/prefix is longer than 1024 bytes/);
    expect(() => parseCommand(['who-wrote', '--prefix', 'p/'], NOW)).toThrow(/has no option `--prefix`/);
  });
});
