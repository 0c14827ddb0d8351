import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SUBCOMMANDS } from '../../src/commands/grammar.js';
import { parseCommand, parseSlackText } from '../../src/commands/parse.js';
import { OBJECT_QUESTIONS, type S3xRequest } from '../../src/commands/requests.js';
import { UsageError } from '../../src/errors.js';
import { partitionRange } from '../../src/time/window.js';
import {
  asSlackSends,
  expectValuesOnlyInParams,
  isQuestion,
  type QuoteStyle,
  quoteForCommand,
  trickyKey,
  trickyPrincipal,
  trickyText,
} from './bad-input.js';

/**
 * Property tests of `/s3x` text and CLI words: whatever is typed, the parser either returns a
 * request whose values reach SQL only as parameters, or throws a UsageError with a message;
 * a key or principal quoted the way a user types it comes back identical.
 */
const NOW = new Date('2026-11-24T10:00:00Z');
const RUNS = 1000;

const quoteStyle = fc.constantFrom<QuoteStyle>('always', 'minimal', 'smart');
const space = fc.constantFrom(' ', '  ', '\t', '\n', '\u00a0', '\u3000', ' \r\n ');

/** Options an object question takes, in any order, before or after the key. */
const objectOptions = fc
  .subarray(['--bucket analytics-hot--use1-az4--x-s3', '--bucket corp-reports', '--since 14d', '--until 2026-11-23'])
  .map((options) =>
    options.filter((o, i, all) => !o.startsWith('--bucket') || all.findIndex((x) => x.startsWith('--bucket')) === i),
  );

/** Accept a UsageError with a message; anything else thrown fails the property. */
function parseOrUsageError(parse: () => S3xRequest): S3xRequest | undefined {
  try {
    return parse();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).userMessage.length).toBeGreaterThan(0);
    return undefined;
  }
}

/** What must hold for any request the parser returns. */
function expectWellFormed(request: S3xRequest): void {
  if ('window' in request) {
    expect(Number.isFinite(request.window.since.getTime())).toBe(true);
    expect(request.window.since.getTime()).toBeLessThan(request.window.until.getTime());
    const days = partitionRange(request.window);
    expect(days.from).toMatch(/^\d{4}\/\d{2}\/\d{2}$/);
    expect(days.to).toMatch(/^\d{4}\/\d{2}\/\d{2}$/);
  }
  if (isQuestion(request)) expectValuesOnlyInParams(request);
}

// Words that steer the parser into every branch, mixed with arbitrary text.
const WHEN = [
  '7d',
  '0m',
  '30m',
  '99999w',
  '100000w',
  '2024-07-01',
  '9999-12-31',
  '9999-12-31T23:59Z',
  '0000-01-01',
  '0099-12-31',
  '0100-01-01',
  '2024-02-30',
  '2024-02-29',
  '2024-07-01T12:00Z',
  '2024-07-01 12:00',
  '2024-07-01T24:00Z',
  '2024-07-01T12:60:00.999Z',
];
const word = fc.oneof(
  fc.constantFrom(...SUBCOMMANDS.map((s) => s.name), 'WHO-DELETED', 'who-delted', 'help'),
  fc.constantFrom(
    '--bucket',
    '--since',
    '--until',
    '--all',
    '--deny',
    '--read-only',
    '--vpce',
    '--date',
    '--',
    '---',
    '--BUCKET',
  ),
  fc.constantFrom('--bucket=', '--since=7d', '--until=', '--all=x', '--date=2026-11-23', '--bogus', '--=', '--read-only='),
  fc.constantFrom(...WHEN),
  fc.constantFrom(
    'analytics-hot--use1-az4--x-s3',
    'corp-reports',
    'a..b',
    'UPPER',
    'arn:aws:iam::111122223333:role/Intern',
    'arn:aws:sts::111122223333:assumed-role/R/s',
    'vpce-0a1b2c3d',
    'vpce-XYZ',
  ),
  trickyText,
  trickyText.map((text) => quoteForCommand(text, 'always')),
  fc.constantFrom('"', '\u201c', '\u201d', '"unclosed', '\\', '"a\\"', '&amp;', '&lt;'),
);
const commandText = fc
  .tuple(
    fc.option(fc.constantFrom(...SUBCOMMANDS.map((s) => s.name)), { nil: undefined }),
    fc.array(fc.tuple(space, word), { maxLength: 8 }),
  )
  .map(([name, rest]) => `${name ?? ''}${rest.map(([s, w]) => s + w).join('')}`);

