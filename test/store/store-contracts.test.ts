import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/answers/answer-request.js';
import { ANSWER_TTL_MS, type AnswerStorage, AnswerStore, answerIdExpired } from '../../src/answers/answer-store.js';
import type { ObjectEvent } from '../../src/answers/object/question.js';
import type { ApprovalRequest, ApprovalStore } from '../../src/approvals/approval.js';
import { SqliteApprovalStore } from '../../src/approvals/sqlite-approval-store.js';
import { DynamoDbAnswerStore } from '../../src/aws/dynamodb/answer-store.js';
import { DynamoDbApprovalStore } from '../../src/aws/dynamodb/approval-store.js';
import { DynamoDbDigestLease } from '../../src/aws/dynamodb/digest-lease.js';
import { type DigestLease, postOnce, SqliteDigestLease } from '../../src/digest/digest-lease.js';
import { StoreError } from '../../src/errors.js';
import { openDatabase } from '../../src/store/database.js';
import { systemClock } from '../../src/time/clock.js';
import { Dynalite } from '../helpers/dynalite.js';

/**
 * One contract, two implementations: every store s3x can be configured with (S3X_STORE=sqlite,
 * S3X_STORE=dynamodb) behaves the same. DynamoDB is dynalite on loopback, not a mock: its
 * conditions, item size limit and query pages are real.
 */

const REAL = '/work/shared/datasets/cloudtrail-real/invictus-ir_aws_dataset/CloudTrail';

/** The fields of a CloudTrail record (as delivered) that an answer row keeps. */
interface RawRecord {
  eventID: string;
  eventTime: string;
  eventName: string;
  eventSource: string;
  awsRegion?: string;
  sourceIPAddress?: string;
  userAgent?: string;
  errorCode?: string;
  errorMessage?: string;
  vpcEndpointId?: string;
  requestParameters?: { bucketName?: string; key?: string } | null;
  userIdentity?: {
    arn?: string;
    type?: string;
    principalId?: string;
    invokedBy?: string;
    sessionContext?: { sessionIssuer?: { arn?: string }; attributes?: { mfaAuthenticated?: string } };
  };
}

let dynalite: Dynalite;
const clients: DynamoDBClient[] = [];
let realEvents: ObjectEvent[] = [];

beforeAll(async () => {
  dynalite = await new Dynalite().start();
  // Real CloudTrail records (Invictus IR, S3 calls) as the rows of a stored answer.
  for (const file of (await readdir(REAL)).filter((name) => name.endsWith('.json')).sort()) {
    const { Records } = JSON.parse(await readFile(path.join(REAL, file), 'utf8')) as { Records: RawRecord[] };
    for (const r of Records) {
      if (r.eventSource !== 's3.amazonaws.com') continue;
      realEvents.push({
        eventId: r.eventID,
        eventTime: r.eventTime,
        eventName: r.eventName,
        eventSource: r.eventSource,
        region: r.awsRegion ?? null,
        principalArn: r.userIdentity?.arn ?? null,
        principalType: r.userIdentity?.type ?? null,
        principalId: r.userIdentity?.principalId ?? null,
        mfaAuthenticated:
          { true: true, false: false }[r.userIdentity?.sessionContext?.attributes?.mfaAuthenticated ?? ''] ?? null,
        invokedBy: r.userIdentity?.invokedBy ?? null,
        bucket: r.requestParameters?.bucketName ?? null,
        key: r.requestParameters?.key ?? null,
        sourceIp: r.sourceIPAddress ?? null,
        userAgent: r.userAgent ?? null,
        errorCode: r.errorCode ?? null,
        sessionMode: null,
        sessionIssuerArn: r.userIdentity?.sessionContext?.sessionIssuer?.arn ?? null,
        vpcEndpointId: r.vpcEndpointId ?? null,
        evidence: 'exact',
        lifecycle: false,
        accessPoint: null,
        keyRole: 'target',
        destination: null,
        errorMessage: r.errorMessage ?? null,
        addendumReason: null,
      });
    }
  }
  realEvents = realEvents.slice(0, 400);
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await dynalite.stop();
});

function dynamoClient(): DynamoDBClient {
  const client = dynalite.client();
  clients.push(client);
  return client;
}

function reply(events: ObjectEvent[]): Reply {
  return {
    kind: 'object-answer',
    answer: {
      question: 'history',
      key: 'stratus-red-team-exfil/object',
      sources: ['local'],
      window: { since: new Date('2023-07-10T11:00:00Z'), until: new Date('2023-07-10T13:00:00Z') },
      events,
      totalMatches: events.length,
      exactMatches: events.length,
      successfulMatches: events.length,
      unlistedCandidates: 0,
      stats: { engine: 'local', unreadableFiles: [], bytesScanned: 0, elapsedMs: 12, warnings: [] },
    },
  };
}

type Clocked<T> = { store: T; setNow: (date: Date) => void };

