import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { GSI1 } from '../../src/aws/dynamodb/table.js';

/** Dummy credentials: dynalite checks that requests are signed, not by whom. */
export const DYNALITE_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLEDYNALITE', secretAccessKey: 'dynalite-secret' };

/**
 * dynalite (an implementation of DynamoDB on an in-memory LevelDB) on 127.0.0.1, a free port:
 * the tests' real DynamoDB, conditions, item size limit and query paging included.
 */
export class Dynalite {
  endpoint = '';
  private readonly server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  private tables = 0;

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  client(): DynamoDBClient {
    return new DynamoDBClient({
      region: 'us-east-1',
      endpoint: this.endpoint,
      credentials: DYNALITE_CREDENTIALS,
      maxAttempts: 1,
    });
  }

  /** A new table laid out as docs/iam/REMEDIATION.md's `create-table` makes it. */
  async createTable(): Promise<string> {
    const name = `s3x-test-${++this.tables}`;
    const client = this.client();
    try {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
            { AttributeName: 'gsi1pk', AttributeType: 'S' },
            { AttributeName: 'createdAt', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          GlobalSecondaryIndexes: [
            {
              IndexName: GSI1,
              KeySchema: [
                { AttributeName: 'gsi1pk', KeyType: 'HASH' },
                { AttributeName: 'createdAt', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
          ],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    } finally {
      client.destroy();
    }
    return name;
  }

  /** The environment that points the app's SDK at this dynalite, with dummy credentials. */
  env(table: string): Record<string, string> {
    return {
      S3X_STORE: 'dynamodb',
      S3X_DYNAMODB_TABLE: table,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_DYNAMODB: this.endpoint,
      AWS_ACCESS_KEY_ID: DYNALITE_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DYNALITE_CREDENTIALS.secretAccessKey,
    };
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
