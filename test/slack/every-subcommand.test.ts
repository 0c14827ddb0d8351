import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerStore } from '../../src/answers/answer-store.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { generateArchive, type SampleFacts } from '../../src/sample/generate.js';
import { openDatabase } from '../../src/store/database.js';
import { tempDir } from '../helpers/archive.js';
import { SlackTestApp } from '../helpers/slack.js';

/** Every subcommand of DESIGN.md, through signed HTTP against the running app, on a generated archive. */
const END = new Date('2026-11-24T09:30:00Z');
const app = new SlackTestApp();
const { responses } = app;
let engine: LocalEngine;
let facts: SampleFacts;

beforeAll(async () => {
  const dir = await tempDir('s3x-every-');
  facts = (await generateArchive({ outDir: dir, seed: 5, end: END, days: 4, eventsPerDay: 2500 })).facts;
  engine = await LocalEngine.open({ logsDir: dir });
  await app.start({
    engine,
    now: () => END,
    store: new AnswerStore(openDatabase(':memory:'), () => END),
    access: { channels: [], users: [], groups: [] },
  });
});

afterAll(async () => {
  await app.stop();
  await engine.close();
});

/** The ack body, and the answer posted afterwards (when the ack was only "searching…"). */
async function ask(text: string): Promise<{ ack: { text: string }; answer: string }> {
  const { ack: response, path } = await app.command(text);
  expect(response.status).toBe(200);
  const ack = (await response.json()) as { text: string; blocks: unknown };
  if (!ack.text.startsWith('Searching CloudTrail')) return { ack, answer: JSON.stringify(ack) };
  const [answer] = await responses.waitFor(path);
  return { ack, answer: JSON.stringify(answer) };
}

