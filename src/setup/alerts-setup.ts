/**
 * `s3x setup alerts`: the AWS side of real-time alerts. An EventBridge rule on the default bus sends
 * CloudTrail's events of S3 Express, S3 and CloudTrail itself (detail-type "AWS API Call via
 * CloudTrail", aws-facts 7) to an SQS queue with a dead-letter queue; a queue policy lets only that
 * rule send. Printed as the exact API calls (what `--apply` makes, in order) or as a CloudFormation
 * template. Every name is checked against a strict pattern: they go into JSON and shell text.
 */
import { UsageError } from '../errors.js';
import { parseSetupOptions, show } from './options.js';

export interface AlertsSetupSpec {
  region: string;
  account: string;
  queue: string;
  rule: string;
}

export interface AlertsSetupCall {
  service: 'sqs' | 'events';
  action: 'CreateQueue' | 'PutRule' | 'PutTargets';
  input: Record<string, unknown>;
}

export const EVENT_PATTERN = {
  source: ['aws.s3express', 'aws.s3', 'aws.cloudtrail'],
  'detail-type': ['AWS API Call via CloudTrail'],
};
/** Receives before a message that cannot be processed goes to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const ACCOUNT = /^\d{12}$/;
const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const USAGE =
  's3x setup alerts --region us-east-1 --account 123456789012 [--queue s3x-alerts] [--rule s3x-cloudtrail-events] [--format api|cloudformation] [--apply]';
const OPTIONS = ['region', 'account', 'queue', 'rule', 'format'] as const;

export function parseSetupAlertsArgs(argv: readonly string[]): {
  spec: AlertsSetupSpec;
  format: 'api' | 'cloudformation';
  apply: boolean;
} {
  const { values, apply } = parseSetupOptions(argv, OPTIONS, USAGE);
  const format = values.get('format') ?? 'api';
  if (format !== 'api' && format !== 'cloudformation')
    throw new UsageError(`\`--format\` ${show(format)} is not valid: expected api or cloudformation.`);
  if (apply && format !== 'api')
    throw new UsageError(
      '`--apply` makes the API calls; leave out `--format cloudformation` (deploy the template with CloudFormation instead).',
    );
  const spec: AlertsSetupSpec = {
    region: values.get('region') ?? '',
    account: values.get('account') ?? '',
    queue: values.get('queue') ?? 's3x-alerts',
    rule: values.get('rule') ?? 's3x-cloudtrail-events',
  };
  checkSpec(spec);
  return { spec, format, apply };
}

function checkSpec(spec: AlertsSetupSpec): void {
  const check = (option: string, value: string, pattern: RegExp, expected: string) => {
    if (!pattern.test(value))
      throw new UsageError(`\`--${option}\` ${show(value)} is not valid: ${expected}. Usage: \`${USAGE}\``);
  };
  check('region', spec.region, REGION, 'expected a Region like us-east-1');
  check('account', spec.account, ACCOUNT, 'expected the 12-digit AWS account id');
  check('queue', spec.queue, NAME, 'expected 1-64 letters, digits, - or _');
  check('rule', spec.rule, NAME, 'expected 1-64 letters, digits, - or _');
}

const queueArn = (spec: AlertsSetupSpec, name: string) => `arn:aws:sqs:${spec.region}:${spec.account}:${name}`;
const ruleArn = (spec: AlertsSetupSpec) => `arn:aws:events:${spec.region}:${spec.account}:rule/${spec.rule}`;
const dlqName = (spec: AlertsSetupSpec) => `${spec.queue}-dlq`;

/** Only the rule may send to the queue. */
function queuePolicy(spec: AlertsSetupSpec): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'EventBridgeRuleSends',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn(spec, spec.queue),
        Condition: { ArnEquals: { 'aws:SourceArn': ruleArn(spec) } },
      },
    ],
  };
}

/** The calls `--apply` makes, in order (each ARN is known in advance, so none waits for another's output). */
export function buildAlertsSetupCalls(spec: AlertsSetupSpec): AlertsSetupCall[] {
  checkSpec(spec);
  return [
    {
      service: 'sqs',
      action: 'CreateQueue',
      input: { QueueName: dlqName(spec), Attributes: { MessageRetentionPeriod: '1209600', SqsManagedSseEnabled: 'true' } },
    },
    {
      service: 'sqs',
      action: 'CreateQueue',
      input: {
        QueueName: spec.queue,
        Attributes: {
          VisibilityTimeout: '60',
          ReceiveMessageWaitTimeSeconds: '20',
          MessageRetentionPeriod: '345600',
          SqsManagedSseEnabled: 'true',
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: queueArn(spec, dlqName(spec)),
            maxReceiveCount: MAX_RECEIVE_COUNT,
          }),
          Policy: JSON.stringify(queuePolicy(spec)),
        },
      },
    },
    {
      service: 'events',
      action: 'PutRule',
      input: {
        Name: spec.rule,
        EventBusName: 'default',
        EventPattern: JSON.stringify(EVENT_PATTERN),
        State: 'ENABLED',
        Description: 's3x real-time alerts: CloudTrail API calls of S3 Express, S3 and CloudTrail',
      },
    },
    {
      service: 'events',
      action: 'PutTargets',
      input: { Rule: spec.rule, EventBusName: 'default', Targets: [{ Id: 's3x-alerts-queue', Arn: queueArn(spec, spec.queue) }] },
    },
  ];
}

