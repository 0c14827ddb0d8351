/**
 * Ack latency of `/s3x who-deleted` over signed HTTP, local engine on a generated archive.
 * Sequential requests (one at a time), each answered in full before the next, so every ack
 * is measured while the previous question's query is not competing.
 * Run: npx tsx bench/ack-latency.ts [requests=200]
 */

import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalEngine } from '../src/engines/local/local-engine.js';
import { generateArchive } from '../src/sample/generate.js';
import { createSlackApp } from '../src/slack/app.js';
import { AnswerStore } from '../src/store/answer-store.js';
import { openDatabase } from '../src/store/database.js';
import { postSigned, SIGNING_SECRET, slashCommandBody } from '../test/helpers/slack.js';

const requests = Number(process.argv[2] ?? 200);
const dir = await mkdtemp(path.join(tmpdir(), 's3x-bench-'));
const now = new Date();
const { facts, events } = await generateArchive({ outDir: dir, seed: 1, end: now, days: 14 });
const engine = await LocalEngine.open({ logsDir: dir });
const slack = createSlackApp(
  {
    botToken: 'xoxb-bench',
    signingSecret: SIGNING_SECRET,
    port: 0,
    logLevel: 'error',
    botIdentity: { botId: 'B', botUserId: 'U' },
  },
  {
    engine,
    now: () => new Date(),
    store: new AnswerStore(openDatabase(':memory:'), () => new Date()),
    access: { channels: [], users: [], groups: [] },
  },
);
const { port } = await slack.start();

let answered: () => void = () => {};
const responseServer = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.end('ok');
    answered();
  });
}).listen(0, '127.0.0.1');
await new Promise((resolve) => responseServer.once('listening', resolve));
const responseUrl = `http://127.0.0.1:${(responseServer.address() as AddressInfo).port}/r`;

const ackMs: number[] = [];
const answerMs: number[] = [];
for (let i = 0; i < requests; i++) {
  const body = slashCommandBody({
    text: `who-deleted ${facts.plantedKey} --bucket ${facts.plantedBucket}`,
    response_url: responseUrl,
  });
  const done = new Promise<void>((resolve) => {
    answered = resolve;
  });
  const started = performance.now();
  const response = await postSigned(`http://127.0.0.1:${port}/slack/events`, body);
  await response.text();
  ackMs.push(performance.now() - started);
  await done;
  answerMs.push(performance.now() - started);
}
const pct = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? NaN;
console.log(`archive: ${events} events over 14 days`);
console.log(
  `ack     p50 ${pct(ackMs, 0.5).toFixed(1)} ms  p99 ${pct(ackMs, 0.99).toFixed(1)} ms  max ${Math.max(...ackMs).toFixed(1)} ms  (target p99 < 100 ms)`,
);
console.log(`answer  p50 ${pct(answerMs, 0.5).toFixed(1)} ms  p99 ${pct(answerMs, 0.99).toFixed(1)} ms`);
await slack.stop();
responseServer.close();
await engine.close();
