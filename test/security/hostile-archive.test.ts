import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerRequest, type Reply } from '../../src/answers/answer-request.js';
import { runCli } from '../../src/cli.js';
import { parseCommand } from '../../src/commands/parse.js';
import type { Engine, UnreadableFile } from '../../src/engines/engine.js';
import { IndexedEngine } from '../../src/engines/indexed/indexed-engine.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { expressEvent, tempDir, writeDeliveryFile } from '../helpers/archive.js';
import {
  EVIL_KEY,
  EXPECTED_REASONS,
  HOSTILE_BUCKET,
  HOSTILE_DAY,
  HOSTILE_WINDOW,
  type HostileArchive,
  PLANTED_KEY,
  SECRET_IN_FILE,
  writeHostileArchive,
} from '../helpers/hostile-archive.js';

const NOW = new Date('2026-11-24T00:00:00Z');
/** Each answer's deadline: generous for a loaded 2-core machine; a FIFO used to hang forever, a bomb took 69 s. */
const DEADLINE_MS = 30_000;

/** Every question s3x answers from the logs, over the corpus day. */
const QUESTIONS: Array<{ words: string[]; finds?: string; listsSkipped?: false }> = [
  { words: ['who-deleted', PLANTED_KEY, ...HOSTILE_WINDOW], finds: 'planted-delete' },
  { words: ['who-deleted', PLANTED_KEY, '--bucket', HOSTILE_BUCKET, ...HOSTILE_WINDOW], finds: 'planted-delete' },
  { words: ['who-wrote', PLANTED_KEY, ...HOSTILE_WINDOW], finds: 'planted-put' },
  { words: ['who-read', PLANTED_KEY, ...HOSTILE_WINDOW], finds: 'planted-get' },
  { words: ['history', PLANTED_KEY, ...HOSTILE_WINDOW], finds: 'planted-get' },
  { words: ['who-deleted', EVIL_KEY, ...HOSTILE_WINDOW], finds: 'evil-delete' },
  { words: ['activity', HOSTILE_BUCKET, ...HOSTILE_WINDOW], finds: '"events":4' },
  { words: ['principal', 'arn:aws:sts::111122223333:assumed-role/Writer/w1', ...HOSTILE_WINDOW], finds: HOSTILE_BUCKET },
  { words: ['denied', ...HOSTILE_WINDOW], finds: '"accessDenied":1' },
  { words: ['bucket-events', HOSTILE_BUCKET, ...HOSTILE_WINDOW] },
  { words: ['status'] },
  // The digest answers, but its reply carries no list of skipped files at all (reported in issue 14's notes).
  { words: ['digest', '--date', '2026-11-20'], finds: '"deletes":1', listsSkipped: false },
];

let archive: HostileArchive;
let indexDir: string;
let cleanRoot: string;
const engines: Record<string, Engine> = {};

beforeAll(async () => {
  archive = await writeHostileArchive(await tempDir('s3x-hostile-'));
  indexDir = await tempDir('s3x-hostile-index-');
  cleanRoot = await tempDir('s3x-clean-');
  await writeDeliveryFile(cleanRoot, HOSTILE_DAY, '20261120T0005Z_clean', [
    expressEvent({ eventName: 'DeleteObject', eventTime: '2026-11-20T00:02:00Z', key: 'clean.txt', eventID: 'clean-delete' }),
  ]);
  engines.files = await LocalEngine.open({ logsDir: archive.root });
  engines.index = await IndexedEngine.open({ logsDir: archive.root, indexPath: path.join(indexDir, 'index.duckdb') });
});

afterAll(async () => {
  for (const engine of Object.values(engines)) await engine.close();
  for (const dir of [archive.root, `${archive.root}-outside`, indexDir, cleanRoot])
    await rm(dir, { recursive: true, force: true });
});

