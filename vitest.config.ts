import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // DuckDB and real HTTP servers: give slow CI machines room, but no test asserts on time.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Every test removes the temp folders it makes; the run fails on a leftover.
    globalSetup: ['test/helpers/temp-dir-guard.ts'],
    setupFiles: ['test/helpers/remove-temp-dirs.ts'],
  },
});
