import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';

export interface AwsClients {
  athena: AthenaClient;
  cloudTrail: CloudTrailClient;
}

/**
 * The one place AWS SDK clients are made. The standard SDK configuration applies unchanged:
 * the credential chain, AWS_PROFILE, AWS_ENDPOINT_URL_ATHENA / AWS_ENDPOINT_URL_CLOUDTRAIL.
 */
export function createAwsClients(region: string): AwsClients {
  // The engines retry throttling themselves, with jitter and a bound; one SDK attempt each.
  const common = { region, maxAttempts: 1 };
  return { athena: new AthenaClient(common), cloudTrail: new CloudTrailClient(common) };
}
