import type { SqliteDatabase } from '../store/database.js';

/**
 * How long a claim holds its day without being marked posted. A replica killed mid-run (kill -9,
 * OOM, a lost host) never marks its day posted nor releases it; past this, another run may claim
 * the day again, so the digest is late rather than lost. It must outlast a whole run: one engine
 * query (Athena: ATHENA_QUERY_TIMEOUT_SECONDS, 300 s by default) and the post. A run longer
 * than this, or a crash between the post and `markPosted`, can post the day twice.
 */
export const DIGEST_CLAIM_TTL_MS = 30 * 60_000;

/** One digest a day, whatever the number of replicas: the first to claim the day posts it. */
export interface DigestLease {
  /** True for exactly one caller per day, until released; or when the day's claim expired unposted. */
  claim(day: string, owner: string): Promise<boolean>;
  markPosted(day: string): Promise<void>;
  /** Give the day back after a failed run, so a later run can try again. */
  release(day: string, owner: string): Promise<void>;
  /** When a live, unposted claim on the day may be claimed again; undefined if the day is posted, free or expired. */
  claimExpiresAt(day: string): Promise<Date | undefined>;
}

/**
 * Post a day's digest at most once across replicas and `s3x digest --post` runs: claim the day,
 * post, mark it posted. A failed post gives the day back (and throws), so a later run tries
 * again. 'taken' when another run holds the day or posted it already.
 */
export async function postOnce(
  lease: DigestLease,
  day: string,
  owner: string,
  post: () => Promise<void>,
): Promise<'posted' | 'taken'> {
  if (!(await lease.claim(day, owner))) return 'taken';
  try {
    await post();
  } catch (error) {
    await lease.release(day, owner);
    throw error;
  }
  await lease.markPosted(day);
  return 'posted';
}

export class SqliteDigestLease implements DigestLease {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => Date,
    private readonly ttlMs = DIGEST_CLAIM_TTL_MS,
  ) {}

  async claim(day: string, owner: string): Promise<boolean> {
    // The primary key makes the insert the compare-and-set: a second replica's insert is ignored,
    // unless the row is an unposted claim older than the TTL (its owner died), which is taken over.
    const now = this.now().getTime();
    return (
      this.db
        .prepare(
          `INSERT INTO digest_runs (day, owner, claimed_at) VALUES (?, ?, ?)
           ON CONFLICT (day) DO UPDATE SET owner = excluded.owner, claimed_at = excluded.claimed_at
           WHERE digest_runs.posted_at IS NULL AND digest_runs.claimed_at <= ?`,
        )
        .run(day, owner, now, now - this.ttlMs).changes === 1
    );
  }

  async markPosted(day: string): Promise<void> {
    this.db.prepare('UPDATE digest_runs SET posted_at = ? WHERE day = ?').run(this.now().getTime(), day);
  }

  async release(day: string, owner: string): Promise<void> {
    this.db.prepare('DELETE FROM digest_runs WHERE day = ? AND owner = ? AND posted_at IS NULL').run(day, owner);
  }

  async claimExpiresAt(day: string): Promise<Date | undefined> {
    const row = this.db.prepare('SELECT claimed_at, posted_at FROM digest_runs WHERE day = ?').get(day) as
      | { claimed_at: number; posted_at: number | null }
      | undefined;
    if (!row || row.posted_at !== null) return undefined;
    const expires = row.claimed_at + this.ttlMs;
    return expires > this.now().getTime() ? new Date(expires) : undefined;
  }
}
