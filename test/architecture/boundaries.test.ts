import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/archive.js';
import { cycles, roomGraph } from '../helpers/import-graph.js';
import { REPO_ROOT } from '../helpers/paths.js';

const run = promisify(execFile);
const BIOME = path.join(REPO_ROOT, 'node_modules', '.bin', 'biome');

interface Diagnostic {
  category: string;
  location: { path: string };
}

/** The import-rule diagnostics `biome lint` reports for a folder, as "path rule" lines. */
async function importFindings(dir: string, target: string): Promise<string[]> {
  // biome exits non-zero when it finds errors; the JSON report is on stdout either way.
  const { stdout } = await run(BIOME, ['lint', '--reporter=json', '--max-diagnostics=none', target], {
    cwd: dir,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  const report = JSON.parse(stdout) as { diagnostics: Diagnostic[] };
  return report.diagnostics
    .filter((d) => /noRestrictedImports|noImportCycles/.test(d.category))
    .map((d) => `${d.location.path} ${d.category.split('/').pop()}`)
    .sort();
}

/** The repository's biome.json, usable from a scratch folder (its schema path points into node_modules). */
async function repositoryRules(): Promise<Record<string, unknown>> {
  const config = JSON.parse(await readFile(path.join(REPO_ROOT, 'biome.json'), 'utf8')) as Record<string, unknown>;
  delete config.$schema;
  return { ...config, root: true };
}

describe('the import rules in biome.json (npm run lint fails on a new violation)', () => {
  it('stops each kind of violation planted in a copy of the layout, and lets the allowed imports through', async () => {
    const dir = await tempDir('s3x-boundaries-');
    await writeFile(path.join(dir, 'biome.json'), JSON.stringify(await repositoryRules()));
    const planted: Record<string, string> = {
      // Only src/slack talks to Slack's SDK.
      'src/answers/uses-bolt.ts': "import { App } from '@slack/bolt';\nexport const a = App;\n",
      'src/aws/uses-web-api.ts': "import { WebClient } from '@slack/web-api';\nexport const a = WebClient;\n",
      // Only src/aws imports the AWS SDK.
      'src/engines/uses-sdk.ts': "import { S3Client } from '@aws-sdk/client-s3';\nexport const a = S3Client;\n",
      'src/slack/uses-sdk.ts': "import { AthenaClient } from '@aws-sdk/client-athena';\nexport const a = AthenaClient;\n",
      // Leaf helpers import nothing of the app.
      'src/text/uses-app.ts': "import { loadConfig } from '../config.js';\nexport const a = loadConfig;\n",
      // No module imports itself around a loop.
      'src/questions/loop-a.ts': "import { b } from './loop-b.js';\nexport const a = () => b;\n",
      'src/questions/loop-b.ts': "import { a } from './loop-a.js';\nexport const b = () => a;\n",
      // Allowed: each SDK in its own room, a helper beside a helper.
      'src/slack/bolt.ts': "import { App } from '@slack/bolt';\nexport const a = App;\n",
      'src/aws/sdk.ts': "import { S3Client } from '@aws-sdk/client-s3';\nexport const a = S3Client;\n",
      'src/text/helper.ts': "import { b } from './other-helper.js';\nexport const a = b;\n",
      'src/text/other-helper.ts': 'export const b = 1;\n',
    };
    for (const [file, text] of Object.entries(planted)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    }
    expect(await importFindings(dir, 'src')).toEqual([
      'src/answers/uses-bolt.ts noRestrictedImports',
      'src/aws/uses-web-api.ts noRestrictedImports',
      'src/engines/uses-sdk.ts noRestrictedImports',
      'src/questions/loop-a.ts noImportCycles',
      'src/questions/loop-b.ts noImportCycles',
      'src/slack/uses-sdk.ts noRestrictedImports',
      'src/text/uses-app.ts noRestrictedImports',
    ]);
  });

  it('holds on the real tree', async () => {
    expect(await importFindings(REPO_ROOT, 'src')).toEqual([]);
  });
});

describe('rooms import one another one way', () => {
  it('finds a loop between rooms when there is one', () => {
    const graph = new Map([
      ['slack', new Map([['answers', []]])],
      ['answers', new Map([['engines', []]])],
      ['engines', new Map([['answers', []]])],
    ]);
    expect(cycles(graph)).toEqual([['answers', 'engines']]);
  });

  it('has no loop between the folders of src/ (static, type-only and dynamic imports alike)', () => {
    const graph = roomGraph(path.join(REPO_ROOT, 'src'));
    const loops = cycles(graph).map((group) =>
      group.flatMap((from) =>
        group.filter((to) => graph.get(from)?.has(to)).map((to) => `${from} -> ${to} (${graph.get(from)?.get(to)?.[0]})`),
      ),
    );
    expect(loops).toEqual([]);
    // The graph is really read: the app's wiring reaches the engines and the AWS edge.
    expect(graph.get('app')?.has('engines')).toBe(true);
    expect(graph.get('app')?.has('aws')).toBe(true);
  });
});
