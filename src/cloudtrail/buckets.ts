/** Directory buckets (S3 Express One Zone) are named `base--zone-id--x-s3`. */
export function isDirectoryBucket(bucket: string): boolean {
  return bucket.endsWith('--x-s3');
}

/** Access points for directory buckets are named `base--zone-id--xa-s3`. */
export function isDirectoryAccessPoint(name: string): boolean {
  return name.endsWith('--xa-s3');
}

/** A directory bucket as the account lists it now (ListDirectoryBuckets, or the local sandbox). */
export interface DirectoryBucketInfo {
  name: string;
  region: string;
  /** From the bucket's ARN, when the listing gives one. */
  account?: string;
  createdAt?: string;
}

export const S3EXPRESS_SOURCE = 's3express.amazonaws.com';
export const S3_SOURCE = 's3.amazonaws.com';

/** The CloudTrail eventSource(s) that hold a bucket's events; with no bucket, both. */
export function eventSourcesFor(bucket?: string): string[] {
  if (bucket === undefined) return [S3EXPRESS_SOURCE, S3_SOURCE];
  return [isDirectoryBucket(bucket) || isDirectoryAccessPoint(bucket) ? S3EXPRESS_SOURCE : S3_SOURCE];
}

// General-purpose names: 3-63 of [a-z0-9.-]; directory names add `--zone--x-s3`, same alphabet.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Why a bucket name cannot exist, or undefined when it is well-formed. */
export function bucketNameProblem(bucket: string): string | undefined {
  if (!BUCKET_NAME.test(bucket)) {
    return 'bucket names are 3-63 characters of lowercase letters, digits, dots and hyphens';
  }
  if (bucket.includes('..')) return 'bucket names cannot contain `..`';
  return undefined;
}

/** S3 keys are at most 1024 bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;

const DIRECTIONS: Record<string, string> = {
  e: 'east',
  w: 'west',
  n: 'north',
  s: 'south',
  c: 'central',
  ne: 'northeast',
  nw: 'northwest',
  se: 'southeast',
  sw: 'southwest',
};

/** `east` → `e`, `northeast` → `ne`: how zone ids write a Region's direction. */
const DIRECTION_LETTERS: Record<string, string> = Object.fromEntries(
  Object.entries(DIRECTIONS).map(([letters, direction]) => [direction, letters]),
);

/**
 * A Region as zone ids spell it, the prefix of `use1-az4` in `base--use1-az4--x-s3`: `us-east-1` →
 * `use1`, `ap-northeast-1` → `apne1`, `eu-central-1` → `euc1`, `us-gov-west-1` → `usgw1`.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/directory-bucket-naming-rules.html
 */
export function zoneIdPrefix(region: string): string {
  const parts = region.split('-');
  const number = parts.at(-1) ?? '';
  if (parts.length < 3 || !/^\d+$/.test(number)) throw new RangeError(`unsupported region name: ${region}`);
  const middle = parts
    .slice(1, -1)
    .map((part) => DIRECTION_LETTERS[part] ?? part.charAt(0))
    .join('');
  return `${parts[0]}${middle}${number}`;
}

/**
 * The Region of a directory bucket, read from the zone id in its name (`base--use1-az4--x-s3` →
 * us-east-1; `euw2` → eu-west-2, `apne1` → ap-northeast-1). Undefined when the name does not say.
 */
export function regionOfDirectoryBucket(bucket: string): string | undefined {
  const zone = /--([a-z]+\d+)(?:-[a-z0-9]+)*-az\d+--x-s3$/.exec(bucket)?.[1];
  const parts = zone ? /^([a-z]{2})(ne|nw|se|sw|e|w|n|s|c)(\d+)$/.exec(zone) : null;
  if (!parts) return undefined;
  const [, area, direction, number] = parts as unknown as [string, string, string, string];
  const name = area === 'us' && direction === 'gw' ? undefined : DIRECTIONS[direction];
  return name ? `${area}-${name}-${number}` : undefined;
}
