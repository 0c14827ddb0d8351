import { describe, expect, it } from 'vitest';
import { SUBCOMMANDS } from '../../../src/commands/grammar.js';
import { buildHelpMessage } from '../../../src/slack/blocks/help.js';
import { checkBlockLimits, escapeMrkdwn } from '../../../src/slack/blocks/limits.js';
import type { SlackMessage } from '../../../src/slack/blocks/message.js';

function allText(message: SlackMessage): string {
  return message.blocks
    .flatMap((block) => {
      if (block.type === 'section') return [block.text?.text ?? ''];
      if (block.type === 'header') return [block.text.text];
      if (block.type === 'context') return block.elements.map((element) => ('text' in element ? element.text : ''));
      return [];
    })
    .join('\n');
}

describe('buildHelpMessage', () => {
  it('lists every subcommand with its usage and summary, escaped', () => {
    const text = allText(buildHelpMessage());
    for (const spec of SUBCOMMANDS) {
      expect(text).toContain(`\`/s3x ${escapeMrkdwn(spec.usage)}\`: ${spec.summary}`);
    }
    expect(text).not.toMatch(/[<>]/);
  });

  it('marks exactly the unavailable subcommands as coming soon', () => {
    const lines = allText(buildHelpMessage())
      .split('\n')
      .filter((line) => line.startsWith('• `/s3x '));
    expect(lines).toHaveLength(SUBCOMMANDS.length);
    SUBCOMMANDS.forEach((spec, i) => {
      expect(lines[i]?.endsWith('_(coming soon)_')).toBe(!spec.available);
    });
  });

  it('explains WHEN, the default window and quoting', () => {
    const text = allText(buildHelpMessage());
    for (const example of ['`30m`', '`24h`', '`7d`', '`2w`', '`2024-07-01`', '`2024-07-01T12:00Z`'])
      expect(text).toContain(example);
    expect(text).toContain('UTC');
    expect(text).toContain('a bare date in `--until` means the end of that day');
    expect(text).toContain('the last 7 days');
    expect(text).toContain('double quotes');
    expect(text).toContain('"reports/Q3 final.parquet"');
  });

  it('shows one subcommand for a topic', () => {
    const message = buildHelpMessage('who-deleted');
    const text = allText(message);
    expect(text).toContain('`/s3x who-deleted &lt;key&gt;|--prefix P [--bucket B] [--since WHEN] [--until WHEN]`');
    expect(text).toContain(
      'who deleted an object, or what was deleted under a prefix (DeleteObject; DeleteObjects as candidates)',
    );
    expect(text).toContain('`30m`');
    expect(text).not.toContain('who-wrote');
    expect(message.text).toBe(
      '/s3x who-deleted &lt;key&gt;|--prefix P [--bucket B] [--since WHEN] [--until WHEN]: who deleted an object, or what was deleted under a prefix (DeleteObject; DeleteObjects as candidates)',
    );
  });

  it('accepts a topic in any case and with spaces around it', () => {
    expect(allText(buildHelpMessage('  Who-Read '))).toContain('`/s3x who-read &lt;key&gt;');
  });

  it('gives the full help for an unknown topic, naming it safely', () => {
    const text = allText(buildHelpMessage('<!channel>'));
    expect(text).toContain('There is no `/s3x &lt;!channel&gt;` command');
    for (const spec of SUBCOMMANDS) expect(text).toContain(`/s3x ${escapeMrkdwn(spec.usage)}`);
  });

  it.each([undefined, '', 'who-deleted', 'history', 'tighten', 'digest', 'nope', 'x'.repeat(5000)])(
    'stays within Block Kit limits for topic %#',
    (topic) => {
      const message = buildHelpMessage(topic);
      expect(checkBlockLimits(message.blocks, 'message')).toEqual([]);
      expect(message.text).not.toBe('');
    },
  );
});
