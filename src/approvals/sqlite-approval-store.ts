import { type SqliteDatabase, storeWrite } from '../store/database.js';
import type { ApprovalRequest, ApprovalState, ApprovalStore, AuditEntry } from './approval.js';

/**
 * Approval requests in the SQLite state file; `version` makes every transition a compare-and-set.
 * A busy or full database surfaces as a StoreError, and nothing of the failed write is kept.
 */
export class SqliteApprovalStore implements ApprovalStore {
  constructor(private readonly db: SqliteDatabase) {}

  async create(request: ApprovalRequest): Promise<void> {
    storeWrite('the change request', () =>
      this.db
        .prepare('INSERT INTO approval_requests (id, state, version, body, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(request.id, request.state, request.version, JSON.stringify(request), request.createdAt),
    );
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    const row = this.db.prepare('SELECT body FROM approval_requests WHERE id = ?').get(id) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as ApprovalRequest) : undefined;
  }

  async compareAndSet(next: ApprovalRequest, expectedVersion: number): Promise<boolean> {
    return storeWrite('the change request', () => this.update(next, expectedVersion));
  }

  /** The new state and its audit entry in one transaction: both are on record, or neither. */
  async transition(next: ApprovalRequest, expectedVersion: number, audit: AuditEntry): Promise<boolean> {
    const write = this.db.transaction(() => {
      if (!this.update(next, expectedVersion)) return false;
      this.insertAudit(audit);
      return true;
    });
    // IMMEDIATE takes the write lock first, so a busy database fails before anything is written.
    return storeWrite('the change request', () => write.immediate());
  }

  async listByState(state: ApprovalState, limit: number): Promise<ApprovalRequest[]> {
    const rows = this.db
      .prepare('SELECT body FROM approval_requests WHERE state = ? ORDER BY created_at DESC LIMIT ?')
      .all(state, limit) as Array<{ body: string }>;
    return rows.map((row) => JSON.parse(row.body) as ApprovalRequest);
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    storeWrite('the audit log', () => this.insertAudit(entry));
  }

  async recentAudit(limit: number): Promise<AuditEntry[]> {
    return (
      this.db
        .prepare('SELECT at, request_id, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT ?')
        .all(limit) as Array<{
        at: string;
        request_id: string;
        actor: string;
        action: string;
        detail: string;
      }>
    ).map((row) => ({ at: row.at, requestId: row.request_id, actor: row.actor, action: row.action, detail: row.detail }));
  }

  private update(next: ApprovalRequest, expectedVersion: number): boolean {
    const result = this.db
      .prepare('UPDATE approval_requests SET state = ?, version = ?, body = ? WHERE id = ? AND version = ?')
      .run(next.state, next.version, JSON.stringify(next), next.id, expectedVersion);
    return result.changes === 1;
  }

  private insertAudit(entry: AuditEntry): void {
    this.db
      .prepare('INSERT INTO audit_log (at, request_id, actor, action, detail) VALUES (?, ?, ?, ?, ?)')
      .run(entry.at, entry.requestId, entry.actor, entry.action, entry.detail);
  }
}
