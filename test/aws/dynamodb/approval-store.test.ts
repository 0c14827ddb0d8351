import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  type GetItemCommandInput,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  type PutItemCommandInput,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApprovalRequest } from '../../../src/approvals/approval.js';
import { ApprovalService } from '../../../src/approvals/approval-service.js';
import { DynamoDbApprovalStore } from '../../../src/aws/dynamodb/approval-store.js';
import { EngineError } from '../../../src/errors.js';
import type { AccountPort, ChangeRequest, Plan } from '../../../src/remediation/types.js';
import type { Clock } from '../../../src/time/clock.js';

type Item = Record<string, AttributeValue>;

const TABLE = 's3x-approvals';
const ddb = mockClient(DynamoDBClient);

const CHANGE: ChangeRequest = { kind: 'enable-logging', target: { bucket: 'hot--use1-az4--x-s3' } };
const PLAN: Plan = {
  request: CHANGE,
  summary: 'Log S3 Express objects of hot--use1-az4--x-s3 on trail main',
  diff: '+ selector',
  calls: [{ api: 'cloudtrail:StartLogging', region: 'us-east-1', trailName: 'main' }],
  warnings: [],
};

const REQUEST: ApprovalRequest = {
  id: 'abc123',
  state: 'pending',
  version: 2,
  plan: PLAN,
  requesterId: 'U0REQUESTER',
  channelId: 'C0OPS',
  approvals: [],
  requiredApprovals: 1,
  createdAt: '2026-11-24T10:00:00.000Z',
  expiresAt: '2026-11-24T11:00:00.000Z',
};

function testClock(): Clock & { sleep: ReturnType<typeof vi.fn> } {
  return { now: () => 0, sleep: vi.fn(async () => {}), random: () => 0.5 };
}

function makeStore(clock: Clock = testClock()) {
  return new DynamoDbApprovalStore(new DynamoDBClient({ region: 'us-east-1' }), { table: TABLE, clock });
}

function failedCondition(item?: Item): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    ...(item ? { Item: item } : {}),
  });
}

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

function putInputs(): PutItemCommandInput[] {
  return ddb.commandCalls(PutItemCommand).map((call) => call.args[0].input);
}

const WRITE_ID = { S: expect.stringMatching(/^[0-9a-f]{24}$/) };

