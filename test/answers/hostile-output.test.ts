import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { tempDir } from '../helpers/archive.js';
import { HOSTILE, HOSTILE_ARCHIVE, RAW_UNSAFE, writeHostileArchive } from '../helpers/hostile-strings.js';

const NOW = () => HOSTILE_ARCHIVE.now;
const BUCKET = HOSTILE_ARCHIVE.bucket;
const WINDOW = ['--since', HOSTILE_ARCHIVE.since, '--until', HOSTILE_ARCHIVE.until];
let logs: string;

beforeAll(async () => {
  logs = await tempDir();
  await writeHostileArchive(logs);
});

afterAll(async () => {
  await rm(logs, { recursive: true, force: true });
});

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, {}, { out: (t) => (out += t), err: (t) => (err += t) }, NOW);
  return { code, out, err };
}

describe('what the CLI writes to a terminal or a file never carries raw control or invisible characters', () => {
  for (const [name, hostile] of Object.entries(HOSTILE)) {
    it(`history of the ${name} key, as text, csv and json`, async () => {
      const text = await cli('history', hostile, '--logs', logs, ...WINDOW, '--format', 'text');
      expect(text.code).toBe(0);
      expect(text.out).toContain('GetObject');
      expect(text.out).not.toMatch(RAW_UNSAFE);

      const csv = await cli('history', hostile, '--logs', logs, ...WINDOW, '--format', 'csv');
      expect(csv.code).toBe(0);
      // CRLF ends CSV rows (RFC 4180); nothing else of the class may remain.
      expect(csv.out.split('\r\n').length).toBe(3);
      expect(csv.out.replaceAll('\r\n', '')).not.toMatch(RAW_UNSAFE);

      const json = await cli('history', hostile, '--logs', logs, ...WINDOW, '--format', 'json');
      expect(json.code).toBe(0);
      expect(json.out).not.toMatch(RAW_UNSAFE);
      // As \u escapes the JSON still holds the exact value: a script reading it gets the real key.
      const parsed = JSON.parse(json.out) as { events: Array<{ key: string; userAgent: string; principalArn: string }> };
      expect(parsed.events.map((e) => e.key)).toEqual([hostile]);
      expect(parsed.events[0]?.userAgent).toBe(`aws-sdk-java/2.25.66 ${hostile}`);
    });
  }

  it('shows invisible characters visibly in text: the zero-width key does not look like the real key', async () => {
    const { out } = await cli('history', HOSTILE.zeroWidth, '--logs', logs, ...WINDOW, '--format', 'text');
    expect(out).toContain('reports/q3[U+200B]-forecast.parquet');
    expect(out).not.toContain('reports/q3-forecast.parquet');
  });

  it('writes the OSC 8 hyperlink and the screen clear as inert, visible text', async () => {
    const { out } = await cli('history', HOSTILE.osc8Link, '--logs', logs, ...WINDOW, '--format', 'csv');
    expect(out).toContain('␛]8;;https://evil.example/␇reports/q3.parquet␛]8;;␇');
    const json = await cli('history', HOSTILE.bidiOverride, '--logs', logs, ...WINDOW, '--format', 'json');
    expect(json.out).toContain('invoice\\u202etxt.exe');
  });

  it('every aggregate format too (activity and principal list the hostile session names)', async () => {
    for (const question of [
      ['activity', BUCKET],
      ['principal', 'RoleToBeAssumed'],
    ]) {
      for (const format of ['text', 'csv', 'json']) {
        const { code, out } = await cli(...question, '--logs', logs, ...WINDOW, '--format', format);
        expect(code, `${question[0]} ${format}`).toBe(0);
        expect(out).toContain('GetObject');
        expect(out.replaceAll('\r\n', '\n'), `${question[0]} ${format}`).not.toMatch(RAW_UNSAFE);
      }
    }
  });

  it('error messages quoting typed input go to stderr visibly', async () => {
    const { code, err } = await cli('history', HOSTILE.clearScreen, '--logs', `${logs}/missing\u001b[2J`);
    expect(code).toBe(2);
    expect(err).toContain('missing␛[2J');
    expect(err).not.toMatch(RAW_UNSAFE);
  });
});
