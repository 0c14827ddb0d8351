import { type AttributeValue, DynamoDBClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { EngineError } from '../../errors.js';
import type { Clock } from '../../time/clock.js';
import { describeError, errorName, isThrottling, type RetryPolicy, toUserError, withRetry } from '../aws-call.js';

/**
 * What every store on the shared table (S3X_STORE=dynamodb) does the same way, through the AWS kit
 * (aws-call.ts): throttling retried with jitter, a failed condition passed through for the caller
 * to judge, other failures turned into a user-safe EngineError, and queries that follow their pages.
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

export function isConditionFailed(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

/** One call with throttling retried (the client makes one attempt); any other error rethrown as is. */
export function retryThrottled<T>(clock: Clock, call: () => Promise<T>): Promise<T> {
  return withRetry(call, isThrottling, RETRY, clock);
}

/** One call: throttling retried; a failed condition rethrown as is; anything else a user-safe EngineError. */
export async function sendToTable<T>(clock: Clock, permission: string, purpose: string, call: () => Promise<T>): Promise<T> {
  try {
    return await retryThrottled(clock, call);
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

/** User-safe (the kit's wording), plus the one failure only the table has: it or its index is missing. */
export function tableError(error: unknown, permission: string, purpose: string): EngineError {
  if (!(error instanceof EngineError) && errorName(error) === 'ResourceNotFoundException') {
    return new EngineError(`s3x could not ${purpose}: the approvals table (or its \`${GSI1}\` index) does not exist.`, {
      cause: error,
      detail: describeError(error),
    });
  }
  return toUserError(error, { permission, purpose, permissionNote: ' on the approvals table', service: 'DynamoDB' });
}
