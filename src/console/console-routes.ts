import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import { z } from 'zod';
import { EVENTS_PATH } from '../slack/ids.js';
import { showInvisibleKeepingLines } from '../text/safe-text.js';
import { renderConsolePage } from './page.js';

/** The people who can be switched between in the page; the approver matches main.ts's local default. */
export const CONSOLE_PEOPLE = [
  { id: 'U0REQUESTER', name: 'Riley (requester)' },
  { id: 'U0APPROVER', name: 'Avery (approver)' },
  { id: 'U0OUTSIDER', name: 'Oscar (outsider)' },
] as const;

export const CONSOLE_CHANNEL = { id: 'C0CONSOLE', name: 'incident' } as const;

/** Author id of everything the bot posts (main.ts's local botUserId). */
export const CONSOLE_BOT_USER = 'ULOCALS3X';

export interface ConsoleOptions {
  signingSecret: string;
  /**
   * Where the app is served, from configuration (`http://127.0.0.1:3000`); a function because the
   * port is known only after start. Every URL the console hands out is built from it, never from
   * a request's Host header, and only its port on a loopback name (or its own host) is served.
   */
  baseUrl: () => string;
  /** Bolt's events endpoint; `<baseUrl>/slack/events` by default. */
  eventsUrl?: () => string;
  now?: () => Date;
  /** The bot token Web API calls must carry; without it any `xoxb-` token is accepted. */
  botToken?: string;
  /** usergroup id → member ids, for usergroups.users.list. */
  groups?: ReadonlyMap<string, readonly string[]>;
}

export interface ConsoleFile {
  id: string;
  name: string;
  url: string;
}

/** One message as the page renders it; `ts` is its id. */
export interface ConsoleMessage {
  ts: string;
  channel: string;
  /** A person's id, or CONSOLE_BOT_USER. */
  author: string;
  text: string;
  blocks: unknown[];
  /** Ephemeral: only this person sees it. */
  visibleTo?: string;
  threadTs?: string;
  files?: ConsoleFile[];
}

export type ConsoleEvent =
  | { type: 'snapshot'; messages: ConsoleMessage[] }
  | { type: 'message'; message: ConsoleMessage }
  | { type: 'delete'; ts: string }
  | { type: 'modal'; userId: string; viewId: string; view: unknown }
  | { type: 'error'; text: string };

export interface ConsoleRoutes {
  routes: CustomRoute[];
  apiPath: '/api/';
  /** Ends the open event streams: an HTTP server cannot close while they are open. */
  close(): void;
}

const MAX_MESSAGES = 500;
const MAX_TARGETS = 500;
const MAX_FILES = 100;
const MAX_BODY = 1024 * 1024;
const MAX_UPLOAD = 20 * 1024 * 1024;
const HEARTBEAT_MS = 15_000;

const DEFAULT_GROUPS: ReadonlyMap<string, readonly string[]> = new Map([['S0ONCALL', ['U0APPROVER']]]);

const userId = z.string().regex(/^U[A-Z0-9]{1,20}$/);
const channelId = z.string().regex(/^[CDG][A-Z0-9]{1,20}$/);
const commandInput = z.object({ userId, channelId, text: z.string().max(4000) });
const actionInput = z.object({
  userId,
  channelId,
  messageId: z.string().max(40),
  actionId: z.string().min(1).max(255),
  value: z.string().max(2000).default(''),
  blockId: z.string().max(255).default(''),
  /** Text typed in the message's inputs, as Slack's `state.values`. */
  state: z
    .record(
      z.string().max(255),
      z.record(z.string().max(255), z.object({ type: z.literal('plain_text_input'), value: z.string().max(3000).nullable() })),
    )
    .refine((values) => Object.keys(values).length <= 10)
    .default({}),
});

/** Where a response_url posts go: the person and channel it was issued for, and the message it may replace. */
interface ResponseTarget {
  userId: string;
  channelId: string;
  original?: string;
  /** Slash command response_urls treat their latest reply as the original. */
  fromCommand: boolean;
}

