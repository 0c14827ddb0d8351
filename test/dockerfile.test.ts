import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configSchema } from '../src/config.js';
import { HEALTH_PATH } from '../src/slack/ids.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (name: string) => readFileSync(path.join(repoRoot, name), 'utf8');

// ---------------------------------------------------------------------------------------------
// A small Dockerfile reader: enough for static checks, not a full BuildKit parser.

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

interface Stage {
  /** The image as written after FROM, global ARG defaults substituted. */
  image: string;
  name?: string;
  instructions: Instruction[];
}

/** Instructions with line continuations joined and comment lines dropped (as Docker does). */
function parseInstructions(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let buffer = '';
  let startLine = 0;
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && buffer === '')) return;
    if (buffer === '') startLine = index + 1;
    const continued = /\\\s*$/.test(raw);
    buffer += `${continued ? raw.replace(/\\\s*$/, '') : raw} `;
    if (continued) return;
    const match = /^\s*(\S+)\s*(.*)$/s.exec(buffer);
    if (match)
      instructions.push({ keyword: (match[1] as string).toUpperCase(), args: (match[2] as string).trim(), line: startLine });
    buffer = '';
  });
  return instructions;
}

function parseStages(text: string): Stage[] {
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const instruction of parseInstructions(text)) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const image = (words[0] ?? '').replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a: string, b: string) => globalArgs.get(a ?? b) ?? '');
      const name = words[1]?.toUpperCase() === 'AS' ? words[2] : undefined;
      stages.push({ image, name, instructions: [] });
    } else if (stages.length === 0) {
      const arg = /^(\w+)=(\S*)$/.exec(instruction.args);
      if (instruction.keyword === 'ARG' && arg) globalArgs.set(arg[1] as string, (arg[2] as string).replace(/^["']|["']$/g, ''));
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** The registry image a stage finally rests on, following `FROM <earlier stage>`. */
function baseImage(stages: readonly Stage[], index: number): string {
  const stage = stages[index] as Stage;
  const earlier = stages.slice(0, index).findIndex((s) => s.name?.toLowerCase() === stage.image.toLowerCase());
  return earlier >= 0 ? baseImage(stages, earlier) : stage.image;
}

function lastOf(stage: Stage, keyword: string): Instruction | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1);
}

/** `KEY=value` pairs of every ENV in a stage (the legacy `ENV KEY value` form too). */
function stageEnv(stage: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const { args } of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    if (!args.includes('=')) {
      const [key, ...value] = args.split(/\s+/);
      env.set(key as string, value.join(' '));
      continue;
    }
    for (const m of args.matchAll(/(\w+)=("[^"]*"|'[^']*'|\S*)/g))
      env.set(m[1] as string, (m[2] as string).replace(/^["']|["']$/g, ''));
  }
  return env;
}

/** Every path a stage declares as a VOLUME (JSON-array and plain forms). */
function stageVolumes(stage: Stage): string[] {
  return stage.instructions
    .filter((i) => i.keyword === 'VOLUME')
    .flatMap((i) => i.args.replace(/[[\]",]/g, ' ').split(/\s+/))
    .filter((v) => v !== '');
}

const NODE_IMAGE = /^(?:(?:docker\.io\/)?library\/)?node:(?<tag>[^@\s]+)(?:@sha256:[0-9a-f]{64})?$/;
/** Node 22 or 24, exact major.minor.patch, optional variant (-bookworm-slim, -slim, …). */
const EXACT_LTS_TAG = /^(?:22|24)\.\d+\.\d+(?:-[a-z0-9.]+)*$/;

/** Every problem found in a Dockerfile; empty when it meets s3x's rules. */
function dockerfileProblems(text: string): string[] {
  const problems: string[] = [];
  const stages = parseStages(text);
  if (stages.length < 2) problems.push(`multi-stage build expected (≥2 FROM), found ${stages.length}`);
  if (stages.length === 0) return problems;
  const final = stages.at(-1) as Stage;

  const base = baseImage(stages, stages.length - 1);
  const tag = NODE_IMAGE.exec(base)?.groups?.tag;
  if (tag === undefined) problems.push(`final stage is not based on the official node image: ${base}`);
  else if (!EXACT_LTS_TAG.test(tag)) problems.push(`final base node:${tag} is not Node 22/24 with an exact x.y.z version tag`);

  const user = lastOf(final, 'USER')?.args.split(':')[0];
  if (user === undefined) problems.push('final stage has no USER: it would run as root');
  else if (!(user === 'node' || (/^\d+$/.test(user) && Number(user) > 0)))
    problems.push(`final stage runs as USER ${user}, not node or a non-root uid`);

  const healthcheck = lastOf(final, 'HEALTHCHECK')?.args;
  if (healthcheck === undefined || /^NONE\b/i.test(healthcheck)) problems.push('final stage has no HEALTHCHECK');
  else {
    if (!healthcheck.includes(HEALTH_PATH)) problems.push(`HEALTHCHECK does not hit ${HEALTH_PATH}`);
    if (/\b(curl|wget)\b/.test(healthcheck)) problems.push('HEALTHCHECK uses curl/wget, which slim node images do not have');
  }

  // Read-only root filesystem: the only places s3x writes (the data dir, the temp dir) are volumes,
  // and the data dir belongs to the user the app runs as.
  const env = stageEnv(final);
  const volumes = stageVolumes(final);
  const dataDir = env.get('S3X_DATA_DIR');
  const tmpDir = env.get('TMPDIR') || '/tmp';
  if (!dataDir) problems.push('final stage does not set S3X_DATA_DIR');
  else {
    if (!volumes.includes(dataDir)) problems.push(`S3X_DATA_DIR ${dataDir} is not a VOLUME`);
    const owned = new RegExp(
      `\\bchown\\s+(?:-R\\s+)?${escapeRegExp(user ?? '')}(?::\\S+)?\\s+(?:\\S+\\s+)*?${escapeRegExp(dataDir)}(?:\\s|$)`,
    );
    if (user !== undefined && !final.instructions.some((i) => i.keyword === 'RUN' && owned.test(`${i.args} `)))
      problems.push(`S3X_DATA_DIR ${dataDir} is not chowned to USER ${user}: the app could not write its state`);
  }
  if (!volumes.includes(tmpDir))
    problems.push(`the temp dir ${tmpDir} is not a VOLUME: with a read-only root, DuckDB and SQLite have nowhere to spill`);
  const stopSignal = lastOf(final, 'STOPSIGNAL')?.args;
  if (stopSignal !== undefined && !/^(SIGTERM|SIGINT|15|2)$/i.test(stopSignal))
    problems.push(`STOPSIGNAL ${stopSignal}: main.ts drains on SIGTERM/SIGINT only`);

  const cmd = lastOf(final, 'CMD')?.args;
  let argv: unknown;
  try {
    argv = cmd === undefined ? undefined : JSON.parse(cmd);
  } catch {
    argv = undefined;
  }
  if (cmd === undefined) problems.push('final stage has no CMD');
  else if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string'))
    problems.push(`CMD is not in exec (JSON array) form: ${cmd}`);
  else if (argv[0] !== 'node' || !argv.slice(1).some((a) => /(^|\/)dist\/main\.js$/.test(a)))
    problems.push(`CMD does not run node dist/main.js: ${cmd}`);
  if (lastOf(final, 'ENTRYPOINT')) problems.push('final stage sets an ENTRYPOINT: CMD alone should start node');
  return problems;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replace text in a fixture, failing loudly if the Dockerfile no longer contains it. */
function mutate(text: string, from: string | RegExp, to: string): string {
  const changed = text.replace(from, to);
  if (changed === text) throw new Error(`negative-test fixture: ${String(from)} not found in Dockerfile`);
  return changed;
}

// ---------------------------------------------------------------------------------------------

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = parseStages(dockerfile);
  const final = stages.at(-1) as Stage;

  it('meets the static rules (multi-stage, exact Node LTS base, non-root, healthcheck, CMD)', () => {
    expect(dockerfileProblems(dockerfile)).toEqual([]);
  });

  it('is wired for the runtime: production env, /data volume, exposed PORT, no npm at start', () => {
    const env = stageEnv(final);
    expect(env.get('NODE_ENV')).toBe('production');
    const dataDir = env.get('S3X_DATA_DIR');
    expect(dataDir, 'S3X_DATA_DIR set in the final stage').toBeTruthy();
    const volumes = stageVolumes(final);
    expect(volumes, 'S3X_DATA_DIR is a VOLUME').toContain(dataDir);
    expect(volumes, 'the temp dir is a VOLUME (read-only root filesystem)').toContain(env.get('TMPDIR') || '/tmp');
    const exposed = final.instructions
      .filter((i) => i.keyword === 'EXPOSE')
      .flatMap((i) => i.args.split(/\s+/).map((p) => p.split('/')[0]));
    expect(exposed, 'EXPOSE matches ENV PORT').toContain(env.get('PORT'));
    // The app's own default port matches the image, so a container without PORT still answers the healthcheck.
    expect(String(configSchema.parse({}).PORT)).toBe(env.get('PORT'));
    expect(final.instructions.some((i) => i.keyword === 'RUN' && /\bnpm (start|run|test)\b/.test(i.args))).toBe(false);
    // Every stage pins the same exact tag, not only the last one.
    for (const stage of stages) expect(stage.image, `stage ${stage.name ?? '?'}`).toMatch(/^node:(?:22|24)\.\d+\.\d+-/);
  });

  it('has a .dockerignore that keeps local state and secrets out of the build context', () => {
    const patterns = read('.dockerignore')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const required of ['node_modules', 'dist', '.s3x', '.git', 'test', 'coverage', '.env'])
      expect(patterns).toContain(required);
  });

  describe('the checks can fail', () => {
    const bad: Record<string, string> = {
      'single stage': mutate(dockerfile, /^FROM [^\n]+ AS build[\s\S]*?(?=^FROM )/m, ''),
      'floating major tag': mutate(dockerfile, /FROM node:[^\s]+ AS runtime/, 'FROM node:22-bookworm-slim AS runtime'),
      'latest tag': mutate(dockerfile, /FROM node:[^\s]+ AS runtime/, 'FROM node:latest AS runtime'),
      'no tag': mutate(dockerfile, /FROM node:[^\s]+ AS runtime/, 'FROM node AS runtime'),
      'Node 20': mutate(dockerfile, /FROM node:[^\s]+ AS runtime/, 'FROM node:20.19.5-bookworm-slim AS runtime'),
      'other base': mutate(dockerfile, /FROM node:[^\s]+ AS runtime/, 'FROM debian:bookworm-slim AS runtime'),
      'no USER': mutate(dockerfile, /^USER .*$/m, ''),
      'USER root': mutate(dockerfile, /^USER .*$/m, 'USER root'),
      'USER 0': mutate(dockerfile, /^USER .*$/m, 'USER 0:0'),
      'no HEALTHCHECK': mutate(dockerfile, /^HEALTHCHECK [\s\S]*?(?=^\S)/m, ''),
      'HEALTHCHECK elsewhere': mutate(
        dockerfile,
        new RegExp(`(^HEALTHCHECK [\\s\\S]*?)${escapeRegExp(HEALTH_PATH)}`, 'm'),
        '$1/',
      ),
      'HEALTHCHECK with curl': mutate(
        dockerfile,
        /^HEALTHCHECK [\s\S]*?(?=^\S)/m,
        `HEALTHCHECK CMD curl -f http://127.0.0.1:3000${HEALTH_PATH}\n`,
      ),
      'npm start': mutate(dockerfile, /^CMD .*$/m, 'CMD ["npm", "start"]'),
      'shell-form CMD': mutate(dockerfile, /^CMD .*$/m, 'CMD node dist/main.js'),
      'no temp dir VOLUME': mutate(dockerfile, /^VOLUME .*$/m, 'VOLUME ["/data"]'),
      'no data dir VOLUME': mutate(dockerfile, /^VOLUME .*$/m, 'VOLUME ["/tmp"]'),
      'data dir not owned by the app user': mutate(dockerfile, /chown node:node \/data/, 'chown root:root /data'),
      'STOPSIGNAL SIGKILL': mutate(dockerfile, /^STOPSIGNAL .*$/m, 'STOPSIGNAL SIGKILL'),
    };
    for (const [name, text] of Object.entries(bad)) {
      it(`flags: ${name}`, () => {
        expect(dockerfileProblems(text).length, dockerfileProblems(text).join('; ')).toBeGreaterThan(0);
      });
    }

    it('follows FROM <stage> and global ARG defaults to the real base', () => {
      const viaAlias = mutate(dockerfile, /FROM node:[^\s]+ AS runtime/, 'FROM build AS runtime');
      expect(dockerfileProblems(viaAlias)).toEqual([]);
      const viaArg = `ARG NODE_VERSION=24.11.1\n${mutate(dockerfile, /FROM node:[^\s]+ AS runtime/, 'FROM node:$NODE_VERSION-bookworm-slim AS runtime')}`;
      expect(dockerfileProblems(viaArg)).toEqual([]);
      const floatingArg = `ARG NODE_VERSION=22\n${mutate(dockerfile, /FROM node:[^\s]+ AS runtime/, 'FROM node:$NODE_VERSION-bookworm-slim AS runtime')}`;
      expect(dockerfileProblems(floatingArg)).not.toEqual([]);
    });
  });
});

// ---------------------------------------------------------------------------------------------

/** The keys of the object schema under configSchema's refinements, pipes and wrappers. */
function configKeys(schema: z.ZodType): string[] {
  let current: z.core.$ZodType = schema;
  for (let depth = 0; depth < 20; depth++) {
    if (current instanceof z.ZodObject) return Object.keys(current.shape);
    const def = current._zod.def;
    if (def.type === 'pipe') current = (def as z.core.$ZodPipeDef).in;
    else if ('innerType' in def) current = (def as { innerType: z.core.$ZodType }).innerType;
    else break;
  }
  throw new Error(`configSchema is not (a wrapper around) a z.object: found ${current._zod.def.type}`);
}

interface EnvFile {
  entries: { key: string; value: string; line: number; commented: boolean }[];
  problems: string[];
}

function parseEnvExample(text: string): EnvFile {
  const entries: EnvFile['entries'] = [];
  const problems: string[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) {
      problems.push(`line ${index + 1} is neither KEY=value nor a comment: ${line}`);
      return;
    }
    const value = match[2] as string;
    if (/^["']/.test(value) || /\s#/.test(value))
      problems.push(`line ${index + 1}: quotes or trailing comments are kept verbatim by docker --env-file`);
    entries.push({ key: match[1] as string, value, line: index + 1, commented: (lines[index - 1] ?? '').trim().startsWith('#') });
  });
  return { entries, problems };
}

describe('.env.example', () => {
  const { entries, problems } = parseEnvExample(read('.env.example'));
  const keys = entries.map((e) => e.key);

  it("finds configSchema's keys", () => {
    expect(configKeys(configSchema)).toContain('SLACK_BOT_TOKEN');
  });

  it('lists exactly the keys of configSchema, once each', () => {
    expect(problems).toEqual([]);
    expect(keys.length, `duplicate keys in ${keys.join(', ')}`).toBe(new Set(keys).size);
    expect([...keys].sort()).toEqual([...configKeys(configSchema)].sort());
  });

  it('explains every key with a comment line above it', () => {
    expect(entries.filter((e) => !e.commented).map((e) => e.key)).toEqual([]);
  });

  it('holds values the config schema accepts', () => {
    const parsed = configSchema.safeParse(Object.fromEntries(entries.map((e) => [e.key, e.value])));
    expect(
      parsed.success,
      parsed.success ? '' : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    ).toBe(true);
  });

  it('the key check can fail', () => {
    const missing = parseEnvExample(read('.env.example').replace(/^S3X_LOG_LEVEL=.*$/m, ''));
    expect([...missing.entries.map((e) => e.key)].sort()).not.toEqual([...configKeys(configSchema)].sort());
    expect(() => configKeys(z.string())).toThrow(/not \(a wrapper around\) a z\.object/);
  });
});

it('keeps the manifest, Dockerfile and .env.example at the repo root', () => {
  for (const name of ['manifest.yml', 'Dockerfile', '.dockerignore', '.env.example'])
    expect(existsSync(path.join(repoRoot, name)), name).toBe(true);
});

// ---------------------------------------------------------------------------------------------

describe('deployment docs', () => {
  const docs = ['docs/DEPLOY.md', 'docs/THREAT-MODEL.md'] as const;

  it('DEPLOY.md lists every setting configSchema reads', () => {
    const deploy = read('docs/DEPLOY.md');
    expect(configKeys(configSchema).filter((key) => !deploy.includes(`\`${key}\``))).toEqual([]);
  });

  it.each(docs)('%s names only repository files that exist', (doc) => {
    const text = read(doc);
    // `src/…`, `test/…`, `docs/…` in code spans, relative to the repository root.
    const cited = [...text.matchAll(/`((?:src|test|docs)\/[\w./-]*?)\/?`/g)].map((m) => m[1] as string);
    // Markdown links to local files, relative to the document.
    const linked = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
      .map((m) => m[1] as string)
      .filter((target) => !/^[a-z]+:/.test(target))
      .map((target) => path.relative(repoRoot, path.resolve(repoRoot, path.dirname(doc), target)));
    expect(cited.length + linked.length).toBeGreaterThan(0);
    expect([...cited, ...linked].filter((file) => !existsSync(path.join(repoRoot, file)))).toEqual([]);
  });
});
