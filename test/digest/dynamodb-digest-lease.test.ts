import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, vi } from 'vitest';
import { DynamoDbDigestLease } from '../../src/digest/dynamodb-digest-lease.js';
import { startDigestSchedule } from '../../src/digest/schedule.js';

const dynamo = mockClient(DynamoDBClient);
const NOW = new Date('2026-11-24T10:00:00Z');

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
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: { pk: { S: 'DIGEST#2026-11-23' }, sk: { S: 'LEASE' } },
    });
  });
});
