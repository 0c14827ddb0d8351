import { type SqliteDatabase, storeWrite } from '../store/database.js';
import {
  type AlertMute,
  type AlertStore,
  type AlertSummary,
  type AlertThread,
  type ClaimResult,
  type StoredAlert,
  storedAlert,
  THREAD_WINDOW_MS,
} from './alert-store.js';

interface AlertRow {
  body: string;
  state: 'claimed' | 'posted';
  owner: string;
  claimed_at: number;
  posted_at: number | null;
  ts: string | null;
}

/** Alerts, their threads and mutes in the SQLite state file (one replica). */
export class SqliteAlertStore implements AlertStore {
  constructor(private readonly db: SqliteDatabase) {}

  async claim(alert: AlertSummary & { key: string }, owner: string, now: number, leaseMs: number): Promise<ClaimResult> {
    const claim = this.db.transaction((): ClaimResult => {
      const row = this.db.prepare('SELECT state, owner, claimed_at FROM alerts WHERE key = ?').get(alert.key) as
        | Pick<AlertRow, 'state' | 'owner' | 'claimed_at'>
        | undefined;
      if (!row) {
        this.db
          .prepare('INSERT INTO alerts (key, body, state, owner, claimed_at) VALUES (?, ?, ?, ?, ?)')
          .run(alert.key, JSON.stringify(alert), 'claimed', owner, now);
        return 'claimed';
      }
      if (row.state === 'posted') return 'posted';
      if (row.owner !== owner && row.claimed_at > now - leaseMs) return 'busy';
      this.db.prepare('UPDATE alerts SET owner = ?, claimed_at = ? WHERE key = ?').run(owner, now, alert.key);
      return 'claimed';
    });
    return storeWrite('an alert', () => claim.immediate());
  }

  async renew(keys: readonly string[], owner: string, now: number): Promise<void> {
    const update = this.db.prepare("UPDATE alerts SET claimed_at = ? WHERE key = ? AND owner = ? AND state = 'claimed'");
    storeWrite('an alert', () =>
      this.db.transaction(() => {
        for (const key of keys) update.run(now, key, owner);
      })(),
    );
  }

  async markPosted(key: string, ts: string, now: number): Promise<void> {
    storeWrite('an alert', () =>
      this.db.prepare("UPDATE alerts SET state = 'posted', ts = ?, posted_at = ? WHERE key = ?").run(ts, now, key),
    );
  }

  async get(key: string): Promise<StoredAlert | undefined> {
    const row = this.db.prepare('SELECT * FROM alerts WHERE key = ?').get(key) as (AlertRow & { key: string }) | undefined;
    return row ? toStored(row) : undefined;
  }

  async recent(limit: number): Promise<StoredAlert[]> {
    const rows = this.db.prepare('SELECT * FROM alerts ORDER BY claimed_at DESC, key LIMIT ?').all(limit) as Array<
      AlertRow & { key: string }
    >;
    return rows.map(toStored);
  }

  async openThread(channel: string, ruleId: string, subject: string, now: number): Promise<AlertThread | undefined> {
    const row = this.db
      .prepare('SELECT ts, started_at, count FROM alert_threads WHERE channel = ? AND rule_id = ? AND subject = ?')
      .get(channel, ruleId, subject) as { ts: string; started_at: number; count: number } | undefined;
    if (!row || row.started_at <= now - THREAD_WINDOW_MS) return undefined;
    return { channel, ruleId, subject, ts: row.ts, startedAt: row.started_at, count: row.count };
  }

  async startThread(thread: AlertThread): Promise<boolean> {
    const result = storeWrite('an alert thread', () =>
      this.db
        .prepare(
          `INSERT INTO alert_threads (channel, rule_id, subject, ts, started_at, count) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (channel, rule_id, subject) DO UPDATE SET ts = excluded.ts, started_at = excluded.started_at, count = excluded.count
           WHERE alert_threads.started_at <= ?`,
        )
        .run(
          thread.channel,
          thread.ruleId,
          thread.subject,
          thread.ts,
          thread.startedAt,
          thread.count,
          thread.startedAt - THREAD_WINDOW_MS,
        ),
    );
    return result.changes === 1;
  }

  async addToThread(channel: string, ruleId: string, subject: string, added: number): Promise<number> {
    const row = storeWrite('an alert thread', () =>
      this.db
        .prepare('UPDATE alert_threads SET count = count + ? WHERE channel = ? AND rule_id = ? AND subject = ? RETURNING count')
        .get(added, channel, ruleId, subject),
    ) as { count: number } | undefined;
    return row?.count ?? added;
  }

  async mute(mute: AlertMute): Promise<void> {
    storeWrite('a mute', () =>
      this.db
        .prepare(
          'INSERT INTO alert_mutes (rule_id, until, by) VALUES (?, ?, ?) ON CONFLICT (rule_id) DO UPDATE SET until = excluded.until, by = excluded.by',
        )
        .run(mute.ruleId, mute.until, mute.by),
    );
  }

  async activeMutes(now: number): Promise<AlertMute[]> {
    const rows = this.db
      .prepare('SELECT rule_id, until, by FROM alert_mutes WHERE until > ? ORDER BY rule_id')
      .all(now) as Array<{
      rule_id: string;
      until: number;
      by: string;
    }>;
    return rows.map((row) => ({ ruleId: row.rule_id, until: row.until, by: row.by }));
  }
}

function toStored(row: AlertRow & { key: string }): StoredAlert {
  return storedAlert(row.body, {
    key: row.key,
    state: row.state,
    owner: row.owner,
    claimedAt: row.claimed_at,
    postedAt: row.posted_at ?? undefined,
    ts: row.ts ?? undefined,
  });
}
