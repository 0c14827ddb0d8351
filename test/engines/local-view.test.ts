import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { RECORD_COLUMNS } from '../../src/cloudtrail/record-schema.js';
import { describeFile } from '../../src/engines/local/log-files.js';
import { buildViewSql, columnsUsedBy } from '../../src/engines/local/view.js';

describe('columnsUsedBy', () => {
  it('keeps the columns a query names, plus the two region and day derive from', () => {
    const names = columnsUsedBy(`SELECT useridentity.arn FROM t WHERE json_extract_scalar(requestparameters, '$.key') = ?`).map(
      ([, , athena]) => athena,
    );
    expect(names.sort()).toEqual(['awsregion', 'eventtime', 'requestparameters', 'useridentity']);
  });

  it('matches whole words only: a longer name does not pull in a shorter one', () => {
    const names = columnsUsedBy('SELECT vpcendpointaccountid FROM t').map(([, , athena]) => athena);
    expect(names).toContain('vpcendpointaccountid');
    expect(names).not.toContain('vpcendpointid');
  });

  it('reads no column named only in a string literal or a comment', () => {
    const names = columnsUsedBy(`SELECT eventname -- the caller's useragent
      FROM t WHERE json_extract_scalar(requestparameters, '$.errorcode') LIKE 'it''s --vpcendpointid'`).map(
      ([, , athena]) => athena,
    );
    expect(names.sort()).toEqual(['awsregion', 'eventname', 'eventtime', 'requestparameters']);
  });

  it('in a trail layout, reads the region only when the query names it (it comes from the folders)', () => {
    const names = (query: string) => columnsUsedBy(query, 'path').map(([, , athena]) => athena);
    expect(names('SELECT eventname FROM t').sort()).toEqual(['eventname', 'eventtime']);
    expect(names('SELECT count(*) FROM t')).toEqual(['eventtime']);
    expect(names('SELECT awsregion FROM t').sort()).toEqual(['awsregion', 'eventtime']);
  });

  it('of a struct read only through its fields, keeps just the fields named, at every depth', () => {
    const types = new Map(
      columnsUsedBy(`SELECT useridentity.arn, useridentity.sessioncontext.sessionissuer.arn FROM t`).map(([json, type]) => [
        json,
        type,
      ]),
    );
    expect(types.get('userIdentity')).toBe('STRUCT(arn VARCHAR, sessionContext STRUCT(sessionIssuer STRUCT(arn VARCHAR)))');
  });

  it('keeps a struct whole where the query uses it whole', () => {
    const typeOf = (query: string, column: string) => columnsUsedBy(query).find(([json]) => json === column)?.[1];
    const full = (column: string) => RECORD_COLUMNS.find(([json]) => json === column)?.[1];
    expect(typeOf('SELECT useridentity, useridentity.arn FROM t', 'userIdentity')).toBe(full('userIdentity'));
    expect(typeOf('SELECT useridentity.* FROM t', 'userIdentity')).toBe(full('userIdentity'));
    expect(typeOf(`SELECT filter(resources, r -> r.arn LIKE '%x') FROM t`, 'resources')).toBe(full('resources'));
  });

  it('the view converts only those columns', () => {
    const view = buildViewSql(
      [{ path: '/l/AWSLogs/1/CloudTrail/us-east-1/2026/11/01/f.json.gz', size: 1, mtimeMs: 1, format: 'wrapped', textBytes: 1 }],
      'path',
      columnsUsedBy('SELECT eventname FROM t'),
    );
    expect(view).toContain('"eventName" VARCHAR');
    expect(view).not.toContain('"userAgent"');
    expect(view).not.toContain('requestParameters');
  });
});

