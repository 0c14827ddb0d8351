import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerStore } from '../../src/answers/answer-store.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { openDatabase } from '../../src/store/database.js';
import { expressEvent, tempDir, writeDeliveryFile } from '../helpers/archive.js';
import { buttonClickBody, buttonsIn, postSigned, SlackTestApp, slashCommandBody } from '../helpers/slack.js';

const ASKER = 'U0ASKER';
const TEAMMATE = 'U0TEAMMATE';
const OUTSIDER = 'U0OUTSIDER';
const KEY = 'datasets/hot.parquet';
const ROWS = 600;

const app = new SlackTestApp();
const { api, responses } = app;
/** The app's clock: answer ids are judged expired or not against it. */
const APP_NOW = new Date('2026-11-24T00:00:00Z');

let engine: LocalEngine;
let eventsUrl: string;
let responseBase: string;
let urlCounter = 0;

beforeAll(async () => {
  const root = await tempDir();
  const reads = Array.from({ length: ROWS }, (_, i) =>
    expressEvent({
      eventName: 'GetObject',
      eventTime: `2026-11-20T${String(8 + Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00Z`,
      key: KEY,
      eventID: `read-${String(i).padStart(4, '0')}`,
      arn: `arn:aws:sts::111122223333:assumed-role/Reader/r${i % 7}`,
    }),
  );
  await writeDeliveryFile(root, '2026/11/20', '20261120T1900Z_reads', reads);
  engine = await LocalEngine.open({ logsDir: root });
  api.groups.set('S0ONCALL', [TEAMMATE]);
  ({ eventsUrl, responseBase } = await app.start({
    engine,
    now: () => APP_NOW,
    store: new AnswerStore(openDatabase(':memory:'), () => new Date()),
    access: { channels: [], users: [ASKER], groups: ['S0ONCALL'] },
  }));
});

afterAll(async () => {
  await app.stop();
  await engine.close();
});

/** Run a slash command; return the answer posted to its response_url. */
async function ask(text: string, userId = ASKER): Promise<Record<string, unknown>> {
  const { ack: response, path } = await app.command(text, { userId });
  expect(response.status).toBe(200);
  const [answer] = await responses.waitFor(path);
  return answer as Record<string, unknown>;
}

/** Click a button; return what the app posted to the click's response_url. */
async function click(userId: string, actionId: string, value: string): Promise<Record<string, unknown>> {
  const { ack: response, path } = await app.click({ userId, actionId, value });
  expect(response.status).toBe(200);
  const [answer] = await responses.waitFor(path);
  return answer as Record<string, unknown>;
}

function eventIdsOf(message: Record<string, unknown>): string[] {
  return buttonsIn(message.blocks)
    .filter((b) => b.action_id === ACTIONS.showEvent)
    .map((b) => b.value.split(':')[1] as string);
}

