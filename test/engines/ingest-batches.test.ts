import { describe, expect, it } from 'vitest';
import { BATCH_BYTES, BatchBuilder } from '../../src/engines/indexed/ingest.js';

const MB = 1024 * 1024;
let nextId = 1;
const file = (day: string, sizeMb: number) => ({
  path: `/logs/AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/${day}/f${nextId}.json.gz`,
  size: sizeMb * MB,
  mtimeMs: 0,
  format: 'lines' as const,
  textBytes: 0,
  fileId: nextId++,
});

/** The batches, as the day folder of each of their files. */
function batchesOf(builder: BatchBuilder, files: ReturnType<typeof file>[]): string[][] {
  const batches = files.flatMap((f) => builder.add(f));
  const last = builder.take();
  return [...batches, ...(last.length ? [last] : [])].map((batch) => batch.map((f) => f.path.split('/').at(-2) as string));
}

describe('ingest batches', () => {
  it('keeps reading a day folder past BATCH_BYTES and ends the batch where the day ends', () => {
    expect(BATCH_BYTES).toBe(32 * MB);
    const days = batchesOf(new BatchBuilder(undefined), [
      file('01', 12),
      file('01', 12),
      file('01', 12),
      file('02', 12),
      file('02', 12),
      file('02', 12),
      file('03', 1),
    ]);
    expect(days).toEqual([['01', '01', '01'], ['02', '02', '02'], ['03']]);
  });

  it('gathers small days into one batch, whole', () => {
    const files = ['01', '02', '03', '04', '05', '06', '07', '08', '09'].map((day) => file(day, 5));
    const days = batchesOf(new BatchBuilder(undefined), files);
    // Seven days make 35 MB: the batch ends when the eighth begins.
    expect(days).toEqual([
      ['01', '02', '03', '04', '05', '06', '07'],
      ['08', '09'],
    ]);
  });

  it('ends a batch within a day folder at twice BATCH_BYTES, so that a huge day still fits in memory', () => {
    const days = batchesOf(new BatchBuilder(undefined), [...Array.from({ length: 8 }, () => file('01', 12)), file('02', 1)]);
    // 6 x 12 MB = 72 MB: past 64 MB the batch ends, the rest of the day goes with the next.
    expect(days.map((batch) => batch.length)).toEqual([6, 3]);
    expect(days[1]).toEqual(['01', '01', '02']);
  });

  it('makes batches of exactly `fileCount` files when given, whatever the folders', () => {
    const days = batchesOf(new BatchBuilder(2), [file('01', 1), file('02', 1), file('02', 40), file('03', 40), file('03', 1)]);
    expect(days).toEqual([['01', '02'], ['02', '03'], ['03']]);
  });
});