const kinds: Array<{
  name: string;
  approvals: () => Promise<ApprovalStore>;
  lease: (now: () => Date) => Promise<DigestLease>;
  answers: (now: () => Date, partBytes?: number) => Promise<AnswerStorage>;
}> = [
  {
    name: 'SQLite',
    approvals: async () => new SqliteApprovalStore(openDatabase(':memory:')),
    lease: async (now) => new SqliteDigestLease(openDatabase(':memory:'), now),
    answers: async (now) => new AnswerStore(openDatabase(':memory:'), now),
  },
  {
    name: 'DynamoDB (dynalite)',
    approvals: async () => new DynamoDbApprovalStore(dynamoClient(), { table: await dynalite.createTable(), clock: systemClock }),
    lease: async (now) => new DynamoDbDigestLease(dynamoClient(), await dynalite.createTable(), now),
    answers: async (now, partBytes) =>
      new DynamoDbAnswerStore(dynamoClient(), await dynalite.createTable(), systemClock, now, partBytes),
  },
];

function clocked<T>(make: (now: () => Date) => Promise<T>, start: Date): Promise<Clocked<T>> {
  let now = start;
  return make(() => now).then((store) => ({ store, setNow: (date) => (now = date) }));
}

const REQUEST: ApprovalRequest = {
  id: 'req0001',
  state: 'pending',
  version: 2,
  plan: {
    request: { kind: 'enable-logging', target: { bucket: 'hot--use1-az4--x-s3' } },
    summary: 'Log hot--use1-az4--x-s3',
    diff: '+ selector',
    calls: [{ api: 'cloudtrail:StartLogging', region: 'us-east-1', trailName: 'main' }],
    warnings: [],
  },
  requesterId: 'U0REQUESTER',
  channelId: 'C0OPS',
  approvals: [],
  requiredApprovals: 1,
  createdAt: '2026-11-24T10:00:00.000Z',
  expiresAt: '2026-11-24T11:00:00.000Z',
};

