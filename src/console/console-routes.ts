import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { EVENTS_PATH } from '../slack/ids.js';
import { EventStream } from '../slack-twin/events.js';
import { BodyTooLarge, parseJson, readBody, readJson } from '../slack-twin/http-body.js';
import { blockActionsForm, postSigned, type RequestOrigin, slashCommandForm } from '../slack-twin/signing.js';
import { createWebApi, parseApiArgs, tokenOf, uploadedBytes, userIdSchema } from '../slack-twin/web-api.js';
import { isRecord, type ResponseTarget, SlackWorkspace, stringOf } from '../slack-twin/workspace.js';
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

/** A request with its path parameters, as Bolt's custom routes receive it. */
type RouteRequest = IncomingMessage & { params?: Record<string, string | string[]> };

/** One of the console's routes, in the shape of Bolt's `CustomRoute` (the console does not import Bolt). */
export interface ConsoleRoute {
  path: string;
  method: string;
  handler: (req: RouteRequest, res: ServerResponse) => void;
}

export interface ConsoleRoutes {
  routes: ConsoleRoute[];
  apiPath: '/api/';
  /** Ends the open event streams: an HTTP server cannot close while they are open. */
  close(): void;
}

const MAX_BODY = 1024 * 1024;
const MAX_UPLOAD = 20 * 1024 * 1024;

const DEFAULT_GROUPS: ReadonlyMap<string, readonly string[]> = new Map([['S0ONCALL', ['U0APPROVER']]]);

/** Who the console's requests say they come from. */
const CONSOLE_ORIGIN: RequestOrigin = {
  team: { id: 'T0CONSOLE', domain: 'console' },
  appId: 'A0CONSOLE',
  token: 'console-verification-token',
};

