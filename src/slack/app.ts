import { type IncomingMessage, type Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { App as BoltApp, LogLevel as BoltLogLevel, CustomRoute, webApi } from '@slack/bolt';
import { CachedGroupMembers } from '../access/access-policy.js';
import type { ApprovalStore } from '../approvals/approval.js';
import { type ApprovalDeps, type ApprovalPolicy, ApprovalService } from '../approvals/approval-service.js';
import type { AccountPort, ChangeRequest, Plan } from '../remediation/types.js';
import { workflowSteps } from './functions/workflow-steps.js';
import { EVENTS_PATH, HEALTH_PATH } from './ids.js';
import { registerAlertActions, registerWatchAction } from './listeners/actions/alert-buttons.js';
import { registerApproveAction } from './listeners/actions/approve.js';
import { registerDenyPrincipalAction } from './listeners/actions/deny-principal.js';
import { registerDigestDrillAction } from './listeners/actions/digest-drill.js';
import { registerEnableLoggingAction } from './listeners/actions/enable-logging.js';
import { registerExportCsvAction } from './listeners/actions/export-csv.js';
import { registerPageAction } from './listeners/actions/page.js';
import { registerRejectAction } from './listeners/actions/reject.js';
import { registerRevertAction } from './listeners/actions/revert.js';
import { registerShareAction } from './listeners/actions/share.js';
import { registerShowDiffAction } from './listeners/actions/show-diff.js';
import { registerShowEventAction } from './listeners/actions/show-event.js';
import { registerSubmitChangeAction } from './listeners/actions/submit-change.js';
import { routeButtons } from './listeners/button-routes.js';
import { publishExpired, publishTimeBoxesEnded } from './listeners/change-flow.js';
import { type CommandDeps, registerS3xCommand } from './listeners/s3x-command.js';

export interface SlackAppOptions {
  botToken: string;
  /** HTTP mode: every request's signature is verified with this secret. */
  signingSecret?: string;
  /** Socket Mode (app-level token) instead of HTTP. */
  appToken?: string;
  /** Web API base URL (tests, the local console). */
  apiUrl?: string;
  port: number;
  /** The address to listen on (HTTP mode); every interface when unset. */
  host?: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Skip `auth.test` at start (local mode and tests have no real workspace). */
  botIdentity?: { botId: string; botUserId: string };
  /** More HTTP routes on the same port (the local console). */
  extraRoutes?: CustomRoute[];
  /** Web API retries (tests make them instant); SLACK_WEB_API_RETRY by default. */
  retryConfig?: webApi.RetryOptions;
  /** The clock request timestamps are checked against (ms since the epoch); Date.now by default. */
  requestClock?: () => number;
}

/** Slack's replay window: a request whose timestamp is further than this from now, either way, is refused. */
export const REQUEST_TIMESTAMP_WINDOW_MS = 5 * 60_000;

/**
 * Web API retries on network errors, 5xx and 429. Bolt's default is 10 retries over about 30
 * minutes, which would hold a click's outcome (and the approval message's update) for half an hour:
 * here 3 retries over about 7 s, then the listener tells the person. A 429 first waits out
 * Slack's Retry-After (the client pauses all its calls meanwhile), then counts as one retry.
 */
export const SLACK_WEB_API_RETRY: webApi.RetryOptions = {
  retries: 3,
  factor: 2,
  minTimeout: 1000,
  maxTimeout: 4000,
  randomize: true,
};

export interface SlackApp {
  app: BoltApp;
  approvals?: ApprovalService;
  start(): Promise<{ port: number }>;
  /** Run work outside a listener (a digest run) so that `stop` waits for it too. */
  track<T>(work: () => Promise<T>): Promise<T>;
  /** Accepted work not finished yet: listeners (also after their ack) and tracked work. */
  readonly inFlight: number;
  /**
   * Stop taking Slack requests (503 on /slack/events and /healthz; in Socket Mode, disconnect), wait
   * up to `drainTimeoutMs` for accepted work to finish, call `onDrained`, then close the server.
   * What is still running then is `inFlight`. Other routes (the local console, which plays Slack's
   * Web API and response_urls for the work being drained) keep working until the close.
   */
  stop(options?: { drainTimeoutMs?: number; onDrained?: () => void }): Promise<void>;
}

const DEFAULT_DRAIN_TIMEOUT_MS = 25_000;
/** How often pending approval requests past their expiry are expired and published. */
/** Expiries and time boxes are checked this often: a `--for 1m` change reverts within 15 s of its time. */
const EXPIRY_SWEEP_MS = 15_000;

/** Work accepted and not finished yet. */
class InFlight {
  private running = 0;
  private waiters: Array<() => void> = [];

  get count(): number {
    return this.running;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await work();
    } finally {
      if (--this.running === 0) for (const wake of this.waiters.splice(0)) wake();
    }
  }

  idle(): Promise<void> {
    return this.running === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

/**
 * Bolt's App module, not its index: the index also loads Express and the Lambda receiver, which
 * s3x never uses (about 6 MB resident and a sixth of Bolt's load time at every start). Required
 * as CommonJS, so that Node and the test runner see the same exports.
 */
const { default: App, LogLevel } = createRequire(import.meta.url)('@slack/bolt/dist/App.js') as {
  default: typeof BoltApp;
  LogLevel: typeof BoltLogLevel;
};

const LOG_LEVELS = { debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR } as const;

/** The Bolt app: HTTP receiver (signed requests on /slack/events) or Socket Mode, plus /healthz. */
/** The change flow's parts; the approval service itself is built here, with the app's group lookup. */
export interface RemediationDeps extends Pick<ApprovalDeps, 'lease' | 'log'> {
  account: AccountPort;
  store: ApprovalStore;
  policy: ApprovalPolicy;
  plan: (change: ChangeRequest) => Promise<Plan>;
}

/** Slack user group membership through the Web API, cached for a few minutes. */
export function slackGroupMembers(client: webApi.WebClient): CachedGroupMembers {
  return new CachedGroupMembers(async (usergroup) => {
    const result = await client.usergroups.users.list({ usergroup });
    return result.users ?? [];
  }, Date.now);
}

/** What the app needs besides Slack settings; group membership is resolved through the app's own client. */
export type SlackAppDeps = Omit<CommandDeps, 'groups' | 'approvals'> & { remediation?: RemediationDeps };

export function createSlackApp(options: SlackAppOptions, appDeps: SlackAppDeps): SlackApp {
  const socketMode = options.appToken !== undefined;
  const app = new App({
    token: options.botToken,
    signingSecret: options.signingSecret,
    appToken: options.appToken,
    socketMode,
    port: options.port,
    // Socket Mode serves custom routes (/healthz) on its own HTTP server: keep it on PORT too.
    ...(socketMode ? { installerOptions: { port: options.port } } : {}),
    endpoints: EVENTS_PATH,
    // Bolt's default conversation store costs every request a lookup that throws "not found"; s3x keeps no conversation state.
    convoStore: false,
    logLevel: LOG_LEVELS[options.logLevel],
    clientOptions: {
      ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
      retryConfig: options.retryConfig ?? SLACK_WEB_API_RETRY,
    },
    ...(options.botIdentity ? { ...options.botIdentity, tokenVerificationEnabled: false } : {}),
    customRoutes: [
      {
        path: HEALTH_PATH,
        method: ['GET'],
        handler: (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"ok":true}');
        },
      },
      ...(options.extraRoutes ?? []),
    ],
  });
  const inFlight = new InFlight();
  app.error(async (error) => {
    // Last resort: listeners answer their own errors; this only records what escaped them.
    app.logger.error(`unhandled listener error: ${error.message}`);
  });
  const groups = slackGroupMembers(app.client);
  const { remediation, ...rest } = appDeps;
  const approvals = remediation ? new ApprovalService({ ...remediation, groups, now: appDeps.now }) : undefined;
  const deps: CommandDeps = { ...rest, groups, ...(approvals ? { approvals } : {}) };
  registerS3xCommand(app, deps);
  const { buttons, click } = routeButtons(app);
  registerPageAction(buttons, deps);
  registerShareAction(buttons, deps);
  registerExportCsvAction(buttons, deps);
  registerShowEventAction(buttons, deps);
  registerEnableLoggingAction(buttons, deps);
  registerSubmitChangeAction(buttons, deps);
  registerApproveAction(buttons, deps);
  registerRejectAction(buttons, deps);
  registerRevertAction(buttons, deps);
  registerShowDiffAction(buttons, deps);
  registerDenyPrincipalAction(buttons, deps);
  registerDigestDrillAction(buttons, deps);
  registerAlertActions(buttons, deps);
  registerWatchAction(buttons, deps);
  const step = workflowSteps(deps);
  // The one global middleware: the request counts as in flight until it is handled (after the ack
  // too). Clicks and workflow steps are routed here, so Bolt's listeners are the slash command's
  // alone: Bolt runs every listener's chain for every request, each ack included.
  app.use((args) => inFlight.run(() => click(args) ?? step(args) ?? args.next()));

  let server: Server | undefined;
  let draining = false;
  let expirySweep: NodeJS.Timeout | undefined;
  return {
    app,
    approvals,
    async start() {
      // Requests nobody clicks still expire (and complete a waiting workflow step).
      if (approvals)
        expirySweep = setInterval(
          () =>
            void inFlight
              .run(async () => {
                await publishExpired(approvals, app.client, app.logger).catch(() => undefined);
                await publishTimeBoxesEnded(approvals, app.client, app.logger);
              })
              .catch(() => undefined),
          EXPIRY_SWEEP_MS,
        ).unref();
      // HTTP mode: every response of the server is a GuardedResponse (see guardRequests).
      const started = (await (socketMode
        ? app.start(options.port)
        : app.start(options.host ? { port: options.port, host: options.host } : options.port, {
            ServerResponse: GuardedResponse as typeof ServerResponse,
          }))) as unknown;
      server = started && typeof (started as Server).address === 'function' ? (started as Server) : undefined;
      if (server) guardRequests(server, { draining: () => draining, now: options.requestClock ?? Date.now });
      const address = server?.address();
      return { port: address && typeof address === 'object' ? address.port : options.port };
    },
    track: (work) => inFlight.run(work),
    get inFlight() {
      return inFlight.count;
    },
    async stop({ drainTimeoutMs = DEFAULT_DRAIN_TIMEOUT_MS, onDrained } = {}) {
      draining = true;
      clearInterval(expirySweep);
      // Socket Mode: no more events over the socket. HTTP: the server answers 503 until it closes.
      const disconnected = server ? undefined : app.stop().catch(() => undefined);
      server?.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), drainTimeoutMs);
      });
      await Promise.race([inFlight.idle(), timedOut]);
      onDrained?.();
      // Resolves when the connections still open (a request mid-way, an answer being sent) have ended.
      const closed = disconnected ?? app.stop().catch(() => undefined);
      server?.closeIdleConnections();
      await Promise.race([closed, timedOut]);
      clearTimeout(timer);
      server?.closeAllConnections();
    },
  };
}

