import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { StoreError } from '../errors.js';

// Required, not imported: an `import` of a CommonJS package makes Node scan its files for their
// export names first (as for DuckDB's, engines/local/duckdb.ts); about 10 ms of every start.
const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

export type SqliteDatabase = BetterSqlite3.Database;

/** Schema changes, applied in order once each; never edit a shipped step, add a new one. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE answers (
     id TEXT PRIMARY KEY,
     team_id TEXT,
     user_id TEXT NOT NULL,
     channel_id TEXT,
     command TEXT NOT NULL,
     reply_json TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE INDEX answers_created_at ON answers (created_at);`,
  `CREATE TABLE approval_requests (
     id TEXT PRIMARY KEY,
     state TEXT NOT NULL,
     version INTEGER NOT NULL,
     body TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE INDEX approval_requests_state ON approval_requests (state, created_at);
   -- Append-only: nothing in s3x updates or deletes audit rows.
   CREATE TABLE audit_log (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at TEXT NOT NULL,
     request_id TEXT NOT NULL,
     actor TEXT NOT NULL,
     action TEXT NOT NULL,
     detail TEXT NOT NULL
   );
   CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
   CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;`,
  `CREATE TABLE digest_runs (
     day TEXT PRIMARY KEY,
     owner TEXT NOT NULL,
     claimed_at INTEGER NOT NULL,
     posted_at INTEGER
   );`,
  // The channels an answer was shared in: there, anyone allowed may use its buttons.
  `CREATE TABLE answer_shares (
     answer_id TEXT NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
     channel_id TEXT NOT NULL,
     shared_at INTEGER NOT NULL,
     PRIMARY KEY (answer_id, channel_id)
   );`,
  `CREATE TABLE alerts (
     key TEXT PRIMARY KEY,
     body TEXT NOT NULL,
     state TEXT NOT NULL,
     owner TEXT NOT NULL,
     claimed_at INTEGER NOT NULL,
     posted_at INTEGER,
     ts TEXT
   );
   CREATE INDEX alerts_claimed_at ON alerts (claimed_at);
   CREATE TABLE alert_threads (
     channel TEXT NOT NULL,
     rule_id TEXT NOT NULL,
     subject TEXT NOT NULL,
     ts TEXT NOT NULL,
     started_at INTEGER NOT NULL,
     count INTEGER NOT NULL,
     PRIMARY KEY (channel, rule_id, subject)
   );
   CREATE TABLE alert_mutes (rule_id TEXT PRIMARY KEY, until INTEGER NOT NULL, by TEXT NOT NULL);
   -- The local source: delivery files already read (a restart reads only the others).
   CREATE TABLE alert_files (path TEXT PRIMARY KEY, done_at INTEGER NOT NULL);`,
];

/**
 * How long a write waits for another connection's lock before failing with SQLITE_BUSY.
 * better-sqlite3 is synchronous: the wait blocks the whole event loop, so every other Slack
 * request waits too, and Slack wants an ack within 3 s. s3x's own writes take microseconds, so a
 * lock held longer than this is someone else's long transaction: failing with a clear "try again"
 * beats stalling every user.
 */
export const DEFAULT_BUSY_TIMEOUT_MS = 1000;

export interface OpenDatabaseOptions {
  /** SQLITE_BUSY after this long (tests use a few milliseconds). */
  busyTimeoutMs?: number;
}

/**
 * Open (or create) the state database: a real SQLite file in the data directory, WAL so readers
 * never block the writer, a short busy timeout so a second process on the file waits briefly
 * instead of failing at once.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  const busyTimeoutMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS));
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  switchToWal(db, busyTimeoutMs);
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

/**
 * WAL mode, waiting out another process that is switching the same new file (a replica starting
 * beside this one): SQLite answers that switch with SQLITE_BUSY at once, without its busy handler.
 */
function switchToWal(db: SqliteDatabase, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code !== 'string' || !code.startsWith('SQLITE_BUSY') || Date.now() >= deadline) throw error;
      // Synchronous like the rest of the open; a few milliseconds while the other process finishes.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

function migrate(db: SqliteDatabase): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  MIGRATIONS.forEach((statement, index) => {
    const version = index + 1;
    if (applied.has(version)) return;
    db.transaction(() => {
      // Asked again under the write lock: another process on the same file (a replica starting
      // beside this one) may have applied it since the set above was read.
      if (db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(version)) return;
      db.exec(statement);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, Date.now());
    }).immediate();
  });
}

/**
 * Run one write (or one transaction) on the state database; SQLite failures become a StoreError
 * whose message says what could not be saved, and why, without paths or SQL.
 */
export function storeWrite<T>(what: string, write: () => T): T {
  try {
    return write();
  } catch (error) {
    throw toStoreError(error, what);
  }
}

function toStoreError(error: unknown, what: string): unknown {
  if (!(error instanceof Database.SqliteError)) return error;
  const reason = storeFailureReason(error.code);
  return new StoreError(`s3x could not save ${what}: ${reason}. Try again in a minute.`, {
    cause: error,
    detail: `${error.code}: ${error.message} (saving ${what})`,
    reason,
  });
}

function storeFailureReason(code: string): string {
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return 'its state database is busy (another process holds a lock on it)';
  if (code === 'SQLITE_FULL') return 'its state database is full (no disk space left, or its size limit was reached)';
  if (code.startsWith('SQLITE_READONLY')) return 'its state database is read-only';
  const safe = /^SQLITE_[A-Z_]{1,40}$/.test(code) ? ` (${code})` : '';
  return `its state database could not be written${safe}`;
}
