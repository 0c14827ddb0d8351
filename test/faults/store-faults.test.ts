import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import type { AccountPort } from '../../src/remediation/types.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { DEFAULT_BUSY_TIMEOUT_MS, openDatabase, type SqliteDatabase } from '../../src/store/database.js';
import { FakeSlackApi } from '../helpers/fake-slack-api.js';
import { buttonsIn } from '../helpers/slack.js';
import {
  APPROVER,
  captureLogs,
  type FaultApp,
  INTERNALS,
  KEY,
  lockDatabase,
  NOW,
  REQUESTER,
  ResponseUrls,
  SlackUser,
  startFaultApp,
  UNCOVERED,
  visibleText,
  writeSmallArchive,
} from './harness.js';

const api = new FakeSlackApi();
const responses = new ResponseUrls();
let engine: LocalEngine;
let apiUrl: string;
let app: FaultApp;
let logs: string[];
const user = new SlackUser(() => app, responses);

beforeAll(async () => {
  logs = captureLogs();
  engine = await LocalEngine.open({ logsDir: await writeSmallArchive() });
  apiUrl = await api.start();
  await responses.start();
});

afterAll(async () => {
  await responses.stop();
  await api.stop();
  await engine.close();
});

// Every test gets its own state file, so page layouts (and so SQLITE_FULL) do not depend on the others.
beforeEach(async () => {
  app = await startFaultApp({ engine, apiUrl });
});

afterEach(async () => {
  await app.slack.stop();
});

function count(db: SqliteDatabase, sql: string): number {
  return (db.prepare(sql).pluck().get() as number) ?? 0;
}

async function selectorsOf(fault: FaultApp): Promise<string> {
  return JSON.stringify((await fault.sandbox.readState()).trails.map((t) => t.advancedEventSelectors));
}

/** Plan enable-logging and post it for approval; returns the request id. */
async function pendingRequest(): Promise<string> {
  const id = await user.planEnableLogging();
  await user.clickReply(REQUESTER, ACTIONS.submitChange, id);
  expect((await app.approvalStore.get(id))?.state).toBe('pending');
  return id;
}

/**
 * Disk full: no page can be added to the file (`max_page_count` pinned at its size), and the
 * approval table's pages are packed with filler rows, so a request that grows needs a page it
 * cannot get. Returns the undo: the limit lifted, the filler removed.
 */
function fillDisk(db: SqliteDatabase): () => void {
  pinSize(db);
  let n = 0;
  pack(
    db.prepare("INSERT INTO approval_requests (id, state, version, body, created_at) VALUES (?, 'filler', 0, ?, '9999-12-31')"),
    (size) => [`zz-filler-${String(++n).padStart(6, '0')}`, 'x'.repeat(size)],
  );
  return () => {
    db.pragma('max_page_count = 1073741823');
    db.prepare("DELETE FROM approval_requests WHERE state = 'filler'").run();
  };
}

/** Disk full for the audit log only: its pages packed (filler entries stay: the log is append-only). */
function fillAuditLog(db: SqliteDatabase): () => void {
  pinSize(db);
  pack(
    db.prepare("INSERT INTO audit_log (at, request_id, actor, action, detail) VALUES ('9999', 'filler', 'test', 'filler', ?)"),
    (size) => ['x'.repeat(size)],
  );
  return () => db.pragma('max_page_count = 1073741823');
}

function pinSize(db: SqliteDatabase): void {
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
}

/** Insert rows of halving sizes until even the smallest does not fit. */
function pack(insert: { run(...args: unknown[]): unknown }, row: (size: number) => unknown[]): void {
  for (let size = 4096; size >= 1; size = Math.floor(size / 2)) {
    for (;;) {
      try {
        insert.run(...row(size));
      } catch (error) {
        expect((error as { code?: string }).code).toBe('SQLITE_FULL');
        break;
      }
    }
  }
}

describe('the state database', () => {
  it('waits at most 1 s for another connection’s lock by default (the wait blocks every request), less when told', () => {
    expect(DEFAULT_BUSY_TIMEOUT_MS).toBe(1000);
    expect(openDatabase(':memory:').pragma('busy_timeout', { simple: true })).toBe(1000);
    expect(openDatabase(':memory:', { busyTimeoutMs: 20 }).pragma('busy_timeout', { simple: true })).toBe(20);
  });
});

