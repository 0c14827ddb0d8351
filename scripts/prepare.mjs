// Runs before `npm start` and `npm test`: installs dependencies on a fresh clone and compiles
// when the sources are newer than dist/, so the quick start is two commands and nothing by hand.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const run = (command) => execSync(command, { cwd: root, stdio: 'inherit' });

const installedMarker = path.join(root, 'node_modules', '.package-lock.json');
const lockFile = path.join(root, 'package-lock.json');
if (!existsSync(installedMarker) || statSync(lockFile).mtimeMs > statSync(installedMarker).mtimeMs) {
  console.log('s3x: installing dependencies (npm ci)…');
  run('npm ci --no-audit --no-fund');
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

const builtEntry = path.join(root, 'dist', 'main.js');
const sourcesChanged =
  !existsSync(builtEntry) ||
  Math.max(newestMtime(path.join(root, 'src')), statSync(path.join(root, 'tsconfig.json')).mtimeMs) >
    statSync(builtEntry).mtimeMs;
if (sourcesChanged) {
  console.log('s3x: compiling TypeScript…');
  run('npx tsc -p tsconfig.json');
}
