import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { commandWords, propertyName } from '../../src/commands/command-words.js';
import { SUBCOMMANDS } from '../../src/commands/grammar.js';
import { QUESTION_TOOLS } from '../../src/mcp/question-tools.js';
import { tempDir } from '../helpers/archive.js';
import { REAL_DATASETS, REPO_ROOT } from '../helpers/paths.js';

/**
 * `s3x mcp` as an assistant runs it: the SDK's own client spawns the built CLI over stdio, on the
 * real public CloudTrail records, and every tool's structured output is compared with what
 * `s3x <question> --format json` prints for the same question on the same files.
 */

/** One question per tool, on records that answer it (see test/questions/real-datasets.test.ts). */
const CASES: Array<{ tool: (typeof QUESTION_TOOLS)[number]; args: Record<string, string>; argv: string[] }> = [
  {
    tool: 'who-deleted',
    // No exact match on a named directory bucket: the answer carries the coverage verdict.
    args: { key: 'any/key', bucket: 'amzn-s3-demo-bucket--use2-az2--x-s3', since: '2024-09-10', until: '2024-09-12' },
    argv: [
      'who-deleted',
      'any/key',
      '--bucket',
      'amzn-s3-demo-bucket--use2-az2--x-s3',
      '--since',
      '2024-09-10',
      '--until',
      '2024-09-12',
    ],
  },
  {
    tool: 'who-wrote',
    args: { key: 'documents/financial/HOW_TO_DECRYPT_FILES.txt', since: '2025-12-03', until: '2025-12-03' },
    argv: ['who-wrote', 'documents/financial/HOW_TO_DECRYPT_FILES.txt', '--since', '2025-12-03', '--until', '2025-12-03'],
  },
  {
    tool: 'who-read',
    args: { key: 'ring.txt', since: '2020-09-14', until: '2020-09-14' },
    argv: ['who-read', 'ring.txt', '--since', '2020-09-14', '--until', '2020-09-14'],
  },
  {
    tool: 'history',
    args: { key: 'test-get-obj-with-checksum', since: '2024-07-01', until: '2024-07-02' },
    argv: ['history', 'test-get-obj-with-checksum', '--since', '2024-07-01', '--until', '2024-07-02'],
  },
  {
    tool: 'activity',
    args: { bucket: 'mordors3stack-s3bucket-llp2yingx64a', since: '2020-09-14', until: '2020-09-14' },
    argv: ['activity', 'mordors3stack-s3bucket-llp2yingx64a', '--since', '2020-09-14', '--until', '2020-09-14'],
  },
  {
    tool: 'principal',
    args: { arnOrName: 'arn:aws:iam::111111111111:user/compromised-user', since: '2025-12-03', until: '2025-12-03' },
    argv: ['principal', 'arn:aws:iam::111111111111:user/compromised-user', '--since', '2025-12-03', '--until', '2025-12-03'],
  },
  {
    tool: 'denied',
    args: { bucket: 'example-bucket', since: '2023-03-01', until: '2023-03-01' },
    argv: ['denied', '--bucket', 'example-bucket', '--since', '2023-03-01', '--until', '2023-03-01'],
  },
  {
    tool: 'bucket-events',
    args: { bucket: 'stratus-red-team-ctes-bucket-qyxyekjbtk', since: '2023-07-10', until: '2023-07-10' },
    argv: ['bucket-events', 'stratus-red-team-ctes-bucket-qyxyekjbtk', '--since', '2023-07-10', '--until', '2023-07-10'],
  },
  { tool: 'status', args: {}, argv: ['status'] },
  { tool: 'digest', args: { date: '2023-07-10' }, argv: ['digest', '--date', '2023-07-10'] },
  {
    tool: 'who-deleted',
    // The prefix instead of a key: keys under it, per key.
    args: { prefix: 'documents/', since: '2025-12-03', until: '2025-12-03' },
    argv: ['who-deleted', '--prefix', 'documents/', '--since', '2025-12-03', '--until', '2025-12-03'],
  },
];

let dataDir: string;
let client: Client;
let transport: StdioClientTransport;
let serverLog = '';

