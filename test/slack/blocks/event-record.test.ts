import { describe, expect, it } from 'vitest';
import { buildEventRecordView, TABLE_ROW_NOTE } from '../../../src/slack/blocks/event-record.js';
import { checkBlockLimits } from '../../../src/slack/blocks/limits.js';
import type { KnownBlock } from '../../../src/slack/blocks/message.js';
import { operationsRecords } from '../../helpers/operations-archive.js';

const texts = (blocks: readonly unknown[]): string =>
  (blocks as Array<{ text?: { text: string }; elements?: Array<{ text: string }> }>)
    .map((block) => block.text?.text ?? block.elements?.map((element) => element.text).join(' ') ?? '')
    .join('\n');

describe('buildEventRecordView', () => {
  it('shows a delivered record with its own field names and nothing added', () => {
    const record = operationsRecords().find((r) => r.eventName === 'GetObject') ?? {};
    const view = buildEventRecordView(String(record.eventID), { as: 'delivered', json: JSON.stringify(record) });
    const text = texts(view.blocks);
    expect(text).toContain('"eventID"');
    expect(text).toContain('"requestParameters"');
    expect(text).toContain('"x-amz-id-2"');
    expect(text).not.toContain('"eventid"');
    // The delivered GetObject has no sessionIssuer: none is added.
    expect(text).not.toContain('sessionIssuer');
    expect(text).not.toContain(TABLE_ROW_NOTE.slice(0, 30));
    expect(checkBlockLimits(view.blocks as KnownBlock[], 'modal')).toEqual([]);
  });

  it('says when the record comes from Athena’s table, with CloudTrail’s top-level names back and no nulls', () => {
    const view = buildEventRecordView('e1', {
      as: 'table-row',
      row: { eventid: 'e1', eventname: 'DeleteObject', errorcode: null, useridentity: '{"arn":"arn:aws:iam::1:user/x"}' },
    });
    const text = texts(view.blocks);
    expect(text).toContain('"eventID": "e1"');
    expect(text).toContain('"userIdentity"');
    expect(text).not.toContain('errorCode');
    expect(text).toContain('Read from the Athena table');
  });

  it('keeps a huge record within a modal’s 100 blocks', () => {
    const json = JSON.stringify({ eventID: 'big', requestParameters: { key: 'k'.repeat(400_000) } });
    const view = buildEventRecordView('big', { as: 'delivered', json });
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(checkBlockLimits(view.blocks as KnownBlock[], 'modal')).toEqual([]);
  });
});