type ApiArgs = Record<string, unknown>;
type ApiResult = { ok: true; [key: string]: unknown } | { ok: false; error: string };

/**
 * A small Slack look-alike on Bolt's own port: the page, its event stream, signed slash commands and
 * button clicks sent to Bolt exactly as Slack sends them, response_urls, and the Web API methods s3x calls.
 */
export function consoleRoutes(options: ConsoleOptions): ConsoleRoutes {
  const now = options.now ?? (() => new Date());
  const groups = options.groups ?? DEFAULT_GROUPS;
  const messages = new Map<string, ConsoleMessage>();
  const targets = new Map<string, ResponseTarget>();
  const triggers = new Map<string, string>();
  const views = new Map<string, string>();
  const pendingUploads = new Map<string, string>();
  /** Direct-message channel id → its person. */
  const directMessages = new Map<string, string>();
  const files = new Map<string, { name: string; title: string; bytes: Buffer }>();
  const clients = new Set<ServerResponse>();
  let heartbeat: NodeJS.Timeout | undefined;
  let lastMicros = 0;
  let counter = 0;

  const nextTs = (): string => {
    // Unique and increasing even when `now` stands still (tests).
    lastMicros = Math.max(now().getTime() * 1000, lastMicros + 1);
    return `${Math.floor(lastMicros / 1e6)}.${String(lastMicros % 1e6).padStart(6, '0')}`;
  };
  const nextId = (prefix: string): string => `${prefix}${(++counter).toString(36).toUpperCase().padStart(6, '0')}`;

  const broadcast = (event: ConsoleEvent): void => {
    const frame = `data: ${JSON.stringify(event)}\n\n`;
    for (const client of clients) client.write(frame);
  };
  // Errors quote typed text: invisible characters are shown, as in every answer.
  const reportError = (text: string): void => broadcast({ type: 'error', text: showInvisibleKeepingLines(text) });

  const post = (message: Omit<ConsoleMessage, 'ts'>): ConsoleMessage => {
    // A direct message (conversations.open) is seen by its person only.
    const directTo = directMessages.get(message.channel);
    const stored = { ts: nextTs(), ...message, ...(directTo ? { visibleTo: directTo } : {}) };
    remember(messages, stored.ts, stored, MAX_MESSAGES);
    broadcast({ type: 'message', message: stored });
    return stored;
  };
  const replace = (ts: string, content: { text: string; blocks: unknown[] }): ConsoleMessage | undefined => {
    const existing = messages.get(ts);
    if (!existing) return undefined;
    const updated = { ...existing, ...content };
    messages.set(ts, updated);
    broadcast({ type: 'message', message: updated });
    return updated;
  };
  const remove = (ts: string): boolean => {
    if (!messages.delete(ts)) return false;
    broadcast({ type: 'delete', ts });
    return true;
  };

  /** A response_url body, or a slash command's ack body: Slack's message response semantics. */
  const respond = (target: ResponseTarget, body: ApiArgs): void => {
    if (isTrue(body.delete_original)) {
      if (target.original) remove(target.original);
      return;
    }
    const content = contentOf(body);
    if (isTrue(body.replace_original) && target.original && replace(target.original, content)) return;
    const inChannel = body.response_type === 'in_channel';
    const threadTs = stringOf(body.thread_ts);
    const message = post({
      channel: target.channelId,
      author: CONSOLE_BOT_USER,
      ...content,
      ...(inChannel ? {} : { visibleTo: target.userId }),
      ...(threadTs ? { threadTs } : {}),
    });
    if (target.fromCommand) target.original = message.ts;
  };

  const newResponseUrl = (target: ResponseTarget): string => {
    const id = randomUUID();
    remember(targets, id, target, MAX_TARGETS);
    return `${options.baseUrl()}/console/response/${id}`;
  };
  const newTrigger = (forUser: string): string => {
    const trigger = `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString('hex')}`;
    remember(triggers, trigger, forUser, MAX_TARGETS);
    return trigger;
  };

  /** Sign and POST a form body to Bolt; returns the ack body, or undefined after reporting why it failed. */
  const sendToBolt = async (body: string, what: string): Promise<string | undefined> => {
    const timestamp = String(Math.floor(now().getTime() / 1000));
    const signature = `v0=${createHmac('sha256', options.signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    let response: Response;
    try {
      response = await fetch(options.eventsUrl?.() ?? `${options.baseUrl()}${EVENTS_PATH}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': timestamp,
          'x-slack-signature': signature,
        },
        body,
      });
    } catch (error) {
      reportError(`The bot is down: ${what} could not be delivered (${causeOf(error)}).`);
      return undefined;
    }
    const text = await response.text();
    if (!response.ok) {
      reportError(`The bot answered ${response.status} to ${what}${explainStatus(response.status)}.`);
      return undefined;
    }
    return text;
  };

  const handleCommand = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const input = commandInput.safeParse(parseJson(await readBody(req, MAX_BODY)));
    if (!input.success) return sendJson(res, 400, { ok: false, error: 'invalid_request' });
    const { userId: user, channelId: channel, text } = input.data;
    // The typed command as the page shows it: `reports/q3\u200b-forecast.parquet` must not look like the real key.
    post({ channel, author: user, text: showInvisibleKeepingLines(`/s3x ${text}`.trim()), blocks: [], visibleTo: user });
    const target: ResponseTarget = { userId: user, channelId: channel, fromCommand: true };
    const body = new URLSearchParams({
      token: 'console-verification-token',
      team_id: 'T0CONSOLE',
      team_domain: 'console',
      channel_id: channel,
      channel_name: channel === CONSOLE_CHANNEL.id ? CONSOLE_CHANNEL.name : channel.toLowerCase(),
      user_id: user,
      user_name: user.toLowerCase(),
      command: '/s3x',
      text,
      api_app_id: 'A0CONSOLE',
      is_enterprise_install: 'false',
      response_url: newResponseUrl(target),
      trigger_id: newTrigger(user),
    }).toString();
    const ack = await sendToBolt(body, `/s3x ${text}`.trim());
    if (ack === undefined) return sendJson(res, 200, { ok: false, error: 'bot_unavailable' });
    if (ack.trim() !== '') respond(target, ackBody(ack));
    sendJson(res, 200, { ok: true });
  };

  const handleAction = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const input = actionInput.safeParse(parseJson(await readBody(req, MAX_BODY)));
    if (!input.success) return sendJson(res, 400, { ok: false, error: 'invalid_request' });
    const click = input.data;
    const message = messages.get(click.messageId);
    if (!message) return sendJson(res, 404, { ok: false, error: 'message_not_found' });
    const ephemeral = message.visibleTo !== undefined;
    const target: ResponseTarget = { userId: click.userId, channelId: click.channelId, original: message.ts, fromCommand: false };
    const payload = {
      type: 'block_actions',
      team: { id: 'T0CONSOLE', domain: 'console' },
      user: { id: click.userId, username: click.userId.toLowerCase(), name: click.userId.toLowerCase(), team_id: 'T0CONSOLE' },
      api_app_id: 'A0CONSOLE',
      token: 'console-verification-token',
      container: { type: 'message', message_ts: message.ts, channel_id: click.channelId, is_ephemeral: ephemeral },
      trigger_id: newTrigger(click.userId),
      state: { values: click.state },
      channel: { id: click.channelId, name: click.channelId === CONSOLE_CHANNEL.id ? CONSOLE_CHANNEL.name : click.channelId },
      // Slack includes the message only when it is not ephemeral.
      ...(ephemeral ? {} : { message: { type: 'message', ts: message.ts, text: message.text, blocks: message.blocks } }),
      response_url: newResponseUrl(target),
      actions: [
        {
          type: 'button',
          action_id: click.actionId,
          block_id: click.blockId,
          text: { type: 'plain_text', text: buttonText(message.blocks, click.actionId) },
          value: click.value,
          action_ts: nextTs(),
        },
      ],
    };
    const ack = await sendToBolt(
      new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      `the ${click.actionId} click`,
    );
    sendJson(res, 200, ack === undefined ? { ok: false, error: 'bot_unavailable' } : { ok: true });
  };

  const handleResponse = async (req: Req, res: ServerResponse): Promise<void> => {
    const target = targets.get(param(req, 'id'));
    const body = parseJson(await readBody(req, MAX_BODY));
    if (!target) {
      reportError('The bot answered through an unknown or expired response_url.');
      return sendJson(res, 404, { ok: false, error: 'expired_url' });
    }
    if (!isRecord(body)) return sendJson(res, 400, { ok: false, error: 'invalid_payload' });
    respond(target, body);
    sendJson(res, 200, { ok: true });
  };

  const api: Record<string, (args: ApiArgs) => ApiResult> = {
    'auth.test': () => ({
      ok: true,
      url: 'http://localhost/',
      team: 'console',
      user: 's3x',
      team_id: 'T0CONSOLE',
      user_id: CONSOLE_BOT_USER,
      bot_id: 'BLOCALS3X',
    }),
    'chat.postMessage': (args) => {
      const channel = stringOf(args.channel);
      if (!channel) return { ok: false, error: 'channel_not_found' };
      const threadTs = stringOf(args.thread_ts);
      const message = post({
        channel,
        author: CONSOLE_BOT_USER,
        ...contentOf(args),
        ...(threadTs ? { threadTs } : {}),
      });
      return { ok: true, channel, ts: message.ts, message: { type: 'message', ...contentOf(args), ts: message.ts } };
    },
    'chat.postEphemeral': (args) => {
      const channel = stringOf(args.channel);
      const user = stringOf(args.user);
      if (!channel) return { ok: false, error: 'channel_not_found' };
      if (!user) return { ok: false, error: 'user_not_found' };
      const threadTs = stringOf(args.thread_ts);
      const message = post({
        channel,
        author: CONSOLE_BOT_USER,
        ...contentOf(args),
        visibleTo: user,
        ...(threadTs ? { threadTs } : {}),
      });
      return { ok: true, message_ts: message.ts };
    },
    'chat.update': (args) => {
      const ts = stringOf(args.ts) ?? '';
      const existing = messages.get(ts);
      if (!existing) return { ok: false, error: 'message_not_found' };
      const text = stringOf(args.text) ?? existing.text;
      const blocks = Array.isArray(args.blocks) ? args.blocks : existing.blocks;
      replace(ts, { text, blocks });
      return { ok: true, channel: existing.channel, ts, text };
    },
    'chat.delete': (args) => {
      const ts = stringOf(args.ts) ?? '';
      return remove(ts) ? { ok: true, channel: stringOf(args.channel), ts } : { ok: false, error: 'message_not_found' };
    },
    'views.open': (args) => {
      const forUser = triggers.get(stringOf(args.trigger_id) ?? '');
      if (!forUser) return { ok: false, error: 'invalid_trigger_id' };
      if (!isRecord(args.view)) return { ok: false, error: 'invalid_arguments' };
      const viewId = nextId('V');
      remember(views, viewId, forUser, MAX_TARGETS);
      broadcast({ type: 'modal', userId: forUser, viewId, view: args.view });
      return { ok: true, view: { ...args.view, id: viewId } };
    },
    'views.update': (args) => {
      const viewId = stringOf(args.view_id) ?? '';
      const forUser = views.get(viewId);
      if (!forUser) return { ok: false, error: 'not_found' };
      if (!isRecord(args.view)) return { ok: false, error: 'invalid_arguments' };
      broadcast({ type: 'modal', userId: forUser, viewId, view: args.view });
      return { ok: true, view: { ...args.view, id: viewId } };
    },
    'files.getUploadURLExternal': (args) => {
      const filename = stringOf(args.filename);
      if (!filename) return { ok: false, error: 'invalid_arguments' };
      const fileId = nextId('F');
      remember(pendingUploads, fileId, filename, MAX_FILES);
      return { ok: true, file_id: fileId, upload_url: `${options.baseUrl()}/console/upload/${fileId}` };
    },
    'files.completeUploadExternal': (args) => {
      const listed = Array.isArray(args.files) ? args.files.filter(isRecord) : [];
      const done: ConsoleFile[] = [];
      for (const entry of listed) {
        const id = stringOf(entry.id) ?? '';
        const file = files.get(id);
        if (!file) return { ok: false, error: 'file_not_found' };
        file.title = stringOf(entry.title) ?? file.name;
        done.push({ id, name: file.name, url: `/console/files/${id}` });
      }
      if (done.length === 0) return { ok: false, error: 'invalid_arguments' };
      const channel = stringOf(args.channel_id);
      if (channel) {
        const threadTs = stringOf(args.thread_ts);
        post({
          channel,
          author: CONSOLE_BOT_USER,
          text: stringOf(args.initial_comment) ?? '',
          blocks: [],
          files: done,
          ...(threadTs ? { threadTs } : {}),
        });
      }
      return {
        ok: true,
        files: done.map((f) => ({
          id: f.id,
          name: f.name,
          title: files.get(f.id)?.title,
          url_private: `${options.baseUrl()}${f.url}`,
        })),
      };
    },
    'conversations.open': (args) => {
      const user = userId.safeParse(stringOf(args.users));
      if (!user.success) return { ok: false, error: 'user_not_found' };
      const channel = `D${user.data.slice(1)}`;
      remember(directMessages, channel, user.data, MAX_TARGETS);
      return { ok: true, channel: { id: channel } };
    },
    'usergroups.users.list': (args) => {
      const members = groups.get(stringOf(args.usergroup) ?? '');
      return members ? { ok: true, users: [...members] } : { ok: false, error: 'no_such_subteam' };
    },
  };

  const handleApi = async (req: Req, res: ServerResponse): Promise<void> => {
    const method = param(req, 'method');
    const args = parseApiArgs(req.headers['content-type'] ?? '', await readBody(req, MAX_BODY));
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? stringOf(args.token);
    const call = api[method];
    let result: ApiResult;
    if (!token) result = { ok: false, error: 'not_authed' };
    else if (options.botToken ? token !== options.botToken : !token.startsWith('xoxb-'))
      result = { ok: false, error: 'invalid_auth' };
    else if (!call) result = { ok: false, error: 'unknown_method' };
    else result = call(args);
    if (!result.ok) reportError(`The bot called ${method}: ${result.error}.`);
    sendJson(res, 200, result);
  };

  const handleUpload = async (req: Req, res: ServerResponse): Promise<void> => {
    const fileId = param(req, 'fileId');
    const name = pendingUploads.get(fileId);
    if (!name) return sendJson(res, 404, { ok: false, error: 'file_not_found' });
    const bytes = uploadedBytes(req.headers['content-type'] ?? '', await readBody(req, MAX_UPLOAD));
    pendingUploads.delete(fileId);
    remember(files, fileId, { name, title: name, bytes }, MAX_FILES);
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${bytes.length}`);
  };

  const handleDownload = (req: Req, res: ServerResponse): void => {
    const file = files.get(param(req, 'fileId'));
    if (!file) {
      sendJson(res, 404, { ok: false, error: 'file_not_found' });
      return;
    }
    const safeName = file.name.replace(/[^\w.-]/g, '_');
    res
      .writeHead(200, {
        'content-type': safeName.endsWith('.csv') ? 'text/csv; charset=utf-8' : 'application/octet-stream',
        'content-disposition': `attachment; filename="${safeName}"`,
        'x-content-type-options': 'nosniff',
      })
      .end(file.bytes);
  };

  const handleStream = (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(`data: ${JSON.stringify({ type: 'snapshot', messages: [...messages.values()] } satisfies ConsoleEvent)}\n\n`);
    clients.add(res);
    heartbeat ??= setInterval(() => {
      for (const client of clients) client.write(': keep-alive\n\n');
    }, HEARTBEAT_MS).unref();
    req.on('close', () => {
      clients.delete(res);
      if (clients.size === 0 && heartbeat) {
        clearInterval(heartbeat);
        heartbeat = undefined;
      }
    });
  };

  const handlePage = (_req: IncomingMessage, res: ServerResponse): void => {
    const nonce = randomBytes(16).toString('base64');
    res
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'`,
        'x-content-type-options': 'nosniff',
      })
      .end(
        renderConsolePage({
          nonce,
          people: CONSOLE_PEOPLE,
          channel: CONSOLE_CHANNEL,
          bot: { id: CONSOLE_BOT_USER, name: 's3x' },
        }),
      );
  };

  return {
    apiPath: '/api/',
    routes: [
      route('/', 'GET', 'browser', options.baseUrl, handlePage),
      route('/console/stream', 'GET', 'browser', options.baseUrl, handleStream),
      route('/console/command', 'POST', 'page', options.baseUrl, handleCommand),
      route('/console/action', 'POST', 'page', options.baseUrl, handleAction),
      route('/console/response/:id', 'POST', 'bot', options.baseUrl, handleResponse),
      route('/console/upload/:fileId', 'POST', 'bot', options.baseUrl, handleUpload),
      route('/console/files/:fileId', 'GET', 'browser', options.baseUrl, handleDownload),
      route('/api/:method', 'POST', 'bot', options.baseUrl, handleApi),
    ],
    close() {
      for (const client of clients) client.end();
      clients.clear();
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = undefined;
    },
  };
}

