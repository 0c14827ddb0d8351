import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveIndex, listArchive } from '../../src/engines/indexed/ingest.js';
import { EXTRACTED_COLUMNS, INDEX_TABLE } from '../../src/engines/indexed/schema.js';
import { detectLayout } from '../../src/engines/local/log-files.js';
import { expressEvent, removeTempDirs, tempDir } from '../helpers/archive.js';

// The ingest computes the extracted columns otherwise than their expressions (each JSON document
// parsed once for all its paths); question SQL is rewritten to read the columns in place of the
// expressions, so the two must agree on every record, odd ones included.

const DAY = '2026/11/02';
const TIME = '2026-11-02T10:00:00Z';

/** Each as its own record, as raw JSON text: duplicate keys and escapes are kept as written. */
const REQUEST_PARAMETERS = [
  '{"bucketName": "hot--use1-az4--x-s3", "key": "a/b.txt", "x-amz-copy-source": "/src--use1-az4--x-s3/c%20d.txt?versionId=3"}',
  '{"bucketName": "arn:aws:s3:us-east-1:111122223333:accesspoint/ap1", "key": "k"}',
  '{"bucketName": "ap1-abc--xa-s3", "key": "k", "x-amz-create-session-mode": "ReadOnly"}',
  '{"bucketName": null, "key": 42, "x-amz-copy-source": true}',
  '{"bucketName": {"nested": ["x"]}, "key": ["a", "b"], "x-amz-copy-source": {"a": 1}}',
  '{"bucketName": "first", "bucketName": "second", "key": "dup", "key": "dup2"}',
  '{"key": "quote\\" backslash\\\\ unicode \\u00e9 \\u0000 nul", "bucketName": "b.with.dots"}',
  '{"x-amz-rename-source": "/b/old%2Fname", "renameSource": "other", "bucketName": "b--use1-az4--x-s3", "key": "new"}',
  '{"renameSource": "only-this", "bucketName": "b", "key": "k"}',
  '{"$.key": "not the key", "bucketName[0]": "odd name", "": "empty name"}',
  '{}',
  '[]',
  '"just text"',
  '12.5',
  'null',
];

const ADDITIONAL_EVENT_DATA = [
  '{"sessionModeApplied": "ReadWrite", "bytesTransferredIn": 12, "bytesTransferredOut": 1e3}',
  '{"bytesTransferredIn": "text", "bytesTransferredOut": null, "sessionModeApplied": ["x"]}',
  '{"bytesTransferredIn": 1.5, "bytesTransferredIn": 2.5}',
  '{"bytesTransferredOut": {"n": 1}}',
  '[1, 2]',
  'null',
];

/** A delivery file whose records' requestParameters and additionalEventData are the texts given. */
async function writeOddRecords(root: string): Promise<number> {
  const records: string[] = [];
  /** The record as JSON text, with these fields' values written as the raw texts given. */
  const withRawFields = (record: Record<string, unknown>, fields: Record<string, string>) => {
    let text = JSON.stringify({ ...record, ...Object.fromEntries(Object.keys(fields).map((name) => [name, `__${name}__`])) });
    for (const [name, value] of Object.entries(fields)) text = text.replace(`"__${name}__"`, () => value);
    return text;
  };
  for (const [i, requestParameters] of REQUEST_PARAMETERS.entries()) {
    for (const eventName of ['CopyObject', 'RenameObject', 'CreateSession']) {
      const record = expressEvent({
        eventName,
        eventTime: TIME,
        extra: {
          resources: [
            {
              type: 'AWS::S3Express::DirectoryBucket',
              ARN: 'arn:aws:s3express:us-east-1:111122223333:bucket/dir--use1-az4--x-s3',
            },
            { type: 'AWS::S3::AccessPoint', ARN: 'arn:aws:s3:us-east-1:111122223333:accesspoint/ap2' },
          ],
          responseElements: { credentials: { accessKeyId: `ASIA${i}` } },
        },
      });
      const additional = ADDITIONAL_EVENT_DATA[i % ADDITIONAL_EVENT_DATA.length] as string;
      records.push(withRawFields(record, { requestParameters, additionalEventData: additional }));
    }
  }
  const dir = path.join(root, 'AWSLogs', '111122223333', 'CloudTrail', 'us-east-1', ...DAY.split('/'));
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, '111122223333_CloudTrail_us-east-1_20261102T1000Z_odd.json.gz'),
    gzipSync(`{"Records": [${records.join(',\n')}]}`),
  );
  return records.length;
}

describe('extracted columns at ingest', () => {
  let root: string;
  let index: ArchiveIndex;
  let written: number;

  beforeAll(async () => {
    root = await tempDir('s3x-extracted-');
    written = await writeOddRecords(root);
    index = await ArchiveIndex.open({ logsDir: root, indexPath: path.join(await tempDir('s3x-extracted-index-'), 'i.duckdb') });
    await index.ingest(await listArchive(await detectLayout(root)), { checkChanges: true, scope: 'all' });
  });
  afterAll(async () => {
    await index?.close();
    await removeTempDirs();
  });

  it('holds in each extracted column exactly what its expression computes from the record, odd records included', async () => {
    const connection = await index.connect();
    try {
      for (const { name, expression } of EXTRACTED_COLUMNS) {
        const reader = await connection.runAndReadAll(
          `SELECT count(*) AS records, count(*) FILTER (WHERE ${name} IS DISTINCT FROM (${expression})) AS differing,
             count(DISTINCT ${name}) AS values
           FROM ${INDEX_TABLE}`,
        );
        const row = reader.getRowObjectsJS()[0] as Record<string, bigint>;
        expect(Number(row.records), name).toBe(written);
        expect(Number(row.differing), name).toBe(0);
        // Each column holds some values, so the comparison is not of NULLs alone.
        expect(Number(row.values), name).toBeGreaterThan(0);
      }
    } finally {
      connection.closeSync();
    }
  });
});