beforeAll(async () => {
  dataDir = await tempDir('s3x-mcp-');
  transport = new StdioClientTransport({
    command: process.execPath,
    args: [path.join(REPO_ROOT, 'bin', 's3x.js'), 'mcp', '--logs', REAL_DATASETS],
    env: { PATH: process.env.PATH ?? '', S3X_DATA_DIR: dataDir },
    cwd: REPO_ROOT,
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => {
    serverLog += chunk.toString('utf8');
  });
  client = new Client({ name: 's3x-test-client', version: '1.2.3' });
  await client.connect(transport);
});

afterAll(async () => {
  await client?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** What the CLI prints with `--format json` for the same question on the same files, as printed. */
async function cliOutput(argv: string[]): Promise<string> {
  let out = '';
  let err = '';
  const code = await runCli(
    [...argv, '--logs', REAL_DATASETS, '--format', 'json'],
    { S3X_DATA_DIR: dataDir },
    {
      out: (text) => (out += text),
      err: (text) => (err += text),
    },
  );
  expect(err).toBe('');
  expect(code).toBe(0);
  return out;
}

async function cliJson(argv: string[]): Promise<Record<string, unknown>> {
  return JSON.parse(await cliOutput(argv)) as Record<string, unknown>;
}

/** The printed JSON with its wall-clock times taken out. */
const withoutElapsedText = (text: string) => text.replace(/"elapsedMs": \d+/g, '"elapsedMs": 0');

/** Wall-clock time is the only thing two runs may differ in. */
function withoutElapsed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutElapsed);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== 'elapsedMs')
        .map(([k, v]) => [k, withoutElapsed(v)]),
    );
  return value;
}

