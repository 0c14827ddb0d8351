/** Directory buckets (S3 Express One Zone) are named `base--zone-id--x-s3`. */
export function isDirectoryBucket(bucket: string): boolean {
  return bucket.endsWith('--x-s3');
}

/** Access points for directory buckets are named `base--zone-id--xa-s3`. */
export function isDirectoryAccessPoint(name: string): boolean {
  return name.endsWith('--xa-s3');
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
