import {
  type CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  type GetEventSelectorsCommandOutput,
  GetTrailStatusCommand,
  type Trail as SdkTrail,
} from '@aws-sdk/client-cloudtrail';
import { ListDirectoryBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DirectoryBucketInfo } from '../../cloudtrail/buckets.js';
import { parseTrailReference } from '../../cloudtrail/coverage.js';
import type { EventSelectorSet } from '../../cloudtrail/selectors.js';
import type { Trail } from '../../cloudtrail/trail.js';
import type { Clock } from '../../time/clock.js';
import { formatInstant } from '../../time/window.js';
import { type AwsAction, CONTROL_PLANE_RETRY, callAws, errorName, isThrottling, toUserError, withRetry } from '../aws-call.js';

export interface TrailInventoryClients {
  /** The Region inventoried: its directory buckets, and the trails that log in it. */
  region: string;
  /** An S3 client for that Region (ListDirectoryBuckets is a Regional call). */
  s3: S3Client;
  /** A CloudTrail client for a Region: a trail's event selectors are read in its home Region. */
  cloudTrailFor(region: string): CloudTrailClient;
}

/** 100 directory buckets per Region by default; far more pages than that means a looping token. */
const MAX_BUCKET_PAGES = 100;

type Permission =
  | 'cloudtrail:DescribeTrails'
  | 'cloudtrail:GetTrailStatus'
  | 'cloudtrail:GetEventSelectors'
  | 's3express:ListAllMyDirectoryBuckets';

const PURPOSE: Record<Permission, string> = {
  'cloudtrail:DescribeTrails': 'list the account’s CloudTrail trails',
  'cloudtrail:GetTrailStatus': 'read whether a CloudTrail trail is logging',
  'cloudtrail:GetEventSelectors': 'read a CloudTrail trail’s event selectors',
  's3express:ListAllMyDirectoryBuckets': 'list the account’s directory buckets',
};

const BUCKET_ARN = /^arn:[^:]+:s3express:[^:]*:(\d{12}):bucket\//;

/** The bucket and key prefix (before `AWSLogs/`) where the logs s3x reads are delivered. */
export interface TrailLogsLocation {
  bucket: string;
  prefix: string;
}

/**
 * AWS mode: the directory buckets and the trails as AWS reports them now, to say whether each
 * bucket's object events are being logged. Read-only calls only (docs/iam/read-only.json).
 */
export class TrailInventory {
  constructor(
    private readonly clients: TrailInventoryClients,
    private readonly clock: Clock,
    /** Where the logs s3x reads are delivered; without it, a trail's destination is not judged. */
    private readonly trailLogs?: TrailLogsLocation,
  ) {}

  /** ListDirectoryBuckets, every page. */
  async directoryBuckets(): Promise<DirectoryBucketInfo[]> {
    const buckets: DirectoryBucketInfo[] = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_BUCKET_PAGES; page += 1) {
      const input = token === undefined ? {} : { ContinuationToken: token };
      const output = await this.call('s3express:ListAllMyDirectoryBuckets', () =>
        this.clients.s3.send(new ListDirectoryBucketsCommand(input)),
      );
      for (const bucket of output.Buckets ?? []) {
        if (!bucket.Name) continue;
        const account = BUCKET_ARN.exec(bucket.BucketArn ?? '')?.[1];
        buckets.push({
          name: bucket.Name,
          region: bucket.BucketRegion ?? this.clients.region,
          ...(account === undefined ? {} : { account }),
          ...(bucket.CreationDate ? { createdAt: formatInstant(bucket.CreationDate) } : {}),
        });
      }
      // Stop on a repeated token too: the response may echo the one sent.
      if (output.ContinuationToken === undefined || output.ContinuationToken === token) break;
      token = output.ContinuationToken;
    }
    return buckets;
  }

  /**
   * DescribeTrails (shadow trails included: multi-Region trails homed elsewhere log here too),
   * then each trail's status and selectors. A trail deleted between the calls is left out.
   */
  async trails(): Promise<Trail[]> {
    const local = this.clients.cloudTrailFor(this.clients.region);
    const described = await this.call('cloudtrail:DescribeTrails', () =>
      local.send(new DescribeTrailsCommand({ includeShadowTrails: true })),
    );
    const unique = new Map<string, SdkTrail>();
    for (const trail of described.trailList ?? []) {
      const id = trail.TrailARN ?? trail.Name;
      if (id !== undefined && !unique.has(id)) unique.set(id, trail);
    }
    const snapshots: Trail[] = [];
    for (const [arn, trail] of unique) {
      const homeRegion = trail.HomeRegion ?? parseTrailReference(arn).region ?? this.clients.region;
      // A shadow trail is named by ARN; its status is the status in the Region asked.
      const status = await this.trailCall('cloudtrail:GetTrailStatus', () =>
        local.send(new GetTrailStatusCommand({ Name: arn })),
      );
      const selectors = await this.trailCall('cloudtrail:GetEventSelectors', () =>
        this.clients.cloudTrailFor(homeRegion).send(new GetEventSelectorsCommand({ TrailName: arn })),
      );
      if (status === undefined || selectors === undefined) continue;
      const isLogging = status.IsLogging === true;
      const destination = {
        ...(trail.S3BucketName ? { bucket: trail.S3BucketName } : {}),
        prefix: trimSlashes(trail.S3KeyPrefix ?? ''),
        ...(trail.KmsKeyId ? { kmsKeyId: trail.KmsKeyId } : {}),
      };
      const where = this.trailLogs;
      snapshots.push({
        name: trail.Name ?? parseTrailReference(arn).name,
        arn,
        homeRegion,
        isMultiRegion: trail.IsMultiRegionTrail === true,
        isLogging,
        selectors: selectorSet(selectors),
        ...(isLogging && status.StartLoggingTime ? { loggingSince: formatInstant(status.StartLoggingTime) } : {}),
        ...(status.LatestDeliveryTime ? { latestDeliveryTime: formatInstant(status.LatestDeliveryTime) } : {}),
        ...(status.LatestDeliveryError ? { latestDeliveryError: status.LatestDeliveryError } : {}),
        destination,
        ...(where === undefined
          ? {}
          : { deliversWhereRead: destination.bucket === where.bucket && destination.prefix === trimSlashes(where.prefix) }),
      });
    }
    return snapshots;
  }

  private async call<T>(permission: Permission, send: () => Promise<T>): Promise<T> {
    return callAws(send, action(permission), CONTROL_PLANE_RETRY, this.clock);
  }

  /** A call about one trail: undefined when the trail no longer exists. */
  private async trailCall<T>(permission: Permission, send: () => Promise<T>): Promise<T | undefined> {
    try {
      return await withRetry(send, isThrottling, CONTROL_PLANE_RETRY, this.clock);
    } catch (error) {
      if (errorName(error) === 'TrailNotFoundException') return undefined;
      throw toUserError(error, action(permission));
    }
  }
}

function action(permission: Permission): AwsAction {
  return {
    permission,
    purpose: PURPOSE[permission],
    permissionNote: ' (see docs/iam/read-only.json)',
    retryHint: ', then try again',
  };
}

function trimSlashes(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, '');
}

function selectorSet(output: GetEventSelectorsCommandOutput): EventSelectorSet {
  const advanced = output.AdvancedEventSelectors ?? [];
  const basic = output.EventSelectors ?? [];
  return { ...(advanced.length > 0 ? { advanced } : {}), ...(basic.length > 0 ? { basic } : {}) };
}