/** The same resources as a CloudFormation template. */
export function buildAlertsTemplate(spec: AlertsSetupSpec): Record<string, unknown> {
  const [dlq, queue, rule] = buildAlertsSetupCalls(spec) as [AlertsSetupCall, AlertsSetupCall, AlertsSetupCall];
  const queueAttributes = (queue.input.Attributes ?? {}) as Record<string, string>;
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 's3x real-time alerts: EventBridge rule → SQS queue (with a dead-letter queue)',
    Resources: {
      DeadLetterQueue: {
        Type: 'AWS::SQS::Queue',
        Properties: { QueueName: dlq.input.QueueName, MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true },
      },
      AlertsQueue: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: spec.queue,
          VisibilityTimeout: Number(queueAttributes.VisibilityTimeout),
          ReceiveMessageWaitTimeSeconds: 20,
          MessageRetentionPeriod: 345600,
          SqsManagedSseEnabled: true,
          RedrivePolicy: {
            deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] },
            maxReceiveCount: MAX_RECEIVE_COUNT,
          },
        },
      },
      AlertsQueuePolicy: {
        Type: 'AWS::SQS::QueuePolicy',
        Properties: { Queues: [{ Ref: 'AlertsQueue' }], PolicyDocument: queuePolicy(spec) },
      },
      CloudTrailEventsRule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          Name: spec.rule,
          EventBusName: 'default',
          EventPattern: EVENT_PATTERN,
          State: rule.input.State,
          Description: rule.input.Description,
          Targets: [{ Id: 's3x-alerts-queue', Arn: { 'Fn::GetAtt': ['AlertsQueue', 'Arn'] } }],
        },
      },
    },
    Outputs: { QueueUrl: { Description: 'Set S3X_ALERTS_QUEUE_URL to this', Value: { Ref: 'AlertsQueue' } } },
  };
}

/** The IAM statement s3x's own role needs to consume the queue (docs/iam/alerts.json has it too). */
export function consumerStatement(spec: AlertsSetupSpec): Record<string, unknown> {
  return {
    Sid: 'AlertsQueueConsume',
    Effect: 'Allow',
    Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'],
    Resource: queueArn(spec, spec.queue),
  };
}

const NOTES = [
  'Data events reach EventBridge only when a trail logs them: a directory bucket whose objects no trail logs raises no data-event alert. Check with /s3x status; fix with /s3x enable-logging.',
  'Rules act in their own Region: run this in every Region with directory buckets (CloudTrail-delivered events go to the default bus of the Region of the call).',
  'EventBridge delivers CloudTrail events on a best-effort basis: an alert is fast, the log files stay the record.',
];

/** What `s3x setup alerts` prints. */
export function describeAlertsSetup(spec: AlertsSetupSpec, format: 'api' | 'cloudformation'): string {
  const body =
    format === 'cloudformation'
      ? JSON.stringify(buildAlertsTemplate(spec), null, 2)
      : buildAlertsSetupCalls(spec)
          .map(
            (call) =>
              `aws ${call.service} ${kebab(call.action)} --region ${spec.region} --cli-input-json '${JSON.stringify(call.input)}'`,
          )
          .join('\n\n');
  return [
    body,
    '',
    `# Then set S3X_ALERTS_QUEUE_URL=https://sqs.${spec.region}.amazonaws.com/${spec.account}/${spec.queue} and AWS_REGION=${spec.region}.`,
    `# s3x's role needs: ${JSON.stringify(consumerStatement(spec))}`,
    ...NOTES.map((note) => `# ${note}`),
    '',
  ].join('\n');
}

function kebab(action: string): string {
  return action.replace(/[A-Z]/g, (c, i: number) => `${i === 0 ? '' : '-'}${c.toLowerCase()}`);
}

/** The clients `--apply` calls through (the SDK's, or test doubles). */
export interface AlertsSetupClients {
  sqs: (action: 'CreateQueue', input: Record<string, unknown>) => Promise<{ QueueUrl?: string }>;
  events: (action: 'PutRule' | 'PutTargets', input: Record<string, unknown>) => Promise<{ FailedEntryCount?: number }>;
}

/** Make the calls in order; the queue URL to configure. A failed target is an error, not a success. */
export async function applyAlertsSetup(spec: AlertsSetupSpec, clients: AlertsSetupClients): Promise<string> {
  let queueUrl = '';
  for (const call of buildAlertsSetupCalls(spec)) {
    if (call.service === 'sqs') {
      queueUrl = (await clients.sqs('CreateQueue', call.input)).QueueUrl ?? queueUrl;
    } else {
      const output = await clients.events(call.action as 'PutRule' | 'PutTargets', call.input);
      if ((output.FailedEntryCount ?? 0) > 0)
        throw new UsageError(`EventBridge did not add the queue as the rule's target (${call.action} failed).`);
    }
  }
  return queueUrl;
}

export function setupAlertsHelp(): string {
  return `Usage: ${USAGE}\n\nPrints the EventBridge rule, SQS queue, dead-letter queue and queue policy for s3x alerts, as the exact API calls (default) or a CloudFormation template; --apply makes the calls with the standard AWS credential chain.\n`;
}
