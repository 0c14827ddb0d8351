import { randomBytes } from 'node:crypto';
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { type Clock, type RetryPolicy, withRetry } from '../engines/retry.js';
import { EngineError } from '../errors.js';
import type { ApprovalRequest, ApprovalState, ApprovalStore, AuditEntry } from './approval.js';

export interface DynamoDbApprovalStoreOptions {
  table: string;
  clock: Clock;
}

/** The global secondary index that lists requests by state: `gsi1pk` (S) / `createdAt` (S). */
export const GSI1 = 'gsi1';

const RETRY: RetryPolicy = { attempts: 5, baseMs: 100, capMs: 5_000 };
const THROTTLING = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);
const AUDIT_PK = 'AUDIT';

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
    const token = writeId();
    try {
      await this.send('dynamodb:PutItem', 'save an approval request', () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: requestItem(request, token),
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
    } catch (error) {
      if (isConditionFailed(error)) {
        // An SDK retry of a create that had landed: the item is ours.
        if (storedWriteId(error) === token) return;
        throw new EngineError('Could not save the approval request: one with the same id already exists. Please try again.', {
          cause: error,
          detail: `approval request ${request.id} already exists`,
        });
      }
      throw error;
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
    const token = writeId();
    try {
      await this.send('dynamodb:PutItem', 'update an approval request', () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: requestItem(next, token),
            ConditionExpression: '#v = :expected',
            ExpressionAttributeNames: { '#v': 'version' },
            ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return true;
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      // The SDK retries timeouts itself: if an earlier attempt of this very write landed, the
      // retry fails its condition against our own item. The write token tells that apart from losing.
      return storedWriteId(error) === token;
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

  /** Up to `limit` items, following pages: a page stops at 1 MB even below Limit. */
  private async query(
    input: Omit<QueryCommandInput, 'Limit' | 'ExclusiveStartKey'>,
    limit: number,
    purpose: string,
  ): Promise<Array<Record<string, AttributeValue>>> {
    const items: Array<Record<string, AttributeValue>> = [];
    let start: Record<string, AttributeValue> | undefined;
    while (items.length < limit) {
      const output = await this.send('dynamodb:Query', purpose, () =>
        this.client.send(
          new QueryCommand({
            ...input,
            Limit: limit - items.length,
            ...(start === undefined ? {} : { ExclusiveStartKey: start }),
          }),
        ),
      );
      items.push(...(output.Items ?? []));
      start = output.LastEvaluatedKey;
      if (start === undefined) break;
    }
    return items;
  }

  /** Throttling is retried with jitter; a failed condition is passed through for the caller to judge. */
  private async send<T>(permission: string, purpose: string, call: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(call, isThrottling, RETRY, this.clock);
    } catch (error) {
      if (isConditionFailed(error)) throw error;
      throw storeError(error, permission, purpose);
    }
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

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

function isConditionFailed(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

function isThrottling(error: unknown): boolean {
  return THROTTLING.has(errorName(error));
}

function unexpected(error: unknown, purpose: string): unknown {
  return error instanceof EngineError ? error : storeError(error, 'dynamodb:PutItem', purpose);
}

/** User-safe: AWS messages can name accounts and ARNs, so only the error name reaches userMessage. */
function storeError(error: unknown, permission: string, purpose: string): EngineError {
  const options = { cause: error, detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  const name = errorName(error);
  if (name.includes('AccessDenied')) {
    return new EngineError(
      `s3x is not allowed to ${purpose}: its role needs the \`${permission}\` permission on the approvals table.`,
      options,
    );
  }
  if (name === 'ResourceNotFoundException') {
    return new EngineError(`s3x could not ${purpose}: the approvals table (or its \`${GSI1}\` index) does not exist.`, options);
  }
  if (isThrottling(error)) {
    return new EngineError(`DynamoDB kept throttling s3x while it tried to ${purpose}. Try again in a minute.`, options);
  }
  const safe = /^[A-Za-z][A-Za-z0-9]{0,79}$/.test(name) ? ` (${name})` : '';
  return new EngineError(`s3x could not ${purpose}${safe}. Check the credentials and Region s3x runs with.`, options);
}
