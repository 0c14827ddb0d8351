import { randomBytes } from 'node:crypto';
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type PutItemCommandInput,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { ApprovalRequest, ApprovalState, ApprovalStore, AuditEntry } from '../../approvals/approval.js';
import { EngineError } from '../../errors.js';
import type { Clock } from '../../time/clock.js';
import { GSI1, isConditionFailed, queryAll, sendToTable, tableError } from './table.js';

export interface DynamoDbApprovalStoreOptions {
  table: string;
  clock: Clock;
}

const AUDIT_PK = 'AUDIT';

type RequestCondition = Pick<
  PutItemCommandInput,
  'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
>;

/**
 * Approval requests in DynamoDB, for several replicas: every transition is a conditional write on
 * `version`. Single-table layout (docs/iam/REMEDIATION.md has the `create-table` command):
 *
 *   request  pk = REQ#<id>  sk = REQ           state, version (N), body (S, the JSON), createdAt,
 *                                               gsi1pk = STATE#<state>, writeId
 *   audit    pk = AUDIT     sk = <at>#<random>  at, requestId, actor, action, detail
 *
 * pk and sk are strings. GSI `gsi1` (partition `gsi1pk`, sort `createdAt`, projection ALL) lists
 * requests by state, newest first. GSI reads are eventually consistent, which is fine: every
 * transition re-reads with `get` (strongly consistent) and compare-and-sets.
 */
export class DynamoDbApprovalStore implements ApprovalStore {
  private readonly table: string;
  private readonly clock: Clock;

  constructor(
    private readonly client: DynamoDBClient,
    options: DynamoDbApprovalStoreOptions,
  ) {
    this.table = options.table;
    this.clock = options.clock;
  }

  async create(request: ApprovalRequest): Promise<void> {
    try {
      await this.putRequest(request, 'save an approval request', { ConditionExpression: 'attribute_not_exists(pk)' });
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      throw new EngineError('Could not save the approval request: one with the same id already exists. Please try again.', {
        cause: error,
        detail: `approval request ${request.id} already exists`,
      });
    }
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    const output = await this.send('dynamodb:GetItem', 'read an approval request', () =>
      // Strongly consistent: a transition must see the version the previous one wrote.
      this.client.send(new GetItemCommand({ TableName: this.table, Key: requestKey(id), ConsistentRead: true })),
    );
    return output.Item ? parseBody(output.Item) : undefined;
  }

  async compareAndSet(next: ApprovalRequest, expectedVersion: number): Promise<boolean> {
    try {
      await this.putRequest(next, 'update an approval request', {
        ConditionExpression: '#v = :expected',
        ExpressionAttributeNames: { '#v': 'version' },
        ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
      });
      return true;
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      return false;
    }
  }

  async listByState(state: ApprovalState, limit: number): Promise<ApprovalRequest[]> {
    const items = await this.query(
      {
        TableName: this.table,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `STATE#${state}` } },
        ScanIndexForward: false,
      },
      limit,
      'list approval requests',
    );
    return items.map(parseBody);
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    // Append-only: the condition means an entry is never overwritten, even on a suffix collision.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.send('dynamodb:PutItem', 'write the audit log', () =>
          this.client.send(
            new PutItemCommand({
              TableName: this.table,
              Item: {
                pk: { S: AUDIT_PK },
                sk: { S: `${entry.at}#${randomBytes(8).toString('hex')}` },
                at: { S: entry.at },
                requestId: { S: entry.requestId },
                actor: { S: entry.actor },
                action: { S: entry.action },
                detail: { S: entry.detail },
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          ),
        );
        return;
      } catch (error) {
        if (!isConditionFailed(error) || attempt >= 3) throw unexpected(error, 'write the audit log');
      }
    }
  }

  async recentAudit(limit: number): Promise<AuditEntry[]> {
    const items = await this.query(
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: AUDIT_PK } },
        ScanIndexForward: false,
        ConsistentRead: true,
      },
      limit,
      'read the audit log',
    );
    return items.map((item) => ({
      at: item.at?.S ?? '',
      requestId: item.requestId?.S ?? '',
      actor: item.actor?.S ?? '',
      action: item.action?.S ?? '',
      detail: item.detail?.S ?? '',
    }));
  }

  /**
   * Puts the request if `condition` holds. A retry (an SDK retry of a timeout) of a write that had
   * landed fails its condition against our own item: the write token tells that apart from losing
   * to another writer, and it counts as written.
   */
  private async putRequest(request: ApprovalRequest, purpose: string, condition: RequestCondition): Promise<void> {
    const token = writeId();
    try {
      await this.send('dynamodb:PutItem', purpose, () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: requestItem(request, token),
            ...condition,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
    } catch (error) {
      if (isConditionFailed(error) && storedWriteId(error) === token) return;
      throw error;
    }
  }

  private query(input: Omit<QueryCommandInput, 'Limit' | 'ExclusiveStartKey'>, limit: number, purpose: string) {
    return queryAll(this.client, this.clock, input, limit, purpose);
  }

  private send<T>(permission: string, purpose: string, call: () => Promise<T>): Promise<T> {
    return sendToTable(this.clock, permission, purpose, call);
  }
}

function requestKey(id: string): Record<string, AttributeValue> {
  return { pk: { S: `REQ#${id}` }, sk: { S: 'REQ' } };
}

function requestItem(request: ApprovalRequest, token: string): Record<string, AttributeValue> {
  return {
    ...requestKey(request.id),
    state: { S: request.state },
    version: { N: String(request.version) },
    body: { S: JSON.stringify(request) },
    createdAt: { S: request.createdAt },
    gsi1pk: { S: `STATE#${request.state}` },
    writeId: { S: token },
  };
}

function parseBody(item: Record<string, AttributeValue>): ApprovalRequest {
  const body = item.body?.S;
  if (body === undefined)
    throw new EngineError('An approval request in the store is unreadable.', { detail: 'item without body' });
  return JSON.parse(body) as ApprovalRequest;
}

function writeId(): string {
  return randomBytes(12).toString('hex');
}

/** The `writeId` of the item a failed condition was checked against (ReturnValuesOnConditionCheckFailure). */
function storedWriteId(error: unknown): string | undefined {
  return (error as { Item?: Record<string, AttributeValue> }).Item?.writeId?.S;
}

function unexpected(error: unknown, purpose: string): unknown {
  return tableError(error, 'dynamodb:PutItem', purpose);
}
