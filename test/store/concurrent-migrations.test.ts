import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { removeTempDirs, tempDir } from '../helpers/archive.js';

const run = promisify(execFile);

afterEach(removeTempDirs);

describe('the state database, opened by several processes at once', () => {
  it('is migrated once: replicas starting together on a new file all start', async () => {
    const dir = await tempDir();
    // Each process opens (and migrates) the same new file; before each migration is applied the
    // set of applied ones is asked again under the write lock, so none applies one twice.
    // Loaded first, then all open at the same instant (argv[2]), as replicas started together would.
    const opener = `import { openDatabase } from ${JSON.stringify(path.resolve('src/store/database.ts'))};
      while (Date.now() < Number(process.argv[2]));
      openDatabase(process.argv[1]).close();`;
    for (let round = 0; round < 2; round++) {
      const file = path.join(dir, `s3x-${round}.sqlite`);
      const at = String(Date.now() + 3000);
      const opened = await Promise.allSettled(
        Array.from({ length: 4 }, () =>
          run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', opener, file, at]),
        ),
      );
      expect(opened.filter((result) => result.status === 'rejected')).toEqual([]);
      const db = openDatabase(file);
      const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
      db.close();
      expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
    }
  }, 60_000);
});
