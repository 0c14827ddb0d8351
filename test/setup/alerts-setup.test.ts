import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createAlertsSetupClients } from '../../src/aws/clients.js';
import { UsageError } from '../../src/errors.js';
import {
  applyAlertsSetup,
  buildAlertsSetupCalls,
  buildAlertsTemplate,
  describeAlertsSetup,
  parseSetupAlertsArgs,
} from '../../src/setup/alerts-setup.js';

const sqs = mockClient(SQSClient);
const events = mockClient(EventBridgeClient);
afterEach(() => {
  sqs.reset();
  events.reset();
});

const SPEC = parseSetupAlertsArgs(['--region', 'us-east-1', '--account', '111122223333']).spec;

describe('s3x setup alerts', () => {
  it('the rule matches CloudTrail API calls of S3 Express, S3 and CloudTrail, as AWS documents the pattern', () => {
    const rule = buildAlertsSetupCalls(SPEC).find((call) => call.action === 'PutRule');
    expect(JSON.parse(String(rule?.input.EventPattern))).toEqual({
      source: ['aws.s3express', 'aws.s3', 'aws.cloudtrail'],
      'detail-type': ['AWS API Call via CloudTrail'],
    });
    expect(rule?.input.EventBusName).toBe('default');
  });

  it('the queue has a dead-letter queue and a policy that lets only the rule send', () => {
    const [dlq, queue] = buildAlertsSetupCalls(SPEC);
    expect(dlq?.input.QueueName).toBe('s3x-alerts-dlq');
    const attributes = queue?.input.Attributes as Record<string, string>;
    expect(JSON.parse(attributes.RedrivePolicy as string)).toEqual({
      deadLetterTargetArn: 'arn:aws:sqs:us-east-1:111122223333:s3x-alerts-dlq',
      maxReceiveCount: 5,
    });
    const policy = JSON.parse(attributes.Policy as string);
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: 'arn:aws:sqs:us-east-1:111122223333:s3x-alerts',
        Condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:events:us-east-1:111122223333:rule/s3x-cloudtrail-events' } },
      }),
    ]);
  });

  it('prints each call as an aws CLI command whose JSON is the call made by --apply, plus the trail and Region caveats', () => {
    const text = describeAlertsSetup(SPEC, 'api');
    const commands = text.split('\n').filter((line) => line.startsWith('aws '));
    expect(commands.map((line) => JSON.parse(line.slice(line.indexOf("'") + 1, -1)))).toEqual(
      buildAlertsSetupCalls(SPEC).map((c) => c.input),
    );
    expect(commands.map((line) => line.split(' ').slice(1, 3).join(' '))).toEqual([
      'sqs create-queue',
      'sqs create-queue',
      'events put-rule',
      'events put-targets',
    ]);
    expect(text).toContain('Data events reach EventBridge only when a trail logs them');
    expect(text).toContain('S3X_ALERTS_QUEUE_URL=https://sqs.us-east-1.amazonaws.com/111122223333/s3x-alerts');
  });

  it('the CloudFormation template holds the same resources', () => {
    const template = buildAlertsTemplate(SPEC) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    expect(Object.values(template.Resources).map((r) => r.Type)).toEqual([
      'AWS::SQS::Queue',
      'AWS::SQS::Queue',
      'AWS::SQS::QueuePolicy',
      'AWS::Events::Rule',
    ]);
    expect(template.Resources.CloudTrailEventsRule?.Properties.EventPattern).toEqual(
      JSON.parse(String(buildAlertsSetupCalls(SPEC)[2]?.input.EventPattern)),
    );
    expect(JSON.parse(describeAlertsSetup(SPEC, 'cloudformation').split('\n#')[0] as string)).toEqual(template);
  });

  it.each([
    [['--region', 'us-east-1'], 'account'],
    [['--region', 'mars-1', '--account', '111122223333'], 'region'],
    [['--region', 'us-east-1', '--account', '111122223333', '--queue', "q';rm -rf /"], 'queue'],
    [['--region', 'us-east-1', '--account', '111122223333', '--rule', 'a b'], 'rule'],
    [['--region', 'us-east-1', '--account', '111122223333', '--format', 'cloudformation', '--apply'], '--apply'],
    [['--region', 'us-east-1', '--account', '111122223333', '--bogus', 'x'], 'Unknown option'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseSetupAlertsArgs(argv)).toThrow(UsageError);
    expect(() => parseSetupAlertsArgs(argv)).toThrow(message);
  });

  it('--apply makes exactly those calls, in order, through the SDK, and returns the queue URL', async () => {
    sqs.on(CreateQueueCommand).resolves({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/s3x-alerts' });
    events.on(PutRuleCommand).resolves({ RuleArn: 'arn:aws:events:us-east-1:111122223333:rule/s3x-cloudtrail-events' });
    events.on(PutTargetsCommand).resolves({ FailedEntryCount: 0 });
    const url = await applyAlertsSetup(SPEC, createAlertsSetupClients('us-east-1'));
    expect(url).toBe('https://sqs.us-east-1.amazonaws.com/111122223333/s3x-alerts');
    const calls = buildAlertsSetupCalls(SPEC);
    expect(sqs.commandCalls(CreateQueueCommand).map((c) => c.args[0].input)).toEqual([calls[0]?.input, calls[1]?.input]);
    expect(events.commandCalls(PutRuleCommand)[0]?.args[0].input).toEqual(calls[2]?.input);
    expect(events.commandCalls(PutTargetsCommand)[0]?.args[0].input).toEqual(calls[3]?.input);
  });

  it('--apply fails when EventBridge did not add the target', async () => {
    sqs.on(CreateQueueCommand).resolves({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/s3x-alerts' });
    events.on(PutRuleCommand).resolves({});
    events.on(PutTargetsCommand).resolves({ FailedEntryCount: 1, FailedEntries: [{ ErrorCode: 'AccessDenied' }] });
    await expect(applyAlertsSetup(SPEC, createAlertsSetupClients('us-east-1'))).rejects.toThrow('did not add the queue');
  });
});
