import { createHash } from 'node:crypto';
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type AlertMute,
  type AlertStore,
  type AlertSummary,
  type AlertThread,
  type ClaimResult,
  type StoredAlert,
  storedAlert,
  THREAD_WINDOW_MS,
} from '../../alerts/alert-store.js';
import { type Clock, systemClock } from '../../time/clock.js';
import { isConditionFailed, retryThrottled } from './table.js';

type Item = Record<string, AttributeValue>;

const ALERT_LOG = 'ALERTLOG';
const MUTES = 'ALERTMUTES';

/**
 * Alerts in the approvals table (S3X_STORE=dynamodb), so several replicas on one queue alert once.
 * Single-table items beside the approval requests (docs/iam/REMEDIATION.md has the table):
 *
 *   alert   pk = ALERT#<eventID>#<rule>   sk = ALERT     body, state, owner, claimedAt (N), postedAt (N), ts
 *   log     pk = ALERTLOG                 sk = <ISO claimed>#<key>   (the last alerts, newest first)
 *   thread  pk = ALERTTHREAD#<sha256 of channel, rule, subject>  sk = THREAD   ts, startedAt (N), count (N)
 *   mute    pk = ALERTMUTES               sk = <rule>  until (N), by
 *
 * Claims and thread starts are conditional puts: exactly one replica wins each.
 */