type Req = Parameters<CustomRoute['handler']>[0];

/** A route whose caller is checked first and whose failures become a JSON 4xx/5xx, never an unhandled rejection. */
function route(
  path: string,
  method: string,
  caller: Caller,
  baseUrl: () => string,
  handler: (req: Req, res: ServerResponse) => void | Promise<void>,
): CustomRoute {
  return {
    path,
    method,
    handler: (req, res) => {
      const refusal = refuseCaller(req, caller, baseUrl());
      if (refusal) return sendJson(res, 403, { ok: false, error: refusal });
      Promise.resolve()
        .then(() => handler(req, res))
        .catch((error: unknown) => {
          const tooLarge = error instanceof BodyTooLarge;
          if (!res.headersSent)
            sendJson(res, tooLarge ? 413 : 500, { ok: false, error: tooLarge ? 'too_large' : 'internal_error' });
          else res.end();
          if (!tooLarge) console.error(`[s3x console] ${method} ${path} failed:`, error);
        });
    },
  };
}

/**
 * Who may call a route. `browser`: any request to the served address (the page, its event
 * stream, a file link). `page`: the console page itself: JSON from the same origin, which a page
 * on another site cannot send (a cross-site form or `text/plain` fetch carries its own Origin,
 * and a JSON fetch needs a CORS preflight the console never grants). `bot`: s3x's own Web API,
 * response_url and upload calls, which come from Node, never from a browser.
 */