/** A plausible value for each option, sometimes wrong. */
const OPTION_VALUES: Record<string, readonly string[]> = {
  bucket: ['analytics-hot--use1-az4--x-s3', 'corp-reports', 'a.b.c', 'Bad_Bucket', 'x'],
  since: ['7d', '24h', '2026-11-20', '2026-11-20T10:00Z', '0m', 'yesterday'],
  until: ['1h', '2026-11-23', '9999-12-30', '9999-12-31', '2020-01-01'],
  deny: ['arn:aws:iam::111122223333:role/Intern', 'not-an-arn'],
  'read-only': ['arn:aws:sts::111122223333:assumed-role/R/s'],
  vpce: ['vpce-0a1b2c3d4e5f67890', 'vpce-XYZ'],
  date: ['2026-11-23', '2026-02-30'],
};
/** Commands that are nearly right: a real subcommand, its positional (anything), its options, sometimes a stray word. */
const nearlyValidParts = fc.constantFrom(...SUBCOMMANDS).chain((spec) =>
  fc.record({
    name: fc.constant(spec.name),
    positional: spec.positional
      ? fc.oneof(trickyText, fc.constantFrom(...(OPTION_VALUES.bucket ?? [])))
      : fc.constant<string | undefined>(undefined),
    options: fc
      .subarray([...spec.options])
      .chain((options) =>
        fc.tuple(
          ...options.map((option) => fc.constantFrom(...(OPTION_VALUES[option] ?? ['']).map((value) => [`--${option}`, value]))),
        ),
      )
      .map((pairs) => pairs.flat().filter((w) => w !== '')),
    stray: fc.oneof({ weight: 4, arbitrary: fc.constant<string | undefined>(undefined) }, { weight: 1, arbitrary: word }),
    gap: space,
  }),
);
/** As typed in Slack: the positional quoted where needed. */
const nearlyValid = nearlyValidParts.map(({ name, positional, options, stray, gap }) =>
  [
    name,
    ...(positional === undefined ? [] : [quoteForCommand(positional, 'minimal')]),
    ...options,
    ...(stray === undefined ? [] : [stray]),
  ].join(gap),
);
/** As CLI words: the positional after `--`, since the shell leaves no quotes. */
const nearlyValidWords = nearlyValidParts.map(({ name, positional, options, stray }) => [
  name,
  ...options,
  ...(stray === undefined ? [] : [stray]),
  ...(positional === undefined ? [] : ['--', positional]),
]);

