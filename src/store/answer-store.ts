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
    return {
      id: row.id,
      teamId: row.team_id ?? undefined,
      userId: row.user_id,
      channelId: row.channel_id ?? undefined,
      command: row.command,
      reply: reviveReply(JSON.parse(row.reply_json) as Reply),
      createdAt: new Date(row.created_at),
    };
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
