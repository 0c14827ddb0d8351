import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

const SAMPLE_SEED = 20_240_701;
const MARKER = '.complete';

/** Where `npm start` keeps the generated sample archive. */
export function sampleLogsDir(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'sample-logs');
}

/**
 * Generate the sample archive once (the last 14 days up to `now`) and return its directory.
 * Written to a temporary folder and renamed, so a crash mid-way never leaves half an archive.
 */
export async function ensureSampleLogs(dataDir: string, now: Date): Promise<{ dir: string; generated: boolean }> {
  const dir = sampleLogsDir(dataDir);
  if (existsSync(path.join(dir, MARKER))) return { dir, generated: false };
  const staging = `${dir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  // The generator loads only to generate: a terminal command reads the path alone.
  const { generateArchive } = await import('./generate.js');
  const summary = await generateArchive({ outDir: staging, seed: SAMPLE_SEED, end: now, days: 14 });
  await writeFile(path.join(staging, MARKER), JSON.stringify({ generatedAt: now.toISOString(), ...summary }, null, 2));
  await rm(dir, { recursive: true, force: true });
  await rename(staging, dir);
  return { dir, generated: true };
}