/** A calendar-ish date, often invalid: years 0-10000, months and days out of range. */
const dateText = fc
  .tuple(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
  .map(([y, m, d]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
const whenText = fc.oneof(
  dateText,
  fc
    .tuple(dateText, fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }))
    .map(([d, h, m]) => `${d}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}Z`),
  fc.tuple(fc.integer({ min: 0, max: 200_000 }), fc.constantFrom('m', 'h', 'd', 'w')).map(([n, unit]) => `${n}${unit}`),
  fc.constantFrom(...WHEN),
  trickyText,
);

describe('the command parser on arbitrary input', () => {
  it('throws only UsageError for arbitrary Slack text, and what it returns keeps values out of SQL text', () => {
    const outcomes = { refused: 0, questions: 0 };
    fc.assert(
      fc.property(fc.oneof(nearlyValid, commandText, fc.string({ unit: 'binary', maxLength: 80 })), (text) => {
        const request = parseOrUsageError(() => parseSlackText(text, NOW));
        if (request) expectWellFormed(request);
        if (!request) outcomes.refused++;
        else if (isQuestion(request)) outcomes.questions++;
      }),
      { numRuns: RUNS * 2 },
    );
    // The generator reaches both sides: refusals and questions that were built and checked.
    expect(outcomes.refused).toBeGreaterThan(RUNS / 10);
    expect(outcomes.questions).toBeGreaterThan(RUNS / 20);
  });

  it('throws only UsageError for arbitrary CLI words', () => {
    const outcomes = { refused: 0, questions: 0 };
    fc.assert(
      fc.property(fc.oneof(fc.array(fc.oneof(word, trickyText), { maxLength: 8 }), nearlyValidWords), (words) => {
        const request = parseOrUsageError(() => parseCommand(words, NOW));
        if (request) expectWellFormed(request);
        if (!request) outcomes.refused++;
        else if (isQuestion(request)) outcomes.questions++;
      }),
      { numRuns: RUNS },
    );
    expect(outcomes.refused).toBeGreaterThan(RUNS / 10);
    expect(outcomes.questions).toBeGreaterThan(RUNS / 20);
  });

  it('reads arbitrary --since/--until values as a valid window or a UsageError', () => {
    fc.assert(
      fc.property(fc.option(whenText, { nil: undefined }), fc.option(whenText, { nil: undefined }), (since, until) => {
        const words = [
          'history',
          'k',
          ...(since === undefined ? [] : ['--since', since]),
          ...(until === undefined ? [] : ['--until', until]),
        ];
        const request = parseOrUsageError(() => parseCommand(words, NOW));
        if (request) expectWellFormed(request);
      }),
      { numRuns: RUNS },
    );
  });

  it('accepts an arbitrary --bucket only when it is a well-formed bucket name, bound as a parameter', () => {
    fc.assert(
      fc.property(fc.oneof(trickyText, fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,20}(--use1-az4--x-s3)?$/)), (bucket) => {
        const request = parseOrUsageError(() => parseCommand(['who-read', 'k', '--bucket', bucket], NOW));
        if (!request) return;
        expect(request).toMatchObject({ command: 'who-read', bucket });
        expect(bucket).toMatch(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/);
        expectWellFormed(request);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('round trips: a value quoted as a user types it parses back identical', () => {
  it('keys, with Slack entity encoding, any quoting style, options before or after', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...OBJECT_QUESTIONS),
        trickyKey,
        quoteStyle,
        space,
        objectOptions,
        fc.boolean(),
        (command, key, style, gap, options, optionsFirst) => {
          const parts = optionsFirst
            ? [command, ...options, quoteForCommand(key, style)]
            : [command, quoteForCommand(key, style), ...options];
          const request = parseSlackText(asSlackSends(parts.join(gap)), NOW);
          expect(request).toMatchObject({ command, key });
          expectWellFormed(request);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('keys as CLI words (after `--` when they could read as an option)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...OBJECT_QUESTIONS), trickyKey, (command, key) => {
        const words = key.startsWith('--') ? [command, '--since', '3d', '--', key] : [command, key, '--since', '3d'];
        const request = parseCommand(words, NOW);
        expect(request).toMatchObject({ command, key });
        expectWellFormed(request);
      }),
      { numRuns: RUNS },
    );
  });

  it('principals (ARNs and names), bound as parameters exactly as typed', () => {
    fc.assert(
      fc.property(trickyPrincipal, quoteStyle, space, (principal, style, gap) => {
        const request = parseSlackText(
          asSlackSends(['principal', quoteForCommand(principal, style), '--since', '2d'].join(gap)),
          NOW,
        );
        expect(request).toMatchObject({ command: 'principal', principal });
        expectWellFormed(request);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses keys over 1024 bytes with a UsageError', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', minLength: 257, maxLength: 1100 }).filter((key) => Buffer.byteLength(key, 'utf8') > 1024),
        (key) => {
          expect(() => parseSlackText(asSlackSends(`who-read ${quoteForCommand(key, 'always')}`), NOW)).toThrow(/1024 bytes/);
        },
      ),
      { numRuns: RUNS / 4 },
    );
  });

  it('refuses a blank principal with a UsageError', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\u00a0', '\u3000'), minLength: 1, maxLength: 5 }),
        (blank) => {
          expect(() => parseSlackText(`principal ${quoteForCommand(blank, 'always')}`, NOW)).toThrow(/Name a principal/);
        },
      ),
      { numRuns: RUNS / 4 },
    );
  });
});

describe('what these properties found, pinned as examples', () => {
  it.each([
    ['who-deleted "--bucket"', '--bucket'],
    ['who-deleted \u201c--since 7d\u201d --since 2d', '--since 7d'],
    ['who-read "---" --bucket corp-reports', '---'],
    ['history "--" --since 1d', '--'],
  ])('a quoted key that reads like an option stays a key: %s', (text, key) => {
    expect(parseSlackText(text, NOW)).toMatchObject({ key });
  });
  it('a quoted word is still an option value', () => {
    expect(() => parseSlackText('who-read k --bucket "--x"', NOW)).toThrow(/`--x` is not a bucket name/);
  });
  it('a bare `--` ends the options on the command line', () => {
    expect(parseCommand(['who-wrote', '--since', '3d', '--', '--bucket'], NOW)).toMatchObject({ key: '--bucket' });
    expect(() => parseCommand(['who-wrote', '--'], NOW)).toThrow(/needs a key/);
  });
  it('refuses --until past the year 9999 instead of searching no delivery day', () => {
    expect(() => parseCommand(['history', 'k', '--until', '9999-12-31'], NOW)).toThrow(/past the year 9999/);
    expect(parseCommand(['history', 'k', '--until', '9999-12-30'], NOW)).toMatchObject({ command: 'history' });
  });
  it('refuses a blank principal before searching', () => {
    expect(() => parseSlackText('principal " "', NOW)).toThrow(UsageError);
  });
});
