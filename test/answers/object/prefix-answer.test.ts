import { describe, expect, it } from 'vitest';
import { toCsv, toJson, toText } from '../../../src/answers/object/formats.js';
import { toObjectAnswer } from '../../../src/answers/object/question.js';
import type { ObjectQuestionRequest } from '../../../src/commands/requests.js';
import type { Row, ScanStats } from '../../../src/engines/engine.js';
import { checkBlockLimits } from '../../../src/slack/blocks/limits.js';
import {
  buildObjectAnswerMessage,
  buildObjectAnswerPage,
  objectAnswerPageSize,
} from '../../../src/slack/blocks/object-answer.js';
import { HOSTILE, RAW_UNSAFE, stringsIn } from '../../helpers/hostile-strings.js';

const BUCKET = 'analytics--usw2-az1--x-s3';
const PREFIX = 'reports/2024/';
const MALLORY = 'arn:aws:sts::111122223333:assumed-role/etl-writer/mallory';
const STATS: ScanStats = {
  engine: 'local',
  unreadableFiles: [],
  bytesScanned: 1,
  elapsedMs: 1,
  warnings: [],
  newestEventTime: '2024-07-09T00:00:00Z',
};
const REQUEST: ObjectQuestionRequest = {
  command: 'who-deleted',
  key: PREFIX,
  matchPrefix: true,
  bucket: BUCKET,
  window: { since: new Date('2024-07-01T00:00:00Z'), until: new Date('2024-07-08T00:00:00Z') },
};

/** A result row as the engines return it (text columns), newest first. */
function row(id: string, time: string, key: string, overrides: Row = {}): Row {
  return {
    eventid: id,
    eventtime: time,
    eventname: 'DeleteObject',
    eventsource: 's3express.amazonaws.com',
    principal_arn: MALLORY,
    bucket: BUCKET,
    object_key: key,
    key_role: 'target',
    evidence: 'exact',
    ...overrides,
  };
}

function answerOf(rows: Row[]) {
  const counts = {
    total_matches: String(rows.length),
    exact_matches: String(rows.length),
    successful_matches: String(rows.length),
    unlisted_candidates: '0',
  };
  return toObjectAnswer(
    REQUEST,
    rows.map((r) => ({ ...r, ...counts })),
    STATS,
  );
}

describe('a who-deleted --prefix answer, rendered', () => {
  const answer = answerOf([
    row('e3', '2024-07-03T10:00:00Z', 'archive/c.csv', {
      key_role: 'source',
      source_key: `${PREFIX}c.csv`,
      eventname: 'RenameObject',
      destination: `${BUCKET}/archive/c.csv`,
    }),
    row('e2', '2024-07-02T10:00:00Z', `${PREFIX}a.csv`),
    row('e1', '2024-07-01T10:00:00Z', `${PREFIX}a.csv`, { principal_arn: 'arn:aws:iam::111122223333:user/alice' }),
    row('f1', '2024-07-01T11:00:00Z', `${PREFIX}b.csv`, { error_code: 'AccessDenied' }),
  ]);

  it('text: the summary and the keys with counts, last time and who, most recent first', () => {
    const text = toText(answer);
    expect(text).toContain(
      `2 keys deleted or moved away under ${PREFIX}: 3 deletes, the last at 2024-07-03 10:00:00 UTC by ${MALLORY} (1 failed attempt).`,
    );
    const keyLines = text.split('\n').filter((line) => line.startsWith(PREFIX));
    expect(keyLines.map((line) => line.split(/\s{2,}/).slice(0, 3))).toEqual([
      [`${PREFIX}c.csv`, '1', '0'],
      [`${PREFIX}a.csv`, '2', '0'],
      [`${PREFIX}b.csv`, '0', '1'],
    ]);
  });

  it('json: the prefix and its keys; csv: every event with its key', () => {
    const json = JSON.parse(toJson(answer)) as { prefix: string; keys: unknown[] };
    expect(json.prefix).toBe(PREFIX);
    expect(json.keys[1]).toEqual({
      key: `${PREFIX}a.csv`,
      deletes: 2,
      failedAttempts: 0,
      lastDeletedAt: '2024-07-02T10:00:00Z',
      lastDeletedBy: MALLORY,
    });
    expect(toCsv(answer).trimEnd().split('\r\n')).toHaveLength(1 + 4);
  });

  it('a key question has no prefix in its JSON', () => {
    const keyAnswer = toObjectAnswer({ ...REQUEST, matchPrefix: undefined, key: `${PREFIX}a.csv` }, [], STATS);
    expect(JSON.parse(toJson(keyAnswer))).toMatchObject({ prefix: null });
    expect(JSON.parse(toJson(keyAnswer))).not.toHaveProperty('keys');
  });

  it('batch deletes in buckets where no key under the prefix was seen are counted, worded for a prefix', () => {
    const counts = { total_matches: '0', exact_matches: '0', successful_matches: '0', unlisted_candidates: '2' };
    const marker = row('b1', '2024-07-01T12:00:00Z', '', {
      eventname: 'DeleteObjects',
      object_key: null,
      evidence: 'unlisted',
      ...counts,
    });
    const unlisted = toObjectAnswer(REQUEST, [marker], STATS);
    expect(unlisted.events).toEqual([]);
    expect(toText(unlisted)).toContain('(2 batch deletes not listed: in buckets where no key under the prefix was seen).');
  });

  it('nothing deleted under the prefix says so, never as a success', () => {
    const none = answerOf([row('f1', '2024-07-01T11:00:00Z', `${PREFIX}b.csv`, { error_code: 'AccessDenied' })]);
    expect(toText(none)).toContain(
      `No DeleteObject or rename away of keys under ${PREFIX} in the logs searched (1 failed attempt).`,
    );
    expect(toText(none)).toContain('No match means nobody did it only if CloudTrail data-event logging covered bucket');
  });

  it('Slack: many long hostile keys stay within every block limit, on the message and on each page, and are counted', () => {
    const hostile = Object.values(HOSTILE);
    const rows = Array.from({ length: 400 }, (_, i) =>
      row(
        `e${i}`,
        `2024-07-0${1 + (i % 7)}T10:00:${String(i % 60).padStart(2, '0')}Z`,
        `${PREFIX}${hostile[i % hostile.length]}<!channel>${'x'.repeat(300)}${i}`,
      ),
    );
    const big = answerOf(rows);
    expect(big.keys).toHaveLength(400);
    const message = buildObjectAnswerMessage(big);
    expect(checkBlockLimits(message.blocks, 'message')).toEqual([]);
    const table = message.blocks.find((block) => block.type === 'table') as { rows: unknown[] } | undefined;
    expect(table?.rows.length).toBeGreaterThan(1);
    expect(JSON.stringify(message.blocks)).toContain(`…and ${400 - ((table?.rows.length ?? 0) - 1)} more keys`);
    const pageSize = objectAnswerPageSize(big);
    for (const page of [0, 1, Math.floor(399 / pageSize)]) {
      const view = { answerId: 'a1', page, pageSize, shared: false };
      expect(checkBlockLimits(buildObjectAnswerPage(big, view).blocks, 'message')).toEqual([]);
    }
    for (const text of stringsIn(message.blocks)) expect(text).not.toMatch(RAW_UNSAFE);
    expect(JSON.stringify(message.blocks)).not.toContain('<!channel>');
  });
});
