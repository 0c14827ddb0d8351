import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { AlertQueueClient, QueueMessage } from '../../alerts/queue-source.js';

/** The alert queue's client (S3X_ALERTS_QUEUE_URL); AWS_ENDPOINT_URL_SQS points it elsewhere. */
export function createSqsClient(region: string): AlertQueueClient {
  return new SqsAlertQueue(new SQSClient({ region }));
}

/** The alert queue in SQS: the queue source's receive, extend and delete as SDK calls. */
export class SqsAlertQueue implements AlertQueueClient {
  constructor(private readonly client: SQSClient) {}

  async receive(queueUrl: string, visibilitySeconds: number, signal: AbortSignal): Promise<QueueMessage[]> {
    const output = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 20,
        VisibilityTimeout: visibilitySeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
      { abortSignal: signal },
    );
    return (output.Messages ?? []).map((message) => ({
      id: message.MessageId,
      receipt: message.ReceiptHandle,
      body: message.Body,
      receiveCount: message.Attributes?.ApproximateReceiveCount,
    }));
  }

  async extendVisibility(queueUrl: string, receipt: string, visibilitySeconds: number): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receipt, VisibilityTimeout: visibilitySeconds }),
    );
  }

  async delete(queueUrl: string, receipt: string): Promise<void> {
    await this.client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receipt }));
  }
}
