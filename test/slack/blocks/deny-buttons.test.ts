import { describe, expect, it } from 'vitest';
import type { ObjectAnswer, ObjectEvent } from '../../../src/answers/object/question.js';
import { parseCommand } from '../../../src/commands/parse.js';
import { tokenize } from '../../../src/commands/tokenize.js';
import { ACTIONS } from '../../../src/slack/ids.js';
import { renderStoredReply } from '../../../src/slack/render.js';
import { buttonsIn } from '../../helpers/slack.js';

const HOT = 'analytics-hot--use1-az4--x-s3';
const COLD = 'analytics-cold--use1-az5--x-s3';
const BOB = 'arn:aws:sts::111122223333:assumed-role/DataEngineer/bob';

/** A DeleteObject as the AWS-documented S3 Express record shapes it (userIdentity of an assumed role). */
function deletion(bucket: string, overrides: Partial<ObjectEvent> = {}): ObjectEvent {
  return {
    eventId: `e-${bucket}-${overrides.principalId ?? ''}`,
    eventTime: '2026-11-30T10:00:00Z',
    eventName: 'DeleteObject',
    eventSource: 's3express.amazonaws.com',
    region: 'us-east-1',
    principalArn: BOB,
    principalType: 'AssumedRole',
    principalId: 'AROA3EXAMPLEDATAENG01:bob',
    mfaAuthenticated: false,
    invokedBy: null,
    bucket,
    key: 'reports/2024/q3.parquet',
    accessPoint: null,
    keyRole: 'target',
    destination: null,
    sourceIp: '203.0.113.7',
    userAgent: 'aws-cli/2.17.0',
    errorCode: null,
    errorMessage: null,
    addendumReason: null,
    sessionMode: 'ReadWrite',
    sessionIssuerArn: 'arn:aws:iam::111122223333:role/DataEngineer',
    vpcEndpointId: null,
    evidence: 'exact',
    lifecycle: false,
    ...overrides,
  };
}

function whoDeleted(events: ObjectEvent[]): ObjectAnswer {
  return {
    question: 'who-deleted',
    key: 'reports/2024/q3.parquet',
    sources: ['s3.amazonaws.com', 's3express.amazonaws.com'],
    window: { since: new Date('2026-11-25T00:00:00Z'), until: new Date('2026-12-02T00:00:00Z') },
    events,
    totalMatches: events.length,
    exactMatches: events.length,
    successfulMatches: events.filter((e) => e.errorCode === null).length,
    unlistedCandidates: 0,
    stats: { engine: 'local', unreadableFiles: [], bytesScanned: 1, elapsedMs: 1, warnings: [] },
  };
}

function denyButtons(events: ObjectEvent[]) {
  const message = renderStoredReply({ kind: 'object-answer', answer: whoDeleted(events) }, 'a1', 0, false);
  return buttonsIn(message.blocks).filter((b) => b.action_id.startsWith(ACTIONS.denyPrincipal));
}

describe('Deny buttons on a who-deleted answer', () => {
  it('one button per bucket and principal, each naming the bucket: never two identical labels', () => {
    const buttons = denyButtons([
      deletion(HOT),
      deletion(COLD),
      // The same session in the same bucket again (another delete, a recreated role): no second button.
      deletion(HOT, { eventId: 'e-again', principalId: 'AROA3EXAMPLEDATAENG02:bob' }),
    ]);
    expect(buttons.map((b) => b.text)).toEqual([
      'Deny DataEngineer/bob on analytics-hot',
      'Deny DataEngineer/bob on analytics-cold',
    ]);
    expect(buttons.map((b) => b.value)).toEqual([
      `${HOT}|${BOB}|AROA3EXAMPLEDATAENG01:bob`,
      `${COLD}|${BOB}|AROA3EXAMPLEDATAENG01:bob`,
    ]);
  });

  it('a record without a principalId still offers the deny, by ARN', () => {
    const buttons = denyButtons([deletion(HOT, { principalId: null })]);
    expect(buttons.map((b) => b.value)).toEqual([`${HOT}|${BOB}`]);
  });

  it('no button for failed deletes or general purpose buckets', () => {
    expect(denyButtons([deletion(HOT, { errorCode: 'AccessDenied' }), deletion('plain-bucket')])).toEqual([]);
  });
});

describe('"What else did … do?" on a who-deleted answer', () => {
  it('asks the principal question over the answer window, one button per principal on the page', () => {
    const message = renderStoredReply(
      {
        kind: 'object-answer',
        answer: whoDeleted([
          deletion(HOT),
          deletion(COLD),
          deletion(HOT, { eventId: 'x', principalArn: null, invokedBy: 'lifecycle.s3.amazonaws.com' }),
        ]),
      },
      'a1',
      0,
      false,
    );
    const drills = buttonsIn(message.blocks).filter((b) => b.action_id.startsWith(ACTIONS.digestDrill));
    expect(drills.map((b) => [b.text, b.value])).toEqual([
      ['What else did DataEngineer/bob do?', `principal ${BOB} --since 2026-11-25T00:00Z --until 2026-12-02T00:00Z`],
    ]);
    // The value is typed text: it parses as the principal question over the same window.
    const parsed = parseCommand(tokenize(drills[0]?.value as string), new Date('2026-12-02T06:00:00Z'));
    expect(parsed).toMatchObject({ command: 'principal', principal: BOB, window: whoDeleted([]).window });
  });

  it('is not offered on a shared copy', () => {
    const message = renderStoredReply({ kind: 'object-answer', answer: whoDeleted([deletion(HOT)]) }, 'a1', 0, true);
    expect(buttonsIn(message.blocks).filter((b) => b.action_id.startsWith(ACTIONS.digestDrill))).toEqual([]);
  });
});