describe('working with answers over signed HTTP', () => {
  it('pages through a 600-row result without gaps or repeats, and without rerunning the query', async () => {
    let message = await ask(`who-read ${KEY} --since 2026-11-19 --until 2026-11-21`);
    const seen: string[] = [...eventIdsOf(message)];
    for (let guard = 0; guard < 200; guard++) {
      const next = buttonsIn(message.blocks).find((b) => b.action_id === ACTIONS.nextPage);
      if (!next) break;
      message = await click(ASKER, ACTIONS.nextPage, next.value);
      expect(message.replace_original).toBe(true);
      seen.push(...eventIdsOf(message));
    }
    expect(seen).toHaveLength(ROWS);
    expect(new Set(seen).size).toBe(ROWS);
    expect([...seen].sort()).toEqual(
      Array.from({ length: ROWS }, (_, i) => `read-${String(ROWS - 1 - i).padStart(4, '0')}`).sort(),
    );
    // Previous goes back.
    const previous = buttonsIn(message.blocks).find((b) => b.action_id === ACTIONS.previousPage);
    expect(previous).toBeDefined();
  });

  it('exports every row as a CSV file through files.uploadV2, to the asker privately', async () => {
    const message = await ask(`who-read ${KEY} --since 2026-11-19 --until 2026-11-21`);
    const exportButton = buttonsIn(message.blocks).find((b) => b.action_id === ACTIONS.exportCsv);
    const before = api.callsOf('files.completeUploadExternal').length;
    await postSigned(
      eventsUrl,
      buttonClickBody({
        userId: ASKER,
        actionId: ACTIONS.exportCsv,
        value: String(exportButton?.value),
        responseUrl: `${responseBase}/export`,
      }),
    );
    for (let i = 0; i < 100 && api.callsOf('files.completeUploadExternal').length === before; i++)
      await new Promise((r) => setTimeout(r, 50));
    const complete = api.callsOf('files.completeUploadExternal').at(-1);
    // A private answer's export goes to the asker's direct message (answer-privacy.test.ts has the rule).
    expect(complete?.channel_id).toBe('D0ASKER');
    const fileId = ((complete?.files ?? []) as Array<{ id: string }>)[0]?.id as string;
    const csv = api.uploads.get(fileId) as string;
    const lines = csv.trim().split('\r\n');
    expect(lines[0]?.startsWith('eventTime,eventName')).toBe(true);
    expect(lines).toHaveLength(ROWS + 1);
  });

  it('opens the raw CloudTrail record in a modal', async () => {
    const message = await ask(`who-read ${KEY} --since 2026-11-19 --until 2026-11-21`);
    const show = buttonsIn(message.blocks).find((b) => b.action_id === ACTIONS.showEvent);
    const eventId = show?.value.split(':')[1];
    const before = api.callsOf('views.update').length;
    await postSigned(
      eventsUrl,
      buttonClickBody({
        userId: ASKER,
        actionId: ACTIONS.showEvent,
        value: String(show?.value),
        responseUrl: `${responseBase}/show`,
        triggerId: 'trig-1',
      }),
    );
    for (let i = 0; i < 100 && api.callsOf('views.update').length === before; i++) await new Promise((r) => setTimeout(r, 50));
    expect(api.callsOf('views.open').at(-1)?.trigger_id).toBe('trig-1');
    const view = api.callsOf('views.update').at(-1)?.view as { blocks: Array<{ text?: { text: string } }> };
    expect(JSON.stringify(view.blocks)).toContain(String(eventId));
  });

  it('shares the answer in the channel when asked', async () => {
    const message = await ask(`who-read ${KEY} --since 2026-11-19 --until 2026-11-21`);
    const share = buttonsIn(message.blocks).find((b) => b.action_id === ACTIONS.share);
    const shared = await click(ASKER, ACTIONS.share, String(share?.value));
    expect(shared.response_type).toBe('in_channel');
    expect(buttonsIn(shared.blocks).some((b) => b.action_id === ACTIONS.nextPage)).toBe(false);
    // The channel sees who shared it, and that it sees page 1 of all that matched.
    const pages = /Page 1 of (\d+) · ([\d,]+) events/.exec(JSON.stringify(message.blocks));
    const first = (shared.blocks as Array<{ type: string; elements?: Array<{ text: string }> }>)[0];
    expect(first?.type).toBe('context');
    const total = pages ? (pages[2] as string) : String(eventIdsOf(message).length);
    expect(first?.elements?.[0]?.text).toBe(`Shared by <@${ASKER}> · ${eventIdsOf(shared).length} of ${total} events shown`);
  });

  it('lets a member of an allowed user group ask', async () => {
    const answer = await ask(`who-read ${KEY} --since 2026-11-19 --until 2026-11-21`, TEAMMATE);
    expect(eventIdsOf(answer).length).toBeGreaterThan(0);
  });

  it('refuses someone outside the allowed lists, with the reason', async () => {
    const path = `/outsider-${++urlCounter}`;
    const response = await postSigned(
      eventsUrl,
      slashCommandBody({ text: `who-read ${KEY}`, response_url: `${responseBase}${path}`, user_id: OUTSIDER }),
    );
    const ack = (await response.json()) as { text: string };
    expect(ack.text).toMatch(/not on the list of people who may use s3x/);
  });

  it('refuses an outsider clicking a button on someone else’s answer', async () => {
    const message = await ask(`who-read ${KEY} --since 2026-11-19 --until 2026-11-21`);
    for (const button of buttonsIn(message.blocks).slice(0, 4)) {
      const refusal = await click(OUTSIDER, button.action_id, button.value);
      expect(String(refusal.text)).toMatch(/not on the list/);
      expect(refusal.replace_original).toBe(false);
    }
  });

  it('refuses a forged answer id: not found on this deployment, never "expired"', async () => {
    const refusal = await click(ASKER, ACTIONS.nextPage, 'ffffffffffffffffffffffff:3');
    expect(String(refusal.text)).toMatch(/not found on this deployment/);
    expect(String(refusal.text)).not.toMatch(/expired/);
    const unknown = await click(
      ASKER,
      ACTIONS.nextPage,
      `${Math.floor(APP_NOW.getTime() / 1000).toString(16)}${'0'.repeat(24)}:1`,
    );
    expect(String(unknown.text)).toMatch(/not found on this deployment/);
  });

  it('says expired only for an answer id older than 24 hours', async () => {
    // The app's clock (deps.now) decides: this id was made 24 hours and a minute before it.
    const dayAndMinuteAgo = Math.floor((APP_NOW.getTime() - 24 * 3600_000 - 60_000) / 1000).toString(16);
    const refusal = await click(ASKER, ACTIONS.nextPage, `${dayAndMinuteAgo}${'a'.repeat(24)}:1`);
    expect(String(refusal.text)).toMatch(/has expired \(answers are kept for 24 hours\)/);
  });
});
