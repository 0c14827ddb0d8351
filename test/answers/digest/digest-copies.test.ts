import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDigest, type Digest } from '../../../src/answers/digest/question.js';
import { expressEvent, tempDir, writeDeliveryFile } from '../../helpers/archive.js';
import { type FileAndIndex, openFileAndIndex } from '../../helpers/three-engines.js';

const BUCKET = 'hot--use1-az4--x-s3';
const ALICE = 'arn:aws:sts::111122223333:assumed-role/Writer/alice';
const BOB = 'arn:aws:sts::111122223333:assumed-role/Writer/bob';
const CAROL = 'arn:aws:sts::111122223333:assumed-role/Writer/carol';

/** A StopLogging call, as CloudTrail writes a management event. */
function stopLogging(eventTime: string, region: string): Record<string, unknown> {
  return {
    eventVersion: '1.09',
    userIdentity: { type: 'AssumedRole', arn: ALICE, accountId: '111122223333' },
    eventTime,
    eventSource: 'cloudtrail.amazonaws.com',
    eventName: 'StopLogging',
    awsRegion: region,
    sourceIPAddress: '10.0.0.1',
    requestParameters: { name: 'trail' },
    requestID: `REQ-stop-${eventTime}`,
    eventID: `stop-${eventTime}`,
    eventType: 'AwsApiCall',
    managementEvent: true,
    eventCategory: 'Management',
  };
}

// Copies of records as the digest must count them, on the file engine and on the index alike.
describe('digest: copies of one record, and records filed outside the days they name', () => {
  let engines: FileAndIndex;
  let onFiles: Digest;
  let onIndex: Digest;

  beforeAll(async () => {
    const root = await tempDir('s3x-digest-copies-');
    const logs = path.join(root, 'logs');
    const delivered = expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-19T09:00:00Z', key: 'a', arn: ALICE });
    await writeDeliveryFile(logs, '2026/11/19', '20261119T0905Z_a', [
      delivered,
      // One eventID, two contents (never from CloudTrail): the older copy is the event.
      expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-19T10:00:00Z', key: 'b', arn: BOB, eventID: 'twice' }),
      // The same eventID as a call of the day before: the day's copy counts on the day.
      expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-19T00:01:00Z', key: 'c', arn: CAROL, eventID: 'midnight' }),
    ]);
    // Delivered twice: counted once.
    await writeDeliveryFile(logs, '2026/11/19', '20261119T0915Z_b', [
      delivered,
      expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-19T11:00:00Z', key: 'b', arn: ALICE, eventID: 'twice' }),
    ]);
    await writeDeliveryFile(logs, '2026/11/18', '20261118T2359Z_c', [
      expressEvent({ eventName: 'PutObject', eventTime: '2026-11-18T23:59:00Z', key: 'c', arn: ALICE, eventID: 'midnight' }),
    ]);
    // Filed days before the time it names: outside the folders of the day's logs, so neither a
    // change of the day nor a Region the logs hold.
    await writeDeliveryFile(
      logs,
      '2026/11/15',
      '20261115T0000Z_d',
      [stopLogging('2026-11-19T12:00:00Z', 'eu-west-1')],
      'eu-west-1',
    );
    engines = await openFileAndIndex(root);
    const options = { date: '2026-11-19', timeZone: 'UTC' };
    onFiles = await buildDigest(engines.file, options);
    onIndex = await buildDigest(engines.index, options);
  });
  afterAll(async () => {
    await engines?.close();
  });

  it('counts a record delivered twice once, and of two contents of one eventID the older', () => {
    const bucket = onFiles.buckets.find((b) => b.bucket === BUCKET);
    expect(bucket?.deletes).toEqual([
      { principal: ALICE, count: 1, lifecycle: false },
      { principal: BOB, count: 1, lifecycle: false },
      { principal: CAROL, count: 1, lifecycle: false },
    ]);
    expect(bucket?.events).toBe(3);
  });

  it('lists no change and no Region from a file outside the days it names', () => {
    expect(onFiles.management).toEqual([]);
    expect(onFiles.logGaps.map((gap) => gap.reason).join(' ')).not.toContain('eu-west-1');
  });

  it('gives the same digest on the index', () => {
    const { stats: _files, ...files } = onFiles;
    const { stats: _index, ...index } = onIndex;
    expect(index).toEqual(files);
  });
});
