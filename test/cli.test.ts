import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { expressEvent, tempDir, writeDeliveryFile } from './helpers/archive.js';
import { REPO_ROOT } from './helpers/paths.js';

const INJECTION_KEY = "x' OR '1'='1";
const NOW = () => new Date('2026-11-24T00:00:00Z');
let logs: string;

beforeAll(async () => {
  logs = await tempDir();
  await writeDeliveryFile(logs, '2026/11/20', '20261120T1000Z_a', [
    expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-20T09:55:00Z', key: INJECTION_KEY, eventID: 'exact-1' }),
    expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-20T09:56:00Z', key: 'x', eventID: 'other-1' }),
    expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-20T09:57:00Z', key: "x' OR '1'='2", eventID: 'other-2' }),
    expressEvent({ eventName: 'PutObject', eventTime: '2026-11-20T09:58:00Z', key: 'a,"b"', eventID: 'csv-1' }),
  ]);
});

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, {}, { out: (t) => (out += t), err: (t) => (err += t) }, NOW);
  return { code, out, err };
}

describe('s3x CLI', () => {
  it('the built `s3x` command finds only the exact key for an injection-shaped key', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        path.join(REPO_ROOT, 'bin', 's3x.js'),
        'who-deleted',
        INJECTION_KEY,
        '--logs',
        logs,
        '--since',
        '2026-11-19',
        '--format',
        'json',
      ],
      { cwd: REPO_ROOT },
    );
    const parsed = JSON.parse(stdout) as { events: Array<{ eventId: string; key: string; evidence: string }> };
    expect(parsed.events.map((e) => [e.eventId, e.key, e.evidence])).toEqual([['exact-1', INJECTION_KEY, 'exact']]);
  });

  it('who-deleted --prefix answers in every format, the prefix matched literally', async () => {
    const prefix = "x' OR '1'='";
    const ask = (format: string) =>
      cli('who-deleted', '--prefix', prefix, '--logs', logs, '--since', '2026-11-19', '--format', format);
    const json = JSON.parse((await ask('json')).out) as { prefix: string; keys: Array<{ key: string; deletes: number }> };
    expect(json.prefix).toBe(prefix);
    expect(json.keys.map((k) => [k.key, k.deletes])).toEqual([
      ["x' OR '1'='2", 1],
      [INJECTION_KEY, 1],
    ]);
    const csv = (await ask('csv')).out.trimEnd().split('\r\n');
    expect(csv.slice(1).map((line) => line.split(',').at(-1))).toEqual(['other-2', 'exact-1']);
    const text = await ask('text');
    expect(text.code).toBe(0);
    expect(text.out).toContain(`2 keys deleted or moved away under ${prefix}: 2 deletes, the last at 2026-11-20 09:57:00 UTC`);
  });

  it('prints the documented JSON shape', async () => {
    const { code, out } = await cli('who-deleted', INJECTION_KEY, '--logs', logs, '--since', '2026-11-19', '--format', 'json');
    expect(code).toBe(0);
    const parsed = JSON.parse(out);
    expect(Object.keys(parsed.events[0])).toEqual([
      'eventId',
      'eventTime',
      'eventName',
      'principalArn',
      'principalType',
      'bucket',
      'key',
      'accessPoint',
      'keyRole',
      'destination',
      'sourceIp',
      'userAgent',
      'principalId',
      'mfaAuthenticated',
      'sessionMode',
      'invokedBy',
      'errorCode',
      'errorMessage',
      'addendumReason',
      'evidence',
    ]);
    const succeeded = parsed.events.filter(
      (e: { errorCode: unknown; evidence: string }) => e.errorCode === null && e.evidence === 'exact',
    );
    expect(parsed.successfulMatches).toBe(succeeded.length);
    expect(parsed.scanned).toMatchObject({ engine: 'local', files: 1, events: 4 });
  });

  it('prints CSV with quoting', async () => {
    const { out } = await cli('who-wrote', 'a,"b"', '--logs', logs, '--since', '2026-11-19', '--format=csv');
    const [header, row] = out.trim().split('\n');
    expect(header?.startsWith('eventTime,eventName,principalArn')).toBe(true);
    expect(row).toContain('"a,""b"""');
  });

  it('prints a text table by default', async () => {
    const { code, out } = await cli('history', INJECTION_KEY, '--logs', logs, '--since', '2026-11-19');
    expect(code).toBe(0);
    expect(out).toContain('DeleteObject');
    expect(out).toMatch(/Scanned 1 file/);
  });

  it.each([
    [['who-deleted'], 2, /needs a key/],
    [['who-deleted', 'k', '--format', 'xml', '--logs', '/tmp'], 2, /--format must be/],
    [['who-deleted', 'k', '--logs', '/definitely/not/here'], 2, /No CloudTrail logs/],
    [['digest', '--post', '--logs', '/tmp'], 2, /--post needs SLACK_BOT_TOKEN/],
  ] as const)('%j exits %i with a message', async (argv, expectedCode, message) => {
    const { code, err } = await cli(...argv);
    expect(code).toBe(expectedCode);
    expect(err).toMatch(message);
  });

  it('after a bare `--`, --format, --logs and --post are the key asked about, not CLI options', async () => {
    const dir = await tempDir();
    await writeDeliveryFile(dir, '2026/11/20', '20261120T1000Z_b', [
      expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-20T09:55:00Z', key: '--format', eventID: 'dash-1' }),
    ]);
    const asked = await cli('who-deleted', '--logs', dir, '--since', '2026-11-19', '--format', 'json', '--', '--format');
    expect(asked.code, asked.err).toBe(0);
    const parsed = JSON.parse(asked.out) as { events: Array<{ eventId: string; key: string }> };
    expect(parsed.events.map((e) => [e.eventId, e.key])).toEqual([['dash-1', '--format']]);
    for (const key of ['--post', '--logs']) {
      const other = await cli('who-deleted', '--logs', dir, '--since', '2026-11-19', '--format', 'json', '--', key);
      expect(other.code, other.err).toBe(0);
      expect((JSON.parse(other.out) as { events: unknown[] }).events).toEqual([]);
    }
  });

  it('--help and -h print the terminal usage; after a subcommand, its own usage; after --, a key', async () => {
    for (const flag of ['--help', '-h']) {
      const { code, out, err } = await cli(flag);
      expect(code, err).toBe(0);
      expect(out).toMatch(/^usage: s3x <subcommand>/);
      expect(out).not.toContain('/s3x');
    }
    const tighten = await cli('tighten', '--help');
    expect(tighten.code).toBe(0);
    expect(tighten.out).toMatch(/^s3x tighten <bucket> --deny/);
    const empty = await tempDir('s3x-help-');
    try {
      const key = await cli('who-deleted', '--logs', empty, '--since', '2026-11-19', '--', '--help');
      expect(key.out).not.toMatch(/^usage:/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('prints help with every subcommand', async () => {
    const { code, out } = await cli('help');
    expect(code).toBe(0);
    for (const name of ['who-deleted', 'who-wrote', 'who-read', 'history', 'tighten', 'digest']) expect(out).toContain(name);
    // The terminal's own commands are found from the help too, and each prints its options.
    for (const name of ['setup', 'ingest', 'mcp']) expect(out).toMatch(new RegExp(`^  s3x ${name} `, 'm'));
    const ingest = await cli('help', 'ingest');
    expect(ingest.code).toBe(0);
    expect(ingest.out).toMatch(/^s3x ingest \[--logs DIR\] \[--index FILE\]/);
    const mcp = await cli('help', 'mcp');
    expect(mcp.code).toBe(0);
    expect(mcp.out).toMatch(/^s3x mcp /);
    const setup = await cli('help', 'setup');
    expect(setup.code).toBe(0);
    expect(setup.out).toContain('s3x setup athena --bucket');
    expect((await cli('setup')).code).toBe(2);
  });

  it('help reads no setting: a bad one stops a question, not `s3x help`', async () => {
    const env = { S3X_MAX_WINDOW_DAYS: 'many' };
    const ask = (...argv: string[]) => runCli(argv, env, { out: () => undefined, err: () => undefined }, NOW);
    expect(await ask('help', 'who-deleted')).toBe(0);
    expect(await ask()).toBe(0);
    expect(await ask('who-deleted', 'k', '--logs', logs)).toBe(1);
  });
});

describe('s3x digest from an external scheduler', () => {
  it("--post posts the digest to S3X_DIGEST_CHANNEL through the Web API, once a day (the scheduled run's lease)", async () => {
    const { FakeSlackApi } = await import('./helpers/fake-slack-api.js');
    const api = new FakeSlackApi();
    const apiUrl = await api.start();
    const dataDir = await tempDir('s3x-cli-state-');
    try {
      const post = async () => {
        let err = '';
        const code = await runCli(
          ['digest', '--date', '2026-11-20', '--post', '--logs', logs],
          {
            SLACK_BOT_TOKEN: 'xoxb-cli',
            SLACK_SIGNING_SECRET: 's',
            SLACK_API_URL: apiUrl,
            S3X_DIGEST_CHANNEL: 'C0DIGEST',
            S3X_DATA_DIR: dataDir,
          },
          { out: () => {}, err: (t) => (err += t) },
          NOW,
        );
        return { code, err };
      };
      const first = await post();
      expect(first.code, first.err).toBe(0);
      const posted = api.callsOf('chat.postMessage');
      expect(posted).toHaveLength(1);
      expect(posted[0]?.channel).toBe('C0DIGEST');
      expect(String(posted[0]?.text)).toContain('2026-11-20');
      const second = await post();
      expect(second).toEqual({ code: 0, err: expect.stringMatching(/digest for 2026-11-20 was already posted/) });
      expect(api.callsOf('chat.postMessage')).toHaveLength(1);
    } finally {
      await api.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('reading approvals before anything was stored creates no state file in the data dir', async () => {
    const dataDir = await tempDir('s3x-cli-state-');
    try {
      let out = '';
      const code = await runCli(
        ['approvals', '--logs', logs],
        { S3X_DATA_DIR: dataDir },
        { out: (t) => (out += t), err: () => {} },
        NOW,
      );
      expect({ code, out }).toEqual({ code: 0, out: 'No approval requests are pending.\n' });
      expect(existsSync(path.join(dataDir, 's3x.sqlite'))).toBe(false);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('--format json prints the digest', async () => {
    const { code, out } = await cli('digest', '--date', '2026-11-20', '--logs', logs, '--format', 'json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ date: '2026-11-20', queries: 1 });
  });
});