type Caller = 'browser' | 'page' | 'bot';

/**
 * Why a request is refused, or undefined. Every route first checks `Host` against the served
 * address, so a DNS-rebinding page (evil.example resolving to 127.0.0.1) reaches nothing.
 */
function refuseCaller(req: IncomingMessage, caller: Caller, baseUrl: string): string | undefined {
  const host = req.headers.host ?? '';
  if (!servedHosts(baseUrl).has(host.toLowerCase())) return 'unknown_host';
  const origin = req.headers.origin;
  // Browsers send Origin on every cross-origin POST and Sec-Fetch-Site on every request; Node sends neither.
  if (caller === 'bot')
    return origin !== undefined || req.headers['sec-fetch-site'] !== undefined ? 'browser_not_allowed' : undefined;
  if (caller === 'page') {
    if (origin !== `http://${host}`) return 'cross_origin';
    if (!/^application\/json(;|$)/i.test(req.headers['content-type'] ?? '')) return 'json_required';
  }
  return undefined;
}

/** `Host` values a request may carry: the configured host and the loopback names, on the served port. */
function servedHosts(baseUrl: string): Set<string> {
  const url = new URL(baseUrl);
  // On port 80 (the URL has no port) browsers send the bare name.
  const suffix = url.port === '' ? '' : `:${url.port}`;
  return new Set([url.hostname, 'localhost', '127.0.0.1', '[::1]'].map((name) => `${name.toLowerCase()}${suffix}`));
}

