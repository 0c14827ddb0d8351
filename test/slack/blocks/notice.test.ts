import { describe, expect, it } from 'vitest';
import { checkBlockLimits } from '../../../src/slack/blocks/limits.js';
import type { SlackMessage } from '../../../src/slack/blocks/message.js';
import { buildErrorMessage, buildNotAvailableMessage, buildWorkingMessage } from '../../../src/slack/blocks/notice.js';

function sectionText(message: SlackMessage): string {
  const [block] = message.blocks;
  return block?.type === 'section' ? (block.text?.text ?? '') : '';
}

describe('buildErrorMessage', () => {
  it('shows the message after a warning sign, keeping backticks but escaping what the user typed', () => {
    const message = buildErrorMessage('`<!channel>` is not a time. Use `7d`.');
    expect(sectionText(message)).toBe('⚠️ `&lt;!channel&gt;` is not a time. Use `7d`.');
    expect(message.text).toBe('⚠️ `&lt;!channel&gt;` is not a time. Use `7d`.');
  });
  it('cuts a very long message to fit', () => {
    const message = buildErrorMessage('&'.repeat(5000));
    expect(checkBlockLimits(message.blocks, 'message')).toEqual([]);
    expect(sectionText(message)).not.toMatch(/&(?!amp;|lt;|gt;)/);
  });
});

describe('buildNotAvailableMessage', () => {
  it('says honestly that the subcommand is planned, what it is for, and points to help', () => {
    const message = buildNotAvailableMessage('status');
    const text = sectionText(message);
    expect(text).toContain('`/s3x status` is not available yet in this version of s3x; it is planned.');
    expect(text).toContain('logging coverage per directory bucket');
    expect(text).toContain('`/s3x help`');
    expect(message.text).toContain('/s3x status is not available yet in this version of s3x; it is planned.');
    expect(checkBlockLimits(message.blocks, 'message')).toEqual([]);
  });
});

describe('buildWorkingMessage', () => {
  it('says what is being searched, escaped', () => {
    const message = buildWorkingMessage('who deleted `a<b>.csv`');
    expect(sectionText(message)).toContain('Searching CloudTrail for who deleted `a&lt;b&gt;.csv`…');
    expect(message.text).toBe('Searching CloudTrail for who deleted `a&lt;b&gt;.csv`…');
  });
  it('fits a summary with a huge key', () => {
    expect(checkBlockLimits(buildWorkingMessage(`who deleted \`${'<'.repeat(2000)}\``).blocks, 'message')).toEqual([]);
  });
});
