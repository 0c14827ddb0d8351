import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

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
];

/**
 * Open (or create) the state database: a real SQLite file in the data directory, WAL so readers
 * never block the writer, a busy timeout so two replicas on one file wait instead of failing.
 */
export function openDatabase(file: string): SqliteDatabase {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

function migrate(db: SqliteDatabase): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  MIGRATIONS.forEach((statement, index) => {
    const version = index + 1;
    if (applied.has(version)) return;
    db.transaction(() => {
      db.exec(statement);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, Date.now());
    }).immediate();
  });
}
