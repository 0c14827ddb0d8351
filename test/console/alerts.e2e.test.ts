import { existsSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/slack/ids.js';
import { SCREENSHOTS_DIR } from '../helpers/paths.js';
import { AppProcess, freePort, localAppEnv, prepareDataDir } from '../process/harness.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = SCREENSHOTS_DIR;
const ALERT_TITLE = 'Delete or rename by a principal new to the bucket';

/**
 * What `npm start` does locally, in a browser: the real app (a child process, local mode, no Slack
 * and no AWS) on the generated sample with the live generator writing a delivery file every
 * second; an alert appears in the console, and Deny this principal goes through the plan, the
 * confirmation and a second person's approval.
 */
describe.skipIf(!existsSync(CHROMIUM))('alerts in the console, with the live generator', () => {
  let app: AppProcess;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    dataDir = await prepareDataDir();
    const port = await freePort();
    app = await AppProcess.start(localAppEnv({ dataDir, port, extra: { S3X_SAMPLE_LIVE_SECONDS: '1' } }));
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.getByTestId('status').getByText('connected', { exact: true }).waitFor();
  });

  afterAll(async () => {
    expect(pageErrors).toEqual([]);
    await browser?.close();
    await app?.dispose();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('an alert from the live generator appears within seconds, with its buttons', async () => {
    const alert = page.getByTestId('message').filter({ hasText: ALERT_TITLE }).first();
    await alert.waitFor({ timeout: 30_000 });
    const text = (await alert.textContent()) ?? '';
    expect(text).toContain('DeleteObject');
    expect(text).toContain('assumed-role/Contractor/live-');
    expect(text).toContain('no alert does not mean nothing happened');
    for (const action of [ACTIONS.alertEvent, `${ACTIONS.denyPrincipal}_3`, ACTIONS.alertMute]) {
      expect(await alert.getByTestId(`button-${action}`).count()).toBe(1);
    }
    await alert.evaluate((node) => node.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'alert.png') });
  });

  it('Deny this principal: confirm, plan, request, the approver approves, applied', async () => {
    await page.getByTestId('person-U0REQUESTER').click();
    const alert = page.getByTestId('message').filter({ hasText: ALERT_TITLE }).first();
    await alert.getByTestId(`button-${ACTIONS.denyPrincipal}_3`).click();
    await page.getByTestId('confirm').waitFor();
    await page.getByTestId('confirm-ok').click();
    const submit = page.getByTestId(`button-${ACTIONS.submitChange}`).last();
    await submit.waitFor();
    expect(await page.getByTestId('message').filter({ has: submit }).textContent()).toContain('Contractor');
    await submit.click();
    await page.getByTestId('confirm').waitFor();
    await page.getByTestId('confirm-ok').click();
    const request = page
      .getByTestId('message')
      .filter({ has: page.getByTestId(`button-${ACTIONS.approve}`) })
      .last();
    await request.waitFor();
    await page.getByTestId('person-U0APPROVER').click();
    await request.getByTestId(`button-${ACTIONS.approve}`).click();
    if (await page.getByTestId('confirm').isVisible()) await page.getByTestId('confirm-ok').click();
    const thread = page.getByTestId('thread').filter({ hasText: 'Outcome: Applied' });
    await thread.waitFor();
    await thread.evaluate((node) => node.scrollIntoView({ block: 'center' }));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'alert-deny-applied.png') });
  });
});
