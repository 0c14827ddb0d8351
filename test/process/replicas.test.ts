import { afterEach, describe, expect, it } from 'vitest';
import { TERMINAL_STATES } from '../../src/approvals/approval.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { buttonsIn } from '../helpers/slack.js';
import { APPROVER, AppProcess, REQUESTER } from './harness.js';
import { Replicas } from './replicas-harness.js';

/**
 * Two real app replicas (`src/main.ts` processes) on one DynamoDB table (dynalite on loopback),
 * one Slack and one account: what one replica starts, the other finishes or serves, and the
 * audit log ends with what happened to the account. docs/RELIABILITY.md lists these as R1-R6 (and R3b).
 */

const POLICY_BUCKET = 'analytics-hot--use1-az4--x-s3';
const UNCOVERED = 'tmp-exports--use1-az5--x-s3';
const ENABLE = `enable-logging ${UNCOVERED}`;
const tighten = (who: string) => `tighten ${POLICY_BUCKET} --deny arn:aws:iam::111122223333:role/${who}`;
const decided = (state: string) => TERMINAL_STATES.includes(state as never);

let replicas: Replicas | undefined;
afterEach(async () => {
  await replicas?.dispose();
  replicas = undefined;
});

describe('two replicas on one table', () => {
  it('R1 simultaneous approvals on both replicas: applied once, one audit record each, the losing click writes nothing', async () => {
    replicas = await Replicas.create();
    const r = replicas;
    const apps = [await r.start(0), await r.start(1)];
    for (const who of ['Intern', 'Contractor', 'Vendor']) {
      const { id, messageTs } = await r.request(apps[0] as (typeof apps)[0], tighten(who));
      const paths = await r.approveOnAll(apps, id);
      const request = await r.waitFor(id, (q) => decided(q.state));
      expect(request.state).toBe('applied');
      // Its audit record in the thread comes after the audit entry in the table.
      await r.api.waitForMatching('chat.postMessage', (m) => m.thread_ts === messageTs);
      // The winner's answer is the approval message itself; the loser is told, privately, that it lost.
      const lost = String((await Promise.any(paths.map((path) => r.responses.waitFor(path)))).at(-1)?.text);
      expect(lost).toMatch(/Someone else acted on this request first|This request is (applying|applied); it cannot be approved/);
      expect(await r.records(id)).toBe(1);
      const actions = (await r.audit(id)).map((entry) => entry.action);
      expect(actions).toEqual(['planned', 'requested', 'approved', 'applied']);
      // Slack: the message rewritten once, to its outcome; one audit record in its thread.
      const slack = r.slackOf(messageTs);
      expect(slack.updates).toHaveLength(1);
      expect(slack.updates[0]).toMatch(/^applied: /);
      expect(slack.thread).toHaveLength(1);
      expect(slack.thread[0]).toMatch(/^Audit: applied/);
    }
    expect(r.account((state) => state.bucketPolicy(POLICY_BUCKET))?.split('role/Vendor').length).toBe(2);
  });

  it('R2 a replica restarting while another applies leaves the change alone: no false "failed", the audit ends applied', async () => {
    replicas = await Replicas.create();
    const r = replicas;
    // The change waits 12 s before it reaches the account: six leases, renewed all along.
    const applying = await r.start(0, { S3X_TEST_PAUSE_APPLY: 'before:12000' });
    const other = await r.start(1);
    const { id, messageTs } = await r.request(applying, ENABLE);
    await r.driver.click(applying.url, APPROVER, ACTIONS.approve, id);
    await applying.waitForLine(new RegExp(`test hook: request ${id} paused before apply`));
    // A rolling deploy: the other replica stops and starts again, and runs its recovery at start and every second.
    other.signal('SIGTERM');
    expect((await other.exited).code).toBe(0);
    const restarted = await r.start(1);
    expect((await r.waitFor(id, () => true)).state).toBe('applying');
    const request = await r.waitFor(id, (q) => decided(q.state), 30_000);
    expect(request.state).toBe('applied');
    await r.api.waitForMatching('chat.postMessage', (m) => m.thread_ts === messageTs);
    expect(restarted.output()).not.toContain(id);
    const audit = await r.audit(id);
    expect(audit.map((entry) => entry.action)).toEqual(['planned', 'requested', 'approved', 'applied']);
    expect(audit.at(-1)).toMatchObject({ actor: APPROVER, action: 'applied' });
    const slack = r.slackOf(messageTs);
    expect(slack.updates.filter((text) => /^failed/.test(text))).toEqual([]);
    expect(slack.thread).toEqual([expect.stringMatching(/^Audit: applied/)]);
    expect(await r.records(id)).toBe(request.plan.calls.length);
  });

  it('R3 kill -9 of the applying replica: the other takes it over after the lease, checks the account, records applied', async () => {
    replicas = await Replicas.create();
    const r = replicas;
    const applying = await r.start(0, { S3X_TEST_PAUSE_APPLY: 'after:600000' });
    const survivor = await r.start(1);
    const { id, messageTs } = await r.request(applying, ENABLE);
    await r.driver.click(applying.url, APPROVER, ACTIONS.approve, id);
    await applying.waitForLine(new RegExp(`test hook: request ${id} paused after apply`));
    // The change is in the account; its outcome is not on record yet.
    expect((await r.waitFor(id, () => true)).state).toBe('applying');
    const calls = await r.records(id);
    expect(calls).toBeGreaterThan(0);
    expect((await applying.crash()).signal).toBe('SIGKILL');

    const request = await r.waitFor(id, (q) => decided(q.state), 30_000);
    expect(request.state).toBe('applied');
    expect(request.outcome).toMatch(/checked the account after the interruption and it has the change/);
    await survivor.waitForLine(
      new RegExp(`request ${id}: its lease \\(replica \\S+\\) expired while applying; checking the account`),
    );
    // The survivor replaced the buttons with the outcome and posted the audit record, once.
    await r.api.waitForMatching('chat.postMessage', (m) => m.thread_ts === messageTs);
    expect(await r.records(id)).toBe(calls);
    expect((await r.audit(id)).at(-1)).toMatchObject({ actor: 's3x', action: 'applied' });
    const slack = r.slackOf(messageTs);
    expect(slack.updates).toEqual([expect.stringMatching(/^applied: /)]);
    expect(slack.thread).toEqual([expect.stringMatching(/^Audit: applied/)]);
    // Asking again finds nothing to change: the account has it.
    const preview = await r.driver.ask(survivor.url, ENABLE);
    expect(buttonsIn(preview.blocks).filter((b) => b.action_id === ACTIONS.submitChange)).toEqual([]);
  });

  it('R3b kill -9 of the replica about to apply: taken over after the lease, the account checked, recorded failed, nothing applied', async () => {
    replicas = await Replicas.create();
    const r = replicas;
    const applying = await r.start(0, { S3X_TEST_PAUSE_APPLY: 'before:600000' });
    const survivor = await r.start(1);
    const { id, messageTs } = await r.request(applying, tighten('Intern'));
    const policyBefore = r.account((state) => state.bucketPolicy(POLICY_BUCKET));
    await r.driver.click(applying.url, APPROVER, ACTIONS.approve, id);
    await applying.waitForLine(new RegExp(`test hook: request ${id} paused before apply`));
    await applying.crash();

    const request = await r.waitFor(id, (q) => decided(q.state), 30_000);
    expect(request.state).toBe('failed');
    expect(request.outcome).toMatch(/checked the account: the change is not in it, so nothing was applied/);
    await r.api.waitForMatching('chat.postMessage', (m) => m.thread_ts === messageTs);
    expect(await r.records(id)).toBe(0);
    expect(r.account((state) => state.bucketPolicy(POLICY_BUCKET))).toBe(policyBefore);
    expect((await r.audit(id)).at(-1)).toMatchObject({ actor: 's3x', action: 'failed' });
    expect(r.slackOf(messageTs)).toEqual({
      updates: [expect.stringMatching(/^failed: /)],
      thread: [expect.stringMatching(/^Audit: failed/)],
    });
    // Asked again on the survivor, the change applies once.
    const again = await r.request(survivor, tighten('Intern'));
    await r.driver.click(survivor.url, APPROVER, ACTIONS.approve, again.id);
    expect((await r.waitFor(again.id, (q) => decided(q.state))).state).toBe('applied');
    expect(r.account((state) => state.bucketPolicy(POLICY_BUCKET))?.split('role/Intern').length).toBe(2);
  });

  it('R4 an answer given by one replica is exported, shown and shared by the other', async () => {
    replicas = await Replicas.create();
    const r = replicas;
    const apps = [await r.start(0), await r.start(1)];
    const asked = apps[0] as (typeof apps)[0];
    const other = apps[1] as (typeof apps)[0];
    const answer = await r.driver.ask(asked.url, `history ${await r.plantedKey()}`);
    const buttons = buttonsIn(answer.blocks);
    const share = buttons.find((b) => b.action_id === ACTIONS.share);
    const exportCsv = buttons.find((b) => b.action_id === ACTIONS.exportCsv);
    const showEvent = buttons.find((b) => b.action_id === ACTIONS.showEvent);
    if (!share || !exportCsv || !showEvent) throw new Error(`missing buttons in ${JSON.stringify(buttons)}`);

    const shared = await r.driver.click(other.url, REQUESTER, ACTIONS.share, share.value);
    const sharedMessage = (await r.responses.waitFor(shared.path)).at(-1);
    expect(sharedMessage).toMatchObject({ response_type: 'in_channel' });
    expect(String(sharedMessage?.text)).toMatch(new RegExp(`^<@${REQUESTER}> shared: `));

    await r.driver.click(other.url, REQUESTER, ACTIONS.exportCsv, exportCsv.value);
    await r.api.waitForCall('files.completeUploadExternal');
    const eventId = showEvent.value.split(':')[1] as string;
    expect([...r.api.uploads.values()].join('\n')).toContain(eventId);

    await r.driver.click(other.url, REQUESTER, ACTIONS.showEvent, showEvent.value);
    const view = await r.api.waitForCall('views.update');
    expect(JSON.stringify(view.view)).toContain(eventId);

    // An id this deployment never stored: not found, and not called "expired".
    const unknownId = `${share.value.slice(0, 8)}${'0'.repeat(24)}`;
    const unknown = await r.driver.click(other.url, REQUESTER, ACTIONS.share, unknownId);
    const refusal = String((await r.responses.waitFor(unknown.path)).at(-1)?.text);
    expect(refusal).toMatch(/not found on this deployment/);
    expect(refusal).not.toMatch(/expired/);
  });

  it('R5 the CLI reads and writes the configured store: approvals, audit, digest, and one --post a day', async () => {
    replicas = await Replicas.create();
    const r = replicas;
    const app = await r.start(0);
    const { id } = await r.request(app, ENABLE);

    const approvals = await r.cli(['approvals']);
    expect(approvals).toMatchObject({ code: 0 });
    expect(approvals.out).toContain(id);
    const audit = await r.cli(['audit']);
    expect(audit.code).toBe(0);
    expect(audit.out).toMatch(new RegExp(`requested .*${id.slice(0, 8)}`));
    const digest = await r.cli(['digest', '--format', 'json']);
    expect(digest.code).toBe(0);
    expect(JSON.parse(digest.out)).toMatchObject({ pendingApprovals: 1 });

    const channel = { S3X_DIGEST_CHANNEL: 'C0DIGEST' };
    const posts = await Promise.all([r.cli(['digest', '--post'], channel), r.cli(['digest', '--post'], channel)]);
    expect(posts.map((p) => p.code)).toEqual([0, 0]);
    expect(r.api.callsOf('chat.postMessage').filter((m) => m.channel === 'C0DIGEST')).toHaveLength(1);
    expect(posts.map((p) => p.err).join('')).toMatch(/was already posted \(or another run is posting it now\); not posted again/);
  });

  it('R6 the local engine with a shared store and remediation is refused at start: each replica would change its own sandbox', async () => {
    replicas = await Replicas.create();
    const env = replicas.env(0);
    delete env.S3X_TEST_SHARED_SANDBOX;
    const app = AppProcess.spawn(env);
    const exit = await app.exited;
    expect(exit.code).toBe(1);
    expect(app.output()).toMatch(
      /cannot start: .*S3X_STORE: dynamodb is for several replicas, but with S3X_ENGINE=local each replica changes its own sandbox account/s,
    );
  });
});
