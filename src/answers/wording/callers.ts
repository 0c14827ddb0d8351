import { ARN_MAX, type Markup } from '../../text/markup.js';

/** Who a CloudTrail record says made a call: its ARN, the AWS service that invoked it, or its type. */
export interface RecordedCaller {
  principalArn: string | null;
  invokedBy: string | null;
  principalType: string | null;
}

/** Who made the call: the ARN (and the service it came through), the AWS service, or plainly nobody named. */
export function describeRecordedCaller(caller: RecordedCaller, markup: Markup): string {
  if (caller.principalArn !== null) {
    const via = caller.invokedBy === null ? '' : ` via ${markup.code(caller.invokedBy, 100)}`;
    return `${markup.code(caller.principalArn, ARN_MAX)}${via}`;
  }
  if (caller.invokedBy !== null) return `${markup.code(caller.invokedBy, 100)} (AWS service)`;
  return caller.principalType === null
    ? 'an unidentified caller'
    : `an unidentified ${markup.code(caller.principalType, 40)} caller`;
}

/** Who: the ARN or service, or plainly that the record names nobody. */
export function describeCaller(principal: string | null, markup: Markup): string {
  return principal === null ? 'an unidentified caller' : markup.code(principal, ARN_MAX);
}
