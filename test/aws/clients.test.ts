import { describe, expect, it } from 'vitest';
import { createAwsClients, createSessionClients } from '../../src/aws/clients.js';

describe('the client factory', () => {
  it('gives every client the kit retries one SDK attempt, so retries are not multiplied', async () => {
    const aws = createAwsClients('us-east-1');
    const session = createSessionClients({ accessKeyId: 'AKIA', secretAccessKey: 'secret', sessionToken: 'token' });
    const clients = [
      aws.athena,
      aws.cloudTrail,
      aws.s3,
      aws.sts,
      aws.s3For('eu-west-1'),
      session.cloudTrailFor('us-west-2'),
      session.s3For('us-west-2'),
    ];
    for (const client of clients) expect(await client.config.maxAttempts()).toBe(1);
  });

  it('makes one client per Region and reuses it', async () => {
    const aws = createAwsClients('us-east-1');
    expect(aws.cloudTrailFor('us-east-1')).toBe(aws.cloudTrail);
    expect(aws.s3For('us-east-1')).toBe(aws.s3);
    expect(aws.s3For('eu-west-1')).toBe(aws.s3For('eu-west-1'));
    expect(await aws.cloudTrailFor('eu-west-1').config.region()).toBe('eu-west-1');
  });

  it('signs a session’s calls with the assumed role’s credentials', async () => {
    const session = createSessionClients({ accessKeyId: 'AKIA', secretAccessKey: 'secret', sessionToken: 'token' });
    const credentials = await session.s3For('us-east-1').config.credentials();
    expect(credentials).toMatchObject({ accessKeyId: 'AKIA', secretAccessKey: 'secret', sessionToken: 'token' });
  });
});
