import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SqsAlertQueue } from '../../../src/aws/sqs/alert-queue.js';

const URL = 'https://sqs.us-east-1.amazonaws.com/111122223333/s3x-alerts';
const sqs = mockClient(SQSClient);
const queue = () => new SqsAlertQueue(new SQSClient({ region: 'us-east-1' }));

afterEach(() => sqs.reset());

describe('SqsAlertQueue', () => {
  it('long-polls up to 10 messages, hidden for the visibility timeout, and reads each as the queue source wants it', async () => {
    sqs.on(ReceiveMessageCommand).resolves({
      Messages: [
        { MessageId: 'm1', ReceiptHandle: 'r1', Body: '{}', Attributes: { ApproximateReceiveCount: '2' } },
        { MessageId: 'm2' },
      ],
    });
    const messages = await queue().receive(URL, 30, new AbortController().signal);
    expect(messages).toEqual([{ id: 'm1', receipt: 'r1', body: '{}', receiveCount: '2' }, { id: 'm2' }]);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input).toEqual({
      QueueUrl: URL,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 20,
      VisibilityTimeout: 30,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    });
  });

  it('reads an empty receive as no messages', async () => {
    sqs.on(ReceiveMessageCommand).resolves({});
    expect(await queue().receive(URL, 30, new AbortController().signal)).toEqual([]);
  });

  it('extends and deletes by receipt handle', async () => {
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    sqs.on(DeleteMessageCommand).resolves({});
    await queue().extendVisibility(URL, 'r1', 45);
    await queue().delete(URL, 'r1');
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input).toEqual({
      QueueUrl: URL,
      ReceiptHandle: 'r1',
      VisibilityTimeout: 45,
    });
    expect(sqs.commandCalls(DeleteMessageCommand)[0]?.args[0].input).toEqual({ QueueUrl: URL, ReceiptHandle: 'r1' });
  });
});