describe('store locked (SQLITE_BUSY: another connection holds the write lock)', () => {
  it('an answer is still shown, without the buttons that need the stored copy, and saying why; stored once the lock is gone', async () => {
    const answersBefore = count(app.db, 'SELECT count(*) FROM answers');
    const release = lockDatabase(app.dbFile);
    let locked: Record<string, unknown>;
    try {
      locked = await user.ask(`who-deleted ${KEY}`);
    } finally {
      release();
    }
    const text = visibleText(locked);
    expect(text).toContain('DataEngineer');
    expect(text).toMatch(/could not save this answer \(its state database is busy/);
    expect(text).toMatch(/Ask again in a minute/);
    expect(text).not.toMatch(INTERNALS);
    expect(buttonsIn(locked.blocks)).toEqual([]);
    expect(count(app.db, 'SELECT count(*) FROM answers')).toBe(answersBefore);
    expect(logs.some((line) => line.includes('could not store the object-answer answer (store)'))).toBe(true);

    // The process kept serving: the same question now is stored and paged.
    const after = await user.ask(`who-deleted ${KEY}`);
    expect(buttonsIn(after.blocks).map((b) => b.action_id)).toContain(ACTIONS.nextPage);
    expect(count(app.db, 'SELECT count(*) FROM answers')).toBe(answersBefore + 1);
  });

  it('a plan that cannot be saved says so, and nothing is requested', async () => {
    const release = lockDatabase(app.dbFile);
    let reply: Record<string, unknown>;
    try {
      reply = await user.ask(`enable-logging ${UNCOVERED}`);
    } finally {
      release();
    }
    expect(visibleText(reply)).toMatch(
      /The plan could not be saved: its state database is busy .*Nothing was requested or changed; try again in a minute/,
    );
    expect(visibleText(reply)).not.toMatch(INTERNALS);
    expect(buttonsIn(reply.blocks)).toEqual([]);
    expect(count(app.db, 'SELECT count(*) FROM approval_requests')).toBe(0);
    expect(count(app.db, 'SELECT count(*) FROM audit_log')).toBe(0);

    expect(await user.planEnableLogging()).toMatch(/^[0-9a-f]{24}$/);
  });

  it('a request for approval that cannot be saved is not posted; clicking again once the lock is gone posts it', async () => {
    const id = await user.planEnableLogging();
    const posted = api.callsOf('chat.postMessage').length;
    const release = lockDatabase(app.dbFile);
    let reply: Record<string, unknown>;
    try {
      reply = await user.clickReply(REQUESTER, ACTIONS.submitChange, id);
    } finally {
      release();
    }
    expect(visibleText(reply)).toMatch(/Your request for approval could not be saved: its state database is busy/);
    expect(visibleText(reply)).toMatch(/Nothing was posted; click Request approval again/);
    expect(visibleText(reply)).not.toMatch(INTERNALS);
    expect(api.callsOf('chat.postMessage')).toHaveLength(posted);
    expect((await app.approvalStore.get(id))?.state).toBe('draft');

    await user.clickReply(REQUESTER, ACTIONS.submitChange, id);
    expect(api.callsOf('chat.postMessage')).toHaveLength(posted + 1);
    expect((await app.approvalStore.get(id))?.state).toBe('pending');
  });

  it('an approval message posted while the store is locked still works: approving applies it and tells the approver', async () => {
    const id = await user.planEnableLogging();
    let release: (() => void) | undefined;
    // The lock arrives while Slack posts the approval message, so its ts cannot be recorded.
    api.onNext('chat.postMessage', () => {
      release = lockDatabase(app.dbFile);
    });
    const posted = await user.clickReply(REQUESTER, ACTIONS.submitChange, id);
    release?.();
    expect(String(posted.text)).toMatch(/Posted for approval/);
    expect(logs.some((line) => line.includes(`approval request ${id} was posted, but its message could not be recorded`))).toBe(
      true,
    );
    const request = await app.approvalStore.get(id);
    expect(request?.state).toBe('pending');
    expect(request?.messageTs).toBeUndefined();

    // Its Approve button works; with no message on record to update, the approver is told directly.
    const updates = api.callsOf('chat.update').length;
    const reply = await user.clickReply(APPROVER, ACTIONS.approve, id);
    expect(String(reply.text)).toMatch(/^Applied: /);
    expect(api.callsOf('chat.update')).toHaveLength(updates);
    expect((await app.approvalStore.get(id))?.state).toBe('applied');
    expect(await selectorsOf(app)).toContain(`bucket/${UNCOVERED}/`);
  });

  it('an approval that cannot be recorded applies nothing; the request stays pending and listed; approving again applies it once', async () => {
    const id = await pendingRequest();
    const before = await selectorsOf(app);
    const release = lockDatabase(app.dbFile);
    let reply: Record<string, unknown>;
    let listed: Record<string, unknown>;
    try {
      reply = await user.clickReply(APPROVER, ACTIONS.approve, id);
      // Reads go on while the lock is held (WAL): the request is still there for approvers.
      listed = await user.ask('approvals', APPROVER);
    } finally {
      release();
    }
    expect(visibleText(reply)).toMatch(
      /Your approval could not be recorded: its state database is busy .*Nothing was applied and the request is still pending; approve again in a minute/,
    );
    expect(visibleText(reply)).not.toMatch(INTERNALS);
    expect(await selectorsOf(app)).toBe(before);
    expect((await app.approvalStore.get(id))?.state).toBe('pending');
    expect(visibleText(listed)).toMatch(/1 pending approval request/);
    expect((await app.approvalStore.recentAudit(50)).filter((e) => e.requestId === id).map((e) => e.action)).toEqual([
      'requested',
      'planned',
    ]);

    const updates = api.callsOf('chat.update').length;
    await user.click(APPROVER, ACTIONS.approve, id);
    await api.waitForCalls('chat.update', updates + 1);
    expect((await app.approvalStore.get(id))?.state).toBe('applied');
    expect(await selectorsOf(app)).toContain(`bucket/${UNCOVERED}/`);
    const actions = (await app.approvalStore.recentAudit(50)).filter((e) => e.requestId === id).map((e) => e.action);
    expect(actions.filter((a) => a === 'approved')).toHaveLength(1);
    expect(actions.filter((a) => a === 'applied')).toHaveLength(1);
  });

  it('a change applied while the store cannot record its outcome is told as applied, and never applied again after a restart', async () => {
    await app.slack.stop();
    let release: (() => void) | undefined;
    let applies = 0;
    const file = app.dbFile;
    // The lock arrives between the account change and the write of its outcome.
    app = await startFaultApp({
      engine,
      apiUrl,
      dbFile: file,
      wrapAccount: (account): AccountPort => ({
        readState: () => account.readState(),
        getBucketPolicy: (bucket, region) => account.getBucketPolicy(bucket, region),
        apply: async (calls, actor) => {
          const result = await account.apply(calls, actor);
          applies += 1;
          release = lockDatabase(file);
          return result;
        },
      }),
    });
    const id = await pendingRequest();
    const updates = api.callsOf('chat.update').length;
    await user.click(APPROVER, ACTIONS.approve, id);
    const decided = (await api.waitForCalls('chat.update', updates + 1)).at(-1);
    release?.();
    expect(applies).toBe(1);
    expect(visibleText(decided)).toMatch(/Applied: /);
    expect(visibleText(decided)).toMatch(/s3x could not record this outcome: its state database is busy/);
    expect(visibleText(decided)).not.toMatch(INTERNALS);
    expect(logs.some((line) => line.includes(`change request outcome not recorded in the store: ${id} applied`))).toBe(true);
    expect(await selectorsOf(app)).toContain(`bucket/${UNCOVERED}/`);
    expect((await app.approvalStore.get(id))?.state).toBe('applying');

    // A restart once its apply lease ran out: the account is checked, and it has the change, so
    // the request is recorded applied (no longer "failed" for a change that is in the account),
    // never applied a second time.
    await app.slack.stop();
    app = await startFaultApp({ engine, apiUrl, dbFile: file, now: () => new Date(NOW.getTime() + 120_000) });
    const recovered = await app.approvalStore.get(id);
    expect(recovered?.state).toBe('applied');
    expect(recovered?.outcome).toMatch(/checked the account after the interruption and it has the change/);
    const again = await user.clickReply(APPROVER, ACTIONS.approve, id);
    expect(visibleText(again)).toMatch(/This request is applied; it cannot be approved/);
    expect(applies).toBe(1);
  });
});

describe('disk full (SQLITE_FULL: the file cannot grow)', () => {
  it('an answer is still shown without its buttons, saying the store is full; stored once there is room', async () => {
    const answersBefore = count(app.db, 'SELECT count(*) FROM answers');
    const undo = fillDisk(app.db);
    let full: Record<string, unknown>;
    try {
      full = await user.ask(`who-deleted ${KEY}`);
    } finally {
      undo();
    }
    expect(visibleText(full)).toMatch(/could not save this answer \(its state database is full/);
    expect(visibleText(full)).toContain('DataEngineer');
    expect(visibleText(full)).not.toMatch(INTERNALS);
    expect(buttonsIn(full.blocks).map((b) => b.action_id)).not.toContain(ACTIONS.nextPage);
    expect(count(app.db, 'SELECT count(*) FROM answers')).toBe(answersBefore);

    const after = await user.ask(`who-deleted ${KEY}`);
    expect(buttonsIn(after.blocks).map((b) => b.action_id)).toContain(ACTIONS.nextPage);
  });

  it('an approval that cannot be recorded applies nothing and leaves the request pending; with room again it applies once', async () => {
    const id = await pendingRequest();
    const before = await selectorsOf(app);
    const undo = fillDisk(app.db);
    let reply: Record<string, unknown>;
    try {
      reply = await user.clickReply(APPROVER, ACTIONS.approve, id);
    } finally {
      undo();
    }
    expect(visibleText(reply)).toMatch(
      /Your approval could not be recorded: its state database is full .*Nothing was applied and the request is still pending/,
    );
    expect(visibleText(reply)).not.toMatch(INTERNALS);
    expect(await selectorsOf(app)).toBe(before);
    expect((await app.approvalStore.get(id))?.state).toBe('pending');

    const updates = api.callsOf('chat.update').length;
    await user.click(APPROVER, ACTIONS.approve, id);
    await api.waitForCalls('chat.update', updates + 1);
    expect((await app.approvalStore.get(id))?.state).toBe('applied');
    expect(await selectorsOf(app)).toContain(`bucket/${UNCOVERED}/`);
  });

  it('an approval is recorded with its audit entry or not at all: with only the audit log full, the request stays pending', async () => {
    const id = await pendingRequest();
    const before = await selectorsOf(app);
    const undo = fillAuditLog(app.db);
    let reply: Record<string, unknown>;
    try {
      reply = await user.clickReply(APPROVER, ACTIONS.approve, id);
    } finally {
      undo();
    }
    expect(visibleText(reply)).toMatch(/Your approval could not be recorded: its state database is full/);
    // Not "applying" with no audit entry (which only a restart would clear, as failed): still pending.
    expect((await app.approvalStore.get(id))?.state).toBe('pending');
    expect(await selectorsOf(app)).toBe(before);
    const listed = await user.ask('approvals', APPROVER);
    expect(visibleText(listed)).toMatch(/1 pending approval request/);

    const updates = api.callsOf('chat.update').length;
    await user.click(APPROVER, ACTIONS.approve, id);
    await api.waitForCalls('chat.update', updates + 1);
    expect((await app.approvalStore.get(id))?.state).toBe('applied');
  });

  it('a plan that cannot be saved says the store is full, and nothing is requested', async () => {
    const undo = fillDisk(app.db);
    let reply: Record<string, unknown>;
    try {
      reply = await user.ask(`enable-logging ${UNCOVERED}`);
    } finally {
      undo();
    }
    expect(visibleText(reply)).toMatch(/The plan could not be saved: its state database is full/);
    expect(buttonsIn(reply.blocks)).toEqual([]);
    expect(count(app.db, "SELECT count(*) FROM approval_requests WHERE state <> 'filler'")).toBe(0);
  });
});
