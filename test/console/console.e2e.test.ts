import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerStore } from '../../src/answers/answer-store.js';
import { SqliteApprovalStore } from '../../src/approvals/sqlite-approval-store.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { principalsSeenOnBucket } from '../../src/questions/bucket-principals.js';
import { createPlanner } from '../../src/remediation/planner.js';
import { generateArchive } from '../../src/sample/generate.js';
import { SandboxAccount } from '../../src/sandbox/sandbox-account.js';
import { inventoryOf } from '../../src/sandbox/sandbox-inventory.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { openDatabase } from '../../src/store/database.js';
import { tempDir } from '../helpers/archive.js';
import { startBoltWithConsole } from '../helpers/console-app.js';
import { SCREENSHOTS_DIR } from '../helpers/paths.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = SCREENSHOTS_DIR;
const BOT_TOKEN = 'xoxb-local-console';
const UNCOVERED = 'tmp-exports--use1-az5--x-s3';
const REBINDING_HOST = 'rebind.attacker.test';
/** Marks what a cross-site page tried to run or post; none of it may ever reach the console. */
const ATTACK_MARKER = 'cross-site-marker';

/**
 * The page of another site (another origin on loopback) that a developer running the console
 * visits: it tries every way a page can send to the console, then sets its title to `done`.
 */
function attackerPage(consoleUrl: string): string {
  const command = JSON.stringify({ userId: 'U0APPROVER', channelId: 'C0CONSOLE', text: `who-read ${ATTACK_MARKER}.txt` });
  const script = `
    const target = ${JSON.stringify(consoleUrl)};
    const command = ${JSON.stringify(command)};
    const quiet = (p) => p.catch(() => undefined);
    (async () => {
      // A "simple" request: no preflight, the response is opaque but the request is sent.
      await quiet(fetch(target + '/console/command', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: command }));
      // JSON needs a CORS preflight, which the console never grants.
      await quiet(fetch(target + '/console/command', { method: 'POST', headers: { 'content-type': 'application/json' }, body: command }));
      // A forged bot message with approve buttons, with the token the console once accepted from anyone.
      await quiet(fetch(target + '/api/chat.postMessage', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'token=xoxb-local-console&channel=C0CONSOLE&text=${ATTACK_MARKER}-forged' }));
      // A form whose text/plain body is JSON: name + '=' + value.
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = target + '/console/command';
      form.enctype = 'text/plain';
      form.target = 'sink';
      const input = document.createElement('input');
      input.name = command.slice(0, -1) + ',"x":"';
      input.value = '"}';
      form.appendChild(input);
      document.body.appendChild(form);
      const sink = document.querySelector('iframe');
      sink.addEventListener('load', () => { document.title = 'done'; }, { once: true });
      form.submit();
    })();`;
  return `<!doctype html><html><head><title>attacker</title></head><body><iframe name="sink"></iframe><script>${script}</script></body></html>`;
}