describe('s3x mcp over stdio (the SDK client spawning the built CLI)', () => {
  it('lists one read-only tool per question, its input schema read off the command grammar', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...QUESTION_TOOLS].sort());
    for (const tool of tools) {
      const spec = SUBCOMMANDS.find((s) => s.name === tool.name);
      expect(spec, tool.name).toBeDefined();
      const expected = [...(spec?.positional ? [spec.positional.name] : []), ...(spec?.options ?? [])].map(propertyName);
      expect(Object.keys(tool.inputSchema.properties ?? {}).sort(), tool.name).toEqual(expected.sort());
      expect(tool.inputSchema.required ?? [], tool.name).toEqual(
        spec?.positional?.required ? [propertyName(spec.positional.name)] : [],
      );
      expect(tool.annotations?.readOnlyHint, tool.name).toBe(true);
      expect(tool.outputSchema?.type, tool.name).toBe('object');
    }
  });

  it('asks no question that would change the account: no enable-logging or tighten tool', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).filter((name) => /enable|tighten|approve|request/.test(name))).toEqual([]);
  });

  it.each(CASES)('$tool answers with exactly the JSON of `s3x $tool --format json`', async ({ tool, args, argv }) => {
    const result = await client.callTool({ name: tool, arguments: args });
    expect(result.isError ?? false).toBe(false);
    const expected = await cliJson(argv);
    const structured = { ...(result.structuredContent as Record<string, unknown>) };
    if (tool === 'status') {
      // The status window ends "now": the two runs may be a second apart, nothing else may differ.
      const windows = [structured, expected].map((d) => d.window as { until: string });
      expect(Math.abs(Date.parse(windows[0]?.until ?? '') - Date.parse(windows[1]?.until ?? ''))).toBeLessThan(60_000);
      delete structured.window;
      delete expected.window;
    }
    expect(withoutElapsed(structured)).toEqual(withoutElapsed(expected));
    // The text content is the same document, for clients that read only text.
    const [content] = result.content as Array<{ type: string; text: string }>;
    expect(content?.type).toBe('text');
    expect(withoutElapsed(JSON.parse(content?.text ?? '{}'))).toEqual(withoutElapsed(result.structuredContent));
    if (tool !== 'status') expect(withoutElapsedText(content?.text ?? '')).toBe(withoutElapsedText(await cliOutput(argv)));
  });

  it('keeps the coverage verdict in the structured output when nothing matched on a named directory bucket', async () => {
    const result = await client.callTool({ name: 'who-deleted', arguments: CASES[0]?.args ?? {} });
    const coverage = (result.structuredContent as { coverage?: { state: string; note: string } }).coverage;
    expect(coverage?.state).toBeTruthy();
    expect(coverage?.note).toBeTruthy();
  });

  it('answers a tool with input its schema refuses with a clear error, not an answer', async () => {
    const missing = await client.callTool({ name: 'who-wrote', arguments: { since: '7d' } });
    expect(missing.isError).toBe(true);
    expect(JSON.stringify(missing.content)).toMatch(/Invalid arguments for tool who-wrote.*key/s);
    // who-deleted takes a key or a prefix: the parser says which is missing.
    const neither = await client.callTool({ name: 'who-deleted', arguments: { since: '7d' } });
    expect(neither.isError).toBe(true);
    expect(JSON.stringify(neither.content)).toMatch(/needs a key or `?--prefix P/);
    const wrongType = await client.callTool({ name: 'activity', arguments: { bucket: 42 } });
    expect(wrongType.isError).toBe(true);
    expect(JSON.stringify(wrongType.content)).toMatch(/Invalid arguments for tool activity/);
  });

  it("answers input the command parser refuses with the parser's own message", async () => {
    const badWindow = await client.callTool({ name: 'who-read', arguments: { key: 'ring.txt', since: 'last tuesday' } });
    expect(badWindow.isError).toBe(true);
    expect(badWindow.structuredContent).toBeUndefined();
    expect((badWindow.content as Array<{ text: string }>)[0]?.text).toMatch(/last tuesday/);
    const badBucket = await client.callTool({ name: 'activity', arguments: { bucket: '../../etc' } });
    expect(badBucket.isError).toBe(true);
    expect((badBucket.content as Array<{ text: string }>)[0]?.text).toMatch(/is not a bucket name/);
  });

  it('reads a key that looks like an option as the key, never as an option', async () => {
    const result = await client.callTool({
      name: 'history',
      arguments: { key: '--logs=/etc', since: '2020-09-14', until: '2020-09-14' },
    });
    expect(result.isError ?? false).toBe(false);
    expect((result.structuredContent as { events: unknown[] }).events).toEqual([]);
  });

  it('logs every tool call on stderr with the client that made it', async () => {
    await client.callTool({ name: 'who-read', arguments: CASES[2]?.args ?? {} });
    await expect
      .poll(() => serverLog)
      .toMatch(/\[s3x mcp\] tool who-read caller=s3x-test-client\/1\.2\.3 via stdio args=.*ring\.txt.* answered/);
    expect(serverLog).toMatch(/\[s3x mcp\] tool activity caller=s3x-test-client\/1\.2\.3 via stdio .* refused: usage/);
  });
});

describe('tool arguments to command words', () => {
  it('puts options inline and the positional after `--`', () => {
    const spec = SUBCOMMANDS.find((s) => s.name === 'who-deleted');
    expect(spec && commandWords(spec, { key: '--bucket', bucket: 'b--x-s3', since: '--7d' })).toEqual([
      'who-deleted',
      '--bucket=b--x-s3',
      '--since=--7d',
      '--',
      '--bucket',
    ]);
  });
});

describe('s3x mcp --http (streamable HTTP on loopback)', () => {
  let child: ChildProcessWithoutNullStreams;
  let url: URL;
  let httpDataDir: string;

  beforeAll(async () => {
    httpDataDir = await tempDir('s3x-mcp-http-');
    child = spawn(
      process.execPath,
      [path.join(REPO_ROOT, 'bin', 's3x.js'), 'mcp', '--http', '--port', '0', '--logs', REAL_DATASETS],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', S3X_DATA_DIR: httpDataDir },
      },
    );
    let log = '';
    url = await new Promise<URL>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        log += chunk.toString('utf8');
        const match = /serving streamable HTTP on (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(log);
        if (match) resolve(new URL(match[1] as string));
      });
      child.once('exit', (code) => reject(new Error(`s3x mcp --http exited with ${code}: ${log}`)));
    });
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(httpDataDir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 only and answers a tool like the CLI', async () => {
    expect(url.hostname).toBe('127.0.0.1');
    const httpClient = new Client({ name: 's3x-http-test', version: '0.0.1' });
    await httpClient.connect(new StreamableHTTPClientTransport(url));
    try {
      expect((await httpClient.listTools()).tools).toHaveLength(QUESTION_TOOLS.length);
      const result = await httpClient.callTool({ name: 'who-read', arguments: CASES[2]?.args ?? {} });
      expect(withoutElapsed(result.structuredContent)).toEqual(withoutElapsed(await cliJson(CASES[2]?.argv ?? [])));
    } finally {
      await httpClient.close();
    }
  });

  it('refuses a request whose Host is not loopback (DNS rebinding)', async () => {
    const response = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: url.port,
          path: '/mcp',
          method: 'POST',
          headers: {
            host: 'attacker.example',
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }));
    });
    expect(response).toBe(403);
  });
});
