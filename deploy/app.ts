#!/usr/bin/env node
// `npx cdk deploy` (from deploy/) runs this through cdk.json. Settings come from `-c name=value` or cdk.json's context.
import { App } from 'aws-cdk-lib';
import { S3xStack } from './s3x-stack.js';

const app = new App();

function context(name: string): string {
  const value = app.node.tryGetContext(name) as unknown;
  if (typeof value !== 'string' || value === '')
    throw new Error(`Set the CDK context value ${name}: npx cdk deploy -c ${name}=…`);
  return value;
}
const optional = (name: string) => (app.node.tryGetContext(name) as string | undefined) || undefined;

new S3xStack(app, 'S3x', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  trail: {
    name: context('trailName'),
    bucket: context('logBucket'),
    prefix: optional('logPrefix'),
    organizationId: optional('organizationId'),
    regions: context('regions').split(','),
    start: context('logStart'),
  },
  slackSecretArn: context('slackSecretArn'),
  certificateArn: context('certificateArn'),
  imageUri: optional('imageUri'),
  settings: JSON.parse(optional('settings') ?? '{}') as Record<string, string>,
});
// Alerts (EventBridge rule, SQS queues) are not built yet: see the extension point in s3x-stack.ts.