/**
 * While draining, a Slack request (or a health check) gets 503, so Slack shows the user an error
 * rather than a silent drop and a load balancer stops sending; requests accepted before keep
 * running. Responses finished during the drain close their connection, so the server can close.
 * Before Bolt sees a Slack request, its timestamp must be within 5 minutes of now **either way**:
 * Bolt refuses old timestamps only, so a signed request dated in the future could be replayed
 * until that date. A missing or malformed timestamp is left to Bolt, which refuses it.
 * The requests passed on get their response's framing rules (GuardedResponse).
 */
function guardRequests(server: Server, guard: { draining: () => boolean; now: () => number }): void {
  const handlers = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners('request');
  const closeIdleWhenDraining = () => {
    if (guard.draining()) setImmediate(() => server.closeIdleConnections());
  };
  server.on('request', (req: IncomingMessage, res: GuardedResponse) => {
    const path = pathOf(req.url);
    if (guard.draining() && (path === EVENTS_PATH || path === HEALTH_PATH)) {
      res.writeHead(503, { 'content-type': 'application/json', connection: 'close', 'retry-after': '10' });
      res.end('{"ok":false,"error":"s3x is shutting down"}');
      return;
    }
    const timestamp = Number(req.headers['x-slack-request-timestamp']);
    if (path === EVENTS_PATH && timestamp > 0 && Math.abs(guard.now() - timestamp * 1000) > REQUEST_TIMESTAMP_WINDOW_MS) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"ok":false,"error":"request timestamp is not within 5 minutes of now"}');
      return;
    }
    res.framing = path === EVENTS_PATH ? 'hold-head' : 'plain';
    res.on('finish', closeIdleWhenDraining);
    for (const handler of handlers) handler.call(server, req, res);
  });
}