/** The messages the console holds, read from its event stream as the page reads them. */
async function consoleMessages(base: string): Promise<Array<{ text: string; blocks: unknown[] }>> {
  const abort = new AbortController();
  const response = await fetch(`${base}/console/stream`, { signal: abort.signal });
  const reader = response.body?.getReader();
  let text = '';
  while (reader && !text.includes('\n\n')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  abort.abort();
  return (
    JSON.parse(text.slice('data: '.length).split('\n\n')[0] ?? '{}') as { messages: Array<{ text: string; blocks: unknown[] }> }
  ).messages;
}

interface Setup {
  url: string;
  port: number;
  plantedKey: string;
  stop(): Promise<void>;
}

/** Everything `npm start` runs locally: sample logs, local engine, sandbox account, Bolt + the console on one port. */
async function setup(): Promise<Setup> {
  const root = await tempDir('s3x-console-e2e-');
  const logsDir = path.join(root, 'logs');
  const plantedKey = (await generateArchive({ outDir: logsDir, seed: 3, end: new Date(), days: 3, eventsPerDay: 800 })).facts
    .plantedKey;
  const engine = await LocalEngine.open({ logsDir });
  const db = openDatabase(path.join(root, 'state.sqlite'));
  const sandbox = new SandboxAccount(db, { logsDir, now: () => new Date() });
  sandbox.seedDefaults();
  const { port, base, stop } = await startBoltWithConsole(
    {
      engine,
      now: () => new Date(),
      store: new AnswerStore(db, () => new Date()),
      approvalStore: new SqliteApprovalStore(db),
      trailInventory: inventoryOf(sandbox),
      access: { channels: [], users: [], groups: [] },
      remediation: {
        account: sandbox,
        store: new SqliteApprovalStore(db),
        policy: { approvers: ['U0APPROVER'], requiredApprovals: 1, ttlMs: 3600_000 },
        plan: createPlanner(sandbox, {
          protectedPrincipals: [],
          principalsSeen: (bucket) => principalsSeenOnBucket(engine, bucket, new Date()),
        }),
      },
    },
    { botToken: BOT_TOKEN },
  );
  return {
    url: `${base}/`,
    port,
    plantedKey,
    async stop() {
      await stop();
      await engine.close();
    },
  };
}

/** The confirm dialog's primary button: green with white text, as `button.primary` says, not white on white. */
async function expectReadablePrimary(page: Page): Promise<void> {
  const colours = await page.getByTestId('confirm-ok').evaluate((button) => {
    const style = (
      globalThis as unknown as { getComputedStyle(node: unknown): { backgroundColor: string; color: string } }
    ).getComputedStyle(button);
    return [style.backgroundColor, style.color];
  });
  expect(colours).toEqual(['rgb(0, 122, 90)', 'rgb(255, 255, 255)']);
}

async function send(page: Page, text: string): Promise<void> {
  await page.getByTestId('composer').fill(text);
  await page.getByTestId('composer').press('Enter');
}

describe.skipIf(!existsSync(CHROMIUM))('the console in a browser', () => {
  let running: Setup;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    running = await setup();
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // A DNS-rebinding site: a name of the attacker's that resolves to this machine.
        `--host-resolver-rules=MAP ${REBINDING_HOST} 127.0.0.1`,
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(running.url);
    await page.getByTestId('status').getByText('connected', { exact: true }).waitFor();
  });

  afterAll(async () => {
    expect(pageErrors).toEqual([]);
    await browser?.close();
    await running?.stop();
  });

  it('/s3x help shows the help, only to the person who asked', async () => {
    await send(page, '/s3x help');
    const help = page.getByTestId('message').filter({ hasText: 'who-deleted' }).last();
    await help.waitFor();
    await expect.poll(() => help.textContent()).toContain('Only visible to you');
    await page.getByTestId('person-U0OUTSIDER').click();
    await expect.poll(() => page.getByTestId('message').filter({ hasText: 'who-deleted' }).count()).toBe(0);
    await page.getByTestId('person-U0REQUESTER').click();
    await expect.poll(() => page.getByTestId('message').filter({ hasText: 'who-deleted' }).count()).toBeGreaterThan(0);
  });

  it('who-deleted on the planted key names the deleter', async () => {
    await send(page, `/s3x who-deleted ${running.plantedKey}`);
    const answer = page.getByTestId('message').filter({ hasText: 'mallory' }).last();
    await answer.waitFor();
    expect(await answer.getByTestId(`button-${ACTIONS.exportCsv}`).count()).toBe(1);
    // Markup from the bot is rendered as elements, never as raw mrkdwn.
    expect(await answer.textContent()).not.toContain('&gt;');
    expect(await answer.locator('.unsupported').count()).toBe(0);
    await answer.evaluate((node) => node.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'who-deleted.png'), fullPage: true });
  });

  it('Export CSV posts a file message with a download link', async () => {
    const answer = page.getByTestId('message').filter({ hasText: 'mallory' }).last();
    await answer.getByTestId(`button-${ACTIONS.exportCsv}`).click();
    const link = page.getByTestId('file-link').last();
    await link.waitFor();
    const href = await link.getAttribute('href');
    const csv = await page.evaluate(async (url) => (await fetch(url as string)).text(), href);
    expect(csv).toContain(running.plantedKey);
  });

  it("activity draws its top principals as a table (Slack's native table block)", async () => {
    await send(page, '/s3x activity analytics-hot--use1-az4--x-s3 --since 14d');
    const answer = page.getByTestId('message').filter({ hasText: 'Top principals' }).last();
    await answer.waitFor();
    await answer.locator('table.table').waitFor();
    expect(await answer.locator('table.table th').allTextContents()).toEqual(['Principal', 'Calls', 'Failed']);
    expect(await answer.locator('table.table td', { hasText: /^arn:aws:/ }).count()).toBeGreaterThan(0);
    expect(await answer.locator('.unsupported').count()).toBe(0);
  });

  it('status → Enable logging → confirm → the outsider is refused → the approver approves → status shows it covered', async () => {
    await page.getByTestId('person-U0REQUESTER').click();
    await send(page, '/s3x status');
    const statusBefore = page.getByTestId('message').filter({ hasText: UNCOVERED }).last();
    await statusBefore.getByTestId(`button-${ACTIONS.enableLogging}`).first().click();
    const submit = page.getByTestId(`button-${ACTIONS.submitChange}`).last();
    await submit.click();
    await page.getByTestId('confirm').waitFor();
    await expectReadablePrimary(page);
    await page.getByTestId('confirm-ok').click();
    const request = page
      .getByTestId('message')
      .filter({ has: page.getByTestId(`button-${ACTIONS.approve}`) })
      .last();
    await request.waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'approval-request.png'), fullPage: true });

    await page.getByTestId('person-U0OUTSIDER').click();
    await request.getByTestId(`button-${ACTIONS.approve}`).click();
    if (await page.getByTestId('confirm').isVisible()) await page.getByTestId('confirm-ok').click();
    await page.getByTestId('message').filter({ hasText: 'not an approver' }).last().waitFor();

    await page.getByTestId('person-U0APPROVER').click();
    await request.getByTestId(`button-${ACTIONS.approve}`).click();
    if (await page.getByTestId('confirm').isVisible()) await page.getByTestId('confirm-ok').click();
    const thread = page.getByTestId('thread').filter({ hasText: 'Outcome: Applied' });
    await thread.waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'approval-applied.png'), fullPage: true });

    const statusMessages = page.getByTestId('message').filter({ hasText: 'Object-level logging' });
    const before = await statusMessages.count();
    await send(page, '/s3x status');
    await expect.poll(async () => statusMessages.count(), { timeout: 20_000 }).toBeGreaterThan(before);
    const statusAfter = statusMessages.last();
    const tmpRow = await statusAfter.textContent();
    expect(tmpRow).toContain(UNCOVERED);
    expect(await statusAfter.getByTestId(`button-${ACTIONS.enableLogging}`).count()).toBe(0);
  });

  it('tighten --for 1m: asked with a reason, approved, the plan in words and who else is blocked; it reverts itself', async () => {
    const bucket = 'analytics-hot--use1-az4--x-s3';
    await page.getByTestId('person-U0REQUESTER').click();
    await send(page, `/s3x tighten ${bucket} --deny arn:aws:sts::111122223333:assumed-role/DataEngineer/mallory --for 1m`);
    const preview = page
      .getByTestId('message')
      .filter({ has: page.getByTestId('input-s3x_justification') })
      .last();
    await preview.waitFor();
    await preview.getByTestId('input-s3x_justification').fill('INC-4711: mallory deleted reports/2024/');
    await preview.getByTestId(`button-${ACTIONS.submitChange}`).click();
    await page.getByTestId('confirm').waitFor();
    await expectReadablePrimary(page);
    await page.getByTestId('confirm-ok').click();

    const request = page
      .getByTestId('message')
      .filter({ hasText: 'INC-4711' })
      .filter({ has: page.getByTestId(`button-${ACTIONS.approve}`) })
      .last();
    await request.waitFor();
    const words = await request.textContent();
    expect(words).toContain(`Block new sessions of DataEngineer/mallory on ${bucket}`);
    expect(words).toContain('other sessions of DataEngineer are not blocked');
    expect(words).toMatch(/Blocks no other principal seen on this bucket in the last 7 days|Also blocks \d+ principals? seen/);
    expect(words).toContain('Time-boxed: s3x restores the previous policy 1 minute after it is applied.');
    expect(words).toContain('Who may approve');
    expect(words).not.toContain('"Effect"');
    await request.evaluate((node) => node.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'tighten-request.png'), fullPage: true });

    await page.getByTestId('person-U0APPROVER').click();
    await request.getByTestId(`button-${ACTIONS.showDiff}`).click();
    await page.getByTestId('modal').waitFor();
    expect(await page.getByTestId('modal').textContent()).toContain('aws:userid');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'tighten-diff.png') });
    await page.getByTestId('modal-close').click();
    await request.getByTestId(`button-${ACTIONS.approve}`).click();
    await page.getByTestId('confirm').waitFor();
    await expectReadablePrimary(page);
    await page.getByTestId('confirm-ok').click();
    const applied = page.getByTestId('message').filter({ hasText: 'Time-boxed: reverts itself at' }).last();
    await applied.waitFor();
    await applied.evaluate((node) => node.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'tighten-applied.png'), fullPage: true });

    // A minute, then the sweep (every 15 s): the change reverts itself, says so, and its Revert is gone.
    const reverted = page
      .getByTestId('message')
      .filter({ hasText: 'Reverted' })
      .filter({ hasText: 'DataEngineer/mallory' })
      .last();
    await reverted.waitFor({ timeout: 110_000 });
    expect(await reverted.getByTestId(`button-${ACTIONS.revert}`).count()).toBe(0);
    const thread = page.getByTestId('thread').filter({ hasText: 'The time box ended' }).last();
    await thread.waitFor();
    expect(await thread.textContent()).toContain('Applied by s3x when the time box of request');
    expect(await reverted.textContent()).toContain('↩️ Reverted');
    await reverted.evaluate((node) => node.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'tighten-reverted.png'), fullPage: true });
  }, 150_000);

  it('a page on another site cannot drive the console: no command runs and no forged message appears', async () => {
    const attacker = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end(attackerPage(running.url.replace(/\/$/, '')));
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    const attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
    const visit = await browser.newPage();
    try {
      await visit.goto(attackerUrl);
      await expect.poll(() => visit.title(), { timeout: 20_000 }).toBe('done');
    } finally {
      await visit.close();
      await new Promise<void>((resolve) => attacker.close(() => resolve()));
    }
    const held = await consoleMessages(running.url.replace(/\/$/, ''));
    expect(held.length).toBeGreaterThan(0);
    expect(JSON.stringify(held)).not.toContain(ATTACK_MARKER);
    expect(await page.getByTestId('message').filter({ hasText: ATTACK_MARKER }).count()).toBe(0);
  });

  it('a DNS-rebinding page (another name resolving to 127.0.0.1) gets nothing from the console', async () => {
    const visit = await browser.newPage();
    try {
      const response = await visit.goto(`http://${REBINDING_HOST}:${running.port}/`);
      expect(response?.status()).toBe(403);
      // Same origin as far as the browser knows: the console refuses it on Host.
      const command = await visit.evaluate(async (marker) => {
        const sent = await fetch('/console/command', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ userId: 'U0APPROVER', channelId: 'C0CONSOLE', text: `who-read ${marker}.txt` }),
        });
        const stream = await fetch('/console/stream');
        return [sent.status, stream.status];
      }, ATTACK_MARKER);
      expect(command).toEqual([403, 403]);
    } finally {
      await visit.close();
    }
    expect(JSON.stringify(await consoleMessages(running.url.replace(/\/$/, '')))).not.toContain(ATTACK_MARKER);
  });

  it('typed invisible characters are shown: the zero-width key does not look like the real key', async () => {
    await page.getByTestId('person-U0REQUESTER').click();
    await send(page, '/s3x history reports/q3\u200b-forecast.parquet');
    const echo = page.getByTestId('message').filter({ hasText: '/s3x history reports/q3[U+200B]-forecast.parquet' });
    await echo.last().waitFor();
    const searching = page.getByTestId('message').filter({ hasText: 'Searching CloudTrail for the history of' }).last();
    await searching.waitFor();
    expect(await searching.textContent()).toContain('reports/q3[U+200B]-forecast.parquet');
    const shown = await page.getByTestId('messages').textContent();
    expect(shown).not.toContain('q3\u200b');
    await echo.last().evaluate((node) => node.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'invisible-characters.png') });
  });

  it('shows an error banner, not a blank page, when the bot refuses a request', async () => {
    // The bot (Node, not a browser: browsers may not use the bot's routes) answers through a URL never issued.
    await fetch(`${running.url}console/response/never-issued`, {
      method: 'POST',
      body: '{"text":"x"}',
      headers: { 'content-type': 'application/json' },
    });
    await page.getByTestId('error-banner').waitFor();
    expect(await page.getByTestId('error-banner').textContent()).toMatch(/response_url/);
    expect(await page.getByTestId('composer').isVisible()).toBe(true);
  });
});
