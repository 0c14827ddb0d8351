import { rm } from 'node:fs/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { openStores } from '../../src/app/open-stores.js';
import { loadConfig } from '../../src/config.js';
import { systemClock } from '../../src/time/clock.js';
import { tempDir } from '../helpers/archive.js';

describe('openStores with S3X_STORE=dynamodb', () => {
  it('hands one DynamoDB client to every store on the table, and closing the stores destroys it', async () => {
    const dataDir = await tempDir('s3x-open-stores-');
    try {
      const config = loadConfig({
        S3X_STORE: 'dynamodb',
        S3X_DYNAMODB_TABLE: 's3x',
        AWS_REGION: 'us-east-1',
        S3X_DATA_DIR: dataDir,
      });
      const stores = await openStores(config, systemClock, () => new Date());
      const clientOf = (store: object) => (store as { client?: unknown }).client;
      const client = clientOf(stores.answers);
      expect(client).toBeInstanceOf(DynamoDBClient);
      for (const store of [stores.approvals, stores.digestLease, stores.alerts]) expect(clientOf(store)).toBe(client);
      const destroy = vi.spyOn(client as DynamoDBClient, 'destroy');
      stores.close();
      expect(destroy).toHaveBeenCalledTimes(1);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
