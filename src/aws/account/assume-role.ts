import { AssumeRoleCommand, type AssumeRoleCommandOutput } from '@aws-sdk/client-sts';
import { type AccountClients, createSessionClients } from '../clients.js';

/** The part of STSClient used here, so tests pass a mock. */
export interface StsSender {
  send(command: AssumeRoleCommand): Promise<AssumeRoleCommandOutput>;
}

/** Long enough for the slowest plan (throttling retries included), short enough to be useless if leaked. */
const SESSION_SECONDS = 900;

/**
 * Remediation runs as S3X_REMEDIATION_ROLE_ARN with SourceIdentity = the approver's Slack id:
 * SourceIdentity cannot be changed by the session and CloudTrail logs it on every call it makes.
 */
export function makeAssumeRemediationRole(
  sts: StsSender,
  roleArn: string,
): (approverId: string, requestId: string) => Promise<AccountClients> {
  return async (approverId, requestId) => {
    const output = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: sessionName(requestId),
        SourceIdentity: sourceIdentity(approverId),
        DurationSeconds: SESSION_SECONDS,
      }),
    );
    const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = output.Credentials ?? {};
    if (!AccessKeyId || !SecretAccessKey) throw new Error('AssumeRole returned no credentials');
    return createSessionClients({
      accessKeyId: AccessKeyId,
      secretAccessKey: SecretAccessKey,
      ...(SessionToken === undefined ? {} : { sessionToken: SessionToken }),
      ...(Expiration === undefined ? {} : { expiration: Expiration }),
    });
  };
}

/** STS allows 2-64 of `[\w+=,.@-]`; the request id makes the session findable in CloudTrail. */
export function sessionName(requestId: string): string {
  return `s3x-${requestId.replace(/[^\w+=,.@-]/g, '-')}`.slice(0, 64);
}

/** Slack ids (`U012AB3CD`) already fit; anything else is made to fit rather than failing the approval. */
export function sourceIdentity(approverId: string): string {
  const cleaned = approverId.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  return cleaned.length >= 2 ? cleaned : `slack-${cleaned}`;
}
