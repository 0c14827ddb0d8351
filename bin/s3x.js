#!/usr/bin/env node
// The `s3x` command: runs the compiled CLI (`npm run build` or `npm test`/`npm start` compile it).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('s3x is not built yet: run `npm run build` (or `npm test` / `npm start`, which build it).');
  process.exit(2);
}
const { runCli } = await import(entry.href);
process.exitCode = await runCli(process.argv.slice(2), process.env);