beforeEach(() => {
  ddb.reset();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('DynamoDbApprovalStore calls', () => {
  it('creates a request with attribute_not_exists(pk), the state key for gsi1 and the JSON body', async () => {
    ddb.on(PutItemCommand).resolves({});
    await makeStore().create(REQUEST);
    expect(putInputs()).toEqual([
      {
        TableName: TABLE,
        Item: {
          pk: { S: 'REQ#abc123' },
          sk: { S: 'REQ' },
          state: { S: 'pending' },
          version: { N: '2' },
          body: { S: JSON.stringify(REQUEST) },
          createdAt: { S: '2026-11-24T10:00:00.000Z' },
          gsi1pk: { S: 'STATE#pending' },
          writeId: WRITE_ID,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    ]);
  });

  it('refuses to create over an existing request', async () => {
    ddb.on(PutItemCommand).rejects(failedCondition({ writeId: { S: 'someone-else' } }));
    await expect(makeStore().create(REQUEST)).rejects.toMatchObject({ userMessage: expect.stringMatching(/already exists/) });
  });

  it('reads a request with a strongly consistent GetItem', async () => {
    ddb.on(GetItemCommand).resolves({ Item: { body: { S: JSON.stringify(REQUEST) } } });
    expect(await makeStore().get('abc123')).toEqual(REQUEST);
    expect(ddb.commandCalls(GetItemCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: TABLE, Key: { pk: { S: 'REQ#abc123' }, sk: { S: 'REQ' } }, ConsistentRead: true },
    ]);
  });

  it('returns undefined for a request that does not exist', async () => {
    ddb.on(GetItemCommand).resolves({});
    expect(await makeStore().get('nope')).toBeUndefined();
  });

  it('compare-and-sets with a condition on the expected version', async () => {
    ddb.on(PutItemCommand).resolves({});
    const next: ApprovalRequest = { ...REQUEST, state: 'applying', version: 3, approvals: ['U0APPROVER'] };
    expect(await makeStore().compareAndSet(next, 2)).toBe(true);
    expect(putInputs()).toEqual([
      {
        TableName: TABLE,
        Item: {
          pk: { S: 'REQ#abc123' },
          sk: { S: 'REQ' },
          state: { S: 'applying' },
          version: { N: '3' },
          body: { S: JSON.stringify(next) },
          createdAt: { S: '2026-11-24T10:00:00.000Z' },
          gsi1pk: { S: 'STATE#applying' },
          writeId: WRITE_ID,
        },
        ConditionExpression: '#v = :expected',
        ExpressionAttributeNames: { '#v': 'version' },
        ExpressionAttributeValues: { ':expected': { N: '2' } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    ]);
  });

  it('returns false when the condition fails (someone else moved the version on)', async () => {
    ddb.on(PutItemCommand).rejects(failedCondition({ version: { N: '3' }, writeId: { S: 'another-replica' } }));
    expect(await makeStore().compareAndSet({ ...REQUEST, version: 3 }, 2)).toBe(false);
  });

  it('returns false when the request does not exist at all', async () => {
    ddb.on(PutItemCommand).rejects(failedCondition());
    expect(await makeStore().compareAndSet({ ...REQUEST, version: 3 }, 2)).toBe(false);
  });

  it('returns true when the failed condition met its own earlier write (an SDK retry after a timeout)', async () => {
    ddb.on(PutItemCommand).callsFake((input: PutItemCommandInput) => {
      throw failedCondition(input.Item);
    });
    expect(await makeStore().compareAndSet({ ...REQUEST, version: 3 }, 2)).toBe(true);
  });

  it('retries throttling with jitter, then succeeds', async () => {
    const clock = testClock();
    ddb
      .on(PutItemCommand)
      .rejectsOnce(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }))
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .resolves({});
    expect(await makeStore(clock).compareAndSet({ ...REQUEST, version: 3 }, 2)).toBe(true);
    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(3);
    expect(clock.sleep).toHaveBeenCalledTimes(2);
  });

  it('gives up after repeated throttling with a user-safe message', async () => {
    ddb.on(GetItemCommand).rejects(awsError('RequestLimitExceeded', 'Throughput exceeds the account limit'));
    await expect(makeStore().get('abc123')).rejects.toMatchObject({ userMessage: expect.stringMatching(/kept throttling/) });
    expect(ddb.commandCalls(GetItemCommand)).toHaveLength(5);
  });

  it('names the missing permission on access denied, without AWS’s message', async () => {
    const denied = awsError(
      'AccessDeniedException',
      'User: arn:aws:sts::111122223333:assumed-role/s3x/abc is not authorized to perform: dynamodb:PutItem',
    );
    ddb.on(PutItemCommand).rejects(denied);
    ddb.on(GetItemCommand).rejects(denied);
    ddb.on(QueryCommand).rejects(denied);
    const store = makeStore();
    const error = await store.compareAndSet({ ...REQUEST, version: 3 }, 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).userMessage).toContain('`dynamodb:PutItem`');
    expect((error as EngineError).userMessage).not.toContain('111122223333');
    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(1);
    await expect(store.get('abc123')).rejects.toMatchObject({ userMessage: expect.stringContaining('`dynamodb:GetItem`') });
    await expect(store.listByState('pending', 5)).rejects.toMatchObject({
      userMessage: expect.stringContaining('`dynamodb:Query`'),
    });
  });

  it('lists by state on gsi1, newest first, following pages up to the limit', async () => {
    const second = { ...REQUEST, id: 'def456' };
    const third = { ...REQUEST, id: 'ghi789' };
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ body: { S: JSON.stringify(REQUEST) } }], LastEvaluatedKey: { pk: { S: 'REQ#abc123' } } })
      .resolvesOnce({ Items: [{ body: { S: JSON.stringify(second) } }, { body: { S: JSON.stringify(third) } }] });
    expect(await makeStore().listByState('pending', 3)).toEqual([REQUEST, second, third]);
    const base = {
      TableName: TABLE,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: 'STATE#pending' } },
      ScanIndexForward: false,
    };
    expect(ddb.commandCalls(QueryCommand).map((call) => call.args[0].input)).toEqual([
      { ...base, Limit: 3 },
      { ...base, Limit: 2, ExclusiveStartKey: { pk: { S: 'REQ#abc123' } } },
    ]);
  });

  it('appends audit entries append-only under pk AUDIT, sorted by time', async () => {
    ddb.on(PutItemCommand).resolves({});
    const entry = {
      at: '2026-11-24T10:00:01.000Z',
      requestId: 'abc123',
      actor: 'U0APPROVER',
      action: 'approved',
      detail: '1 of 1',
    };
    await makeStore().appendAudit(entry);
    expect(putInputs()).toEqual([
      {
        TableName: TABLE,
        Item: {
          pk: { S: 'AUDIT' },
          sk: { S: expect.stringMatching(/^2026-11-24T10:00:01\.000Z#[0-9a-f]{16}$/) },
          at: { S: entry.at },
          requestId: { S: 'abc123' },
          actor: { S: 'U0APPROVER' },
          action: { S: 'approved' },
          detail: { S: '1 of 1' },
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    ]);
  });

  it('reads the most recent audit entries, newest first', async () => {
    ddb.on(QueryCommand).resolves({
      Items: [
        {
          pk: { S: 'AUDIT' },
          sk: { S: '2026-11-24T10:00:01.000Z#00' },
          at: { S: '2026-11-24T10:00:01.000Z' },
          requestId: { S: 'abc123' },
          actor: { S: 'U0APPROVER' },
          action: { S: 'approved' },
          detail: { S: '1 of 1' },
        },
      ],
    });
    expect(await makeStore().recentAudit(10)).toEqual([
      { at: '2026-11-24T10:00:01.000Z', requestId: 'abc123', actor: 'U0APPROVER', action: 'approved', detail: '1 of 1' },
    ]);
    expect(ddb.commandCalls(QueryCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'AUDIT' } },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: 10,
      },
    ]);
  });
});

