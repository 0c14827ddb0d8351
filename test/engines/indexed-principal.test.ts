import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askPrincipal, PRINCIPAL_OBJECTS_MAX } from '../../src/answers/principal/question.js';
import { parseCommand } from '../../src/commands/parse.js';
import type { PrincipalRequest } from '../../src/commands/requests.js';
import { IndexedEngine } from '../../src/engines/indexed/indexed-engine.js';
import { ingestArchive } from '../../src/engines/indexed/ingest.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { expressEvent, removeTempDirs, tempDir, writeDeliveryFile } from '../helpers/archive.js';

// The index cuts a principal's objects to the most recent before sorting them on every column (see
// keptByRecency in src/answers/principal/question.ts); past the cap, it must keep the very objects
// the file engine keeps, ties on the last event at the cut included.

const NOW = new Date('2026-11-04T12:00:00Z');
const WRITER = 'arn:aws:sts::111122223333:assumed-role/Writer/w1';
/** More objects than are kept, 40 to a second, so that the cut falls among objects last touched at the same time. */
const OBJECTS = PRINCIPAL_OBJECTS_MAX + 300;

let root: string;
let indexPath: string;

beforeAll(async () => {
  root = await tempDir('s3x-principal-objects-');
  indexPath = path.join(await tempDir('s3x-principal-objects-index-'), 'index.duckdb');
  const time = (i: number) => new Date(Date.UTC(2026, 10, 2, 8) + Math.floor(i / 40) * 1000).toISOString().replace('.000', '');
  const records = Array.from({ length: OBJECTS }, (_, i) =>
    expressEvent({ eventName: i % 3 === 0 ? 'PutObject' : 'GetObject', eventTime: time(i), key: `k/${(i * 7919) % OBJECTS}` }),
  );
  // Copies (read sources, written keys) among the oldest: the most recent objects, and so the cut, are named ones.
  const copies = Array.from({ length: 500 }, (_, i) =>
    expressEvent({
      eventName: 'CopyObject',
      eventTime: time(i * 9),
      key: `copy/${i}`,
      extra: {
        requestParameters: {
          bucketName: 'hot--use1-az4--x-s3',
          key: `copy/${i}`,
          'x-amz-copy-source': `hot--use1-az4--x-s3/k/${i}`,
        },
      },
    }),
  );
  await writeDeliveryFile(root, '2026/11/02', '20261102T1205Z_a', [...records.slice(0, 6000), ...copies]);
  // One record delivered twice: counted once.
  await writeDeliveryFile(root, '2026/11/02', '20261102T1210Z_b', records.slice(5999));
  await ingestArchive({ logsDir: root, indexPath });
});
afterAll(removeTempDirs);

describe('principal objects past the cap on the index', () => {
  it('keeps the same most recent objects as the file engine, and counts the same groups', async () => {
    const request = parseCommand(
      ['principal', WRITER, '--since', '2026-11-01', '--until', '2026-11-03'],
      NOW,
    ) as PrincipalRequest;
    const file = await LocalEngine.open({ logsDir: root });
    const index = await IndexedEngine.open({ logsDir: root, indexPath });
    try {
      const { stats: _fileStats, ...fromFiles } = await askPrincipal(request, file);
      const { stats: _indexStats, ...fromIndex } = await askPrincipal(request, index);
      expect(fromIndex).toEqual(fromFiles);
      expect(fromFiles.objects).toHaveLength(PRINCIPAL_OBJECTS_MAX);
      expect(fromFiles.totalObjects).toBeGreaterThan(PRINCIPAL_OBJECTS_MAX);
    } finally {
      await file.close();
      await index.close();
    }
  });
});
