import type { PlannedCall } from '../../remediation/types.js';
import { errorName, isThrottling, safeName } from '../aws-call.js';

/** One call in plain words, e.g. "set the event selectors of trail x". */
export function describeCall(call: PlannedCall): string {
  switch (call.api) {
    case 'cloudtrail:CreateTrail':
      return `create trail ${call.name} (logging to ${call.s3BucketName})`;
    case 's3:PutBucketPolicy':
      return `set the policy of log bucket ${call.bucket}`;
    case 'cloudtrail:PutEventSelectors':
      return `set the event selectors of trail ${call.trailName}`;
    case 'cloudtrail:StartLogging':
      return `start logging on trail ${call.trailName}`;
    case 's3express:PutBucketPolicy':
      return `set the policy of directory bucket ${call.bucket}`;
    case 's3express:DeleteBucketPolicy':
      return `delete the policy of directory bucket ${call.bucket}`;
  }
}

/** Why a call failed, in plain words safe for Slack (AWS's own message can name ARNs, so it is left out). */
export function failureReason(call: PlannedCall, error: unknown): string {
  const name = errorName(error);
  if (name === 'InvalidEventSelectorsException') {
    return 'AWS rejected the event selectors (too many selectors or values, or a field or value it does not accept)';
  }
  if (name === 'InsufficientS3BucketPolicyException') {
    return 'the log bucket policy does not let CloudTrail write to the bucket';
  }
  if (name === 'InvalidHomeRegionException') {
    return 'the trail can only be changed from its home Region; call it from the trail’s home Region';
  }
  if (name.includes('AccessDenied')) return `s3x’s remediation role is missing the \`${call.api}\` permission`;
  if (isThrottling(error)) return 'AWS kept throttling the call; try again in a minute';
  if (name === 'TrailNotFoundException') return 'the trail no longer exists';
  if (name === 'NoSuchBucket') return 'the bucket does not exist in that Region';
  if (name === 'MalformedPolicy') return 'AWS rejected the policy as malformed';
  return `AWS refused the call${safeName(error)}`;
}

/** "Step 2 of 3 (…) failed: … Already applied: … Not attempted: …". */
export function applyFailureMessage(
  calls: readonly PlannedCall[],
  failedIndex: number,
  reason: string,
  appliedCount: number,
): string {
  const failed = calls[failedIndex];
  const what = failed === undefined ? '' : ` (${describeCall(failed)})`;
  const applied = calls.slice(0, appliedCount).map((call, i) => `step ${i + 1}: ${describeCall(call)}`);
  const skipped = calls.length - failedIndex - 1;
  return [
    `Step ${failedIndex + 1} of ${calls.length}${what} failed: ${reason}.`,
    applied.length === 0 ? 'Nothing was changed.' : `Already applied: ${applied.join('; ')}.`,
    skipped > 0 ? `The remaining ${skipped === 1 ? 'step was' : `${skipped} steps were`} not attempted.` : '',
  ]
    .filter((part) => part !== '')
    .join(' ');
}
