import { afterEach, describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/slack/ids.js';
import { buttonsIn } from '../helpers/slack.js';
import { APPROVER, REQUESTER, Scenario, sleep, waitForRequest } from './harness.js';

/**
 * kill -9 at each point of the change flow, then a restart on the same state file: nothing is
 * applied twice, nothing pending is lost, and what Slack shows afterwards is true.
 * The app runs as a real child process (`src/main.ts`) in Slack mode against a fake Web API.
 */

const POLICY_BUCKET = 'analytics-hot--use1-az4--x-s3';
const UNCOVERED = 'tmp-exports--use1-az5--x-s3';
const TIGHTEN = `tighten ${POLICY_BUCKET} --deny arn:aws:iam::111122223333:role/Intern`;
const ENABLE = `enable-logging ${UNCOVERED}`;

/** A lease of 2 s: a restart takes over a change its crashed predecessor was applying within seconds. */
const SHORT_LEASE = { S3X_APPLY_LEASE_SECONDS: '2' };

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.dispose();
  scenario = undefined;
});

describe('kill -9 during the change flow, then restart', () => {
  it('(a) with requests waiting for approval: still pending after restart, listed, each applied once', async () => {
    scenario = await Scenario.create();
    const s = scenario;
    let app = await s.start();
    const posted = await s.request(app, TIGHTEN);
    // A second request whose approval message Slack never confirmed: killed inside chat.postMessage.
    s.api.hold('chat.postMessage');
    const unposted = await s.driver.plan(app.url, ENABLE);
    const before = s.api.callsOf('chat.postMessage').length;
    await s.driver.click(app.url, REQUESTER, ACTIONS.submitChange, unposted);
    await s.api.waitForCall('chat.postMessage', before + 1);
    await waitForRequest(s.dataDir, unposted, (r) => r.state === 'pending');
    const policyBefore = s.state((state) => state.bucketPolicy(POLICY_BUCKET));
    expect((await app.crash()).signal).toBe('SIGKILL');
    s.api.releaseAll();

    app = await s.start();
    expect(s.state((state) => [state.request(posted.id)?.state, state.request(unposted)?.state])).toEqual(['pending', 'pending']);
    const listing = await s.driver.ask(app.url, 'approvals');
    expect(listing.text).toBe('2 pending approval requests');
    expect(JSON.stringify(listing.blocks)).toContain(POLICY_BUCKET);
    expect(JSON.stringify(listing.blocks)).toContain(UNCOVERED);

    // The posted one: approved from its message, applied once, the message shows it.
    const updates = s.api.callsOf('chat.update').length;
    expect(await s.approve(app, posted.id)).toBe('applied');
    const update = await s.api.waitForCall('chat.update', updates + 1);
    expect(update.ts).toBe(posted.messageTs);
    expect(String(update.text)).toMatch(/^applied: /);
    expect(s.state((state) => state.bucketPolicy(POLICY_BUCKET))).not.toBe(policyBefore);

    // The unposted one: the requester's Request approval button still works and posts it once.
    await s.driver.submit(app.url, unposted);
    expect(await s.approve(app, unposted)).toBe('applied');
    expect(s.state((state) => state.trailSelectors().split(`bucket/${UNCOVERED}/`).length - 1)).toBe(1);

    // A late second click applies nothing more.
    const late = await s.driver.click(app.url, APPROVER, ACTIONS.approve, posted.id);
    expect(String((await s.responses.waitFor(late.path))[0]?.text)).toMatch(/applied; it cannot be approved/);
    for (const id of [posted.id, unposted]) {
      const { records, applied, actions } = await s.applications(id);
      expect({ id, records, applied }).toEqual({ id, records: 1, applied: 1 });
      expect(actions.filter((a) => a === 'requested')).toHaveLength(1);
    }
  });

  it('(b) after the approval was recorded, before the change reached the account: once its lease ran out, the account is checked and it is marked failed, Slack told, never applied by itself', async () => {
    scenario = await Scenario.create();
    const s = scenario;
    let app = await s.start({ S3X_TEST_PAUSE_APPLY: 'before:600000', ...SHORT_LEASE });
    const { id, messageTs } = await s.request(app, TIGHTEN);
    const policyBefore = s.state((state) => state.bucketPolicy(POLICY_BUCKET));
    await s.driver.click(app.url, APPROVER, ACTIONS.approve, id);
    await app.waitForLine(new RegExp(`test hook: request ${id} paused before apply`));
    expect(s.state((state) => state.request(id)?.state)).toBe('applying');
    await app.crash();

    app = await s.start(SHORT_LEASE);
    await app.waitForLine(new RegExp(`request ${id} was interrupted while applying; the account was checked: failed`));
    const recovered = s.state((state) => state.request(id));
    expect(recovered?.state).toBe('failed');
    expect(recovered?.outcome).toMatch(/Interrupted while applying .*the change is not in it, so nothing was applied/);
    expect(s.state((state) => state.bucketPolicy(POLICY_BUCKET))).toBe(policyBefore);

    // The approval message no longer offers Approve: it says the change failed, and why.
    const update = await s.api.waitForCall('chat.update');
    expect(update.ts).toBe(messageTs);
    expect(String(update.text)).toMatch(/^failed: /);
    expect(JSON.stringify(update.blocks)).toMatch(/Interrupted while applying/);
    expect(buttonsIn(update.blocks).filter((b) => b.action_id === ACTIONS.approve)).toEqual([]);
    const thread = await s.api.waitForMatching('chat.postMessage', (m) => m.thread_ts === messageTs);
    expect(String(thread.text)).toMatch(/^Audit: failed/);

    // A late click on the old button applies nothing; asking again applies the change once.
    const late = await s.driver.click(app.url, APPROVER, ACTIONS.approve, id);
    expect(String((await s.responses.waitFor(late.path))[0]?.text)).toMatch(/failed; it cannot be approved/);
    const again = await s.request(app, TIGHTEN);
    expect(await s.approve(app, again.id)).toBe('applied');
    expect(await s.applications(id)).toMatchObject({ records: 0, applied: 0 });
    expect(await s.applications(again.id)).toMatchObject({ records: 1, applied: 1 });
    expect(s.state((state) => state.bucketPolicy(POLICY_BUCKET))?.split('role/Intern').length).toBe(2);
  });

  it('(b) after the change reached the account, before it was recorded: the account is checked, recorded applied (not "failed"), not applied again, and asking again plans nothing', async () => {
    scenario = await Scenario.create();
    const s = scenario;
    let app = await s.start({ S3X_TEST_PAUSE_APPLY: 'after:600000', ...SHORT_LEASE });
    const { id, messageTs } = await s.request(app, ENABLE);
    await s.driver.click(app.url, APPROVER, ACTIONS.approve, id);
    await app.waitForLine(new RegExp(`test hook: request ${id} paused after apply`));
    expect(s.state((state) => state.request(id)?.state)).toBe('applying');
    expect((await s.applications(id)).records).toBe(1);
    await app.crash();

    app = await s.start(SHORT_LEASE);
    const update = await s.api.waitForCall('chat.update');
    expect(s.state((state) => state.request(id)?.state)).toBe('applied');
    expect(update.ts).toBe(messageTs);
    expect(String(update.text)).toMatch(/^applied: /);
    expect(JSON.stringify(update.blocks)).toMatch(/checked the account after the interruption and it has the change/);

    const late = await s.driver.click(app.url, APPROVER, ACTIONS.approve, id);
    expect(String((await s.responses.waitFor(late.path))[0]?.text)).toMatch(/applied; it cannot be approved/);
    const listing = await s.driver.ask(app.url, 'approvals');
    expect(listing.text).toBe('No approval requests are pending.');
    // The account already has the change: a new plan is empty, so it cannot be applied twice.
    const preview = await s.driver.ask(app.url, ENABLE);
    expect(JSON.stringify(preview.blocks)).toMatch(/Nothing to change|already/);
    expect(buttonsIn(preview.blocks).filter((b) => b.action_id === ACTIONS.submitChange)).toEqual([]);
    // One application; the audit log ends with what the account shows.
    expect(await s.applications(id)).toMatchObject({ records: 1, applied: 1 });
    expect(s.state((state) => state.audit(id).at(-1))).toMatchObject({ actor: 's3x', action: 'applied' });
    expect(s.state((state) => state.trailSelectors().split(`bucket/${UNCOVERED}/`).length - 1)).toBe(1);
  });

  it('(c) after apply, before Slack was told: stays applied once; a click on the message once the dead claim to post it ran out shows it', async () => {
    scenario = await Scenario.create();
    const s = scenario;
    let app = await s.start(SHORT_LEASE);
    const { id, messageTs } = await s.request(app, TIGHTEN);
    s.api.hold('chat.update');
    await s.driver.click(app.url, APPROVER, ACTIONS.approve, id);
    await s.api.waitForCall('chat.update');
    expect(s.state((state) => state.request(id)?.state)).toBe('applied');
    const applied = s.state((state) => state.bucketPolicy(POLICY_BUCKET));
    await app.crash();
    s.api.releaseAll();

    app = await s.start(SHORT_LEASE);
    expect(s.state((state) => state.request(id)?.state)).toBe('applied');
    expect(app.output()).not.toMatch(/interrupted while applying/);
    // The crashed process claimed the posting of the outcome; its claim holds one lease.
    await sleep(Number(SHORT_LEASE.S3X_APPLY_LEASE_SECONDS) * 1000);
    const audit = await s.driver.ask(app.url, 'audit');
    expect(JSON.stringify(audit.blocks)).toContain(`applied by <@${APPROVER}>`);

    const updates = s.api.callsOf('chat.update').length;
    const late = await s.driver.click(app.url, APPROVER, ACTIONS.approve, id);
    expect(String((await s.responses.waitFor(late.path))[0]?.text)).toMatch(/applied; it cannot be approved/);
    const update = await s.api.waitForCall('chat.update', updates + 1);
    expect(update.ts).toBe(messageTs);
    expect(String(update.text)).toMatch(/^applied: /);
    expect(s.state((state) => state.bucketPolicy(POLICY_BUCKET))).toBe(applied);
    expect(await s.applications(id)).toMatchObject({ records: 1, applied: 1 });
  });
});
