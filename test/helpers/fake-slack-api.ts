import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../../src/slack-twin/http-body.js';
import { bearerToken, parseApiArgs, uploadedBytes } from '../../src/slack-twin/web-api.js';

export interface ApiCall {
  method: string;
  args: Record<string, unknown>;
  /** The token of the call (Authorization: Bearer …), when it came in the header. */
  token?: string;
}

/** An HTTP-level failure answered instead of the method's result: 429 (with Retry-After, in seconds) or 5xx. */
export interface InjectedFault {
  status: number;
  retryAfterSeconds?: number;
}

/** Every request that reached the fake, failed or not, with when it arrived (ms since the epoch). */
export interface ApiAttempt {
  method: string;
  status: number;
  at: number;
}

/**
 * A local stand-in for Slack's Web API (`SLACK_API_URL`): answers the methods s3x calls with
 * Slack's response shapes and records every call. Uploaded file bodies are kept by file id.
 */
export class FakeSlackApi {
  readonly calls: ApiCall[] = [];
  readonly uploads = new Map<string, string>();
  /** usergroup id → member ids */
  readonly groups = new Map<string, string[]>();
  /** Socket Mode: the WebSocket URL `apps.connections.open` hands out (test/helpers/socket-mode-server.ts). */
  socketModeUrl?: string;
  /** Methods that answer `{ ok: false, error }`. */
  readonly failures = new Map<string, string>();
  /** Every request, including the ones answered with an injected fault. */
  readonly attempts: ApiAttempt[] = [];
  /** method → faults answered to its next requests, in order (then it answers normally again). */
  private readonly faults = new Map<string, InjectedFault[]>();
  /** method → something to do when its next request arrives, before it is answered. */
  private readonly hooks = new Map<string, () => void>();
  private waiters: Array<() => void> = [];
  private server?: Server;
  private base = '';
  private nextId = 1;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return `${this.base}/api/`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** The calls of a method that Slack answered (HTTP 200), in order. */
  callsOf(method: string): Array<Record<string, unknown>> {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  /** Answer the next requests of `method` with these HTTP failures, one each, before answering normally. */
  failNext(method: string, ...faults: InjectedFault[]): void {
    this.faults.set(method, [...(this.faults.get(method) ?? []), ...faults]);
  }

  /** Run `hook` when the next request of `method` arrives, before it is answered (once). */
  onNext(method: string, hook: () => void): void {
    this.hooks.set(method, hook);
  }

  /** Every request of a method, failed ones included. */
  attemptsOf(method: string): ApiAttempt[] {
    return this.attempts.filter((a) => a.method === method);
  }

  /** Wait until `method` has been answered `count` times in all (or fail after `timeoutMs`). */
  async waitForCalls(method: string, count: number, timeoutMs = 20_000): Promise<Array<Record<string, unknown>>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const calls = this.callsOf(method);
      if (calls.length >= count) return calls;
      if (Date.now() > deadline)
        throw new Error(`${method} answered ${calls.length} times, not ${count}, within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', this.base);
    if (url.pathname.startsWith('/upload/')) {
      this.uploads.set(
        url.pathname.slice('/upload/'.length),
        uploadedBytes(req.headers['content-type'] ?? '', body).toString('utf8'),
      );
      res.writeHead(200).end('OK');
      return;
    }
    const method = url.pathname.replace(/^\/api\//, '');
    const args = parseApiArgs(req.headers['content-type'] ?? '', body);
    const hook = this.hooks.get(method);
    this.hooks.delete(method);
    hook?.();
    const fault = this.faults.get(method)?.shift();
    this.attempts.push({ method, status: fault?.status ?? 200, at: Date.now() });
    if (fault) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      res
        .writeHead(fault.status, headers)
        .end(JSON.stringify({ ok: false, error: fault.status === 429 ? 'ratelimited' : 'fatal_error' }));
      this.wake();
      return;
    }
    const token = bearerToken(req.headers.authorization);
    this.calls.push({ method, args, ...(token ? { token } : {}) });
    const failure = this.failures.get(method);
    const payload = failure ? { ok: false, error: failure } : this.answer(method, args);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    this.wake();
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  private answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T0TEST' };
      case 'usergroups.users.list':
        return { ok: true, users: this.groups.get(String(args.usergroup)) ?? [] };
      case 'files.getUploadURLExternal': {
        const id = `F${this.nextId++}`;
        return { ok: true, file_id: id, upload_url: `${this.base}/upload/${id}` };
      }
      case 'files.completeUploadExternal':
        return { ok: true, files: typeof args.files === 'string' ? JSON.parse(args.files) : (args.files ?? []) };
      case 'views.open':
        return { ok: true, view: { id: `V${this.nextId++}` } };
      case 'views.update':
        return { ok: true, view: { id: args.view_id } };
      case 'chat.postMessage':
        return { ok: true, channel: args.channel, ts: `${Date.now() / 1000}` };
      case 'conversations.open':
        return { ok: true, channel: { id: `D${String(args.users).slice(1)}` } };
      case 'apps.connections.open':
        return this.socketModeUrl ? { ok: true, url: this.socketModeUrl } : { ok: false, error: 'not_allowed_token_type' };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `${Date.now() / 1000}` };
      default:
        return { ok: true };
    }
  }
}
