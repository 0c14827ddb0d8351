import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  type S3Client,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-s3';
import type { AwsStub } from 'aws-sdk-client-mock';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

/**
 * A mocked S3 serving a log directory as the trail's bucket (`prefix` before `AWSLogs/`):
 * ListObjectsV2 with Prefix, Delimiter and pages of `pageSize` keys, GetObject of the file's bytes.
 */
export async function s3ServingLogs(
  mock: AwsStub<ServiceInputTypes, ServiceOutputTypes, S3Client['config']>,
  dir: string,
  options: { bucket?: string; prefix?: string; pageSize?: number } = {},
): Promise<void> {
  const { bucket = 'trail-logs', prefix = '', pageSize = 1000 } = options;
  const keyPrefix = prefix ? `${prefix}/` : '';
  const keys = (await filesUnder(dir)).map((file) => `${keyPrefix}${file}`);
  mock
    .on(ListObjectsV2Command)
    .callsFake((input: { Bucket?: string; Prefix?: string; Delimiter?: string; ContinuationToken?: string }) => {
      if (input.Bucket !== bucket) throw Object.assign(new Error('NoSuchBucket'), { name: 'NoSuchBucket' });
      const under = keys.filter((key) => key.startsWith(input.Prefix ?? ''));
      const items = input.Delimiter
        ? [...new Set(under.map((key) => key.slice(0, key.indexOf('/', (input.Prefix ?? '').length) + 1)).filter(Boolean))]
        : under;
      const start = Number(input.ContinuationToken ?? 0);
      const page = items.slice(start, start + pageSize);
      const more = start + pageSize < items.length;
      return {
        ...(input.Delimiter ? { CommonPrefixes: page.map((p) => ({ Prefix: p })) } : { Contents: page.map((Key) => ({ Key })) }),
        IsTruncated: more,
        ...(more ? { NextContinuationToken: String(start + pageSize) } : {}),
      };
    });
  mock.on(GetObjectCommand).callsFake(async (input: { Key?: string }) => {
    const bytes = await readFile(path.join(dir, (input.Key ?? '').slice(keyPrefix.length)));
    return { Body: { transformToByteArray: async () => new Uint8Array(bytes) } };
  });
}
