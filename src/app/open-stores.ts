import path from 'node:path';
import type { AlertStore } from '../alerts/alert-store.js';
import { SqliteAlertStore } from '../alerts/sqlite-alert-store.js';
import { type AnswerStorage, AnswerStore } from '../answers/answer-store.js';
import type { ApprovalStore } from '../approvals/approval.js';
import { SqliteApprovalStore } from '../approvals/sqlite-approval-store.js';
import type { Config } from '../config.js';
import { DIGEST_CLAIM_TTL_MS, type DigestLease, SqliteDigestLease } from '../digest/digest-lease.js';
import { openDatabase, type SqliteDatabase } from '../store/database.js';
import type { Clock } from '../time/clock.js';

/** What s3x keeps between requests, from the configured store: the same for the app, the CLI and the digest. */
export interface Stores {
  answers: AnswerStorage;
  approvals: ApprovalStore;
  digestLease: DigestLease;
  /** Alert dedupe (eventID and rule), threads and mutes: shared by the replicas on one queue. */
  alerts: AlertStore;
  /** The replica's own SQLite state file: the stores with S3X_STORE=sqlite, and the sandbox account. */
  database: SqliteDatabase;
  close(): void;
}

/**
 * The one place the stores are chosen: S3X_STORE=sqlite keeps everything in the data dir's state
 * file (one replica); S3X_STORE=dynamodb keeps answers, approvals, the audit log and the digest
 * lease in the shared table, so every replica and every `s3x` command sees the same. The
 * DynamoDB stores (and the AWS SDK) load only when the table is configured.
 */
export async function openStores(
  config: Config,
  clock: Clock,
  now: () => Date,
  database: SqliteDatabase = openDatabase(stateFile(config)),
): Promise<Stores> {
  const close = () => database.close();
  if (config.store.kind === 'sqlite') {
    return {
      answers: new AnswerStore(database, now),
      approvals: new SqliteApprovalStore(database),
      digestLease: new SqliteDigestLease(database, now),
      alerts: new SqliteAlertStore(database),
      database,
      close,
    };
  }
  const { table, region } = config.store;
  const [
    { DynamoDbAlertStore },
    { DynamoDbAnswerStore },
    { DynamoDbApprovalStore },
    { DynamoDbDigestLease },
    { createDynamoDbClient },
  ] = await Promise.all([
    import('../aws/dynamodb/alert-store.js'),
    import('../aws/dynamodb/answer-store.js'),
    import('../aws/dynamodb/approval-store.js'),
    import('../aws/dynamodb/digest-lease.js'),
    import('../aws/dynamodb/table.js'),
  ]);
  // One client for the process: every store on the shared table goes through it.
  const client = createDynamoDbClient(region);
  return {
    answers: new DynamoDbAnswerStore(client, table, clock, now),
    approvals: new DynamoDbApprovalStore(client, { table, clock }),
    digestLease: new DynamoDbDigestLease(client, table, now, DIGEST_CLAIM_TTL_MS, clock),
    alerts: new DynamoDbAlertStore(client, table, clock),
    database,
    close: () => {
      client.destroy();
      close();
    },
  };
}

/** The replica's SQLite state file. */
export function stateFile(config: Config): string {
  return path.join(config.dataDir, 's3x.sqlite');
}