/** The path of a request URL, without its query. */
function pathOf(url: string | undefined): string {
  const query = url?.indexOf('?') ?? -1;
  return query === -1 ? (url ?? '') : (url as string).slice(0, query);
}

/**
 * The server's response class (one class, so no request pays for wrapping its response), with two
 * rules for the requests guardRequests passes on:
 *
 * - A response sent before the request body was read (Bolt's or the console's 413) says
 *   `Connection: close` and closes: kept alive, the unread body would be parsed as the next request
 *   and the socket reset, failing the client's next request on that connection (ECONNRESET).
 * - On /slack/events (`hold-head`), Bolt answers with `writeHead(status, headers)` then `end(body)`:
 *   the head goes out before the body's length is known, so an ack with a body is sent chunked, five
 *   writes in one writev. Held until `end`, the head and body leave as one write with a Content-Length.
 */
class GuardedResponse extends ServerResponse {
  /** Set by guardRequests; `none` for the responses it writes itself. */
  framing: 'none' | 'plain' | 'hold-head' = 'none';

  override writeHead(...args: unknown[]): this {
    const [statusCode, headers] = args;
    // Only the forms Bolt uses; anything else (a status message, raw header arrays) is passed on as it is.
    if (
      this.framing === 'hold-head' &&
      args.length <= 2 &&
      typeof statusCode === 'number' &&
      (headers === undefined || (typeof headers === 'object' && headers !== null && !Array.isArray(headers)))
    ) {
      // Node writes the head itself at the first write or end, through writeHead again (then passed on).
      this.framing = 'plain';
      this.statusCode = statusCode;
      for (const [name, value] of Object.entries((headers ?? {}) as Record<string, string | number | string[]>))
        this.setHeader(name, value);
      return this;
    }
    // `complete` is false during the request event even without a body: only a body still arriving counts.
    if (this.framing !== 'none' && !this.req.complete && hasBody(this.req)) this.setHeader('connection', 'close');
    return (super.writeHead as (...a: unknown[]) => this).apply(this, args);
  }
}

function hasBody(req: IncomingMessage): boolean {
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}
