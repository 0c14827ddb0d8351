import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AnswerDeps, Reply } from '../answers/answer-request.js';
import { commandLogsDir } from '../app/logs-dir.js';
import { type Env, type Io, type OwnCommand, print } from '../app/terminal.js';
import { openWiring, type Wiring } from '../app/wiring.js';
import { ApprovalService, REMEDIATION_OFF } from '../approvals/approval-service.js';
import { type Config, loadConfig } from '../config.js';
import { ConfigError, UsageError } from '../errors.js';
import { slackGroupMembers } from '../slack/app.js';
import { createWebClient } from '../slack/web-client.js';
import { escapeUnsafeJson } from '../text/safe-text.js';
import { registerQuestionTools, type ToolLog } from './question-tools.js';
import { type RequestToolContext, registerRequestTools } from './request-tools.js';

const MCP_HELP = `s3x mcp [--logs DIR] [--http [--port N]] [--allow-requests [--requester U…] [--channel C…]]

Serves s3x's questions to an AI assistant over the Model Context Protocol: one read-only tool
per question (who-deleted, who-wrote, who-read, history, activity, principal, denied,
bucket-events, status, digest), each answering exactly what \`s3x <question> --format json\`
prints. Settings are the CLI's (S3X_ENGINE, S3X_LOGS_DIR, ATHENA_*, ...).

  (default)     stdio: the assistant starts \`s3x mcp\` and talks over stdin/stdout
  --http        streamable HTTP on http://127.0.0.1:PORT/mcp instead (loopback only)
  --port N      the HTTP port (default 3333; 0 picks a free one)
  --logs DIR    the local engine's CloudTrail files (default S3X_LOGS_DIR, else the sample archive)
  --allow-requests  also the tools request-enable-logging and request-tighten, which post the
                plan of /s3x enable-logging or /s3x tighten in Slack for approval (never apply it),
                and request-state. Needs SLACK_BOT_TOKEN, approvers (S3X_APPROVERS or
                S3X_APPROVER_GROUP), the requester and the channel:
  --requester U…  the Slack user the requests are made for (S3X_MCP_REQUESTER); they cannot approve them
  --channel C…    where requests are posted (S3X_MCP_CHANNEL, else S3X_DIGEST_CHANNEL)

Every tool call is logged on stderr with the client that made it.
`;

interface McpOptions {
  logs?: string;
  http: boolean;
  port: number;
  allowRequests: boolean;
  requester?: string;
  channel?: string;
}

const SERVER_INFO = { name: 's3x', version: '0.1.0' };
const DEFAULT_HTTP_PORT = 3333;

/** `s3x mcp`: serve until the client goes away (stdio) or SIGINT/SIGTERM. */
export const MCP: OwnCommand = { usage: MCP_HELP, run: runMcp };

async function runMcp(argv: readonly string[], env: Env, io: Io, now: () => Date): Promise<number> {
  const options = parseMcpArgs(argv);
  // The flags are the settings' other spelling, validated by the same schema.
  const config = loadConfig({
    ...env,
    ...(options.requester ? { S3X_MCP_REQUESTER: options.requester } : {}),
    ...(options.channel ? { S3X_MCP_CHANNEL: options.channel } : {}),
  });
  const requestSettings = options.allowRequests ? checkRequestSettings(config) : undefined;
  const log = (line: string) => io.err(`[s3x mcp] ${line}\n`);
  const wiring = await openWiring(config, {
    logsDir: commandLogsDir(config, options.logs),
    replicaId: `mcp-${process.pid}-${randomBytes(4).toString('hex')}`,
    // Requests are stored for approval; questions only read.
    state: requestSettings ? 'create' : 'read',
    // Only the change flow logs while wiring: quiet unless requests are on.
    log: requestSettings ? log : () => undefined,
    now,
  });
  try {
    const tools: Tools = { deps: wiring.answers };
    if (requestSettings) {
      tools.requests = requestTools(wiring, requestSettings);
      log(`change requests on: made for ${requestSettings.requester}, posted in ${requestSettings.channel}`);
    }
    if (options.http) await serveHttp(tools, options.port, log);
    else await serveStdio(tools, log);
    return 0;
  } finally {
    await wiring.close();
  }
}

/** What the tools are served from: the questions' deps, and with --allow-requests the change flow. */
interface Tools {
  deps: AnswerDeps;
  requests?: Omit<RequestToolContext, keyof ToolLog>;
}

type RequestSettings = { botToken: string; requester: string; channel: string };

/**
 * `--allow-requests` refuses to start without somewhere to ask and someone to ask for: one line
 * each. Locally there is no Slack, so no person could approve.
 */
function checkRequestSettings(config: Config): RequestSettings {
  const { botToken } = config.slack;
  if (config.mode === 'local' || !botToken)
    throw new ConfigError(
      '`s3x mcp --allow-requests` posts requests for approval in Slack: set SLACK_BOT_TOKEN (local mode has no Slack, so nobody could approve).',
    );
  const { requester, channel } = config.mcp;
  if (!requester)
    throw new ConfigError(
      '`s3x mcp --allow-requests` needs the Slack user the requests are made for: set S3X_MCP_REQUESTER or pass --requester U….',
    );
  if (!channel)
    throw new ConfigError(
      '`s3x mcp --allow-requests` needs the channel where requests are posted: set S3X_MCP_CHANNEL (or S3X_DIGEST_CHANNEL) or pass --channel C….',
    );
  return { botToken, requester, channel };
}

