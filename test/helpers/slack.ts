import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSlackApp, type SlackApp, type SlackAppDeps, type SlackAppOptions } from '../../src/slack/app.js';
import { readJson } from '../../src/slack-twin/http-body.js';
import {
  blockActionsForm,
  postSigned as postSignedTo,
  type RequestOrigin,
  slackSignature as signatureOf,
  slashCommandForm,
} from '../../src/slack-twin/signing.js';
import { FakeSlackApi } from './fake-slack-api.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';

/** Who the tests' requests say they come from. */
const TEST_ORIGIN: RequestOrigin = {
  team: { id: 'T0TEST', domain: 'test' },
  appId: 'A0TEST',
  token: 'deprecated-verification-token',
};

/** Sign a body as Slack does, with the tests' secret unless told otherwise. */
export function slackSignature(body: string, timestamp: number, secret = SIGNING_SECRET): string {
  return signatureOf(secret, timestamp, body);
}

export interface SlashCommandFields {
  text: string;
  response_url: string;
  user_id?: string;
  channel_id?: string;
}

export function slashCommandBody(fields: SlashCommandFields): string {
  return slashCommandForm(TEST_ORIGIN, {
    channel: { id: fields.channel_id ?? 'C0TEST', name: 'incident' },
    userId: fields.user_id ?? 'U0ASKER',
    text: fields.text,
    responseUrl: fields.response_url,
    triggerId: '123.456.abc',
  });
}

/** POST a body to the app (a form unless `contentType` says otherwise), signed now with the tests' secret unless told otherwise. */
export function postSigned(
  url: string,
  body: string,
  options: { timestamp?: number; signature?: string; secret?: string; contentType?: string } = {},
): Promise<Response> {
  return postSignedTo(url, body, {
    secret: options.secret ?? SIGNING_SECRET,
    timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
    ...(options.contentType ? { contentType: options.contentType } : {}),
    ...(options.signature ? { signature: options.signature } : {}),
  });
}

/** A stand-in for Slack's response_url endpoint: records every JSON body posted to it. */
export class ResponseUrlServer {
  readonly received: Array<{ path: string; body: Record<string, unknown> }> = [];
  private server?: Server;
  private waiters: Array<() => void> = [];

  async start(): Promise<string> {
    this.server = createServer(async (req, res) => {
      const body = (await readJson(req)) as Record<string, unknown>;
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
  const state = Object.fromEntries(
    Object.entries(click.typed ?? {}).map(([blockId, inputs]) => [
      blockId,
      Object.fromEntries(
        Object.entries(inputs).map(([actionId, value]) => [actionId, { type: 'plain_text_input' as const, value }]),
      ),
    ]),
  );
  return blockActionsForm(TEST_ORIGIN, {
    userId: click.userId,
    channel: { id: click.channelId ?? 'C0TEST', name: 'incident' },
    message: { ts: '1700000000.000100', ephemeral: true },
    triggerId: click.triggerId ?? '123.456.trigger',
    ...(click.typed ? { state } : {}),
    responseUrl: click.responseUrl,
    action: { actionId: click.actionId, blockId: 'b1', text: 'x', value: click.value, actionTs: '1700000001.000200' },
  });
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

/** What a suite talks to: the app's events URL, the fake Web API and the response_url server. */
export interface RunningSlackApp {
  slack: SlackApp;
  /** `http://127.0.0.1:<port>` */
  base: string;
  eventsUrl: string;
  /** Base of the response_urls the suite hands out (`${responseBase}/some-path`). */
  responseBase: string;
}

/**
 * The app under test as Slack sees it, one per suite: Bolt on a free port with the tests' token,
 * secret and bot identity, the fake Web API (test/helpers/fake-slack-api.ts) and a response_url server.
 */
export class SlackTestApp {
  readonly api = new FakeSlackApi();
  readonly responses = new ResponseUrlServer();
  private running?: RunningSlackApp;
  private servers?: Promise<[string, string]>;
  private counter = 0;

  /** Start Bolt (again, after the suite stopped the last one: a restart); the fake Web API and response_url server once. */
  async start(deps: SlackAppDeps, options: Partial<SlackAppOptions> = {}): Promise<RunningSlackApp> {
    this.servers ??= Promise.all([this.api.start(), this.responses.start()]);
    const [apiUrl, responseBase] = await this.servers;
    const slack = createSlackApp(
      {
        botToken: 'xoxb-test',
        signingSecret: SIGNING_SECRET,
        port: 0,
        logLevel: 'error',
        apiUrl,
        botIdentity: { botId: 'B1', botUserId: 'U1' },
        ...options,
      },
      deps,
    );
    const base = `http://127.0.0.1:${(await slack.start()).port}`;
    this.running = { slack, base, eventsUrl: `${base}/slack/events`, responseBase };
    return this.running;
  }

  async stop(): Promise<void> {
    await this.running?.slack.stop();
    await this.responses.stop();
    await this.api.stop();
  }

  /** Post `/s3x <text>` with a response_url of its own: the app's ack, and the path its answers arrive at in `responses`. */
  async command(text: string, from: { userId?: string; channelId?: string } = {}): Promise<{ ack: Response; path: string }> {
    const { eventsUrl, responseBase } = this.started();
    const path = `/command-${++this.counter}`;
    const body = slashCommandBody({
      text,
      response_url: `${responseBase}${path}`,
      ...(from.userId ? { user_id: from.userId } : {}),
      ...(from.channelId ? { channel_id: from.channelId } : {}),
    });
    return { ack: await postSigned(eventsUrl, body), path };
  }

  /** Click a button with a response_url of its own: the app's ack, and the path its answers arrive at in `responses`. */
  async click(click: Omit<Parameters<typeof buttonClickBody>[0], 'responseUrl'>): Promise<{ ack: Response; path: string }> {
    const { eventsUrl, responseBase } = this.started();
    const path = `/click-${++this.counter}`;
    return { ack: await postSigned(eventsUrl, buttonClickBody({ ...click, responseUrl: `${responseBase}${path}` })), path };
  }

  private started(): RunningSlackApp {
    if (!this.running) throw new Error('start the app first');
    return this.running;
  }
}
