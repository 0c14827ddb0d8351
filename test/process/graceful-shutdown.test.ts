import { afterEach, describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/slack/ids.js';
import { buttonsIn, postSigned, slashCommandBody } from '../helpers/slack.js';
import {
  APPROVER,
  AppProcess,
  CHANNEL,
  ConsoleStream,
  freePort,
  HalfSentRequest,
  localAppEnv,
  postConsole,
  postOnNewConnection,
  prepareDataDir,
  REQUESTER,
  Scenario,
  StateFile,
  sandboxRecordsOf,
} from './harness.js';

/**
 * SIGTERM drains: requests accepted before the signal are answered, requests after it are refused,
 * the process exits 0 once the work is done, and a drain that cannot finish is cut off at
 * S3X_DRAIN_TIMEOUT_SECONDS. Work is parked at a known point by holding the fake Web API's answer
 * to `usergroups.users.list` (S3X_ALLOWED_GROUPS makes every command and click look a group up).
 */

const GROUP = 'S0ONCALL';
const QUESTION = 'activity analytics-hot--use1-az4--x-s3 --since 2d';
const DIGEST_CHANNEL = 'C0DIGEST';
const NOWHERE = 'http://127.0.0.1:9/never';
const CONSOLE_CHANNEL = 'C0CONSOLE';
const TIGHTEN = 'tighten analytics-hot--use1-az4--x-s3 --deny arn:aws:iam::111122223333:role/Intern';

let scenario: Scenario | undefined;
let local: { app: AppProcess; stream: ConsoleStream } | undefined;
afterEach(async () => {
  await scenario?.dispose();
  scenario = undefined;
  local?.stream.close();
  await local?.app.dispose();
  local = undefined;
});

async function withGroup(): Promise<Scenario> {
  scenario = await Scenario.create();
  scenario.api.groups.set(GROUP, [REQUESTER, APPROVER]);
  return scenario;
}

describe('SIGTERM', () => {
  it('answers the command and the click in flight, refuses new requests, then exits 0', async () => {
    const s = await withGroup();
    s.api.hold('usergroups.users.list');
    const app = await s.start({ S3X_ALLOWED_GROUPS: GROUP });

    // A request whose headers are half sent, a click acked at once and parked in its access check,
    // and a command parked in its access check before its ack: all inside the app before the signal.
    const halfSent = await HalfSentRequest.open(app.port, slashCommandBody({ text: 'help', response_url: NOWHERE }));
    const click = await s.driver.click(app.url, REQUESTER, `${ACTIONS.digestDrill}_0`, QUESTION);
    expect(click.status).toBe(200);
    await s.api.waitForCall('usergroups.users.list');
    const commandPath = s.driver.nextPath('c');
    const command = postSigned(
      app.url,
      slashCommandBody({
        text: QUESTION,
        response_url: `${s.driver.responseBase}${commandPath}`,
        user_id: REQUESTER,
        channel_id: CHANNEL,
      }),
    );
    await s.api.waitForCall('usergroups.users.list', 2);

    app.signal('SIGTERM');
    await app.waitForLine(/SIGTERM: no new requests/);
    const refusedPath = s.driver.nextPath('c');
    const late = await postOnNewConnection(
      app.port,
      slashCommandBody({ text: QUESTION, response_url: `${s.driver.responseBase}${refusedPath}`, user_id: REQUESTER }),
    );
    expect(late).toBe('HTTP 503');
    // A request still being received on a connection opened before the signal gets 503.
    expect(await halfSent.finish()).toMatch(/^HTTP\/1\.1 503/);
    expect(app.running).toBe(true);

    s.api.release('usergroups.users.list');
    expect((await command).status).toBe(200);
    const [clickAnswer] = await s.responses.waitFor(click.path);
    const [commandAnswer] = await s.responses.waitFor(commandPath);
    // Real answers, computed after the signal (the engine was still open), not error notices.
    for (const answer of [clickAnswer, commandAnswer]) {
      expect(String(answer?.text)).toMatch(/^\d+ data events on analytics-hot--use1-az4--x-s3 from /);
    }
    expect(await app.exited).toEqual({ code: 0, signal: null });
    expect(app.output()).toMatch(/stopped cleanly/);
    expect(s.responses.received.filter((r) => r.path === refusedPath)).toEqual([]);
  });

  it('waits for a digest being posted, which is then posted once and not again after a restart', async () => {
    scenario = await Scenario.create();
    const s = scenario;
    s.api.hold('chat.postMessage');
    // At start the app posts the digest it missed (yesterday's): parked in chat.postMessage.
    let app = await s.start({ S3X_DIGEST_CHANNEL: DIGEST_CHANNEL });
    await s.api.waitForMatching('chat.postMessage', (m) => m.channel === DIGEST_CHANNEL);
    app.signal('SIGTERM');
    await app.waitForLine(/SIGTERM: no new requests/);
    expect(app.running).toBe(true);
    s.api.release('chat.postMessage');
    expect(await app.exited).toEqual({ code: 0, signal: null });
    expect(app.output()).toMatch(/digest for \d{4}-\d{2}-\d{2} posted/);
    const state = new StateFile(s.dataDir);
    const runs = state.digestRuns();
    state.close();
    expect(runs).toHaveLength(1);
    expect(runs[0]?.posted).toBe(true);

    // A digest run started at this start would be waited for by the drain: after exit, it would show.
    app = await s.start({ S3X_DIGEST_CHANNEL: DIGEST_CHANNEL });
    app.signal('SIGTERM');
    expect(await app.exited).toEqual({ code: 0, signal: null });
    expect(s.api.callsOf('chat.postMessage').filter((m) => m.channel === DIGEST_CHANNEL)).toHaveLength(1);
  });

  it('gives up after S3X_DRAIN_TIMEOUT_SECONDS when work cannot finish, and exits 1 saying so', async () => {
    const s = await withGroup();
    s.api.hold('usergroups.users.list');
    const app = await s.start({ S3X_ALLOWED_GROUPS: GROUP, S3X_DRAIN_TIMEOUT_SECONDS: '1' });
    const click = await s.driver.click(app.url, REQUESTER, `${ACTIONS.digestDrill}_0`, QUESTION);
    expect(click.status).toBe(200);
    await s.api.waitForCall('usergroups.users.list');

    app.signal('SIGTERM');
    // The lookup is never answered: only the drain timeout can end the process.
    expect(await app.exited).toEqual({ code: 1, signal: null });
    expect(app.output()).toMatch(/drain timeout: 1 request\(s\) still running were cut off/);
    expect(s.responses.received.filter((r) => r.path === click.path)).toEqual([]);
  });

  it('a second signal during the drain stops at once', async () => {
    const s = await withGroup();
    s.api.hold('usergroups.users.list');
    const app = await s.start({ S3X_ALLOWED_GROUPS: GROUP });
    await s.driver.click(app.url, REQUESTER, `${ACTIONS.digestDrill}_0`, QUESTION);
    await s.api.waitForCall('usergroups.users.list');
    app.signal('SIGTERM');
    await app.waitForLine(/SIGTERM: no new requests/);
    app.signal('SIGINT');
    expect(await app.exited).toEqual({ code: 1, signal: null });
    expect(app.output()).toMatch(/SIGINT again: stopping now/);
  });

  it('local mode: a change approved just before Ctrl-C is applied and shown on the console before the app exits', async () => {
    const dataDir = await prepareDataDir();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // The approved change waits 3 s before it is applied, so the signal arrives while it is in flight.
    const app = await AppProcess.start(localAppEnv({ dataDir, port, extra: { S3X_TEST_PAUSE_APPLY: 'before:3000' } }));
    const stream = new ConsoleStream();
    local = { app, stream };
    await stream.open(base);
    const click = async (userId: string, messageTs: string, actionId: string, value: string) =>
      postConsole(`${base}/console/action`, { userId, channelId: CONSOLE_CHANNEL, messageId: messageTs, actionId, value });
    const withButton = (actionId: string) => (m: { blocks: unknown[]; visibleTo?: string }) =>
      buttonsIn(m.blocks).some((b) => b.action_id === actionId);

    await postConsole(`${base}/console/command`, { userId: REQUESTER, channelId: CONSOLE_CHANNEL, text: TIGHTEN });
    const preview = await stream.waitForMessage(withButton(ACTIONS.submitChange));
    const id = buttonsIn(preview.blocks).find((b) => b.action_id === ACTIONS.submitChange)?.value as string;
    await click(REQUESTER, preview.ts, ACTIONS.submitChange, id);
    const approval = await stream.waitForMessage((m) => m.visibleTo === undefined && withButton(ACTIONS.approve)(m));
    await click(APPROVER, approval.ts, ACTIONS.approve, id);
    await app.waitForLine(new RegExp(`test hook: request ${id} paused before apply`));

    app.signal('SIGINT');
    await app.waitForLine(/SIGINT: no new requests/);
    // A command typed now is refused by the bot, and the page says so.
    await postConsole(`${base}/console/command`, { userId: REQUESTER, channelId: CONSOLE_CHANNEL, text: 'status' });
    expect(await stream.waitForError()).toMatch(/503/);
    // The change in flight is applied, and the console (Slack's stand-in, same port) shows it.
    const decided = await stream.waitForMessage((m) => m.ts === approval.ts && /Applied/.test(JSON.stringify(m.blocks)));
    expect(withButton(ACTIONS.approve)(decided)).toBe(false);
    expect(await app.exited).toEqual({ code: 0, signal: null });
    const state = new StateFile(dataDir);
    expect(state.request(id)?.state).toBe('applied');
    state.close();
    expect(await sandboxRecordsOf(dataDir, id)).toHaveLength(1);
  });
});
