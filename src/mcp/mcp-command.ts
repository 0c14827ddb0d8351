import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AnswerDeps, Reply } from '../answer.js';
import { type Io, openAnswerDeps, print } from '../cli.js';
import { loadConfig } from '../config.js';
import { QuestionQueue } from '../engines/question-queue.js';
import { UsageError } from '../errors.js';
import { escapeUnsafeJson } from '../safe-text.js';
import { registerQuestionTools } from './question-tools.js';

export const MCP_HELP = `s3x mcp [--logs DIR] [--http [--port N]]

Serves s3x's questions to an AI assistant over the Model Context Protocol: one read-only tool
per question (who-deleted, who-wrote, who-read, history, activity, principal, denied,
bucket-events, status, digest), each answering exactly what \`s3x <question> --format json\`
prints. Settings are the CLI's (S3X_ENGINE, S3X_LOGS_DIR, ATHENA_*, ...).

  (default)     stdio: the assistant starts \`s3x mcp\` and talks over stdin/stdout
  --http        streamable HTTP on http://127.0.0.1:PORT/mcp instead (loopback only)
  --port N      the HTTP port (default 3333; 0 picks a free one)
  --logs DIR    the local engine's CloudTrail files (default S3X_LOGS_DIR, else the sample archive)

Every tool call is logged on stderr with the client that made it.
`;

interface McpOptions {
  logs?: string;
  http: boolean;
  port: number;
}

const SERVER_INFO = { name: 's3x', version: '0.1.0' };
const DEFAULT_HTTP_PORT = 3333;

/** `s3x mcp`: serve until the client goes away (stdio) or SIGINT/SIGTERM. */
export async function runMcp(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  io: Io,
  now: () => Date,
): Promise<number> {
  if (argv.includes('--help')) {
    io.out(MCP_HELP);
    return 0;
  }
  const options = parseMcpArgs(argv);
  const config = loadConfig(env);
  const { deps, close } = await openAnswerDeps(config, options.logs, now);
  // Questions from an assistant queue like the app's: a burst does not start every scan at once.
  const queued: AnswerDeps = { ...deps, engine: new QuestionQueue(deps.engine, config.questions) };
  const log = (line: string) => io.err(`[s3x mcp] ${line}\n`);
  try {
    if (options.http) await serveHttp(queued, options.port, log);
    else await serveStdio(queued, log);
    return 0;
  } finally {
    await close();
  }
}

function parseMcpArgs(argv: readonly string[]): McpOptions {
  const options: McpOptions = { http: false, port: DEFAULT_HTTP_PORT };
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === '--http') {
      options.http = true;
      continue;
    }
    const [name, inline] = word.includes('=')
      ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)]
      : [word, undefined];
    if (name !== '--logs' && name !== '--port')
      throw new UsageError(`\`s3x mcp\` takes --logs DIR, --http and --port N, not ${word}.`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new UsageError(`${name} needs a value.`);
    if (name === '--logs') options.logs = value;
    else if (/^\d{1,5}$/.test(value) && Number(value) <= 65535) options.port = Number(value);
    else throw new UsageError(`--port must be a port number (0 to 65535), not ${value}.`);
  }
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

function newServer(deps: AnswerDeps, log: (line: string) => void, transportCaller: () => string): McpServer {
  const server = new McpServer(SERVER_INFO);
  const caller = () => {
    const client = server.server.getClientVersion();
    return `${client ? `${client.name}/${client.version}` : 'unknown-client'}${transportCaller()}`;
  };
  registerQuestionTools(server, { deps, renderJson, log, caller });
  return server;
}

async function serveStdio(deps: AnswerDeps, log: (line: string) => void): Promise<void> {
  const server = newServer(deps, log, () => ' via stdio');
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
async function serveHttp(deps: AnswerDeps, port: number, log: (line: string) => void): Promise<void> {
  const http = createServer((req, res) => {
    handleHttp(req, res, deps, log, http.address() as AddressInfo).catch((error: unknown) => {
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
  deps: AnswerDeps,
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
  const server = newServer(deps, log, () => ` via http from ${req.socket.remoteAddress ?? 'unknown'}`);
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
