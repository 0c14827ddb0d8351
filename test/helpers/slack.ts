import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';

/** Sign a body exactly as Slack does: v0=HMAC-SHA256(secret, `v0:${ts}:${body}`). */
export function slackSignature(body: string, timestamp: number, secret = SIGNING_SECRET): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SlashCommandFields {
  text: string;
  response_url: string;
  user_id?: string;
  channel_id?: string;
}

export function slashCommandBody(fields: SlashCommandFields): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0TEST',
    team_domain: 'test',
    channel_id: fields.channel_id ?? 'C0TEST',
    channel_name: 'incident',
    user_id: fields.user_id ?? 'U0ASKER',
    user_name: 'asker',
    command: '/s3x',
    text: fields.text,
    response_url: fields.response_url,
    trigger_id: '123.456.abc',
    api_app_id: 'A0TEST',
  }).toString();
}

/** POST a body to the app (a form unless `contentType` says otherwise), signed unless told otherwise. */
export async function postSigned(
  url: string,
  body: string,
  options: { timestamp?: number; signature?: string; secret?: string; contentType?: string } = {},
): Promise<Response> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': options.signature ?? slackSignature(body, timestamp, options.secret),
    },
    body,
  });
}

/** A stand-in for Slack's response_url endpoint: records every JSON body posted to it. */
export class ResponseUrlServer {
  readonly received: Array<{ path: string; body: Record<string, unknown> }> = [];
  private server?: Server;
  private waiters: Array<() => void> = [];

  async start(): Promise<string> {
    this.server = createServer(async (req, res) => {
      const body = JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>;
      this.received.push({ path: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
      for (const wake of this.waiters.splice(0)) wake();
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Wait until `count` posts have arrived at `path` (or fail after `timeoutMs`). */
  async waitFor(path: string, count = 1, timeoutMs = 20_000): Promise<Array<Record<string, unknown>>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const matching = this.received.filter((r) => r.path === path).map((r) => r.body);
      if (matching.length >= count) return matching;
      if (Date.now() > deadline) throw new Error(`no post to ${path} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A block_actions payload for one button click, form-encoded as Slack sends it. */
export function buttonClickBody(click: {
  userId: string;
  channelId?: string;
  actionId: string;
  value: string;
  responseUrl: string;
  triggerId?: string;
  /** Text typed in the message's plain-text inputs: block_id → action_id → value (Slack's `state.values`). */
  typed?: Record<string, Record<string, string>>;
}): string {
  const values = Object.fromEntries(
    Object.entries(click.typed ?? {}).map(([blockId, inputs]) => [
      blockId,
      Object.fromEntries(Object.entries(inputs).map(([actionId, value]) => [actionId, { type: 'plain_text_input', value }])),
    ]),
  );
  const payload = {
    type: 'block_actions',
    team: { id: 'T0TEST', domain: 'test' },
    user: { id: click.userId, username: click.userId.toLowerCase(), team_id: 'T0TEST' },
    api_app_id: 'A0TEST',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: click.channelId ?? 'C0TEST', is_ephemeral: true },
    trigger_id: click.triggerId ?? '123.456.trigger',
    channel: { id: click.channelId ?? 'C0TEST', name: 'incident' },
    ...(click.typed ? { state: { values } } : {}),
    response_url: click.responseUrl,
    actions: [
      {
        type: 'button',
        action_id: click.actionId,
        block_id: 'b1',
        text: { type: 'plain_text', text: 'x' },
        value: click.value,
        action_ts: '1700000001.000200',
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** Every button in a message's blocks (section accessories and actions elements). */
export function buttonsIn(blocks: unknown): Array<{ action_id: string; value: string; text: string }> {
  const found: Array<{ action_id: string; value: string; text: string }> = [];
  for (const block of (blocks as Array<Record<string, unknown>>) ?? []) {
    const candidates = [block.accessory, ...((block.elements as unknown[]) ?? [])] as Array<Record<string, unknown> | undefined>;
    for (const element of candidates) {
      if (element?.type === 'button') {
        found.push({
          action_id: String(element.action_id),
          value: String(element.value),
          text: String((element.text as { text: string }).text),
        });
      }
    }
  }
  return found;
}

/**
 * A Workflow Builder custom step run, as Slack sends it: an Events API `event_callback` (JSON)
 * carrying `function_executed` with the step's inputs, its execution id and a workflow token.
 */
export function functionExecutedBody(step: {
  callbackId: string;
  inputs: Record<string, unknown>;
  executionId: string;
  botAccessToken?: string;
}): string {
  return JSON.stringify({
    token: 'deprecated-verification-token',
    team_id: 'T0TEST',
    api_app_id: 'A0TEST',
    event: {
      type: 'function_executed',
      function: {
        id: `Fn0${step.callbackId.toUpperCase().replace(/_/g, '')}`,
        callback_id: step.callbackId,
        title: step.callbackId,
        type: 'app',
        input_parameters: [],
        output_parameters: [],
        app_id: 'A0TEST',
        date_created: 1700000000,
        date_updated: 1700000000,
        date_deleted: 0,
      },
      inputs: step.inputs,
      function_execution_id: step.executionId,
      workflow_execution_id: `Wx${step.executionId}`,
      event_ts: '1700000000.000100',
      bot_access_token: step.botAccessToken ?? `xwfp-${step.executionId}`,
    },
    type: 'event_callback',
    event_id: `Ev${step.executionId}`,
    event_time: 1700000000,
    authorizations: [{ enterprise_id: null, team_id: 'T0TEST', user_id: 'U1', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  });
}