describe.each(kinds)('store contract: $name', (kind) => {
  describe('approval store', () => {
    it('of two writes on one version exactly one wins; the loser is told, and the lease rides along', async () => {
      const store = await kind.approvals();
      await store.create(REQUEST);
      const lease = { owner: 'replica-a', expiresAt: '2026-11-24T10:01:00.000Z' };
      const results = await Promise.all(
        ['U0A', 'U0B', 'U0C'].map((user) =>
          store.compareAndSet({ ...REQUEST, state: 'applying', approvals: [user], version: 3, lease }, 2),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const stored = await store.get(REQUEST.id);
      expect(stored).toMatchObject({ state: 'applying', version: 3, lease });
      expect(stored?.approvals).toHaveLength(1);
      expect(await store.compareAndSet({ ...REQUEST, version: 3 }, 2)).toBe(false);
      expect((await store.listByState('applying', 10)).map((r) => r.id)).toEqual([REQUEST.id]);
      expect(await store.listByState('pending', 10)).toEqual([]);
    });

    it('refuses a second create with the same id, and knows nothing of an unknown one', async () => {
      const store = await kind.approvals();
      await store.create(REQUEST);
      await expect(store.create({ ...REQUEST, state: 'draft' })).rejects.toThrow();
      expect((await store.get(REQUEST.id))?.state).toBe('pending');
      expect(await store.get("req0001' OR '1'='1")).toBeUndefined();
    });

    it('keeps the audit log append-only and newest first', async () => {
      const store = await kind.approvals();
      for (const [i, action] of ['planned', 'requested', 'approved', 'applied'].entries())
        await store.appendAudit({
          at: `2026-11-24T10:00:0${i}.000Z`,
          requestId: REQUEST.id,
          actor: 'U0A',
          action,
          detail: `step ${i}`,
        });
      expect((await store.recentAudit(3)).map((e) => e.action)).toEqual(['applied', 'approved', 'requested']);
    });
  });

  describe('digest lease', () => {
    it('one claim a day; released by its owner only; posted days are never claimed again; a dead claim is taken over after its TTL', async () => {
      const { store: lease, setNow } = await clocked(kind.lease, new Date('2026-11-25T09:00:00Z'));
      const claims = await Promise.all(['a', 'b', 'c'].map((owner) => lease.claim('2026-11-24', owner)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      const owner = ['a', 'b', 'c'][claims.indexOf(true)] as string;
      await lease.release('2026-11-24', 'not-the-owner');
      expect(await lease.claim('2026-11-24', 'z')).toBe(false);
      expect(await lease.claimExpiresAt('2026-11-24')).toEqual(new Date('2026-11-25T09:30:00Z'));
      await lease.release('2026-11-24', owner);
      expect(await lease.claim('2026-11-24', 'z')).toBe(true);
      setNow(new Date('2026-11-25T09:31:00Z'));
      expect(await lease.claim('2026-11-24', 'y')).toBe(true);
      await lease.markPosted('2026-11-24');
      setNow(new Date('2026-11-26T09:00:00Z'));
      expect(await lease.claim('2026-11-24', 'x')).toBe(false);
      expect(await lease.claimExpiresAt('2026-11-24')).toBeUndefined();
    });

    it('postOnce: two runs for one day post once; a failed post gives the day back', async () => {
      const { store: lease } = await clocked(kind.lease, new Date('2026-11-25T09:00:00Z'));
      await expect(postOnce(lease, '2026-11-24', 'one', async () => Promise.reject(new Error('slack down')))).rejects.toThrow(
        'slack down',
      );
      let posts = 0;
      const post = async () => {
        posts++;
      };
      const results = await Promise.all([
        postOnce(lease, '2026-11-24', 'two', post),
        postOnce(lease, '2026-11-24', 'three', post),
      ]);
      expect(results.sort()).toEqual(['posted', 'taken']);
      expect(posts).toBe(1);
    });
  });

  describe('answer store', () => {
    it('gives back a stored answer built from real CloudTrail records, dates revived, owner kept', async () => {
      const { store } = await clocked(kind.answers, new Date('2026-11-25T09:00:00Z'));
      const saved = reply(realEvents);
      const id = await store.save({ teamId: 'T0TEAM', userId: 'U0ASKER', channelId: 'C0OPS' }, saved);
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      const loaded = await store.get(id);
      expect(loaded).toMatchObject({ id, teamId: 'T0TEAM', userId: 'U0ASKER', channelId: 'C0OPS', command: 'object-answer' });
      expect(loaded?.reply).toEqual(saved);
      expect(loaded?.sharedIn).toEqual([]);
      expect(realEvents.length).toBeGreaterThan(100);
      await store.markShared(id, 'C0OPS');
      await store.markShared(id, 'C0OPS');
      await store.markShared(id, 'C0INCIDENT');
      expect((await store.get(id))?.sharedIn.sort()).toEqual(['C0INCIDENT', 'C0OPS']);
    });

    it('an unknown or hostile id is not found (not "expired"); only an answer past 24 hours is expired', async () => {
      const { store, setNow } = await clocked(kind.answers, new Date('2026-11-25T09:00:00Z'));
      const id = await store.save({ userId: 'U0ASKER' }, reply(realEvents.slice(0, 3)));
      const now = new Date('2026-11-25T09:00:05Z');
      setNow(now);
      const unknown = `${id.slice(0, 8)}${'0'.repeat(24)}`;
      for (const hostile of [unknown, '../../etc/passwd', `${id}'--`, id.toUpperCase(), 'x'.repeat(5000), '']) {
        expect(await store.get(hostile)).toBeUndefined();
        expect(answerIdExpired(hostile, now)).toBe(false);
      }
      const later = new Date(new Date('2026-11-25T09:00:00Z').getTime() + ANSWER_TTL_MS + 1000);
      setNow(later);
      expect(await store.get(id)).toBeUndefined();
      expect(answerIdExpired(id, later)).toBe(true);
    });
  });
});

describe('DynamoDB answer store: answers larger than an item', () => {
  it('splits a large answer into parts under the 400 KB item limit (dynalite enforces it) and joins them back', async () => {
    const table = await dynalite.createTable();
    const client = dynamoClient();
    const store = new DynamoDbAnswerStore(client, table, systemClock, () => new Date());
    // Incompressible user agents: about 1 MB gzipped, so at least three parts of 350 KB.
    const big = realEvents.map((event) => ({ ...event, userAgent: randomBytes(1500).toString('base64') }));
    const saved = reply([...big, ...big].map((event, i) => ({ ...event, eventId: `${event.eventId}-${i}` })));
    const id = await store.save({ userId: 'U0ASKER' }, saved);
    expect((await store.get(id))?.reply).toEqual(saved);
    const items = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `ANSWER#${id}` } },
      }),
    );
    expect(items.Items?.filter((item) => item.sk?.S?.startsWith('PART#')).length).toBeGreaterThanOrEqual(3);
  });

  it('a table that cannot take the answer is a StoreError with a user-safe reason, so the answer is shown without its buttons', async () => {
    const store = new DynamoDbAnswerStore(dynamoClient(), 'no-such-table', systemClock, () => new Date());
    const error = await store.save({ userId: 'U0ASKER' }, reply(realEvents.slice(0, 2))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).reason).toBe('the shared store (DynamoDB) did not take it');
    expect((error as StoreError).userMessage).not.toMatch(/no-such-table|127\.0\.0\.1|arn:/);
  });

  it('serves real records split into many small parts', async () => {
    const store = new DynamoDbAnswerStore(dynamoClient(), await dynalite.createTable(), systemClock, () => new Date(), 1024);
    const saved = reply(realEvents);
    expect((await store.get(await store.save({ userId: 'U0ASKER' }, saved)))?.reply).toEqual(saved);
  });
});