/**
 * A tiny DynamoDB table in memory: it evaluates exactly the condition and key expressions the
 * store sends (and fails loudly on any other), with each call resolving on a later tick so
 * concurrent callers interleave between their read and their conditional write.
 */
function fakeTable() {
  const items = new Map<string, Item>();
  const keyOf = (key: Item | undefined) => `${key?.pk?.S}|${key?.sk?.S}`;
  const later = () => new Promise<void>((resolve) => setImmediate(resolve));

  ddb.on(PutItemCommand).callsFake(async (input: PutItemCommandInput) => {
    await later();
    const item = input.Item ?? {};
    const existing = items.get(keyOf(item));
    let ok: boolean;
    if (input.ConditionExpression === 'attribute_not_exists(pk)') ok = existing === undefined;
    else if (input.ConditionExpression === '#v = :expected') {
      const attribute = input.ExpressionAttributeNames?.['#v'] ?? '';
      ok = existing?.[attribute]?.N !== undefined && existing[attribute]?.N === input.ExpressionAttributeValues?.[':expected']?.N;
    } else throw new Error(`fake table: unsupported condition ${input.ConditionExpression}`);
    if (!ok) throw failedCondition(input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? existing : undefined);
    items.set(keyOf(item), structuredClone(item));
    return {};
  });

  ddb.on(GetItemCommand).callsFake(async (input: GetItemCommandInput) => {
    await later();
    const item = items.get(keyOf(input.Key));
    return item ? { Item: structuredClone(item) } : {};
  });

  ddb.on(QueryCommand).callsFake(async (input: QueryCommandInput) => {
    await later();
    const value = input.ExpressionAttributeValues?.[':pk']?.S;
    const [attribute, sortKey] =
      input.IndexName === 'gsi1' && input.KeyConditionExpression === 'gsi1pk = :pk'
        ? ['gsi1pk', 'createdAt']
        : input.IndexName === undefined && input.KeyConditionExpression === 'pk = :pk'
          ? ['pk', 'sk']
          : [];
    if (attribute === undefined || sortKey === undefined)
      throw new Error(`fake table: unsupported query ${JSON.stringify(input)}`);
    const matching = [...items.values()]
      .filter((item) => item[attribute]?.S === value)
      .sort((a, b) => (a[sortKey]?.S ?? '').localeCompare(b[sortKey]?.S ?? ''));
    if (input.ScanIndexForward === false) matching.reverse();
    return { Items: matching.slice(0, input.Limit).map((item) => structuredClone(item)) };
  });

  return items;
}

