import type { DirectoryBucketInfo } from './buckets.js';
import type { EventSelectorSet } from './selectors.js';

/** Where a trail delivers its log files, as UpdateTrail's `s3BucketName`, `s3KeyPrefix` and `kmsKeyId` set it. */
export interface TrailDestination {
  bucket?: string;
  prefix?: string;
  kmsKeyId?: string;
}

/**
 * A trail as the account reports it now: AWS (DescribeTrails, GetTrailStatus, GetEventSelectors)
 * or the local sandbox. What status, coverage and remediation plans read; SDK types stay in src/aws.
 */
export interface Trail {
  name: string;
  arn: string;
  homeRegion: string;
  isMultiRegion: boolean;
  isLogging: boolean;
  selectors: EventSelectorSet;
  /** When logging last started, if it is logging. */
  loggingSince?: string;
  /** GetTrailStatus: when the trail last delivered a log file, and why the last delivery failed. */
  latestDeliveryTime?: string;
  latestDeliveryError?: string;
  /**
   * Whether the trail delivers where s3x reads (the table's or S3X_LOGS_DIR's bucket and prefix):
   * false when it delivers elsewhere, undefined when s3x does not know where it reads.
   */
  deliversWhereRead?: boolean;
  /** The trail's S3 bucket and prefix (DescribeTrails). */
  destination?: TrailDestination;
}

/** What status and coverage read of an account now: the same two calls TrailInventory makes in AWS. */
export interface AccountInventory {
  /** Whose account this is: AWS's (the default), or the local sandbox's. */
  readonly kind?: 'aws' | 'sandbox';
  directoryBuckets(): Promise<DirectoryBucketInfo[]>;
  trails(): Promise<Trail[]>;
}
