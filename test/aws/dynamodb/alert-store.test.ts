import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type PutItemCommandInput,
  QueryCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbAlertStore } from '../../../src/aws/dynamodb/alert-store.js';

const TABLE = 's3x-approvals';
const ddb = mockClient(DynamoDBClient);
const store = () => new DynamoDbAlertStore(new DynamoDBClient({ region: 'us-east-1' }), TABLE);
const SUMMARY = {
  key: 'ev-1#mass-delete',
  ruleId: 'mass-delete',
  ruleTitle: 'Mass delete',
  channel: 'C0ALERTS',
  subject: 'arn:aws:sts::111122223333:assumed-role/Contractor/x',
  eventId: 'ev-1',
  eventName: 'DeleteObjects',
  eventTime: '2026-12-01T10:00:00Z',
  record: '{}',
};

function conditionFailed(item?: Record<string, unknown>): ConditionalCheckFailedException {
  return Object.assign(
    new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
    item ? { Item: item } : {},
  );
}

afterEach(() => ddb.reset());

describe('DynamoDB alert store (exact requests)', () => {
  it('claims with one conditional put: new, or an unposted claim that is ours or older than the lease', async () => {
    ddb.on(PutItemCommand).resolves({});
    expect(await store().claim(SUMMARY, 'replica-a', 10_000, 2_000)).toBe('claimed');
    const [claim, log] = ddb.commandCalls(PutItemCommand).map((call) => call.args[0].input as PutItemCommandInput);
    expect(claim).toMatchObject({
      TableName: TABLE,
      Item: {
        pk: { S: 'ALERT#ev-1#mass-delete' },
        sk: { S: 'ALERT' },
        state: { S: 'claimed' },
        owner: { S: 'replica-a' },
        claimedAt: { N: '10000' },
      },
      ConditionExpression: 'attribute_not_exists(pk) OR (#state = :claimed AND (#owner = :me OR claimedAt <= :stale))',
      ExpressionAttributeValues: { ':claimed': { S: 'claimed' }, ':me': { S: 'replica-a' }, ':stale': { N: '8000' } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(log?.Item?.pk).toEqual({ S: 'ALERTLOG' });
  });

  it('a failed condition is "posted" when the stored alert says so, "busy" otherwise; other errors are thrown', async () => {
    ddb
      .on(PutItemCommand)
      .rejectsOnce(conditionFailed({ state: { S: 'posted' } }))
      .rejectsOnce(conditionFailed({ state: { S: 'claimed' }, owner: { S: 'replica-a' } }))
      .rejectsOnce(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    expect(await store().claim(SUMMARY, 'replica-b', 10_000, 2_000)).toBe('posted');
    expect(await store().claim(SUMMARY, 'replica-b', 10_000, 2_000)).toBe('busy');
    await expect(store().claim(SUMMARY, 'replica-b', 10_000, 2_000)).rejects.toThrow('denied');
  });

  it('renews only its own unposted claims and marks posted with the message ts', async () => {
    ddb.on(UpdateItemCommand).rejectsOnce(conditionFailed()).resolves({});
    await store().renew(['a#r', 'b#r'], 'replica-a', 5_000);
    await store().markPosted('a#r', '1700000000.000100', 6_000);
    const inputs = ddb.commandCalls(UpdateItemCommand).map((call) => call.args[0].input as UpdateItemCommandInput);
    expect(inputs[0]).toMatchObject({
      ConditionExpression: '#state = :claimed AND #owner = :me',
      UpdateExpression: 'SET claimedAt = :now',
    });
    expect(inputs[2]).toMatchObject({
      Key: { pk: { S: 'ALERT#a#r' }, sk: { S: 'ALERT' } },
      ExpressionAttributeValues: { ':posted': { S: 'posted' }, ':ts': { S: '1700000000.000100' }, ':now': { N: '6000' } },
    });
  });

  it('threads: a conditional start (one replica wins), an atomic running count, open for 15 minutes', async () => {
    ddb.on(PutItemCommand).resolvesOnce({}).rejectsOnce(conditionFailed());
    const thread = { channel: 'C0ALERTS', ruleId: 'r', subject: SUMMARY.subject, ts: '1.1', startedAt: 1_000_000, count: 1 };
    expect(await store().startThread(thread)).toBe(true);
    expect(await store().startThread(thread)).toBe(false);
    const [start] = ddb.commandCalls(PutItemCommand).map((call) => call.args[0].input as PutItemCommandInput);
    expect(start?.ConditionExpression).toBe('attribute_not_exists(pk) OR startedAt <= :expired');
    ddb.on(UpdateItemCommand).resolves({ Attributes: { count: { N: '4' } } });
    expect(await store().addToThread('C0ALERTS', 'r', SUMMARY.subject, 3)).toBe(4);
    ddb.on(GetItemCommand).resolves({ Item: { ts: { S: '1.1' }, startedAt: { N: '1000000' }, count: { N: '4' } } });
    expect(await store().openThread('C0ALERTS', 'r', SUMMARY.subject, 1_000_000 + 14 * 60_000)).toMatchObject({
      ts: '1.1',
      count: 4,
    });
    expect(await store().openThread('C0ALERTS', 'r', SUMMARY.subject, 1_000_000 + 15 * 60_000)).toBeUndefined();
  });

  it('mutes: written per rule, listed while active', async () => {
    ddb.on(PutItemCommand).resolves({});
    ddb.on(QueryCommand).resolves({
      Items: [
        { pk: { S: 'ALERTMUTES' }, sk: { S: 'old' }, until: { N: '100' }, by: { S: 'U1' } },
        { pk: { S: 'ALERTMUTES' }, sk: { S: 'mass-delete' }, until: { N: '9000' }, by: { S: 'U2' } },
      ],
    });
    await store().mute({ ruleId: 'mass-delete', until: 9000, by: 'U2' });
    expect(await store().activeMutes(5000)).toEqual([{ ruleId: 'mass-delete', until: 9000, by: 'U2' }]);
  });
});

describe('DynamoDbAlertStore under throttling', () => {
  it('retries a throttled claim (the client makes one attempt) instead of dropping the alert', async () => {
    ddb.reset();
    ddb
      .on(PutItemCommand)
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }))
      .resolves({});
    const slept: number[] = [];
    const clock = { now: () => 10_000, sleep: async (ms: number) => void slept.push(ms), random: () => 0.5 };
    const throttled = new DynamoDbAlertStore(new DynamoDBClient({ region: 'us-east-1' }), TABLE, clock);
    expect(await throttled.claim(SUMMARY, 'replica-a', 10_000, 2_000)).toBe('claimed');
    const claims = ddb
      .commandCalls(PutItemCommand)
      .filter((call) => (call.args[0].input as PutItemCommandInput).Item?.pk?.S === `ALERT#${SUMMARY.key}`);
    expect(claims).toHaveLength(2);
    expect(slept).toHaveLength(1);
  });
});