describe('describeFile', () => {
  it('takes a CloudTrail-named file as a delivery file, and still checks it', async () => {
    // Checked since issue 14: a name is chosen by whoever writes the bucket, so it proves nothing about the content.
    const dir = await mkdtemp(path.join(tmpdir(), 's3x-describe-'));
    const file = path.join(dir, '111122223333_CloudTrail_us-east-1_20261101T0005Z_abcDEF123.json.gz');
    await writeFile(file, gzipSync('{"Records":[]}'));
    expect((await describeFile(file)).format).toBe('wrapped');
    await writeFile(file, gzipSync(`{"Records":[${'['.repeat(500)}${']'.repeat(500)}]}`));
    await expect(describeFile(file)).rejects.toThrow(/nested more than 128 levels deep/);
    await rm(dir, { recursive: true, force: true });
  });

  it('follows strings exactly: brackets, quotes and backslashes inside them never count, across any chunk edge', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 's3x-describe-'));
    // Values of every length from 1 to 3000, so escapes fall on every position of a chunk boundary.
    const tricky = (i: number) => `${'\\'.repeat(i % 3)}"${'['.repeat(200)}${'\\'.repeat(i % 4)}"{`.padEnd(i % 3000, '\\');
    const records = Array.from({ length: 3000 }, (_, i) => ({ eventID: `e-${i}`, userAgent: tricky(i), n: [[i]] }));
    const text = JSON.stringify({ Records: records });
    for (const [name, content] of [
      ['plain.json', text],
      ['packed.json.gz', gzipSync(text)],
    ] as const) {
      await writeFile(path.join(dir, name), content);
      expect((await describeFile(path.join(dir, name))).textBytes).toBe(Buffer.byteLength(text));
    }
    // The same brackets outside a string are nesting.
    await writeFile(path.join(dir, 'deep.json'), `{"Records":[{"a":${'['.repeat(200)}${']'.repeat(200)}}]}`);
    await expect(describeFile(path.join(dir, 'deep.json'))).rejects.toThrow(/nested more than 128/);
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a long value made only of escapes in one pass, and still refuses one past the value limit', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 's3x-describe-'));
    const record = (length: number) => JSON.stringify({ Records: [{ eventID: 'e', userAgent: '"\\'.repeat(length) }] });
    const file = path.join(dir, 'escapes.json');
    await writeFile(file, record(200_000));
    expect((await describeFile(file)).textBytes).toBe(Buffer.byteLength(record(200_000)));
    await writeFile(file, record(1_200_000));
    await expect(describeFile(file)).rejects.toThrow(/larger than 4 MB/);
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a file past S3X_MAX_LOG_FILE_MB, on disk or once decompressed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 's3x-describe-'));
    const records = JSON.stringify({
      Records: Array.from({ length: 3000 }, (_, i) => ({ eventID: `e-${i}`, pad: 'x'.repeat(600) })),
    });
    const packed = path.join(dir, 'packed.json.gz');
    await writeFile(packed, gzipSync(records));
    const plain = path.join(dir, 'plain.json');
    await writeFile(plain, records);
    const oneMb = { maxFileBytes: 1024 * 1024 };
    expect((await describeFile(packed)).textBytes).toBe(Buffer.byteLength(records));
    await expect(describeFile(packed, oneMb)).rejects.toThrow(/more than 1 MB once decompressed \(S3X_MAX_LOG_FILE_MB\)/);
    await expect(describeFile(plain, oneMb)).rejects.toThrow(/larger than 1 MB \(S3X_MAX_LOG_FILE_MB\)/);
    await rm(dir, { recursive: true, force: true });
  });

  it('checks a small file read at once and one that inflates past what one read holds alike', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 's3x-describe-'));
    const text = (records: number) =>
      JSON.stringify({ Records: Array.from({ length: records }, (_, i) => ({ eventID: `e-${i}`, pad: 'x'.repeat(2000) })) });
    // About 60 KB and 10 MB once inflated, both a few KB on disk: the second is streamed.
    for (const records of [30, 5000]) {
      const file = path.join(dir, `${records}.json.gz`);
      await writeFile(file, gzipSync(text(records), { level: 9 }));
      expect(await describeFile(file)).toMatchObject({ format: 'wrapped', textBytes: Buffer.byteLength(text(records)) });
      await expect(describeFile(file, { maxFileBytes: 32 * 1024 })).rejects.toThrow(/more than 0 MB once decompressed/);
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('sniffs a large gzip file from a prefix and rejects a small cut-off one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 's3x-describe-'));
    const lines = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ eventID: `e-${i}`, pad: `${i}`.repeat(30) })).join(
      '\n',
    );
    const big = path.join(dir, 'big.jsonl.gz');
    await writeFile(big, gzipSync(lines, { level: 0 }));
    expect((await describeFile(big)).format).toBe('lines');
    const cut = path.join(dir, 'cut.json.gz');
    await writeFile(cut, gzipSync('{"Records":[{"eventID":"x"}]}').subarray(0, 20));
    await expect(describeFile(cut)).rejects.toThrow(/truncated or corrupt gzip/);
    await rm(dir, { recursive: true, force: true });
  });
});
