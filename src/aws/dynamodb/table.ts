import { type AttributeValue, DynamoDBClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { EngineError } from '../../errors.js';
import type { Clock } from '../../time/clock.js';
import { type RetryPolicy, withRetry } from '../aws-call.js';

/**
 * What every store on the shared table (S3X_STORE=dynamodb) does the same way: throttling retried
 * with jitter, a failed condition passed through for the caller to judge, other failures turned
 * into a user-safe EngineError, and queries that follow their pages.
 */

/** The global secondary index that lists requests by state: `gsi1pk` (S) / `createdAt` (S). */
export const GSI1 = 'gsi1';

/**
 * The process's one client for the shared table, handed to every store on it. One SDK attempt per
 * call: `sendToTable` retries throttling itself, with jitter and a bound.
 */
export function createDynamoDbClient(region: string): DynamoDBClient {
  return new DynamoDBClient({ region, maxAttempts: 1 });
}

const RETRY: RetryPolicy = { attempts: 5, baseMs: 100, capMs: 5_000 };
const THROTTLING = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

export function isConditionFailed(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

export function isThrottling(error: unknown): boolean {
  return THROTTLING.has(errorName(error));
}

/** One call: throttling retried; a failed condition rethrown as is; anything else a user-safe EngineError. */
export async function sendToTable<T>(clock: Clock, permission: string, purpose: string, call: () => Promise<T>): Promise<T> {
  try {
    return await withRetry(call, isThrottling, RETRY, clock);
  } catch (error) {
    if (isConditionFailed(error)) throw error;
    throw tableError(error, permission, purpose);
  }
}

/** Up to `limit` items, following pages: a page stops at 1 MB even below Limit. */
export async function queryAll(
  client: DynamoDBClient,
  clock: Clock,
  input: Omit<QueryCommandInput, 'Limit' | 'ExclusiveStartKey'>,
  limit: number,
  purpose: string,
): Promise<Array<Record<string, AttributeValue>>> {
  const items: Array<Record<string, AttributeValue>> = [];
  let start: Record<string, AttributeValue> | undefined;
  while (items.length < limit) {
    const output = await sendToTable(clock, 'dynamodb:Query', purpose, () =>
      client.send(
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

/** User-safe: AWS messages can name accounts and ARNs, so only the error name reaches userMessage. */
export function tableError(error: unknown, permission: string, purpose: string): EngineError {
  if (error instanceof EngineError) return error;
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
