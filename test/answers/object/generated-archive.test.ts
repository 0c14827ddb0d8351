import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askObjectQuestion, OBJECT_QUESTION_TABLE, type ObjectEvent } from '../../../src/answers/object/question.js';
import { parseCommand } from '../../../src/commands/parse.js';
import type { ObjectQuestionRequest } from '../../../src/commands/requests.js';
import { LocalEngine } from '../../../src/engines/local/local-engine.js';
import type { PlantedEvent } from '../../../src/sample/calls.js';
import { generateArchive, type SampleFacts } from '../../../src/sample/generate.js';
import { tempDir } from '../../helpers/archive.js';

const END = new Date('2026-11-24T09:30:00Z');
let engine: LocalEngine;
let facts: SampleFacts;

beforeAll(async () => {
  const dir = await tempDir('s3x-generated-');
  const summary = await generateArchive({ outDir: dir, seed: 7, end: END, days: 5, eventsPerDay: 3000 });
  facts = summary.facts;
  engine = await LocalEngine.open({ logsDir: dir });
});
afterAll(async () => {
  await engine.close();
});

async function ask(...words: string[]) {
  const request = parseCommand(words, END) as ObjectQuestionRequest;
  return askObjectQuestion(OBJECT_QUESTION_TABLE[request.command], request, engine);
}

/** The fields an answer row must carry for a planted event. */
function expected(event: PlantedEvent, evidence: 'exact' | 'candidate' = 'exact') {
  return {
    eventId: event.eventId,
    eventTime: event.eventTime,
    eventName: event.eventName,
    principalArn: event.principalArn,
    invokedBy: event.invokedBy,
    bucket: event.bucket,
    key: event.key,
    sourceIp: event.sourceIp,
    errorCode: event.errorCode,
    sessionMode: event.sessionMode,
    evidence,
  };
}

function pick(events: ObjectEvent[]) {
  return events.map((e) => ({
    eventId: e.eventId,
    eventTime: e.eventTime,
    eventName: e.eventName,
    principalArn: e.principalArn,
    invokedBy: e.invokedBy,
    bucket: e.bucket,
    key: e.key,
    sourceIp: e.sourceIp,
    errorCode: e.errorCode,
    sessionMode: e.sessionMode,
    evidence: e.evidence,
  }));
}

const newestFirst = (a: PlantedEvent, b: PlantedEvent) => b.eventTime.localeCompare(a.eventTime);

describe('questions over a generated S3 Express archive', () => {
  it('who-deleted: the planted delete once (delivered twice); batch deletes outside the key’s lifetime only counted', async () => {
    const answer = await ask('who-deleted', facts.plantedKey, '--bucket', facts.plantedBucket, '--since', '4d');
    // The Lifecycle run came before the key's first write, the batch delete after its DeleteObject.
    expect(facts.plantedLifecycleDelete.eventTime < (facts.plantedWrites[0]?.eventTime ?? '')).toBe(true);
    expect(facts.plantedBatchDelete.eventTime > facts.plantedDelete.eventTime).toBe(true);
    expect(pick(answer.events)).toEqual([expected(facts.plantedDelete)]);
    expect(answer.unlistedCandidates).toBe(2);
    expect(facts.plantedDuplicate.files).toHaveLength(2);
  });

  it('who-deleted shows the role behind the session, found through CreateSession', async () => {
    const answer = await ask('who-deleted', facts.plantedKey, '--bucket', facts.plantedBucket, '--since', '4d');
    const exact = answer.events.find((e) => e.evidence === 'exact');
    expect(exact?.sessionIssuerArn).toMatch(/^arn:aws:iam::111122223333:role\/DataEngineer$/);
  });

  it('who-wrote: exactly the planted writes, newest first', async () => {
    const answer = await ask('who-wrote', facts.plantedKey, '--bucket', facts.plantedBucket, '--since', '4d');
    expect(pick(answer.events)).toEqual([...facts.plantedWrites].sort(newestFirst).map((e) => expected(e)));
  });

  it('who-read: every planted read, including failed ones', async () => {
    const answer = await ask('who-read', facts.plantedKey, '--bucket', facts.plantedBucket, '--since', '4d');
    const reads = [...facts.plantedReads, facts.plantedReadAfterDelete].sort(newestFirst);
    expect(pick(answer.events)).toEqual(reads.map((e) => expected(e)));
  });

  it('history: the key timeline oldest first, without batch-delete candidates', async () => {
    const answer = await ask('history', facts.plantedKey, '--bucket', facts.plantedBucket, '--since', '4d');
    const times = answer.events.map((e) => e.eventTime);
    expect(times).toEqual([...times].sort());
    expect(answer.events.every((e) => e.evidence === 'exact' && e.key === facts.plantedKey)).toBe(true);
    expect(answer.events.map((e) => e.eventId)).toContain(facts.plantedDelete.eventId);
  });

  it('finds an event delivered in the next day folder', async () => {
    const late = facts.plantedLateDelivery;
    const day = late.eventTime.slice(0, 10);
    const answer = await ask('who-wrote', late.key as string, '--since', day, '--until', day);
    expect(answer.events.map((e) => e.eventId)).toContain(late.eventId);
    expect(late.folderDate).not.toBe(day.replaceAll('-', '/'));
  });

  it('general-purpose bucket: who-deleted searches s3.amazonaws.com only', async () => {
    const gp = facts.plantedGeneralPurposeDelete;
    const answer = await ask('who-deleted', gp.key as string, '--bucket', gp.bucket as string, '--since', '4d');
    expect(answer.sources).toEqual(['s3.amazonaws.com']);
    expect(pick(answer.events)).toEqual([expected(gp)]);
  });

  it('no --bucket searches both sources and still finds the planted events', async () => {
    const answer = await ask('who-deleted', facts.plantedKey, '--since', '4d');
    expect(answer.sources).toEqual(['s3express.amazonaws.com', 's3.amazonaws.com']);
    expect(answer.events.filter((e) => e.evidence === 'exact').map((e) => e.eventId)).toEqual([facts.plantedDelete.eventId]);
  });
});