/**
 * The change flow as the app builds it (planner, store, policy), with the Web API client the app
 * would post through. The account is only read here, to plan: `requestApproval` never applies.
 */
function requestTools(wiring: Wiring, settings: RequestSettings): Omit<RequestToolContext, keyof ToolLog> {
  const { remediation, config, now } = wiring;
  if (!remediation) throw new ConfigError(`\`s3x mcp --allow-requests\`: ${REMEDIATION_OFF}`);
  const client = createWebClient(settings.botToken, config.slack.apiUrl);
  const approvals = new ApprovalService({ ...remediation, groups: slackGroupMembers(client), now });
  return { approvals, client, requester: settings.requester, channel: settings.channel, now };
}

function parseMcpArgs(argv: readonly string[]): McpOptions {
  const options: McpOptions = { http: false, port: DEFAULT_HTTP_PORT, allowRequests: false };
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === '--http' || word === '--allow-requests') {
      if (word === '--http') options.http = true;
      else options.allowRequests = true;
      continue;
    }
    const [name, inline] = word.includes('=')
      ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)]
      : [word, undefined];
    if (!['--logs', '--port', '--requester', '--channel'].includes(name as string))
      throw new UsageError(
        `\`s3x mcp\` takes --logs DIR, --http, --port N, --allow-requests, --requester U… and --channel C…, not ${word}.`,
      );
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new UsageError(`${name} needs a value.`);
    if (name === '--logs') options.logs = value;
    else if (name === '--requester' || name === '--channel') options[name === '--requester' ? 'requester' : 'channel'] = value;
    else if (/^\d{1,5}$/.test(value) && Number(value) <= 65535) options.port = Number(value);
    else throw new UsageError(`--port must be a port number (0 to 65535), not ${value}.`);
  }
  if ((options.requester || options.channel) && !options.allowRequests)
    throw new UsageError('--requester and --channel are for --allow-requests.');
  return options;
}

/** The CLI's `--format json` text for a reply, escaped as the CLI escapes what it prints. */
function renderJson(reply: Reply): string {
  let out = '';
  let err = '';
  const code = print(reply, 'json', { out: (text) => (out += text), err: (text) => (err += text) });
  if (code !== 0) throw new Error(err.trim() || `no JSON for a ${reply.kind} reply`);
  return escapeUnsafeJson(out);
}

function newServer(tools: Tools, log: (line: string) => void, transportCaller: () => string): McpServer {
  const server = new McpServer(SERVER_INFO);
  const caller = () => {
    const client = server.server.getClientVersion();
    return `${client ? `${client.name}/${client.version}` : 'unknown-client'}${transportCaller()}`;
  };
  registerQuestionTools(server, { deps: tools.deps, renderJson, log, caller });
  if (tools.requests) registerRequestTools(server, { ...tools.requests, log, caller });
  return server;
}

async function serveStdio(tools: Tools, log: (line: string) => void): Promise<void> {
  const server = newServer(tools, log, () => ' via stdio');
  const transport = new StdioServerTransport();
  await server.connect(transport);
  log('serving over stdio');
  await untilStopped((stop) => {
    process.stdin.once('end', stop);
    process.stdin.once('close', stop);
  });
  await server.close();
}

/**
 * Streamable HTTP, stateless: each POST gets its own server and transport (the SDK's stateless
 * pattern), all sharing one engine. Bound to 127.0.0.1 with Host checks (DNS rebinding).
 */
async function serveHttp(tools: Tools, port: number, log: (line: string) => void): Promise<void> {
  const http = createServer((req, res) => {
    handleHttp(req, res, tools, log, http.address() as AddressInfo).catch((error: unknown) => {
      log(`http request failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, '127.0.0.1', resolve);
  });
  const address = http.address() as AddressInfo;
  log(`serving streamable HTTP on http://127.0.0.1:${address.port}/mcp`);
  await untilStopped(() => undefined);
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
}

async function handleHttp(
  req: IncomingMessage,
  res: ServerResponse,
  tools: Tools,
  log: (line: string) => void,
  address: AddressInfo,
): Promise<void> {
  if ((req.url ?? '').split('?')[0] !== '/mcp') {
    res.writeHead(404).end();
    return;
  }
  if (req.method !== 'POST') {
    // Stateless: no server-initiated stream (GET) and no session to delete.
    res.writeHead(405, { allow: 'POST' }).end();
    return;
  }
  const server = newServer(tools, log, () => ` via http from ${req.socket.remoteAddress ?? 'unknown'}`);
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
    enableDnsRebindingProtection: true,
    allowedHosts: [`127.0.0.1:${address.port}`, `localhost:${address.port}`],
  });
  res.on('close', () => {
    transport.close().catch(() => undefined);
    server.close().catch(() => undefined);
  });
  await server.connect(transport);
  await transport.handleRequest(req, res);
}

/** Resolves on SIGINT/SIGTERM, or when `more` calls its stop. */
function untilStopped(more: (stop: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    more(stop);
  });
}
