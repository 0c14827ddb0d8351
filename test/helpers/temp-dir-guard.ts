import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** What tests (and the code under test) name their temp folders; a leftover one fails the run. */
const OURS = /^s3x-/;

/**
 * Vitest global setup: the run gets a temp folder of its own (TMPDIR, inherited by the test workers and
 * every process they start) and fails when a test leaves an `s3x-*` entry in it. A folder of its own,
 * so that runs sharing a machine do not blame each other; it is removed whatever the outcome.
 */
export function setup(): () => void {
  const root = mkdtempSync(path.join(tmpdir(), 'vitest-run-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    const leftovers = readdirSync(root).filter((name) => OURS.test(name));
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    if (leftovers.length > 0) {
      // Vitest only logs an error thrown here ("error during close") and still exits 0.
      process.exitCode = 1;
      throw new Error(
        `tests left ${leftovers.length} temp entries behind (remove what a test makes, e.g. with tempDir() from test/helpers/archive.ts): ${leftovers.sort().join(', ')}`,
      );
    }
  };
}
