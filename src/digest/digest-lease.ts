import type { SqliteDatabase } from '../store/database.js';

/** One digest a day, whatever the number of replicas: the first to claim the day posts it. */
export interface DigestLease {
  /** True for exactly one caller per day (until released). */
  claim(day: string, owner: string): boolean;
  markPosted(day: string): void;
  /** Give the day back after a failed run, so a later run can try again. */
  release(day: string, owner: string): void;
  isClaimed(day: string): boolean;
}

export class SqliteDigestLease implements DigestLease {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => Date,
  ) {}

  claim(day: string, owner: string): boolean {
    // The primary key makes the insert the compare-and-set: a second replica's insert is ignored.
    return (
      this.db
        .prepare('INSERT OR IGNORE INTO digest_runs (day, owner, claimed_at) VALUES (?, ?, ?)')
        .run(day, owner, this.now().getTime()).changes === 1
    );
  }

  markPosted(day: string): void {
    this.db.prepare('UPDATE digest_runs SET posted_at = ? WHERE day = ?').run(this.now().getTime(), day);
  }

  release(day: string, owner: string): void {
    this.db.prepare('DELETE FROM digest_runs WHERE day = ? AND owner = ? AND posted_at IS NULL').run(day, owner);
  }

  isClaimed(day: string): boolean {
    return this.db.prepare('SELECT 1 FROM digest_runs WHERE day = ?').get(day) !== undefined;
  }
}