/** The answer, or a failure naming the question when it does not arrive in time. */
async function answerWithin(engine: Engine, words: string[]): Promise<Reply> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer to "${words.join(' ')}" within ${DEADLINE_MS} ms`)), DEADLINE_MS);
  });
  try {
    return await Promise.race([answerRequest(parseCommand(words, NOW), { engine, now: () => NOW }), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every file an answer lists as skipped, wherever its stats sit in the reply. */
function skippedFiles(reply: unknown): UnreadableFile[] {
  const found: UnreadableFile[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (key === 'unreadableFiles' && Array.isArray(child)) found.push(...(child as UnreadableFile[]));
        else walk(child);
      }
    }
  };
  walk(reply);
  return found;
}

describe.each(['files', 'index'])('a hostile log archive, on the %s engine', (engineName) => {
  it.each(
    QUESTIONS.map((q) => [
      q.words[0] === 'who-deleted' && q.words[1] === EVIL_KEY ? 'who-deleted <invisible key>' : q.words.join(' '),
      q,
    ]),
  )(
    '%s answers in time from the readable files and lists every hostile file as skipped, quoting none',
    async (_name, question) => {
      const engine = engines[engineName] as Engine;
      const reply = await answerWithin(engine, question.words);
      const text = JSON.stringify(reply);
      if (question.finds) expect(text).toContain(question.finds);
      const skipped = skippedFiles(reply);
      if (question.listsSkipped === false) return;
      const reasonOf = new Map(skipped.map((file) => [file.path, file.reason]));
      for (const [kind, file] of Object.entries(archive.hostile)) {
        expect(reasonOf.get(file), `${kind} is listed as skipped`).toMatch(EXPECTED_REASONS[kind] as RegExp);
      }
      for (const { reason } of skipped) {
        expect(reason).not.toContain(SECRET_IN_FILE);
        expect(reason).not.toMatch(/root:|PATH=|AAAA|UUUU/);
        // Nothing a terminal or Slack would act on, from a reason s3x wrote.
        expect(reason).toMatch(/^[\x20-\x7e]+$/);
      }
    },
    DEADLINE_MS + 5_000,
  );

  it('answers the key made of control and invisible characters exactly, and no look-alike', async () => {
    const engine = engines[engineName] as Engine;
    const reply = await answerWithin(engine, ['who-deleted', EVIL_KEY, ...HOSTILE_WINDOW]);
    expect(reply.kind).toBe('object-answer');
    if (reply.kind !== 'object-answer') return;
    expect(reply.answer.events.map((e) => e.eventId)).toEqual(['evil-delete']);
    expect(reply.answer.events[0]?.key).toBe(EVIL_KEY);
    const lookAlike = await answerWithin(engine, ['who-deleted', 'reports/q3-forecast.parquet', ...HOSTILE_WINDOW]);
    expect(lookAlike.kind === 'object-answer' && lookAlike.answer.events).toEqual([]);
  });

  it(
    'keeps answering others while it reads the hostile archive',
    async () => {
      const clean = await LocalEngine.open({ logsDir: cleanRoot });
      try {
        // Fresh engines: nothing about the hostile files is cached yet.
        const hostile =
          engineName === 'files'
            ? await LocalEngine.open({ logsDir: archive.root })
            : await IndexedEngine.open({ logsDir: archive.root, indexPath: path.join(indexDir, 'meanwhile.duckdb') });
        try {
          const hostileAnswers = Promise.all(QUESTIONS.slice(0, 4).map((q) => answerWithin(hostile, q.words)));
          const other = await answerWithin(clean, ['who-deleted', 'clean.txt', ...HOSTILE_WINDOW]);
          expect(JSON.stringify(other)).toContain('clean-delete');
          expect(skippedFiles(other)).toEqual([]);
          await hostileAnswers;
        } finally {
          await hostile.close();
        }
      } finally {
        await clean.close();
      }
    },
    4 * DEADLINE_MS,
  );
});

describe('s3x ingest over a hostile log archive', () => {
  it(
    'builds the index from the readable files and names every hostile file it skipped, quoting none',
    async () => {
      const err: string[] = [];
      const out: string[] = [];
      const code = await runCli(
        ['ingest', '--logs', archive.root, '--index', path.join(indexDir, 'ingest.duckdb')],
        { S3X_DATA_DIR: indexDir },
        { out: (text) => out.push(text), err: (text) => err.push(text) },
        () => NOW,
      );
      expect(code).toBe(0);
      const skipped = err.join('');
      for (const [kind, file] of Object.entries(archive.hostile)) {
        const line = skipped.split('\n').find((l) => l.startsWith(`s3x: skipped unreadable ${file}: `));
        expect(line, `${kind} is named`).toMatch(EXPECTED_REASONS[kind] as RegExp);
      }
      expect(skipped).not.toContain(SECRET_IN_FILE);
      expect(out.join('')).toMatch(/3 files read, 0 already ingested, 11 unreadable/);
    },
    DEADLINE_MS,
  );
});

describe('S3X_FOLLOW_SYMLINKS', () => {
  it(
    'reads a linked log file when the operator turns it on; special files stay skipped',
    async () => {
      const engine = await LocalEngine.open({ logsDir: archive.root, followSymlinks: true });
      try {
        const reply = await answerWithin(engine, ['who-deleted', 'outside.txt', ...HOSTILE_WINDOW]);
        expect(JSON.stringify(reply)).toContain('outside-delete');
        const reasonOf = new Map(skippedFiles(reply).map((file) => [file.path, file.reason]));
        expect(reasonOf.has(archive.hostile['symlink-outside'] as string)).toBe(false);
        expect(reasonOf.get(archive.hostile.fifo as string)).toMatch(/FIFO/);
        // /proc/self/environ is a regular file once followed, but not a log: never quoted either way.
        for (const reason of reasonOf.values()) expect(reason).not.toMatch(/PATH=|root:/);
      } finally {
        await engine.close();
      }
    },
    DEADLINE_MS,
  );
});