class BodyTooLarge extends Error {}

function param(req: Req, name: string): string {
  const value = req.params?.[name];
  return typeof value === 'string' ? value : '';
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** Keep at most `limit` entries, dropping the oldest (Maps iterate in insertion order). */
function remember<K, V>(map: Map<K, V>, key: K, value: V, limit: number): void {
  map.set(key, value);
  for (const oldest of map.keys()) {
    if (map.size <= limit) break;
    map.delete(oldest);
  }
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8') || '{}');
  } catch {
    return undefined;
  }
}

/** Web API arguments: JSON, or form fields whose structured values (blocks, view, files) are JSON text. */
function parseApiArgs(contentType: string, body: Buffer): ApiArgs {
  if (contentType.includes('application/json')) {
    const parsed = parseJson(body);
    return isRecord(parsed) ? parsed : {};
  }
  const args: ApiArgs = {};
  for (const [key, value] of new URLSearchParams(body.toString('utf8'))) {
    args[key] = /^\s*[[{]/.test(value) ? (parseJson(Buffer.from(value)) ?? value) : value;
  }
  return args;
}

/** A slash command ack: JSON (a message), or plain text (Slack shows it as the message text). */
function ackBody(text: string): ApiArgs {
  const parsed = parseJson(Buffer.from(text));
  return isRecord(parsed) ? { ...parsed, replace_original: false } : { text };
}

/** The file bytes of an upload: the first part of a multipart body, or the raw body. */
function uploadedBytes(contentType: string, body: Buffer): Buffer {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) return body;
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const first = body.indexOf(delimiter);
  const headersEnd = body.indexOf('\r\n\r\n', first);
  const next = body.indexOf(delimiter, headersEnd);
  if (first < 0 || headersEnd < 0 || next < 0) return body;
  return body.subarray(headersEnd + 4, next - 2);
}

function contentOf(args: ApiArgs): { text: string; blocks: unknown[] } {
  return { text: stringOf(args.text) ?? '', blocks: Array.isArray(args.blocks) ? args.blocks : [] };
}

function buttonText(blocks: unknown[], actionId: string): string {
  for (const block of blocks.filter(isRecord)) {
    const elements = [block.accessory, ...(Array.isArray(block.elements) ? block.elements : [])];
    for (const element of elements) {
      if (isRecord(element) && element.action_id === actionId && isRecord(element.text)) return stringOf(element.text.text) ?? '';
    }
  }
  return actionId;
}

function explainStatus(status: number): string {
  if (status === 401) return ': the request signature was rejected (the console and the bot must share the signing secret)';
  if (status === 404) return ': nothing answers that request (is the bot serving /slack/events?)';
  if (status >= 500) return ': the bot failed while handling it';
  return '';
}

function causeOf(error: unknown): string {
  const cause = error instanceof Error && isRecord(error.cause) ? stringOf(error.cause.code) : undefined;
  return cause ?? (error instanceof Error ? error.message : 'unknown error');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}
