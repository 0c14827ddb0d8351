import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerStore } from '../../src/answers/answer-store.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { openDatabase } from '../../src/store/database.js';
import { expressEvent, tempDir, writeDeliveryFile } from '../helpers/archive.js';
import { buttonClickBody, buttonsIn, postSigned, SlackTestApp } from '../helpers/slack.js';

const ASKER = 'U0ASKER';
const TEAMMATE = 'U0TEAMMATE';
const CHANNEL = 'C0TEST';
const OTHER_CHANNEL = 'C0OTHER';
const KEY = 'datasets/private.parquet';

const app = new SlackTestApp();
const { api, responses } = app;
let root: string;
let engine: LocalEngine;
let eventsUrl: string;
let responseBase: string;
let urlCounter = 0;

beforeAll(async () => {
  root = await tempDir();
  const reads = Array.from({ length: 25 }, (_, i) =>
    expressEvent({
      eventName: 'GetObject',
      eventTime: `2026-11-20T10:${String(i).padStart(2, '0')}:00Z`,
      key: KEY,
      eventID: `private-read-${i}`,
    }),
  );
  await writeDeliveryFile(root, '2026/11/20', '20261120T1100Z_reads', reads);
  engine = await LocalEngine.open({ logsDir: root });
  ({ eventsUrl, responseBase } = await app.start({
    engine,
    now: () => new Date('2026-11-24T00:00:00Z'),
    store: new AnswerStore(openDatabase(':memory:'), () => new Date()),
    // Both are allowed to use s3x: what separates them is whose answer it is.
    access: { channels: [], users: [ASKER, TEAMMATE], groups: [] },
  }));
});

afterAll(async () => {
  await app.stop();
  await engine.close();
  await rm(root, { recursive: true, force: true });
});

async function ask(userId = ASKER): Promise<Record<string, unknown>> {
  const { path } = await app.command(`who-read ${KEY} --since 2026-11-19 --until 2026-11-21`, { userId });
  const [answer] = await responses.waitFor(path);
  return answer as Record<string, unknown>;
}

/** Click a button as `userId` in `channelId`; return the first thing posted to the click's response_url. */
async function click(userId: string, actionId: string, value: string, channelId = CHANNEL): Promise<Record<string, unknown>> {
  const { ack: response, path } = await app.click({ userId, channelId, actionId, value, triggerId: `trigger-${++urlCounter}` });
  expect(response.status).toBe(200);
  const [answer] = await responses.waitFor(path);
  return answer as Record<string, unknown>;
}

function button(message: Record<string, unknown>, actionId: string): string {
  const found = buttonsIn(message.blocks).find((b) => b.action_id === actionId);
  if (!found) throw new Error(`no ${actionId} button`);
  return found.value;
}

describe('a private answer stays private: Export CSV, and every button, are its asker’s until shared', () => {
  it('Export CSV of a private answer goes to the asker’s direct message, never into the channel', async () => {
    const answer = await ask();
    const uploadsBefore = api.callsOf('files.completeUploadExternal').length;
    const told = await click(ASKER, ACTIONS.exportCsv, button(answer, ACTIONS.exportCsv));
    expect(String(told.text)).toMatch(/direct messages/);
    const [upload] = await api
      .waitForCalls('files.completeUploadExternal', uploadsBefore + 1)
      .then((calls) => calls.slice(uploadsBefore));
    expect(api.callsOf('conversations.open').at(-1)).toMatchObject({ users: ASKER });
    expect(upload?.channel_id).toBe('D0ASKER');
    expect(api.callsOf('files.completeUploadExternal').every((call) => call.channel_id !== CHANNEL)).toBe(true);
  });

  it('another allowed person cannot page, export, share or open events of someone else’s private answer', async () => {
    const answer = await ask();
    const uploads = api.callsOf('files.completeUploadExternal').length;
    const opened = api.callsOf('views.open').length;
    const clicks: Array<[string, string]> = [
      [ACTIONS.nextPage, button(answer, ACTIONS.nextPage)],
      [ACTIONS.exportCsv, button(answer, ACTIONS.exportCsv)],
      [ACTIONS.share, button(answer, ACTIONS.share)],
      [ACTIONS.showEvent, button(answer, ACTIONS.showEvent)],
    ];
    for (const [actionId, value] of clicks) {
      const refusal = await click(TEAMMATE, actionId, value);
      expect(String(refusal.text), actionId).toMatch(/private to the person who asked/);
      expect(refusal.response_type, actionId).toBe('ephemeral');
      expect(refusal.replace_original, actionId).toBe(false);
    }
    expect(api.callsOf('files.completeUploadExternal')).toHaveLength(uploads);
    expect(api.callsOf('views.open')).toHaveLength(opened);
    expect(responses.received.some((r) => r.body.response_type === 'in_channel' && r.path.startsWith('/click-'))).toBe(false);
  });

  it('once shared in a channel, anyone allowed there may use it (Export goes to the channel); elsewhere it stays private', async () => {
    const answer = await ask();
    const shared = await click(ASKER, ACTIONS.share, button(answer, ACTIONS.share));
    expect(shared.response_type).toBe('in_channel');

    const uploads = api.callsOf('files.completeUploadExternal').length;
    // Public here, so the export is too: nothing is said privately, the file message is the answer.
    await postSigned(
      eventsUrl,
      buttonClickBody({
        userId: TEAMMATE,
        channelId: CHANNEL,
        actionId: ACTIONS.exportCsv,
        value: button(shared, ACTIONS.exportCsv),
        responseUrl: `${responseBase}/export-${++urlCounter}`,
      }),
    );
    const [upload] = (await api.waitForCalls('files.completeUploadExternal', uploads + 1)).slice(uploads);
    expect(upload?.channel_id).toBe(CHANNEL);

    const opened = api.callsOf('views.open').length;
    await postSigned(
      eventsUrl,
      buttonClickBody({
        userId: TEAMMATE,
        channelId: CHANNEL,
        actionId: ACTIONS.showEvent,
        value: button(shared, ACTIONS.showEvent),
        responseUrl: `${responseBase}/show-${++urlCounter}`,
        triggerId: 'trigger-show',
      }),
    );
    expect((await api.waitForCalls('views.open', opened + 1)).at(-1)?.trigger_id).toBe('trigger-show');

    const elsewhere = await click(TEAMMATE, ACTIONS.exportCsv, button(shared, ACTIONS.exportCsv), OTHER_CHANNEL);
    expect(String(elsewhere.text)).toMatch(/private to the person who asked/);
    // Paging would replace the shared message for everyone: the shared copy has no page buttons, and a forged click is refused.
    expect(buttonsIn(shared.blocks).some((b) => b.action_id === ACTIONS.nextPage)).toBe(false);
    const paged = await click(TEAMMATE, ACTIONS.nextPage, `${button(shared, ACTIONS.exportCsv)}:1`);
    expect(String(paged.text)).toMatch(/Only the person who asked can page/);
    expect(paged.replace_original).toBe(false);
  });
});
