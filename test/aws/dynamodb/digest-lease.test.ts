import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, vi } from 'vitest';
import { DynamoDbDigestLease } from '../../../src/aws/dynamodb/digest-lease.js';
import { startDigestSchedule } from '../../../src/digest/schedule.js';

const dynamo = mockClient(DynamoDBClient);
const NOW = new Date('2026-11-24T10:00:00Z');
const CLAIM_CONDITION = 'attribute_not_exists(pk) OR (attribute_not_exists(postedAt) AND claimedAt <= :stale)';

describe('DynamoDbDigestLease', () => {
  it('lets exactly one of two replicas post the day (conditional put)', async () => {
    dynamo.reset();
    const items = new Map<string, unknown>();
    dynamo.on(PutItemCommand).callsFake((input: { Item: { pk: { S: string } } }) => {
      if (items.has(input.Item.pk.S)) throw Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' });
      items.set(input.Item.pk.S, input.Item);
      return {};
    });
    dynamo.on(GetItemCommand).callsFake((input: { Key: { pk: { S: string } } }) => ({ Item: items.get(input.Key.pk.S) }));
    const post = vi.fn(async () => undefined);
    const replicas = [0, 1].map(() =>
      startDigestSchedule({
        cron: '0 9 * * *',
        timeZone: 'UTC',
        lease: new DynamoDbDigestLease(new DynamoDBClient({ region: 'us-east-1' }), 's3x', () => NOW),
        post,
        now: () => NOW,
        log: () => {},
      }),
    );
    await Promise.all(replicas.map((r) => r.runMissed()));
    for (const r of replicas) r.stop();
    expect(post).toHaveBeenCalledTimes(1);
    expect(dynamo.commandCalls(PutItemCommand)[0]?.args[0].input).toMatchObject({
      TableName: 's3x',
      ConditionExpression: CLAIM_CONDITION,
      Item: { pk: { S: 'DIGEST#2026-11-23' }, sk: { S: 'LEASE' } },
    });
  });

  it('claims with a condition that takes over only an unposted claim older than 30 minutes', async () => {
    dynamo.reset();
    dynamo.on(PutItemCommand).resolves({});
    const lease = new DynamoDbDigestLease(new DynamoDBClient({ region: 'us-east-1' }), 's3x', () => NOW);
    expect(await lease.claim('2026-11-23', 'owner1')).toBe(true);
    expect(dynamo.commandCalls(PutItemCommand)[0]?.args[0].input).toEqual({
      TableName: 's3x',
      Item: {
        pk: { S: 'DIGEST#2026-11-23' },
        sk: { S: 'LEASE' },
        owner: { S: 'owner1' },
        claimedAt: { S: '2026-11-24T10:00:00.000Z' },
      },
      ConditionExpression: 'attribute_not_exists(pk) OR (attribute_not_exists(postedAt) AND claimedAt <= :stale)',
      ExpressionAttributeValues: { ':stale': { S: '2026-11-24T09:30:00.000Z' } },
    });
  });

  it('after a kill -9 mid-post, a restarted replica posts the day once the claim expired, and only once', async () => {
    dynamo.reset();
    const items = new Map<string, Record<string, { S: string }>>();
    // DynamoDB's evaluation of CLAIM_CONDITION on the stored item.
    dynamo
      .on(PutItemCommand)
      .callsFake(
        (input: {
          Item: Record<string, { S: string }>;
          ConditionExpression: string;
          ExpressionAttributeValues: Record<string, { S: string }>;
        }) => {
          expect(input.ConditionExpression).toBe(CLAIM_CONDITION);
          const pk = input.Item.pk?.S as string;
          const existing = items.get(pk);
          const stale = input.ExpressionAttributeValues[':stale']?.S as string;
          if (existing && (existing.postedAt || (existing.claimedAt?.S as string) > stale))
            throw Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' });
          items.set(pk, input.Item);
          return {};
        },
      );
    dynamo
      .on(UpdateItemCommand)
      .callsFake(
        (input: {
          Key: { pk: { S: string } };
          UpdateExpression: string;
          ExpressionAttributeValues: Record<string, { S: string }>;
        }) => {
          expect(input.UpdateExpression).toBe('SET postedAt = :at');
          const item = items.get(input.Key.pk.S);
          if (item && input.ExpressionAttributeValues[':at']) item.postedAt = input.ExpressionAttributeValues[':at'];
          return {};
        },
      );
    dynamo.on(GetItemCommand).callsFake((input: { Key: { pk: { S: string } } }) => ({ Item: items.get(input.Key.pk.S) }));
    let now = new Date('2026-11-24T09:00:00Z');
    const client = new DynamoDBClient({ region: 'us-east-1' });
    // The killed replica claimed the day and died before posting.
    expect(await new DynamoDbDigestLease(client, 's3x', () => now).claim('2026-11-23', 'killed')).toBe(true);
    now = new Date('2026-11-24T09:05:00Z');
    const retries: Array<{ delayMs: number; work: () => Promise<void> }> = [];
    const post = vi.fn(async () => undefined);
    const schedule = startDigestSchedule({
      cron: '0 9 * * *',
      timeZone: 'UTC',
      lease: new DynamoDbDigestLease(client, 's3x', () => now),
      post,
      now: () => now,
      log: () => {},
      later: (delayMs, work) => {
        retries.push({ delayMs, work });
        return () => {};
      },
    });
    await schedule.runMissed();
    expect(post).not.toHaveBeenCalled();
    expect(retries.map((r) => r.delayMs)).toEqual([25 * 60_000]);
    now = new Date('2026-11-24T09:30:00Z');
    await retries[0]?.work();
    expect(post).toHaveBeenCalledExactlyOnceWith('2026-11-23');
    expect(items.get('DIGEST#2026-11-23')).toMatchObject({ postedAt: { S: '2026-11-24T09:30:00.000Z' } });
    now = new Date('2026-11-25T08:00:00Z');
    await schedule.runMissed();
    schedule.stop();
    expect(post).toHaveBeenCalledTimes(1);
    expect(retries).toHaveLength(1);
  });

  it('reports when a live, unposted claim expires; nothing for a posted day', async () => {
    dynamo.reset();
    const lease = new DynamoDbDigestLease(new DynamoDBClient({ region: 'us-east-1' }), 's3x', () => NOW);
    dynamo
      .on(GetItemCommand)
      .resolvesOnce({ Item: { claimedAt: { S: '2026-11-24T09:45:00.000Z' } } })
      .resolvesOnce({ Item: { claimedAt: { S: '2026-11-24T09:45:00.000Z' }, postedAt: { S: '2026-11-24T09:50:00.000Z' } } });
    expect(await lease.claimExpiresAt('2026-11-23')).toEqual(new Date('2026-11-24T10:15:00.000Z'));
    expect(await lease.claimExpiresAt('2026-11-23')).toBeUndefined();
    expect(dynamo.commandCalls(GetItemCommand)[0]?.args[0].input).toEqual({
      TableName: 's3x',
      Key: { pk: { S: 'DIGEST#2026-11-23' }, sk: { S: 'LEASE' } },
      ConsistentRead: true,
    });
  });
});

describe('DynamoDbDigestLease under throttling', () => {
  it('retries a throttled claim (the client makes one attempt) and still wins the day', async () => {
    dynamo.reset();
    dynamo
      .on(PutItemCommand)
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }))
      .resolves({});
    const slept: number[] = [];
    const clock = { now: () => NOW.getTime(), sleep: async (ms: number) => void slept.push(ms), random: () => 0.5 };
    const lease = new DynamoDbDigestLease(new DynamoDBClient({ region: 'us-east-1' }), 's3x', () => NOW, undefined, clock);
    expect(await lease.claim('2026-11-23', 'replica-a')).toBe(true);
    expect(dynamo.commandCalls(PutItemCommand)).toHaveLength(2);
    expect(slept).toHaveLength(1);
  });
});
