import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Reply } from '../../src/answers/answer-request.js';
import { openWiring, slackAppDeps, type Wiring } from '../../src/app/wiring.js';
import { runCli } from '../../src/cli.js';
import { loadConfig } from '../../src/config.js';
import { generateArchive, type SampleFacts } from '../../src/sample/generate.js';
import { createSlackApp, type SlackApp } from '../../src/slack/app.js';
import { tempDir } from '../helpers/archive.js';
import { FakeSlackApi } from '../helpers/fake-slack-api.js';
import { withoutElapsed } from '../helpers/replies.js';
import { postSigned, ResponseUrlServer, SIGNING_SECRET, slashCommandBody } from '../helpers/slack.js';
import { pendingRequest } from './pending-request.js';

// Every reply a front end got from the one call they all make, in the order they got them.
const replies = vi.hoisted(() => [] as Reply[]);
vi.mock('../../src/answers/answer-request.js', async (importOriginal) => {
  const answer = await importOriginal<typeof import('../../src/answers/answer-request.js')>();
  return {
    ...answer,
    answerRequest: async (...args: Parameters<typeof answer.answerRequest>) => {
      const reply = await answer.answerRequest(...args);
      replies.push(reply);
      return reply;
    },
  };
});

/** One question, one answer: each question through Slack (signed, real Bolt) and the CLI, on one config and data dir. */
const END = new Date('2026-11-24T09:30:00Z');
const api = new FakeSlackApi();
const responses = new ResponseUrlServer();
const made: string[] = [];
let env: Record<string, string>;
let facts: SampleFacts;
let wiring: Wiring;
let slack: SlackApp;
let eventsUrl: string;
let responseBase: string;
let counter = 0;

beforeAll(async () => {
  const logs = await tempDir('s3x-same-logs-');
  const dataDir = await tempDir('s3x-same-data-');
  made.push(logs, dataDir);
  facts = (await generateArchive({ outDir: logs, seed: 5, end: END, days: 4, eventsPerDay: 500 })).facts;
  // Local mode, as `npm start` and `npx s3x` run on a laptop: the sandbox account plays AWS. The
  // digest's day is Honolulu's: there it is still the 23rd when it is the 24th in UTC.
  env = { S3X_DATA_DIR: dataDir, S3X_LOGS_DIR: logs, S3X_DIGEST_TZ: 'Pacific/Honolulu' };
  wiring = await openWiring(loadConfig(env), {
    logsDir: logs,
    replicaId: 'same-answer',
    state: 'create',
    log: () => undefined,
    now: () => END,
  });
  // A request waiting for approval, and its audit line: what `approvals` and `audit` list.
  await wiring.stores.approvals.create(pendingRequest('req-same-answer', facts.plantedBucket));
  await wiring.stores.approvals.appendAudit({
    at: '2026-11-24T09:00:00.000Z',
    requestId: 'req-same-answer',
    actor: 'U0ASKER',
    action: 'requested',
    detail: `Enable logging for ${facts.plantedBucket}`,
  });
  const apiUrl = await api.start();
  slack = createSlackApp(
    {
      botToken: 'xoxb-test',
      signingSecret: SIGNING_SECRET,
      port: 0,
      logLevel: 'error',
      apiUrl,
      botIdentity: { botId: 'B1', botUserId: 'U1' },
    },
    slackAppDeps(wiring),
  );
  eventsUrl = `http://127.0.0.1:${(await slack.start()).port}/slack/events`;
  responseBase = await responses.start();
}, 120_000);

afterAll(async () => {
  await slack?.stop();
  await responses.stop();
  await api.stop();
  await wiring?.close();
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

/** The reply `/s3x <text>` got in Slack. */
async function askSlack(text: string): Promise<Reply> {
  const before = replies.length;
  const path = `/r-${++counter}`;
  const response = await postSigned(eventsUrl, slashCommandBody({ text, response_url: `${responseBase}${path}` }));
  expect(response.status).toBe(200);
  await responses.waitFor(path);
  expect(replies).toHaveLength(before + 1);
  return replies[before] as Reply;
}

/** The reply `npx s3x <words> --format json` got in a terminal, and what it printed. */
async function askCli(text: string): Promise<{ reply: Reply; out: string }> {
  const before = replies.length;
  let out = '';
  let err = '';
  const code = await runCli(
    [...text.split(' '), '--format', 'json'],
    env,
    { out: (t) => (out += t), err: (t) => (err += t) },
    () => END,
  );
  expect({ code, err }).toEqual({ code: 0, err: '' });
  expect(replies).toHaveLength(before + 1);
  return { reply: replies[before] as Reply, out };
}

describe('every question gets the same answer from Slack and from the CLI', () => {
  const questions = (): string[] => [
    `who-deleted ${facts.plantedKey} --bucket ${facts.plantedBucket} --since 3d`,
    `who-wrote ${facts.plantedKey} --bucket ${facts.plantedBucket} --since 3d`,
    `who-read ${facts.plantedKey} --since 3d`,
    `history ${facts.plantedKey} --since 3d`,
    'status',
    'digest',
    `bucket-events ${facts.plantedBucket} --since 4d`,
    `activity ${facts.plantedBucket} --since 3d`,
    'principal DataEngineer --since 3d',
    `denied --bucket ${facts.plantedBucket} --since 3d`,
    'approvals',
    'audit',
  ];

  it.each([
    'who-deleted',
    'who-wrote',
    'who-read',
    'history',
    'status',
    'digest',
    'bucket-events',
    'activity',
    'principal',
    'denied',
    'approvals',
    'audit',
  ])('%s', async (command) => {
    const text = questions().find((question) => question.split(' ')[0] === command) as string;
    const inSlack = await askSlack(text);
    const inTerminal = await askCli(text);
    expect(withoutElapsed(inTerminal.reply)).toEqual(withoutElapsed(inSlack));
    expect(inSlack.kind).not.toBe('not-available');
    expect(inTerminal.out).not.toBe('');
    if (command === 'approvals' || command === 'audit') expect(inTerminal.out).toContain('req-same-answer');
    if (command === 'digest') expect(inSlack.kind === 'digest' && inSlack.digest.date).toBe('2026-11-22');
    if (command === 'who-deleted') expect(inTerminal.out).toContain(facts.plantedDelete.principalArn as string);
  });

  it('locally, `s3x status` reads the sandbox account, as `/s3x status` does', async () => {
    const reply = await askSlack('status');
    expect(reply.kind === 'status' && reply.answer.source).toBe('sandbox');
  });
});
