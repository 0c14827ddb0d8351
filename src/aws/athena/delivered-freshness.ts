import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { addDays, partitionDay } from '../../time/window.js';
import type { TrailLogsLocation } from '../cloudtrail/trail-inventory.js';

/** Delivery files read, the newest by delivery time: as many as the local engine reads for the same line. */
const NEWEST_FILES = 16;
/** Delivery days looked at, back from the last one asked: the last is often still empty (delivery slack). */
const DAYS_BACK = 3;
/** A listing longer than this many pages is not read to its end: freshness stays unknown. */
const MAX_PAGES = 20;
/** `<account>_CloudTrail_<region>_20261124T1155Z_<id>.json.gz`: the delivery time is in the name. */
const DELIVERY_TIME = /_(\d{8}T\d{4}Z)_[^/]*$/;
/** A delivery file larger than this decompressed is not read (CloudTrail's are a few MB): freshness stays unknown. */
const MAX_FILE_BYTES = 512 * 1024 * 1024;

/**
 * "Logs complete up to" on Athena without a second scan billed: the newest event in the newest
 * delivery files of the trail's bucket (S3X_TRAIL_LOGS_LOCATION), read with the credentials Athena
 * reads the table with (docs/iam/read-only.json: s3:ListBucket, s3:GetObject on the log bucket).
 * Any failure (denied, missing, unreadable) leaves freshness unknown: it is never guessed.
 */
export class DeliveredFreshness {
  constructor(
    private readonly s3: S3Client,
    private readonly location: TrailLogsLocation,
    /** The table's Region partitions, when it has them: only these Regions' folders are read. */
    private readonly regions?: readonly string[],
  ) {}

  /** The newest eventTime in the newest delivery files of the last DAYS_BACK days up to `days.to`. */
  async newestEvent(days: { from: string; to: string }): Promise<string | undefined> {
    try {
      const folders = await this.regionFolders();
      const keys = (await Promise.all(folders.map((folder) => this.newestDayKeys(folder, days)))).flat();
      if (keys.length === 0) return undefined;
      const newest = keys
        .sort((a, b) => deliveryTime(a).localeCompare(deliveryTime(b)) || a.localeCompare(b))
        .slice(-NEWEST_FILES);
      const times = await Promise.all(newest.map((key) => this.newestIn(key)));
      return times.reduce<string | undefined>(
        (max, time) => (time !== undefined && (max === undefined || time > max) ? time : max),
        undefined,
      );
    } catch {
      return undefined;
    }
  }

  /** `…/AWSLogs/<account>/CloudTrail/<region>/`, and `…/AWSLogs/<org id>/<account>/…` for organization trails. */
  private async regionFolders(): Promise<string[]> {
    const prefix = this.location.prefix.replace(/^\/+|\/+$/g, '');
    const owners = await this.subfolders(`${prefix ? `${prefix}/` : ''}AWSLogs/`);
    const accounts = (
      await Promise.all(owners.map((owner) => (/\/o-[a-z0-9]+\/$/.test(owner) ? this.subfolders(owner) : [owner])))
    ).flat();
    const trailFolders = accounts.map((account) => `${account}CloudTrail/`);
    if (this.regions && this.regions.length > 0) {
      const regions = this.regions;
      return trailFolders.flatMap((folder) => regions.map((region) => `${folder}${region}/`));
    }
    return (await Promise.all(trailFolders.map((folder) => this.subfolders(folder)))).flat();
  }

  /** The keys of the newest delivery day with files, among the last DAYS_BACK up to `days.to`. */
  private async newestDayKeys(regionFolder: string, days: { from: string; to: string }): Promise<string[]> {
    const last = new Date(`${days.to.replaceAll('/', '-')}T00:00:00Z`);
    for (let back = 0; back < DAYS_BACK; back++) {
      const day = partitionDay(addDays(last, -back));
      if (day < days.from) break;
      const keys = await this.list(`${regionFolder}${day}/`);
      if (keys.length > 0) return keys;
    }
    return [];
  }

  private async subfolders(prefix: string): Promise<string[]> {
    return this.list(prefix, '/');
  }

  /** Every key under `prefix` (or, with a delimiter, every folder just below it), page by page. */
  private async list(prefix: string, delimiter?: string): Promise<string[]> {
    const found: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const output = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.location.bucket,
          Prefix: prefix,
          Delimiter: delimiter,
          ContinuationToken: token,
        }),
      );
      if (delimiter) found.push(...(output.CommonPrefixes ?? []).flatMap((p) => (p.Prefix ? [p.Prefix] : [])));
      else found.push(...(output.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : [])));
      token = output.IsTruncated ? output.NextContinuationToken : undefined;
      if (token === undefined) return found;
    }
    throw new Error(`more than ${MAX_PAGES} pages under ${prefix}`);
  }

  /** The newest eventTime of one delivery file (`{"Records": [...]}`, gzip as CloudTrail delivers it). */
  private async newestIn(key: string): Promise<string | undefined> {
    const output = await this.s3.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: key }));
    const bytes = await output.Body?.transformToByteArray();
    if (!bytes) throw new Error(`no body for ${key}`);
    const gzipped = bytes[0] === 0x1f && bytes[1] === 0x8b;
    const document = JSON.parse(
      (gzipped ? gunzipSync(bytes, { maxOutputLength: MAX_FILE_BYTES }) : Buffer.from(bytes)).toString('utf8'),
    ) as { Records?: unknown };
    if (!Array.isArray(document.Records)) throw new Error(`not a CloudTrail delivery file: ${key}`);
    let newest: string | undefined;
    for (const record of document.Records as Array<{ eventTime?: unknown }>) {
      if (typeof record?.eventTime === 'string' && (newest === undefined || record.eventTime > newest)) newest = record.eventTime;
    }
    return newest;
  }
}

function deliveryTime(key: string): string {
  return DELIVERY_TIME.exec(key)?.[1] ?? '';
}
