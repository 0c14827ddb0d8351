import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { type AttributeValue, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Reply } from '../../answers/answer-request.js';
import {
  ANSWER_TTL_MS,
  type AnswerOwner,
  type AnswerStorage,
  answerIdTime,
  isAnswerId,
  newAnswerId,
  type StoredAnswer,
} from '../../answers/answer-store.js';
import { reviveReply } from '../../answers/registry.js';
import { EngineError, StoreError } from '../../errors.js';
import type { Clock } from '../../time/clock.js';
import { describeError } from '../aws-call.js';
import { queryAll, sendToTable } from './table.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Bytes of compressed answer per item: DynamoDB items stop at 400 KB, names and key included. */
export const ANSWER_PART_BYTES = 350_000;

/**
 * Stored answers in the shared table (S3X_STORE=dynamodb), so Next page, Export CSV, Show event
 * and Share work on whichever replica Slack sends the click to. DynamoDB rather than S3: the
 * table, its credentials and its IAM policy are already there for the approvals, and its TTL
 * deletes old answers with no lifecycle rule to set up.
 *
 *   part  pk = ANSWER#<id>  sk = PART#<nnnnn>  data (B, a slice of the gzipped JSON), ttl (N)
 *   head  pk = ANSWER#<id>  sk = HEAD          userId, teamId?, channelId?, command, savedAtMs (N),
 *                                               parts (N), ttl (N)
 *   share pk = ANSWER#<id>  sk = SHARE#<channel> ttl (N): shared there (Share in channel)
 *
 * The head is written last, so an answer whose save failed half-way is never served. `ttl` is
 * in epoch seconds for the table's TTL (`update-time-to-live --attribute-name ttl`); TTL deletes
 * lazily, so reads check `savedAtMs` too. (`createdAt` is the `gsi1` sort key, a string: answers stay out of that index.)
 */
export class DynamoDbAnswerStore implements AnswerStorage {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly clock: Clock,
    private readonly now: () => Date,
    private readonly partBytes = ANSWER_PART_BYTES,
  ) {}

  async save(owner: AnswerOwner, reply: Reply): Promise<string> {
    const now = this.now();
    const id = newAnswerId(now);
    const ttl = { N: String(Math.ceil((now.getTime() + ANSWER_TTL_MS) / 1000)) };
    try {
      const packed = await gzipAsync(Buffer.from(JSON.stringify(reply), 'utf8'));
      const parts = Math.max(1, Math.ceil(packed.length / this.partBytes));
      for (let part = 0; part < parts; part++) {
        const data = packed.subarray(part * this.partBytes, (part + 1) * this.partBytes);
        await this.put({ ...key(id, partKey(part)), data: { B: data }, ttl });
      }
      await this.put({
        ...key(id, 'HEAD'),
        userId: { S: owner.userId },
        ...(owner.teamId ? { teamId: { S: owner.teamId } } : {}),
        ...(owner.channelId ? { channelId: { S: owner.channelId } } : {}),
        command: { S: reply.kind },
        savedAtMs: { N: String(now.getTime()) },
        parts: { N: String(parts) },
        ttl,
      });
    } catch (error) {
      throw unsaved('this answer', error);
    }
    return id;
  }

  async get(id: string): Promise<StoredAnswer | undefined> {
    if (!isAnswerId(id)) return undefined;
    const items = await queryAll(
      this.client,
      this.clock,
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `ANSWER#${id}` } },
        ConsistentRead: true,
      },
      Number.MAX_SAFE_INTEGER,
      'read a stored answer',
    );
    const head = items.find((item) => item.sk?.S === 'HEAD');
    const createdAt = Number(head?.savedAtMs?.N);
    if (!head || !(createdAt >= this.now().getTime() - ANSWER_TTL_MS)) return undefined;
    const parts = Number(head.parts?.N);
    const byKey = new Map(items.map((item) => [item.sk?.S, item.data?.B]));
    const chunks: Uint8Array[] = [];
    for (let part = 0; part < parts; part++) {
      const chunk = byKey.get(partKey(part));
      if (!chunk)
        throw new EngineError('A stored answer is incomplete. Ask the question again.', { detail: `${id} part ${part}` });
      chunks.push(chunk);
    }
    const reply = JSON.parse((await gunzipAsync(Buffer.concat(chunks))).toString('utf8')) as Reply;
    const sharedIn = items.flatMap((item) => (item.sk?.S?.startsWith(SHARE) ? [item.sk.S.slice(SHARE.length)] : []));
    return {
      id,
      userId: head.userId?.S ?? '',
      ...(head.teamId?.S ? { teamId: head.teamId.S } : {}),
      ...(head.channelId?.S ? { channelId: head.channelId.S } : {}),
      command: head.command?.S ?? reply.kind,
      reply: reviveReply(reply),
      createdAt: new Date(createdAt),
      sharedIn,
    };
  }

  async markShared(id: string, channelId: string): Promise<void> {
    if (!isAnswerId(id)) return;
    // Kept as long as the answer: the TTL of the answer whose time is in its id.
    const ttl = { N: String(Math.ceil((answerIdTime(id) + ANSWER_TTL_MS) / 1000)) };
    try {
      await this.put({ ...key(id, `${SHARE}${channelId}`), ttl });
    } catch (error) {
      throw unsaved('sharing this answer', error);
    }
  }

  private async put(item: Record<string, AttributeValue>): Promise<void> {
    await sendToTable(this.clock, 'dynamodb:PutItem', 'save an answer', () =>
      this.client.send(new PutItemCommand({ TableName: this.table, Item: item })),
    );
  }
}

const SHARE = 'SHARE#';

/** A write the table did not take, told like the SQLite store's (StoreError, a user-safe reason). */
function unsaved(what: string, error: unknown): StoreError {
  const reason = 'the shared store (DynamoDB) did not take it';
  return new StoreError(`s3x could not save ${what}: ${reason}. Try again in a minute.`, {
    cause: error,
    detail: describeError(error),
    reason,
  });
}

function key(id: string, sk: string): Record<string, AttributeValue> {
  return { pk: { S: `ANSWER#${id}` }, sk: { S: sk } };
}

function partKey(part: number): string {
  return `PART#${String(part).padStart(5, '0')}`;
}
