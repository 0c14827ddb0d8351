/**
 * Run in a child process (`node --import tsx`), so that its peak memory is the reading's alone:
 * builds the hostile corpus (or the kinds named), asks every question on one engine, and prints
 * one JSON line: peak RSS, each answer's time, the longest event-loop stall and what was skipped.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { answerRequest } from '../../src/answers/answer-request.js';
import { parseCommand } from '../../src/commands/parse.js';
import type { Engine } from '../../src/engines/engine.js';
import { IndexedEngine } from '../../src/engines/indexed/indexed-engine.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { tempDir } from './archive.js';
import { writeHostileArchive } from './hostile-archive.js';

interface ChildArgs {
  engine: 'files' | 'index';
  kinds?: string[];
  questions: string[][];
  now: string;
}

const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
const root = await tempDir('s3x-hostile-child-');
const archive = await writeHostileArchive(root, args.kinds);
const rssBefore = process.memoryUsage().rss;
let maxLagMs = 0;
let last = performance.now();
const ticker = setInterval(() => {
  const now = performance.now();
  maxLagMs = Math.max(maxLagMs, now - last - 10);
  last = now;
}, 10);
const engine: Engine =
  args.engine === 'files'
    ? await LocalEngine.open({ logsDir: root })
    : await IndexedEngine.open({ logsDir: root, indexPath: path.join(root, '..', `${path.basename(root)}.duckdb`) });
const answers: Array<{ question: string; ms: number; skipped: number }> = [];
const now = new Date(args.now);
for (const words of args.questions) {
  const started = performance.now();
  const reply = await answerRequest(parseCommand(words, now), { engine, now: () => now });
  const skipped = (JSON.stringify(reply).match(/"reason":/g) ?? []).length;
  answers.push({ question: words[0] as string, ms: Math.round(performance.now() - started), skipped });
}
await engine.close();
clearInterval(ticker);
const mb = (bytes: number) => Math.round(bytes / (1024 * 1024));
process.stdout.write(
  `${JSON.stringify({
    maxRssMb: mb(process.resourceUsage().maxRSS * 1024),
    rssBeforeMb: mb(rssBefore),
    maxLagMs: Math.round(maxLagMs),
    answers,
    hostile: Object.keys(archive.hostile),
  })}\n`,
);
for (const dir of [root, `${root}-outside`, `${root}.duckdb`, `${root}.duckdb.wal`])
  await rm(dir, { recursive: true, force: true });
