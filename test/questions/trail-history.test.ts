import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { askTrailHistory, type TrailHistoryAnswer } from '../../src/questions/trail-history.js';
import { tempDir, writeDeliveryFile } from '../helpers/archive.js';

const TRAIL = 'arn:aws:cloudtrail:us-east-1:111122223333:trail/main';

/** A trail change as CloudTrail records it, without eventID (hand-made fixtures may lack one). */
function trailChange(eventName: string, eventTime: string, sourceIPAddress: string): Record<string, unknown> {
  return {
    eventVersion: '1.09',
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/admin', accountId: '111122223333' },
    eventTime,
    eventSource: 'cloudtrail.amazonaws.com',
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress,
    userAgent: 'aws-cli/2',
    requestParameters: { name: TRAIL },
    responseElements: null,
    requestID: 'REQ-SAME',
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '111122223333',
    eventCategory: 'Management',
  };
}

describe('trail history', () => {
  let dir: string;
  let history: TrailHistoryAnswer;

  beforeAll(async () => {
    dir = await tempDir('s3x-trail-history-');
    const stop = trailChange('StopLogging', '2026-11-01T10:00:00Z', '10.0.0.1');
    // The same record delivered twice, and a second call that differs from it only in its source IP.
    await writeDeliveryFile(dir, '2026/11/01', '20261101T1005Z_a', [stop]);
    await writeDeliveryFile(dir, '2026/11/01', '20261101T1010Z_b', [
      stop,
      trailChange('StopLogging', '2026-11-01T10:00:00Z', '10.0.0.2'),
    ]);
    const engine = await LocalEngine.open({ logsDir: dir });
    try {
      history = await askTrailHistory(
        { since: new Date('2026-11-01T00:00:00Z'), until: new Date('2026-11-02T00:00:00Z') },
        engine,
      );
    } finally {
      await engine.close();
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('de-duplicates on the event identity every question uses: a duplicate delivery once, two calls twice', () => {
    expect(history.changes.map((change) => [change.eventName, change.eventTime, change.trailName])).toEqual([
      ['StopLogging', '2026-11-01T10:00:00Z', 'main'],
      ['StopLogging', '2026-11-01T10:00:00Z', 'main'],
    ]);
  });
});