function replica() {
  const apply = vi.fn(async () => ({
    steps: [{ api: 'cloudtrail:StartLogging' as const, ok: true, detail: 'StartLogging main' }],
  }));
  const account: AccountPort = { readState: vi.fn(), getBucketPolicy: vi.fn(), apply };
  const store = makeStore();
  const service = new ApprovalService({
    store,
    account,
    groups: { membersOf: async () => [] },
    policy: { approvers: ['U0APPROVER', 'U0SECOND'], requiredApprovals: 1, ttlMs: 3600_000 },
    plan: async () => PLAN,
    now: () => new Date('2026-11-24T10:00:00Z'),
  });
  return { service, store, apply };
}

describe('ApprovalService on DynamoDbApprovalStore (in-memory fake table)', () => {
  it('applies once when two approvals race on two replicas', async () => {
    fakeTable();
    const one = replica();
    const two = replica();
    const draft = await one.service.draft(CHANGE, 'U0REQUESTER', 'C0OPS');
    expect(await two.service.submit(draft.id, 'U0REQUESTER')).toMatchObject({ ok: true });
    expect((await one.service.pending()).map((r) => r.id)).toEqual([draft.id]);

    const results = await Promise.all([one.service.approve(draft.id, 'U0APPROVER'), two.service.approve(draft.id, 'U0SECOND')]);

    expect(one.apply.mock.calls.length + two.apply.mock.calls.length).toBe(1);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({
      reason: expect.stringMatching(/Someone else acted on this request first/),
    });
    const stored = await one.store.get(draft.id);
    expect(stored).toMatchObject({ state: 'applied', version: 4 });
    expect(stored?.approvals).toHaveLength(1);
    expect(await two.service.pending()).toEqual([]);
    const actions = (await one.store.recentAudit(10)).map((entry) => entry.action);
    expect(actions.filter((a) => a === 'approved')).toHaveLength(1);
    expect(actions.filter((a) => a === 'applied')).toHaveLength(1);
  });

  it('applies once when the same approver double-clicks on two replicas (identical writes)', async () => {
    fakeTable();
    const one = replica();
    const two = replica();
    const draft = await one.service.draft(CHANGE, 'U0REQUESTER', 'C0OPS');
    await one.service.submit(draft.id, 'U0REQUESTER');
    await Promise.all([one.service.approve(draft.id, 'U0APPROVER'), two.service.approve(draft.id, 'U0APPROVER')]);
    expect(one.apply.mock.calls.length + two.apply.mock.calls.length).toBe(1);
  });

  it('takes over a request whose applying replica left no live lease once across replicas, and marks it failed when the account lacks the change', async () => {
    fakeTable();
    const one = replica();
    const two = replica();
    const draft = await one.service.draft(CHANGE, 'U0REQUESTER', 'C0OPS');
    await one.service.submit(draft.id, 'U0REQUESTER');
    const current = await one.store.get(draft.id);
    if (!current) throw new Error('request missing');
    expect(await one.store.compareAndSet({ ...current, state: 'applying', version: current.version + 1 }, current.version)).toBe(
      true,
    );
    const recovered = await Promise.all([one.service.recoverExpired(), two.service.recoverExpired()]);
    expect(recovered[0].length + recovered[1].length).toBe(1);
    expect(await one.store.get(draft.id)).toMatchObject({ state: 'failed' });
  });
});