const channelIdSchema = z.string().regex(/^[CDG][A-Z0-9]{1,20}$/);
const commandInput = z.object({ userId: userIdSchema, channelId: channelIdSchema, text: z.string().max(4000) });
const actionInput = z.object({
  userId: userIdSchema,
  channelId: channelIdSchema,
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

/**
 * The local console: the Slack twin (src/slack-twin) served over HTTP on Bolt's own port. The page
 * and its event stream, signed slash commands and button clicks sent to Bolt exactly as Slack sends
 * them, response_urls, and the Web API methods s3x calls.
 */
export function consoleRoutes(options: ConsoleOptions): ConsoleRoutes {
  const stream = new EventStream();
  const workspace = new SlackWorkspace({
    team: CONSOLE_ORIGIN.team,
    botUserId: CONSOLE_BOT_USER,
    botId: 'BLOCALS3X',
    ...(options.now ? { now: options.now } : {}),
    onEvent: (event) => stream.broadcast(event),
  });
  const webApi = createWebApi(workspace, {
    baseUrl: options.baseUrl,
    uploadPath: (fileId) => `/console/upload/${fileId}`,
    filePath: (fileId) => `/console/files/${fileId}`,
    ...(options.botToken ? { botToken: options.botToken } : {}),
    groups: options.groups ?? DEFAULT_GROUPS,
  });

  const newResponseUrl = (target: ResponseTarget): string =>
    `${options.baseUrl()}/console/response/${workspace.addResponseTarget(target)}`;
  const channelOf = (id: string, otherName: string) => ({
    id,
    name: id === CONSOLE_CHANNEL.id ? CONSOLE_CHANNEL.name : otherName,
  });

  /** Sign and POST a form body to Bolt; returns the ack body, or undefined after reporting why it failed. */
  const sendToBolt = async (body: string, what: string): Promise<string | undefined> => {
    const url = options.eventsUrl?.() ?? `${options.baseUrl()}${EVENTS_PATH}`;
    let response: Response;
    try {
      response = await postSigned(url, body, { secret: options.signingSecret, timestamp: workspace.nowSeconds() });
    } catch (error) {
      workspace.reportError(`The bot is down: ${what} could not be delivered (${causeOf(error)}).`);
      return undefined;
    }
    const text = await response.text();
    if (!response.ok) {
      workspace.reportError(`The bot answered ${response.status} to ${what}${explainStatus(response.status)}.`);
      return undefined;
    }
    return text;
  };

  const handleCommand = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const input = commandInput.safeParse(await readJson(req, MAX_BODY));
    if (!input.success) return sendJson(res, 400, { ok: false, error: 'invalid_request' });
    const { userId: user, channelId: channel, text } = input.data;
    // The typed command as the page shows it: `reports/q3\u200b-forecast.parquet` must not look like the real key.
    workspace.post({
      channel,
      author: user,
      text: showInvisibleKeepingLines(`/s3x ${text}`.trim()),
      blocks: [],
      visibleTo: user,
    });
    const target: ResponseTarget = { userId: user, channelId: channel, fromCommand: true };
    const body = slashCommandForm(CONSOLE_ORIGIN, {
      channel: channelOf(channel, channel.toLowerCase()),
      userId: user,
      text,
      responseUrl: newResponseUrl(target),
      triggerId: workspace.newTrigger(user),
    });
    const ack = await sendToBolt(body, `/s3x ${text}`.trim());
    if (ack === undefined) return sendJson(res, 200, { ok: false, error: 'bot_unavailable' });
    if (ack.trim() !== '') workspace.respond(target, ackBody(ack));
    sendJson(res, 200, { ok: true });
  };

  const handleAction = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const input = actionInput.safeParse(await readJson(req, MAX_BODY));
    if (!input.success) return sendJson(res, 400, { ok: false, error: 'invalid_request' });
    const click = input.data;
    const message = workspace.message(click.messageId);
    if (!message) return sendJson(res, 404, { ok: false, error: 'message_not_found' });
    const target: ResponseTarget = { userId: click.userId, channelId: click.channelId, original: message.ts, fromCommand: false };
    const body = blockActionsForm(CONSOLE_ORIGIN, {
      userId: click.userId,
      channel: channelOf(click.channelId, click.channelId),
      message: { ts: message.ts, ephemeral: message.visibleTo !== undefined, text: message.text, blocks: message.blocks },
      triggerId: workspace.newTrigger(click.userId),
      state: click.state,
      responseUrl: newResponseUrl(target),
      action: {
        actionId: click.actionId,
        blockId: click.blockId,
        text: buttonText(message.blocks, click.actionId),
        value: click.value,
        actionTs: workspace.nextTs(),
      },
    });
    const ack = await sendToBolt(body, `the ${click.actionId} click`);
    sendJson(res, 200, ack === undefined ? { ok: false, error: 'bot_unavailable' } : { ok: true });
  };

  const handleResponse = async (req: RouteRequest, res: ServerResponse): Promise<void> => {
    const target = workspace.responseTarget(param(req, 'id'));
    const body = await readJson(req, MAX_BODY);
    if (!target) {
      workspace.reportError('The bot answered through an unknown or expired response_url.');
      return sendJson(res, 404, { ok: false, error: 'expired_url' });
    }
    if (!isRecord(body)) return sendJson(res, 400, { ok: false, error: 'invalid_payload' });
    workspace.respond(target, body);
    sendJson(res, 200, { ok: true });
  };

  const handleApi = async (req: RouteRequest, res: ServerResponse): Promise<void> => {
    const args = parseApiArgs(req.headers['content-type'] ?? '', await readBody(req, MAX_BODY));
    sendJson(res, 200, webApi(param(req, 'method'), args, tokenOf(req.headers.authorization, args)));
  };

  const handleUpload = async (req: RouteRequest, res: ServerResponse): Promise<void> => {
    const fileId = param(req, 'fileId');
    const name = workspace.pendingUpload(fileId);
    if (!name) return sendJson(res, 404, { ok: false, error: 'file_not_found' });
    const bytes = uploadedBytes(req.headers['content-type'] ?? '', await readBody(req, MAX_UPLOAD));
    workspace.finishUpload(fileId, name, bytes);
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${bytes.length}`);
  };

  const handleDownload = (req: RouteRequest, res: ServerResponse): void => {
    const file = workspace.file(param(req, 'fileId'));
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
    stream.attach(res, { type: 'snapshot', messages: workspace.messageList() }, (onClose) => req.on('close', onClose));
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
    close: () => stream.close(),
  };
}

/** A route whose caller is checked first and whose failures become a JSON 4xx/5xx, never an unhandled rejection. */
function route(
  path: string,
  method: string,
  caller: Caller,
  baseUrl: () => string,
  handler: (req: RouteRequest, res: ServerResponse) => void | Promise<void>,
): ConsoleRoute {
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

function param(req: RouteRequest, name: string): string {
  const value = req.params?.[name];
  return typeof value === 'string' ? value : '';
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** A slash command ack: JSON (a message), or plain text (Slack shows it as the message text). */
function ackBody(text: string): Record<string, unknown> {
  const parsed = parseJson(text);
  return isRecord(parsed) ? { ...parsed, replace_original: false } : { text };
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
