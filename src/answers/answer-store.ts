import { randomBytes } from 'node:crypto';
import { type SqliteDatabase, storeWrite } from '../store/database.js';
import type { Reply } from './answer-request.js';
import { reviveReply } from './registry.js';

/** Who asked, where: an answer's buttons are checked against this and the access lists. */
export interface AnswerOwner {
  teamId?: string;
  userId: string;
  channelId?: string;
}

export interface StoredAnswer extends AnswerOwner {
  id: string;
  command: string;
  reply: Reply;
  createdAt: Date;
  /** Channels where it was shared (Share in channel): there it is public. */
  sharedIn: string[];
}

/** Answers are kept this long for paging, export and Show event (a response_url lives 30 minutes). */
export const ANSWER_TTL_MS = 24 * 3600_000;

/**
 * Where stored answers live: the SQLite state file (one replica) or the shared DynamoDB table
 * (S3X_STORE=dynamodb), so that any replica serves any answer's buttons.
 */
export interface AnswerStorage {
  /** Throws a StoreError when the store cannot take it: nothing is saved then. */
  save(owner: AnswerOwner, reply: Reply): Promise<string>;
  /** The answer, or undefined when it is unknown or past its TTL (`answerIdExpired` tells which). */
  get(id: string): Promise<StoredAnswer | undefined>;
  /** Record that the answer was posted for everyone in `channelId`. Throws a StoreError when the store cannot take it. */
  markShared(id: string, channelId: string): Promise<void>;
}

/**
 * An answer id: its creation time (8 hex digits of epoch seconds), then 96 random bits. The time
 * in the id tells an expired answer from one this deployment never stored (another workspace's
 * id, a typo, a store that lost it), even after the row itself is gone.
 */
export function newAnswerId(now: Date): string {
  const seconds = Math.floor(now.getTime() / 1000)
    .toString(16)
    .padStart(8, '0');
  return `${seconds}${randomBytes(12).toString('hex')}`;
}

export function isAnswerId(id: string): boolean {
  return /^[0-9a-f]{32}$/.test(id);
}

/** When the answer an id names was made (ms since the epoch; the id's first 8 hex digits are its seconds). */
export function answerIdTime(id: string): number {
  return Number.parseInt(id.slice(0, 8), 16) * 1000;
}

/** Whether the id names an answer made more than ANSWER_TTL_MS ago (false for anything that is not an answer id). */
export function answerIdExpired(id: string, now: Date): boolean {
  return isAnswerId(id) && answerIdTime(id) < now.getTime() - ANSWER_TTL_MS;
}

/**
 * Full results of answered questions in the SQLite state file, so Next/Previous and Export CSV
 * never rerun a query (in Athena mode a rerun costs money and may see different data).
 */
export class AnswerStore implements AnswerStorage {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => Date,
  ) {}

  async save(owner: AnswerOwner, reply: Reply): Promise<string> {
    const now = this.now();
    const id = newAnswerId(now);
    storeWrite('this answer', () =>
      this.db
        .prepare(
          'INSERT INTO answers (id, team_id, user_id, channel_id, command, reply_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(id, owner.teamId ?? null, owner.userId, owner.channelId ?? null, reply.kind, JSON.stringify(reply), now.getTime()),
    );
    this.prune();
    return id;
  }

  async get(id: string): Promise<StoredAnswer | undefined> {
    if (!isAnswerId(id)) return undefined;
    const row = this.db
      .prepare('SELECT * FROM answers WHERE id = ? AND created_at >= ?')
      .get(id, this.now().getTime() - ANSWER_TTL_MS) as
      | {
          id: string;
          team_id: string | null;
          user_id: string;
          channel_id: string | null;
          command: string;
          reply_json: string;
          created_at: number;
        }
      | undefined;
    if (!row) return undefined;
    const sharedIn = this.db.prepare('SELECT channel_id FROM answer_shares WHERE answer_id = ?').pluck().all(id) as string[];
    return {
      id: row.id,
      teamId: row.team_id ?? undefined,
      userId: row.user_id,
      channelId: row.channel_id ?? undefined,
      command: row.command,
      reply: reviveReply(JSON.parse(row.reply_json) as Reply),
      createdAt: new Date(row.created_at),
      sharedIn,
    };
  }

  async markShared(id: string, channelId: string): Promise<void> {
    storeWrite('sharing this answer', () =>
      this.db
        .prepare('INSERT OR IGNORE INTO answer_shares (answer_id, channel_id, shared_at) VALUES (?, ?, ?)')
        .run(id, channelId, this.now().getTime()),
    );
  }

  /** Housekeeping: the answer is saved already, so a busy database only postpones it to the next save. */
  private prune(): void {
    try {
      this.db.prepare('DELETE FROM answers WHERE created_at < ?').run(this.now().getTime() - ANSWER_TTL_MS);
    } catch {
      // Old answers are past their TTL and never served (get checks created_at); they go next time.
    }
  }
}