export class DynamoDbAlertStore implements AlertStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async claim(alert: AlertSummary & { key: string }, owner: string, now: number, leaseMs: number): Promise<ClaimResult> {
    try {
      await retryThrottled(this.clock, () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: {
              ...alertKey(alert.key),
              body: { S: JSON.stringify(alert) },
              state: { S: 'claimed' },
              owner: { S: owner },
              claimedAt: { N: String(now) },
            },
            // New, or an unposted claim that is ours or has lapsed (its owner died before posting).
            ConditionExpression: 'attribute_not_exists(pk) OR (#state = :claimed AND (#owner = :me OR claimedAt <= :stale))',
            ExpressionAttributeNames: { '#state': 'state', '#owner': 'owner' },
            ExpressionAttributeValues: {
              ':claimed': { S: 'claimed' },
              ':me': { S: owner },
              ':stale': { N: String(now - leaseMs) },
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      return (error as { Item?: Item }).Item?.state?.S === 'posted' ? 'posted' : 'busy';
    }
    await retryThrottled(this.clock, () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: { pk: { S: ALERT_LOG }, sk: { S: `${new Date(now).toISOString()}#${alert.key}` }, key: { S: alert.key } },
        }),
      ),
    );
    return 'claimed';
  }

  async renew(keys: readonly string[], owner: string, now: number): Promise<void> {
    for (const key of keys) {
      try {
        await retryThrottled(this.clock, () =>
          this.client.send(
            new UpdateItemCommand({
              TableName: this.table,
              Key: alertKey(key),
              UpdateExpression: 'SET claimedAt = :now',
              ConditionExpression: '#state = :claimed AND #owner = :me',
              ExpressionAttributeNames: { '#state': 'state', '#owner': 'owner' },
              ExpressionAttributeValues: { ':now': { N: String(now) }, ':claimed': { S: 'claimed' }, ':me': { S: owner } },
            }),
          ),
        );
      } catch (error) {
        // Posted meanwhile, or taken over: nothing left to renew.
        if (!isConditionFailed(error)) throw error;
      }
    }
  }

  async markPosted(key: string, ts: string, now: number): Promise<void> {
    await retryThrottled(this.clock, () =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: alertKey(key),
          UpdateExpression: 'SET #state = :posted, ts = :ts, postedAt = :now',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':posted': { S: 'posted' }, ':ts': { S: ts }, ':now': { N: String(now) } },
        }),
      ),
    );
  }

  async get(key: string): Promise<StoredAlert | undefined> {
    const output = await retryThrottled(this.clock, () =>
      this.client.send(new GetItemCommand({ TableName: this.table, Key: alertKey(key), ConsistentRead: true })),
    );
    return output.Item ? toStored(key, output.Item) : undefined;
  }

  async recent(limit: number): Promise<StoredAlert[]> {
    const log = await this.partition(ALERT_LOG, { ScanIndexForward: false, Limit: limit });
    const alerts = await Promise.all(log.map((item) => this.get(item.key?.S ?? '')));
    return alerts.filter((alert): alert is StoredAlert => alert !== undefined);
  }

  async openThread(channel: string, ruleId: string, subject: string, now: number): Promise<AlertThread | undefined> {
    const output = await retryThrottled(this.clock, () =>
      this.client.send(
        new GetItemCommand({ TableName: this.table, Key: threadKey(channel, ruleId, subject), ConsistentRead: true }),
      ),
    );
    const item = output.Item;
    const startedAt = Number(item?.startedAt?.N);
    if (!item || !(startedAt > now - THREAD_WINDOW_MS)) return undefined;
    return { channel, ruleId, subject, ts: item.ts?.S ?? '', startedAt, count: Number(item.count?.N ?? 1) };
  }

  async startThread(thread: AlertThread): Promise<boolean> {
    try {
      await retryThrottled(this.clock, () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: {
              ...threadKey(thread.channel, thread.ruleId, thread.subject),
              ts: { S: thread.ts },
              startedAt: { N: String(thread.startedAt) },
              count: { N: String(thread.count) },
            },
            ConditionExpression: 'attribute_not_exists(pk) OR startedAt <= :expired',
            ExpressionAttributeValues: { ':expired': { N: String(thread.startedAt - THREAD_WINDOW_MS) } },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  async addToThread(channel: string, ruleId: string, subject: string, added: number): Promise<number> {
    const output = await retryThrottled(this.clock, () =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: threadKey(channel, ruleId, subject),
          UpdateExpression: 'ADD #count :added',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':added': { N: String(added) } },
          ReturnValues: 'UPDATED_NEW',
        }),
      ),
    );
    return Number(output.Attributes?.count?.N ?? added);
  }

  async mute(mute: AlertMute): Promise<void> {
    await retryThrottled(this.clock, () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: { pk: { S: MUTES }, sk: { S: mute.ruleId }, until: { N: String(mute.until) }, by: { S: mute.by } },
        }),
      ),
    );
  }

  async activeMutes(now: number): Promise<AlertMute[]> {
    const mutes = await this.partition(MUTES, { ConsistentRead: true });
    return mutes
      .map((item) => ({ ruleId: item.sk?.S ?? '', until: Number(item.until?.N), by: item.by?.S ?? '' }))
      .filter((mute) => mute.until > now);
  }

  /** The items of one partition, one query page. */
  private async partition(pk: string, options: Pick<QueryCommandInput, 'ScanIndexForward' | 'Limit' | 'ConsistentRead'>) {
    const output = await retryThrottled(this.clock, () =>
      this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: pk } },
          ...options,
        }),
      ),
    );
    return output.Items ?? [];
  }
}

function alertKey(key: string): Item {
  return { pk: { S: `ALERT#${key}` }, sk: { S: 'ALERT' } };
}

function threadKey(channel: string, ruleId: string, subject: string): Item {
  const digest = createHash('sha256').update(`${channel}\u0000${ruleId}\u0000${subject}`).digest('hex');
  return { pk: { S: `ALERTTHREAD#${digest}` }, sk: { S: 'THREAD' } };
}

function toStored(key: string, item: Item): StoredAlert {
  const postedAt = item.postedAt?.N;
  return storedAlert(item.body?.S ?? '{}', {
    key,
    state: item.state?.S === 'posted' ? 'posted' : 'claimed',
    owner: item.owner?.S ?? '',
    claimedAt: Number(item.claimedAt?.N ?? 0),
    postedAt: postedAt === undefined ? undefined : Number(postedAt),
    ts: item.ts?.S,
  });
}