describe('every subcommand over signed HTTP', () => {
  it('who-deleted names the deleter', async () => {
    const { answer } = await ask(`who-deleted ${facts.plantedKey} --bucket ${facts.plantedBucket} --since 3d`);
    expect(answer).toContain(facts.plantedDelete.principalArn as string);
    // The planted batch deletes came before the key's first write and after its delete: counted, not listed.
    expect(answer).toContain('2 batch deletes not listed');
  });

  it('who-deleted --prefix counts the deletes per key under the prefix, in a table', async () => {
    const prefix = facts.plantedKey.slice(0, facts.plantedKey.lastIndexOf('/') + 1);
    const { answer } = await ask(`who-deleted --prefix ${prefix} --bucket ${facts.plantedBucket} --since 3d`);
    const message = JSON.parse(answer) as { blocks: Array<{ type: string; rows?: Array<Array<{ text: string }>> }> };
    const table = message.blocks.find((block) => block.type === 'table');
    const planted = table?.rows?.find((row) => row[0]?.text === facts.plantedKey);
    expect(planted?.[4]?.text).toBe(facts.plantedDelete.principalArn);
    expect(answer).toContain('Keys under the prefix (most recently deleted first)');
    // Every key listed starts with the prefix.
    for (const row of table?.rows?.slice(1) ?? []) expect(row[0]?.text.startsWith(prefix)).toBe(true);
  });

  it('who-wrote names every writer', async () => {
    const { answer } = await ask(`who-wrote ${facts.plantedKey} --bucket ${facts.plantedBucket} --since 3d`);
    for (const write of facts.plantedWrites) expect(answer).toContain(write.principalArn as string);
  });

  it('who-read names every reader', async () => {
    const { answer } = await ask(`who-read ${facts.plantedKey} --since 3d`);
    for (const read of facts.plantedReads) expect(answer).toContain(read.principalArn as string);
  });

  it('history shows the timeline of the key', async () => {
    const { answer } = await ask(`history ${facts.plantedKey} --since 3d`);
    expect(answer).toContain('DeleteObject');
    expect(answer).toContain('PutObject');
  });

  it('activity summarizes the bucket', async () => {
    const { answer } = await ask(`activity ${facts.plantedBucket} --since 3d`);
    expect(answer).toContain('GetObject');
    expect(answer).toContain('DataEngineer');
  });

  it('principal matches a role name to its sessions', async () => {
    const { answer } = await ask('principal DataEngineer --since 3d');
    expect(answer).toContain(facts.plantedBucket);
    expect(answer).toContain('DeleteObject');
  });

  it('denied lists failed calls', async () => {
    const { answer } = await ask(`denied --bucket ${facts.plantedBucket} --since 3d`);
    expect(answer).toContain('AccessDenied');
    expect(answer).toContain(facts.plantedDeniedSession.principalArn as string);
  });

  it('bucket-events lists the policy changes', async () => {
    const { answer } = await ask(`bucket-events ${facts.plantedBucket} --since 4d`);
    expect(answer).toMatch(/PutBucketPolicy|bucket-level/);
  });

  it('status lists each directory bucket with its coverage and the logging gap', async () => {
    const { answer } = await ask('status');
    for (const bucket of facts.directoryBuckets.filter((b) => !b.startsWith('tmp-'))) expect(answer).toContain(bucket);
    // Now first; the logging gap is a detail of the window (from the logs alone it cannot be told apart from another trail).
    expect(answer).toContain(
      '3 of 4 directory buckets are logged now; s3x cannot tell for `tmp-exports--use1-az5--x-s3` (history incomplete).',
    );
    expect(answer).toContain(
      `${facts.loggingGap.stoppedAt.replace('T', ' ').replace('Z', '')}–${facts.loggingGap.restartedAt.slice(11, 19)} UTC`,
    );
  });

  it('a who-deleted with no match says the window was not fully covered', async () => {
    const gapDay = facts.loggingGap.stoppedAt.slice(0, 10);
    const { answer } = await ask(
      `who-deleted no/such/key.txt --bucket ${facts.plantedBucket} --since ${gapDay} --until ${gapDay}`,
    );
    expect(answer).toContain('for only part of the window');
    // The stop is named with who and when; from the logs alone another trail may have logged it then.
    expect(answer).toContain(`trail ${facts.trail.name} stopped logging (StopLogging by `);
    // Logging is on again now: enabling it would change nothing, so no button.
    expect(answer).not.toContain('s3x_enable_logging');
  });

  it('a who-deleted --prefix with no match says the window was not fully covered, as for a key', async () => {
    const gapDay = facts.loggingGap.stoppedAt.slice(0, 10);
    const { answer } = await ask(
      `who-deleted --prefix no/such/ --bucket ${facts.plantedBucket} --since ${gapDay} --until ${gapDay}`,
    );
    expect(answer).toContain('No DeleteObject or rename away of keys under');
    expect(answer).toContain('for only part of the window');
  });

  it.each(['enable-logging --all', 'tighten analytics-hot--use1-az4--x-s3 --read-only'])(
    '%s says remediation is off without approvers',
    async (text) => {
      const { ack } = await ask(text);
      expect(ack.text).toMatch(/set S3X_APPROVERS/);
    },
  );

  it('approvals lists pending requests (none here)', async () => {
    const { answer } = await ask('approvals');
    expect(answer).toContain('No approval requests are pending');
  });

  it('audit shows the audit log (empty here)', async () => {
    const { answer } = await ask('audit');
    expect(answer).toContain('audit log is empty');
  });

  it('digest reports the day before, with the planted delete', async () => {
    const day = facts.plantedDelete.eventTime.slice(0, 10);
    const { answer } = await ask(`digest --date ${day}`);
    expect(answer).toContain('"response_type":"in_channel"');
    expect(answer).toContain(facts.plantedDelete.principalArn as string);
  });

  it('help lists the whole surface', async () => {
    const { ack } = await ask('help');
    expect(ack.text).toContain('who-deleted');
  });
});
