import type { SqliteDatabase } from '../store/database.js';

/** One digest a day, whatever the number of replicas: the first to claim the day posts it. */
export interface DigestLease {
  /** True for exactly one caller per day (until released). */
  claim(day: string, owner: string): Promise<boolean>;
  markPosted(day: string): Promise<void>;
  /** Give the day back after a failed run, so a later run can try again. */
  release(day: string, owner: string): Promise<void>;
  isClaimed(day: string): Promise<boolean>;
}

export class SqliteDigestLease implements DigestLease {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => Date,
  ) {}

  async claim(day: string, owner: string): Promise<boolean> {
    // The primary key makes the insert the compare-and-set: a second replica's insert is ignored.
    return (
      this.db
        .prepare('INSERT OR IGNORE INTO digest_runs (day, owner, claimed_at) VALUES (?, ?, ?)')
        .run(day, owner, this.now().getTime()).changes === 1
    );
  }

  async markPosted(day: string): Promise<void> {
    this.db.prepare('UPDATE digest_runs SET posted_at = ? WHERE day = ?').run(this.now().getTime(), day);
  }

  async release(day: string, owner: string): Promise<void> {
    this.db.prepare('DELETE FROM digest_runs WHERE day = ? AND owner = ? AND posted_at IS NULL').run(day, owner);
  }

  async isClaimed(day: string): Promise<boolean> {
    return this.db.prepare('SELECT 1 FROM digest_runs WHERE day = ?').get(day) !== undefined;
  }
}
