import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Message {
  id: string;
  body: string;
  receiveCount: number;
  visibleAt: number;
  /** Receipt handles issued for it; the newest is the one that may change its visibility. */
  handles: string[];
}

interface Queue {
  messages: Message[];
  /** Redrive: after this many receives, the next receive moves the message to `deadLetter`. */
  maxReceiveCount?: number;
  deadLetter?: string;
}

/**
 * A loopback stand-in for Amazon SQS speaking its JSON protocol (AWS JSON 1.0, `X-Amz-Target:
 * AmazonSQS.<Action>`) to the real SDK: ReceiveMessage with long polling and visibility timeouts,
 * DeleteMessage, ChangeMessageVisibility, SendMessage, and a redrive policy to a dead-letter queue.
 * Every request is kept, with its action.
 */
export class FakeSqs {
  readonly requests: Array<{ action: string; input: Record<string, unknown> }> = [];
  private readonly queues = new Map<string, Queue>();
  private server?: Server;
  private base = '';
  private closing = false;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.base;
  }

  async stop(): Promise<void> {
    this.closing = true;
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  createQueue(name: string, redrive?: { deadLetter: string; maxReceiveCount: number }): string {
    this.queues.set(name, {
      messages: [],
      ...(redrive ? { maxReceiveCount: redrive.maxReceiveCount, deadLetter: redrive.deadLetter } : {}),
    });
    return this.urlOf(name);
  }

  urlOf(name: string): string {
    return `${this.base}/111122223333/${name}`;
  }

  send(name: string, body: string): string {
    const id = randomUUID();
    this.queueOf(name).messages.push({ id, body, receiveCount: 0, visibleAt: 0, handles: [] });
    return id;
  }

  /** Messages still in a queue (in flight or not). */
  bodies(name: string): string[] {
    return this.queueOf(name).messages.map((m) => m.body);
  }

  count(action: string): number {
    return this.requests.filter((r) => r.action === action).length;
  }

  private queueOf(name: string): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`no queue ${name}`);
    return queue;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const action = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSQS\./, '');
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    this.requests.push({ action, input });
    const name =
      String(input.QueueUrl ?? '')
        .split('/')
        .pop() ?? '';
    const queue = this.queues.get(name);
    if (!queue) return fail(res, 'QueueDoesNotExist', 'The specified queue does not exist.');
    switch (action) {
      case 'SendMessage':
        return ok(res, {
          MessageId: this.send(name, String(input.MessageBody)),
          MD5OfMessageBody: md5(String(input.MessageBody)),
        });
      case 'ReceiveMessage':
        return ok(res, await this.receive(queue, input, () => res.destroyed || req.socket.destroyed));
      case 'DeleteMessage': {
        const handle = String(input.ReceiptHandle);
        queue.messages = queue.messages.filter((m) => !m.handles.includes(handle));
        return ok(res, {});
      }
      case 'ChangeMessageVisibility': {
        const message = queue.messages.find((m) => m.handles.at(-1) === input.ReceiptHandle && m.visibleAt > Date.now());
        if (!message) return fail(res, 'ReceiptHandleIsInvalid', 'The receipt handle is not valid for this message now.');
        message.visibleAt = Date.now() + Number(input.VisibilityTimeout) * 1000;
        return ok(res, {});
      }
      default:
        return fail(res, 'UnsupportedOperation', `${action} is not played by the stand-in`);
    }
  }

  /** Long polling; a poll whose client went away (a killed process) takes nothing. */
  private async receive(queue: Queue, input: Record<string, unknown>, gone: () => boolean): Promise<Record<string, unknown>> {
    const deadline = Date.now() + Number(input.WaitTimeSeconds ?? 0) * 1000;
    const max = Number(input.MaxNumberOfMessages ?? 1);
    const visibility = Number(input.VisibilityTimeout ?? 30);
    for (;;) {
      const now = Date.now();
      const taken: Message[] = [];
      if (gone()) return {};
      for (const message of [...queue.messages]) {
        if (taken.length >= max || message.visibleAt > now) continue;
        if (queue.deadLetter && queue.maxReceiveCount !== undefined && message.receiveCount >= queue.maxReceiveCount) {
          queue.messages = queue.messages.filter((m) => m !== message);
          this.queueOf(queue.deadLetter).messages.push({ ...message, visibleAt: 0, handles: [] });
          continue;
        }
        message.receiveCount += 1;
        message.visibleAt = now + visibility * 1000;
        message.handles.push(randomUUID());
        taken.push(message);
      }
      if (taken.length > 0 || now >= deadline || this.closing) {
        return {
          Messages: taken.map((m) => ({
            MessageId: m.id,
            ReceiptHandle: m.handles.at(-1),
            MD5OfBody: md5(m.body),
            Body: m.body,
            Attributes: { ApproximateReceiveCount: String(m.receiveCount) },
          })),
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

function ok(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(body));
}

function fail(res: ServerResponse, code: string, message: string): void {
  res
    .writeHead(400, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-query-error': `AWS.SimpleQueueService.${code};Sender`,
    })
    .end(JSON.stringify({ __type: `com.amazonaws.sqs#${code}`, message }));
}
