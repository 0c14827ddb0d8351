import { randomBytes } from 'node:crypto';
import type { Reply } from '../answer.js';
import { type SqliteDatabase, storeWrite } from './database.js';

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
 * Full results of answered questions, so Next/Previous and Export CSV never rerun a query
 * (in Athena mode a rerun costs money and may see different data).
 */
export class AnswerStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => Date,
  ) {}

  /** Throws a StoreError when the database is busy or full: nothing is saved then. */
  save(owner: AnswerOwner, reply: Reply): string {
    const id = randomBytes(12).toString('hex');
    storeWrite('this answer', () =>
      this.db
        .prepare(
          'INSERT INTO answers (id, team_id, user_id, channel_id, command, reply_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          id,
          owner.teamId ?? null,
          owner.userId,
          owner.channelId ?? null,
          reply.kind,
          JSON.stringify(reply),
          this.now().getTime(),
        ),
    );
    this.prune();
    return id;
  }

  load(id: string): StoredAnswer | undefined {
    if (!/^[0-9a-f]{24}$/.test(id)) return undefined;
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

  /** Record that the answer was posted for everyone in `channelId`. Throws a StoreError when busy or full. */
  markShared(id: string, channelId: string): void {
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
      // Old answers are past their TTL and never served (load checks created_at); they go next time.
    }
  }
}

/** JSON turns the answer's window dates into strings; turn them back. */
function reviveReply(reply: Reply): Reply {
  if ('answer' in reply && reply.answer && typeof reply.answer === 'object' && 'window' in reply.answer) {
    const window = reply.answer.window as unknown as { since: string; until: string };
    (reply.answer as { window: { since: Date; until: Date } }).window = {
      since: new Date(window.since),
      until: new Date(window.until),
    };
  }
  return reply;
}
