import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerStore } from '../../src/answers/answer-store.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { openDatabase } from '../../src/store/database.js';
import { expressEvent, tempDir, writeDeliveryFile } from '../helpers/archive.js';
import { accountNoise } from '../helpers/real-account-archive.js';
import { buttonsIn, postSigned, SlackTestApp, slashCommandBody } from '../helpers/slack.js';

const COVERED = 'covered--use1-az4--x-s3';
const UNCOVERED = 'dark--use1-az4--x-s3';
const app = new SlackTestApp();
const { responses } = app;
let engine: LocalEngine;
let eventsUrl: string;
let responseBase: string;

function trailEvent(eventName: string, eventTime: string, requestParameters: Record<string, unknown>, eventID: string) {
  return {
    eventVersion: '1.11',
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/admin', accountId: '111122223333' },
    eventTime,
    eventSource: 'cloudtrail.amazonaws.com',
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.1',
    userAgent: 'console',
    requestParameters,
    responseElements:
      eventName === 'CreateTrail' ? { trailARN: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/main', name: 'main' } : null,
    eventID,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '111122223333',
    eventCategory: 'Management',
  };
}

beforeAll(async () => {
  const root = await tempDir();
  await writeDeliveryFile(root, '2026/11/01', '20261101T0010Z_trail', [
    trailEvent('CreateTrail', '2026-11-01T00:00:00Z', { name: 'main', s3BucketName: 'logs', isMultiRegionTrail: true }, 't1'),
    trailEvent(
      'PutEventSelectors',
      '2026-11-01T00:01:00Z',
      {
        trailName: 'main',
        advancedEventSelectors: [
          {
            name: 'one bucket',
            fieldSelectors: [
              { field: 'eventCategory', equals: ['Data'] },
              { field: 'resources.type', equals: ['AWS::S3Express::Object'] },
              { field: 'resources.ARN', startsWith: [`arn:aws:s3express:us-east-1:111122223333:bucket/${COVERED}/`] },
            ],
          },
        ],
      },
      't2',
    ),
    trailEvent('StartLogging', '2026-11-01T00:02:00Z', { name: 'main' }, 't3'),
  ]);
  await writeDeliveryFile(root, '2026/11/05', '20261105T0010Z_data', [
    expressEvent({ eventName: 'PutObject', eventTime: '2026-11-05T00:00:00Z', key: 'x', bucket: COVERED }),
  ]);
  // The account's everyday calls on 2026-11-03 and 11-04: the logs are there. 2026-11-02 has none.
  for (const day of ['03', '04']) {
    await writeDeliveryFile(
      root,
      `2026/11/${day}`,
      `202611${day}T2359Z_noise`,
      accountNoise(`2026-11-${day}T00:00:00Z`, `2026-11-${day}T23:59:59Z`),
    );
  }
  engine = await LocalEngine.open({ logsDir: root });
  ({ eventsUrl, responseBase } = await app.start({
    engine,
    now: () => new Date('2026-11-06T00:00:00Z'),
    store: new AnswerStore(openDatabase(':memory:'), () => new Date()),
    access: { channels: [], users: [], groups: [] },
  }));
});

afterAll(async () => {
  await app.stop();
  await engine.close();
});

async function ask(text: string, path: string) {
  await postSigned(eventsUrl, slashCommandBody({ text, response_url: `${responseBase}${path}` }));
  return (await responses.waitFor(path))[0] as Record<string, unknown>;
}

describe('no results are never passed off as "nobody did it"', () => {
  it('says it cannot tell for a bucket no selector in the logs covers (a trail from before them may), and offers Enable logging', async () => {
    const answer = await ask(`who-deleted some/key --bucket ${UNCOVERED} --since 2026-11-03 --until 2026-11-04`, '/dark');
    const text = JSON.stringify(answer.blocks);
    expect(text).toContain(
      's3x cannot tell whether CloudTrail logged DeleteObject, DeleteObjects events of dark--use1-az4--x-s3',
    );
    expect(text).toContain('a trail set up before the logs begin');
    expect(text).not.toMatch(/did not log|whole window/);
    const button = buttonsIn(answer.blocks).find((b) => b.action_id === ACTIONS.enableLogging);
    expect(button?.value).toBe(UNCOVERED);
  });

  it('says the bucket was covered for the whole window when it was', async () => {
    const answer = await ask(`who-deleted some/key --bucket ${COVERED} --since 2026-11-03 --until 2026-11-04`, '/lit');
    expect(JSON.stringify(answer.blocks)).toMatch(/logged .* for the whole window|whole window/i);
    expect(buttonsIn(answer.blocks).some((b) => b.action_id === ACTIONS.enableLogging)).toBe(false);
  });

  it('never says "logged for the whole window" or "nobody" for a window the logs hold nothing of', async () => {
    const answer = await ask(`who-deleted some/key --bucket ${COVERED} --since 2026-11-02 --until 2026-11-02`, '/gone');
    const text = JSON.stringify(answer.blocks);
    expect(text).not.toMatch(/whole window/);
    expect(text).toContain('the logs hold no events of us-east-1 in the window');
  });
});
