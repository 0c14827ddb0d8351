import type { types } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import {
  assertBlockLimits,
  blockTextLength,
  checkBlockLimits,
  escapeAndTruncate,
  escapeMrkdwn,
  inlineCode,
  MAX_TOTAL_TEXT,
} from '../../../src/slack/blocks/limits.js';

type KnownBlock = types.KnownBlock;

function section(length: number): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(length) } };
}

function button(overrides: Partial<types.Button> = {}): types.Button {
  return { type: 'button', text: { type: 'plain_text', text: 'Approve' }, action_id: 'approve', value: 'req-1', ...overrides };
}

describe('escapeMrkdwn', () => {
  it('escapes &, < and > so data cannot form mentions or links', () => {
    expect(escapeMrkdwn('<!channel> & <@U123> <https://evil|click>')).toBe(
      '&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;https://evil|click&gt;',
    );
  });
  it('leaves other mrkdwn characters alone', () => {
    expect(escapeMrkdwn('*bold* _it_ `code` ~s~')).toBe('*bold* _it_ `code` ~s~');
  });
});

describe('escapeAndTruncate', () => {
  it('never cuts an entity in half', () => {
    for (let max = 1; max <= 30; max++) {
      const out = escapeAndTruncate('&<>&<>&<>&<>', max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
  });
  it('returns the escaped text whole when it fits', () => {
    expect(escapeAndTruncate('a<b', 10)).toBe('a&lt;b');
  });
});

describe('inlineCode', () => {
  it('replaces backticks so a key cannot close the code span', () => {
    expect(inlineCode('a`b`c', 50)).toBe('`aˋbˋc`');
  });
  it('shows control characters and escapes', () => {
    expect(inlineCode('line\nnext <@U1>', 50)).toBe('`line␊next &lt;@U1&gt;`');
  });
  it('fits in max characters including the backticks', () => {
    expect(inlineCode('k'.repeat(100), 20)).toHaveLength(20);
  });
});

describe('blockTextLength', () => {
  it('counts every text string: section text, fields, context elements, button text', () => {
    const blocks: KnownBlock[] = [
      { type: 'section', text: { type: 'mrkdwn', text: 'abc' }, fields: [{ type: 'mrkdwn', text: 'de' }] },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'fgh' }] },
      { type: 'actions', elements: [button()] },
      { type: 'divider' },
    ];
    expect(blockTextLength(blocks)).toBe(3 + 2 + 3 + 'Approve'.length);
  });
});

describe('checkBlockLimits', () => {
  it('accepts a message within every limit', () => {
    const blocks: KnownBlock[] = [
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(150) } },
      section(3000),
      { type: 'section', fields: Array.from({ length: 10 }, () => ({ type: 'mrkdwn' as const, text: 'f'.repeat(200) })) },
      { type: 'context', elements: Array.from({ length: 10 }, () => ({ type: 'mrkdwn' as const, text: 'c' })) },
      {
        type: 'actions',
        elements: Array.from({ length: 25 }, (_, i) => button({ action_id: `a${i}`, value: 'v'.repeat(2000) })),
      },
    ];
    expect(checkBlockLimits(blocks, 'message')).toEqual([]);
  });

  it.each<[string, KnownBlock[], RegExp]>([
    ['51 blocks', Array.from({ length: 51 }, () => section(1)), /51 blocks \(limit 50 per message\)/],
    ['a 3001-character section', [section(3001)], /block 0 \(section\): text is 3001 characters \(limit 3000\)/],
    ['an empty section', [section(0)], /text is empty/],
    ['a section with neither text nor fields', [{ type: 'section' }], /needs text or fields/],
    [
      '11 fields',
      [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn' as const, text: 'f' })) }],
      /11 fields \(limit 10\)/,
    ],
    [
      'a 2001-character field',
      [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'f'.repeat(2001) }] }],
      /field 0 is 2001 characters/,
    ],
    [
      'a 151-character header',
      [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
      /text is 151 characters \(limit 150\)/,
    ],
    [
      '11 context elements',
      [{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn' as const, text: 'c' })) }],
      /11 elements \(limit 10\)/,
    ],
    [
      '26 actions elements',
      [{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => button({ action_id: `a${i}` })) }],
      /26 elements \(limit 25\)/,
    ],
    [
      '76-character button text',
      [{ type: 'actions', elements: [button({ text: { type: 'plain_text', text: 'b'.repeat(76) } })] }],
      /button text is 76 characters \(limit 75\)/,
    ],
    [
      'a 2001-character button value',
      [{ type: 'actions', elements: [button({ value: 'v'.repeat(2001) })] }],
      /button value is 2001 characters \(limit 2000\)/,
    ],
    [
      'a 256-character action_id on a section accessory',
      [{ type: 'section', text: { type: 'mrkdwn', text: 't' }, accessory: button({ action_id: 'a'.repeat(256) }) }],
      /accessory: action_id is 256 characters \(limit 255\)/,
    ],
    [
      'a repeated action_id in one block',
      [{ type: 'actions', elements: [button({ action_id: 'same' }), button({ action_id: 'same' })] }],
      /action_id `same` is used twice/,
    ],
    ['a 256-character block_id', [{ ...section(1), block_id: 'b'.repeat(256) }], /block_id is 256 characters \(limit 255\)/],
    [
      'a repeated block_id',
      [
        { ...section(1), block_id: 'x' },
        { ...section(1), block_id: 'x' },
      ],
      /block_id `x` is used twice/,
    ],
    [
      '13,000 characters of text in all',
      Array.from({ length: 5 }, () => section(2600)),
      /13000 characters of text across all blocks/,
    ],
  ])('reports %s', (_name, blocks, expected) => {
    const problems = checkBlockLimits(blocks, 'message');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  it('reports every violation, not just the first', () => {
    const blocks = [...Array.from({ length: 50 }, () => section(1)), section(3001)];
    expect(checkBlockLimits(blocks, 'message')).toHaveLength(2);
  });

  it('allows 100 blocks in a modal but not 101, and applies no message text cap there', () => {
    expect(
      checkBlockLimits(
        Array.from({ length: 100 }, () => section(200)),
        'modal',
      ),
    ).toEqual([]);
    expect(
      checkBlockLimits(
        Array.from({ length: 101 }, () => section(1)),
        'modal',
      ),
    ).toEqual(['101 blocks (limit 100 per modal)']);
    expect(blockTextLength(Array.from({ length: 100 }, () => section(200)))).toBeGreaterThan(MAX_TOTAL_TEXT);
  });
});

describe('assertBlockLimits', () => {
  it('throws with every violation', () => {
    expect(() =>
      assertBlockLimits([section(3001), { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }], 'message'),
    ).toThrow(/section\): text is 3001[\s\S]*header\): text is 151/);
  });
  it('passes blocks within the limits', () => {
    expect(() => assertBlockLimits([section(10)], 'message')).not.toThrow();
  });
});
