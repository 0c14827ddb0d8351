import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerRequest } from '../../src/answers/answer-request.js';
import { parseCommand } from '../../src/commands/parse.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { fetchEventRecord } from '../../src/questions/event-record.js';
import { buildApprovalMessage } from '../../src/slack/blocks/change-request.js';
import { buildEventRecordView } from '../../src/slack/blocks/event-record.js';
import { plainText } from '../../src/slack/blocks/limits.js';
import { buildErrorMessage, buildWorkingMessage } from '../../src/slack/blocks/notice.js';
import { renderReply, renderStoredReply } from '../../src/slack/render.js';
import { tempDir } from '../helpers/archive.js';
import { HOSTILE, HOSTILE_ARCHIVE, RAW_UNSAFE, stringsIn, writeHostileArchive } from '../helpers/hostile-strings.js';

let logs: string;
let engine: LocalEngine;

beforeAll(async () => {
  logs = await tempDir();
  await writeHostileArchive(logs);
  engine = await LocalEngine.open({ logsDir: logs });
});

afterAll(async () => {
  await engine.close();
  await rm(logs, { recursive: true, force: true });
});

/** What a reader can see: every string of the payload, line breaks aside (mrkdwn has lines). */
function rawUnsafeIn(payload: unknown): string[] {
  return stringsIn(payload).filter((text) => RAW_UNSAFE.test(text.replaceAll('\n', '')));
}

async function history(key: string) {
  const request = parseCommand(
    ['history', key, '--since', HOSTILE_ARCHIVE.since, '--until', HOSTILE_ARCHIVE.until],
    HOSTILE_ARCHIVE.now,
  );
  return answerRequest(request, { engine, now: () => HOSTILE_ARCHIVE.now });
}

describe('Slack shows invisible and control characters from logs and typed input visibly', () => {
  for (const [name, hostile] of Object.entries(HOSTILE)) {
    it(`the ${name} key: answer, paged answer with its buttons, Show event modal, Searching… notice`, async () => {
      const reply = await history(hostile);
      expect(reply.kind === 'object-answer' && reply.answer.events.length).toBe(1);
      expect(rawUnsafeIn(renderReply(reply))).toEqual([]);
      expect(rawUnsafeIn(renderStoredReply(reply, 'a'.repeat(24), 0, false))).toEqual([]);
      expect(rawUnsafeIn(renderStoredReply(reply, 'a'.repeat(24), 0, true))).toEqual([]);

      const eventId = `hostile-${Object.keys(HOSTILE).indexOf(name)}`;
      const record = await fetchEventRecord(
        eventId,
        reply.kind === 'object-answer' ? reply.answer.window : (undefined as never),
        engine,
      );
      expect(record).toBeDefined();
      expect(rawUnsafeIn(buildEventRecordView(eventId, record))).toEqual([]);

      expect(rawUnsafeIn(buildWorkingMessage(`the history of \`${hostile}\``))).toEqual([]);
      expect(rawUnsafeIn(buildErrorMessage(`No bucket named \`${hostile}\`.`))).toEqual([]);
    });
  }

  it('the zero-width key does not look like the real key anywhere', async () => {
    const reply = await history(HOSTILE.zeroWidth);
    const shown = stringsIn(renderReply(reply)).join('\n');
    expect(shown).toContain('reports/q3[U+200B]-forecast.parquet');
    expect(shown).not.toContain('reports/q3-forecast.parquet');
    expect(stringsIn(buildWorkingMessage(`the history of \`${HOSTILE.zeroWidth}\``)).join('\n')).toContain(
      'reports/q3[U+200B]-forecast.parquet',
    );
    const record = await fetchEventRecord('hostile-5', { since: new Date('2024-07-01'), until: new Date('2024-07-03') }, engine);
    // The raw record stays JSON: the character appears as its escape.
    expect(stringsIn(buildEventRecordView('hostile-5', record)).join('\n')).toContain('reports/q3\\u200b-forecast.parquet');
  });

  it('button labels and dialog titles (plain_text) show them too', () => {
    expect(plainText(`Delete ${HOSTILE.zeroWidth}`, 75).text).toBe('Delete reports/q3[U+200B]-forecast.parquet');
    expect(plainText(HOSTILE.bidiOverride, 75).text).toBe('invoice[U+202E]txt.exe');
  });

  it('an approval message quoting a plan with hostile text', () => {
    const message = buildApprovalMessage({
      id: 'r'.repeat(24),
      state: 'pending',
      requesterId: 'U0REQUESTER',
      channelId: 'C0CONSOLE',
      approvals: [],
      requiredApprovals: 1,
      version: 1,
      createdAt: '2024-07-02T00:00:00Z',
      expiresAt: '2024-07-02T01:00:00Z',
      plan: {
        request: { kind: 'enable-logging', target: { bucket: HOSTILE_ARCHIVE.bucket } },
        summary: `Deny ${HOSTILE.zeroWidth}`,
        warnings: [HOSTILE.osc8Link],
        calls: [],
        diff: `+ ${HOSTILE.bidiOverride}`,
      },
    });
    expect(rawUnsafeIn(message)).toEqual([]);
  });
});
