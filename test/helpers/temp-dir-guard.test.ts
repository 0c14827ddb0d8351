import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { setup } from './temp-dir-guard.js';

describe('the leftover temp folder check', () => {
  const outer = process.env.TMPDIR;
  afterEach(() => {
    process.exitCode = undefined;
    if (outer === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = outer;
  });

  it('passes when nothing is left, and gives the run its TMPDIR back', () => {
    // Prepare
    const teardown = setup();
    mkdtempSync(path.join(tmpdir(), 'not-ours-'));

    // Act, Assess
    expect(teardown).not.toThrow();
    expect(process.env.TMPDIR).toBe(outer);
    expect(process.exitCode).toBeUndefined();
  });

  it('fails the run naming what a test left behind, and removes it', () => {
    // Prepare
    const teardown = setup();
    const root = tmpdir();
    const left = path.basename(mkdtempSync(path.join(root, 's3x-forgotten-')));

    // Act, Assess
    expect(teardown).toThrow(new RegExp(`left 1 temp entries behind .*${left}`));
    expect(process.exitCode).toBe(1);
    expect(() => mkdtempSync(path.join(root, 'x-'))).toThrow(/ENOENT/);
  });
});
