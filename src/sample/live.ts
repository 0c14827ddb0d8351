import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { SampleFacts } from './generate.js';

const gzipAsync = promisify(gzip);

export interface LiveSampleOptions {
  /** The sample archive (its `.complete` marker names account, Region, buckets, principals). */
  dir: string;
  everyMs: number;
  /** Every this many files, one event that trips a default alert rule. */
  trippingEvery?: number;
  now: () => Date;
  log: (message: string) => void;
}

type Json = Record<string, unknown>;

/**
 * `npm start`'s live mode: a small delivery file into today's folder of the sample archive every
 * `everyMs` (reads and writes by the archive's familiar principals), and now and then a delete by
 * a principal new to the bucket (the default rule `new-principal-delete`), so the console shows
 * alerts arriving. Files are written under a temporary name and renamed: a reader never sees half.
 */
export class LiveSample {
  private timer?: NodeJS.Timeout;
  private files = 0;
  private writing?: Promise<void>;

  private constructor(
    private readonly options: LiveSampleOptions,
    private readonly facts: Pick<SampleFacts, 'accountId' | 'region' | 'directoryBuckets' | 'principals'>,
  ) {}

  static async open(options: LiveSampleOptions): Promise<LiveSample> {
    const marker = JSON.parse(await readFile(path.join(options.dir, '.complete'), 'utf8')) as { facts: SampleFacts };
    return new LiveSample(options, marker.facts);
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.writing) return;
      this.writing = this.writeOne()
        .then(() => undefined)
        .catch((error: unknown) => this.options.log(`live sample: ${error instanceof Error ? error.message : String(error)}`))
        .finally(() => {
          this.writing = undefined;
        });
    }, this.options.everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.writing;
  }

  /** Write the next file; returns its path. */
  async writeOne(): Promise<string> {
    this.files += 1;
    const now = this.options.now();
    const { accountId, region } = this.facts;
    const bucket =
      this.facts.directoryBuckets[this.files % Math.max(1, this.facts.directoryBuckets.length - 1)] ?? 'live--use1-az4--x-s3';
    const familiar = this.facts.principals.filter((arn) => arn.includes(':assumed-role/') || arn.includes(':user/'));
    const records: Json[] = [];
    const at = (offsetMs: number) => new Date(now.getTime() - offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const actor =
      familiar[this.files % Math.max(1, familiar.length)] ?? `arn:aws:sts::${accountId}:assumed-role/DataEngineer/etl`;
    const key = `live/${at(0).slice(0, 10)}/part-${String(this.files).padStart(5, '0')}.parquet`;
    records.push(this.zonal(actor, bucket, 'PutObject', key, at(3000)), this.zonal(actor, bucket, 'GetObject', key, at(2000)));
    const every = this.options.trippingEvery ?? 4;
    if (this.files % every === 0) {
      const stranger = `arn:aws:sts::${accountId}:assumed-role/Contractor/live-${this.files}`;
      records.push(this.zonal(stranger, bucket, 'DeleteObject', `reports/q${1 + (this.files % 4)}-forecast.parquet`, at(1000)));
    }
    const stamp = at(0).replace(/[-:]/g, '').slice(0, 13);
    const dayDir = path.join(this.options.dir, 'AWSLogs', accountId, 'CloudTrail', region, ...at(0).slice(0, 10).split('-'));
    await mkdir(dayDir, { recursive: true });
    const name = `${accountId}_CloudTrail_${region}_${stamp}Z_live${randomBytes(6).toString('hex')}.json.gz`;
    const body = await gzipAsync(JSON.stringify({ Records: records }));
    const staging = path.join(dayDir, `.${name}.tmp`);
    await writeFile(staging, body);
    await rename(staging, path.join(dayDir, name));
    return path.join(dayDir, name);
  }

  /** A session-signed zonal call, shaped like the AWS documentation's S3 Express records. */
  private zonal(arn: string, bucket: string, eventName: string, key: string, eventTime: string): Json {
    const { accountId, region } = this.facts;
    const zone = /--([a-z0-9-]+)--x-s3$/.exec(bucket)?.[1] ?? 'use1-az4';
    return {
      eventVersion: '1.09',
      userIdentity: {
        type: 'AssumedRole',
        principalId: `AROALIVE${this.files}:${arn.split('/').pop()}`,
        arn,
        accountId,
        accessKeyId: `ASIALIVE${String(this.files).padStart(12, '0')}`,
        sessionContext: { attributes: { creationDate: eventTime } },
      },
      eventTime,
      eventSource: 's3express.amazonaws.com',
      eventName,
      awsRegion: region,
      sourceIPAddress: '203.0.113.77',
      userAgent: 'aws-sdk-java/2.25.0 live-sample',
      requestParameters: { bucketName: bucket, Host: `${bucket}.s3express-${zone}.${region}.amazonaws.com`, key },
      responseElements: null,
      additionalEventData: {
        SignatureVersion: 'SigV4',
        AuthenticationMethod: 'AuthHeader',
        availabilityZone: zone,
        sessionModeApplied: 'ReadWrite',
      },
      requestID: randomBytes(8).toString('hex'),
      eventID: randomUUID(),
      readOnly: eventName === 'GetObject',
      resources: [
        { type: 'AWS::S3Express::Object', ARNPrefix: `arn:aws:s3express:${region}:${accountId}:bucket/${bucket}/` },
        { accountId, type: 'AWS::S3Express::DirectoryBucket', ARN: `arn:aws:s3express:${region}:${accountId}:bucket/${bucket}` },
      ],
      eventType: 'AwsApiCall',
      managementEvent: false,
      recipientAccountId: accountId,
      eventCategory: 'Data',
    };
  }
}
