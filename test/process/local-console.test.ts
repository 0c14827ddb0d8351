import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppProcess, freePort, localAppEnv, prepareDataDir } from './harness.js';

/** The token the console accepted from any caller before tokens were made per start. */
const OLD_CONSTANT_TOKEN = 'xoxb-local-console';

let dataDir: string;
let app: AppProcess & { port: number };

beforeAll(async () => {
  dataDir = await prepareDataDir();
  app = await AppProcess.start(localAppEnv({ dataDir, port: await freePort() }));
}, 60_000);

afterAll(async () => {
  await app?.dispose();
  await rm(dataDir, { recursive: true, force: true });
});

/** Whether a TCP connection to `host` on the app's port is accepted. */
function reachable(host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(app.port, host);
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

describe('npm start in local mode (no Slack credentials)', () => {
  it('listens on 127.0.0.1 only: another address of this machine (127.0.0.2) is refused', async () => {
    expect(await reachable('127.0.0.1')).toBe(true);
    expect(await reachable('127.0.0.2')).toBe(false);
    expect(app.output()).toContain(`Console: http://127.0.0.1:${app.port}/`);
  });

  it('the console Web API refuses a guessable bot token: each start makes its own', async () => {
    const response = await fetch(`http://127.0.0.1:${app.port}/api/chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OLD_CONSTANT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'C0CONSOLE', text: 'Approve this change', blocks: [] }),
    });
    expect(await response.json()).toEqual({ ok: false, error: 'invalid_auth' });
  });
});
