import { describe, expect, it } from 'vitest';
import type { ActivityAnswer } from '../../../src/answers/activity/question.js';
import { buildActivityMessage } from '../../../src/slack/blocks/activity.js';
import { checkBlockLimits, MAX_TABLE_COLUMNS, MAX_TABLE_ROWS } from '../../../src/slack/blocks/limits.js';
import type { KnownBlock } from '../../../src/slack/blocks/message.js';
import { buildTableBlock } from '../../../src/slack/blocks/table.js';

const HEADER = ['Principal', 'Calls'];
const rows = (count: number) => Array.from({ length: count }, (_, i) => [`arn:aws:iam::111122223333:user/u${i}`, i]);

describe("Slack's native table block", () => {
  it('takes 99 data rows under its heading row (100 in all), and no more', () => {
    expect(buildTableBlock({ header: HEADER, rows: rows(99) }, 100_000)?.rows).toHaveLength(MAX_TABLE_ROWS);
    expect(buildTableBlock({ header: HEADER, rows: rows(150) }, 100_000)?.rows).toHaveLength(MAX_TABLE_ROWS);
  });

  it('takes 20 columns, and no more', () => {
    const wide = (n: number) => ({
      header: Array.from({ length: n }, (_, i) => `c${i}`),
      rows: [Array.from({ length: n }, () => 1)],
    });
    expect(buildTableBlock(wide(MAX_TABLE_COLUMNS), 100_000)?.rows[0]).toHaveLength(20);
    expect(buildTableBlock(wide(MAX_TABLE_COLUMNS + 1), 100_000)).toBeUndefined();
  });

  it('keeps the leading rows that fit in the text the message has room for; none fitting, or none at all, is no table', () => {
    const cut = buildTableBlock({ header: HEADER, rows: rows(50) }, 500);
    expect(cut?.rows.length).toBeGreaterThan(2);
    expect(cut?.rows.length).toBeLessThan(51);
    expect(cut?.rows[1]?.[0]).toEqual({ type: 'raw_text', text: 'arn:aws:iam::111122223333:user/u0' });
    expect(buildTableBlock({ header: HEADER, rows: rows(50) }, 20)).toBeUndefined();
    expect(buildTableBlock({ header: HEADER, rows: [] }, 100_000)).toBeUndefined();
  });

  it('shows counts as right-aligned numbers and text as raw text that can form no mention, link or broadcast', () => {
    const table = buildTableBlock(
      {
        header: HEADER,
        rows: [
          ['<!channel> <@U1> <https://evil.example|x>\u0007', 7],
          ['', 1234],
        ],
      },
      10_000,
    );
    expect(table?.column_settings).toEqual([{ is_wrapped: true }, { align: 'right' }]);
    expect(table?.rows[1]).toEqual([
      { type: 'raw_text', text: '‹!channel› ‹@U1› ‹https://evil.example|x›␇' },
      { type: 'raw_number', value: 7, text: '7' },
    ]);
    // raw_text needs at least one character.
    expect(table?.rows[2]).toEqual([
      { type: 'raw_text', text: '–' },
      { type: 'raw_number', value: 1234, text: '1,234' },
    ]);
  });

  it('is limit-checked: more than 100 rows, 20 cells in a row, or two tables in one message are refused', () => {
    const cell = { type: 'raw_text', text: 'x' } as const;
    const table = (height: number, width: number) =>
      ({ type: 'table', rows: Array.from({ length: height }, () => Array.from({ length: width }, () => cell)) }) as KnownBlock;
    expect(checkBlockLimits([table(100, 20)], 'message')).toEqual([]);
    expect(checkBlockLimits([table(101, 1)], 'message')).toEqual(['block 0 (table): 101 rows (limit 100)']);
    expect(checkBlockLimits([table(1, 21)], 'message')).toEqual(['block 0 (table): row 0 has 21 cells (limit 20)']);
    expect(checkBlockLimits([table(1, 1), table(1, 1)], 'message')).toEqual(['2 table blocks (limit 1 per message)']);
  });
});

describe('answers that are tables, within Slack limits', () => {
  const activity = (principals: number): ActivityAnswer => ({
    question: 'activity',
    bucket: 'analytics-hot--use1-az4--x-s3',
    sources: ['s3express.amazonaws.com'],
    window: { since: new Date('2026-11-17T00:00:00Z'), until: new Date('2026-11-24T00:00:00Z') },
    totals: {
      events: principals,
      errors: 0,
      bytesIn: 0,
      bytesOut: 0,
      firstEvent: '2026-11-21T09:36:43Z',
      lastEvent: '2026-11-23T09:28:42Z',
    },
    operations: [{ name: 'GetObject', count: principals, errors: 0 }],
    principals: Array.from({ length: principals }, (_, i) => ({
      principal: `arn:aws:iam::111122223333:user/u${i}`,
      count: 1,
      errors: 0,
    })),
    errors: [],
    groupCounts: { operations: 1, principals, errors: 0 },
    stats: {
      engine: 'local',
      filesScanned: 1,
      eventsScanned: principals,
      bytesScanned: 1,
      unreadableFiles: [],
      elapsedMs: 1,
      warnings: [],
    },
  });

  it('99 principals: one table, every principal in it', () => {
    const message = buildActivityMessage(activity(99));
    const tables = message.blocks.filter((block) => block.type === 'table');
    expect(tables).toHaveLength(1);
    expect(checkBlockLimits(message.blocks, 'message')).toEqual([]);
  });

  it('150 principals: the first 99 in the table, the rest counted below it', () => {
    const message = buildActivityMessage(activity(150));
    const [table] = message.blocks.filter((block) => block.type === 'table');
    expect(table?.type === 'table' && table.rows.length).toBe(100);
    expect(JSON.stringify(message.blocks)).toContain('_…and 51 more principals (150 in all)._');
    expect(checkBlockLimits(message.blocks, 'message')).toEqual([]);
  });
});
