import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DIGEST_CLAIM_TTL_MS, type DigestLease } from '../../digest/digest-lease.js';
import { type Clock, systemClock } from '../../time/clock.js';
import { isConditionFailed, retryThrottled } from './table.js';

/**
 * The digest lease in the approvals table (S3X_STORE=dynamodb), so several replicas post one
 * digest a day: the claim is a conditional put that only one replica wins.
 */
export class DynamoDbDigestLease implements DigestLease {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly now: () => Date,
    private readonly ttlMs = DIGEST_CLAIM_TTL_MS,
    private readonly clock: Clock = systemClock,
  ) {}

  private key(day: string) {
    return { pk: { S: `DIGEST#${day}` }, sk: { S: 'LEASE' } };
  }

  async claim(day: string, owner: string): Promise<boolean> {
    const now = this.now();
    try {
      // A free day, or an unposted claim older than the TTL (its owner died mid-run) is taken
      // over. ISO-8601 UTC strings of one format sort as the instants they name.
      await retryThrottled(this.clock, () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: { ...this.key(day), owner: { S: owner }, claimedAt: { S: now.toISOString() } },
            ConditionExpression: 'attribute_not_exists(pk) OR (attribute_not_exists(postedAt) AND claimedAt <= :stale)',
            ExpressionAttributeValues: { ':stale': { S: new Date(now.getTime() - this.ttlMs).toISOString() } },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  async markPosted(day: string): Promise<void> {
    await retryThrottled(this.clock, () =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(day),
          UpdateExpression: 'SET postedAt = :at',
          ExpressionAttributeValues: { ':at': { S: this.now().toISOString() } },
        }),
      ),
    );
  }

  async release(day: string, owner: string): Promise<void> {
    try {
      await retryThrottled(this.clock, () =>
        this.client.send(
          new DeleteItemCommand({
            TableName: this.table,
            Key: this.key(day),
            ConditionExpression: '#o = :owner AND attribute_not_exists(postedAt)',
            ExpressionAttributeNames: { '#o': 'owner' },
            ExpressionAttributeValues: { ':owner': { S: owner } },
          }),
        ),
      );
    } catch (error) {
      // Someone else's claim, or already posted: nothing to give back.
      if (!isConditionFailed(error)) throw error;
    }
  }

  async claimExpiresAt(day: string): Promise<Date | undefined> {
    const result = await retryThrottled(this.clock, () =>
      this.client.send(new GetItemCommand({ TableName: this.table, Key: this.key(day), ConsistentRead: true })),
    );
    const claimedAt = result.Item?.claimedAt?.S;
    if (!claimedAt || result.Item?.postedAt) return undefined;
    const expires = Date.parse(claimedAt) + this.ttlMs;
    return expires > this.now().getTime() ? new Date(expires) : undefined;
  }
}
