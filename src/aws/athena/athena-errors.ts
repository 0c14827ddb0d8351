import type { AthenaError } from '@aws-sdk/client-athena';
import { EngineError } from '../../errors.js';
import { isThrottling } from '../aws-call.js';

/**
 * Translate an API error (not a FAILED query) into what the user can do about it. Athena's own
 * words, not the kit's toUserError: Athena names the missing action in its message, and the
 * workgroup is a setting the user can fix.
 */
export function apiErrorToEngineError(error: unknown, operation: string): EngineError {
  const raw = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : 'Error';
  if (/AccessDenied/i.test(name) || /not authorized to perform/i.test(raw)) {
    const action = /perform:\s*([a-z0-9-]+:[A-Za-z]+)/.exec(raw)?.[1] ?? `athena:${operation}`;
    return new EngineError(
      `Athena refused the request: s3x's role is missing the \`${action}\` permission. Add it (see docs/iam/read-only.json).`,
      { cause: error, detail: raw },
    );
  }
  if (isThrottling(error)) {
    return new EngineError('Athena is throttling s3x (too many requests or concurrent queries). Try again in a minute.', {
      cause: error,
      detail: raw,
    });
  }
  if (name === 'InvalidRequestException' && /workgroup/i.test(raw)) {
    return new EngineError(
      'Athena does not accept the configured workgroup (ATHENA_WORKGROUP). Check that it exists and is enabled.',
      {
        cause: error,
        detail: raw,
      },
    );
  }
  return new EngineError(`Athena could not ${describeOperation(operation)} (${name}).`, { cause: error, detail: raw });
}

/** Translate a query that ended FAILED or CANCELLED. */
export function failedQueryToEngineError(
  state: string,
  reason: string | undefined,
  athenaError: AthenaError | undefined,
): EngineError {
  const message = athenaError?.ErrorMessage ?? reason ?? '';
  if (state === 'CANCELLED') {
    return new EngineError(
      /cutoff|bytes scanned/i.test(message)
        ? "Athena cancelled the query: it would scan more than the workgroup's per-query limit. Narrow --since/--until or add --bucket."
        : 'The Athena query was cancelled before it finished.',
      { detail: message },
    );
  }
  if (/TABLE_NOT_FOUND|Table .* does not exist|SCHEMA_NOT_FOUND|Schema .* does not exist|DATABASE_NOT_FOUND/i.test(message)) {
    return new EngineError(
      'The CloudTrail table is not in Athena (check ATHENA_DATABASE and ATHENA_TABLE). Create it with `s3x setup athena --apply`.',
      { detail: message },
    );
  }
  if (/Access ?Denied|Permission denied|not authorized/i.test(message)) {
    return new EngineError(
      "Athena could not read the CloudTrail log bucket or write to the results location with s3x's role. Check s3:GetObject/s3:ListBucket on the log bucket and s3:PutObject on ATHENA_OUTPUT_LOCATION (docs/iam/read-only.json).",
      { detail: message },
    );
  }
  const category = athenaError?.ErrorCategory;
  const retryable = athenaError?.Retryable === true;
  if (category === 1) {
    return new EngineError(
      retryable
        ? 'Athena had an internal error running the query; it says trying again should work.'
        : 'Athena had an internal error running the query and says retrying will not help. Check the Athena console for the query.',
      { detail: message },
    );
  }
  return new EngineError(`Athena rejected the query: ${firstLine(message) || 'no reason given'}.`, { detail: message });
}

function describeOperation(operation: string): string {
  switch (operation) {
    case 'StartQueryExecution':
      return 'start the query';
    case 'GetQueryExecution':
      return 'check on the query';
    case 'GetQueryResults':
      return 'return the results';
    default:
      return 'finish the request';
  }
}

function firstLine(text: string): string {
  // Athena messages can echo the query; the first line says what went wrong.
  return (text.split('\n')[0] ?? '').slice(0, 300);
}
