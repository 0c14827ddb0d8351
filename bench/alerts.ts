/**
 * Real-time alert figures (issue 17), each beside a reference measured in the same run:
 *
 *   npx tsx bench/alerts.ts           prints the table and rewrites the alerts section of bench/RESULTS.md
 *   npx tsx bench/alerts.ts --quick   smaller counts, prints only
 *
 * 1. Rule evaluation on one core: events/s through toAlertEvent + the default rules; reference: the
 *    same records only parsed (toAlertEvent) — the floor any evaluator pays.
 * 2. Queue to post at a steady 50 events/s: messages sent to a loopback SQS stand-in, consumed
 *    through the real SDK (QueueSource), evaluated, claimed in SQLite and posted with Bolt's
 *    WebClient to a Slack stand-in; latency from SendMessage to the chat.postMessage request.
 *    Reference: a bare consumer (ReceiveMessage + DeleteMessage, no work) on the same queue.
 * 3. Local file to post: a delivery file written into today's folder until its alert's post,
 *    with the file source's default 2 s listing interval.
 */
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { webApi } from '@slack/bolt';
import { RuleEvaluator } from '../src/alerts/evaluate.js';
import { toAlertEvent } from '../src/alerts/event.js';
import { LogFileSource, SqliteFileLedger } from '../src/alerts/file-source.js';
import { AlertPipeline } from '../src/alerts/pipeline.js';
import { QueueSource } from '../src/alerts/queue-source.js';
import { defaultRules } from '../src/alerts/rules.js';
import { SqliteAlertStore } from '../src/alerts/sqlite-alert-store.js';
import { SqsAlertQueue } from '../src/aws/sqs/alert-queue.js';
import { AlertPoster } from '../src/slack/alert-poster.js';
import { openDatabase } from '../src/store/database.js';
import { partitionDay } from '../src/time/window.js';
import { docsDelete } from '../test/alerts/real-records.js';
import { writeDeliveryFile } from '../test/helpers/archive.js';
import { FakeSlackApi } from '../test/helpers/fake-slack-api.js';
import { FakeSqs } from '../test/helpers/fake-sqs.js';
import { FigureTable, ms, ratio, writeResultsSection } from './table.js';

const quick = process.argv.includes('--quick');
const table = new FigureTable();
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const sleep = (n: number) => new Promise((resolve) => setTimeout(resolve, n));

/** A realistic mix built from the AWS documentation's S3 Express records: reads, writes, deletes, sessions, denials. */
function mix(
  count: number,
  names = ['GetObject', 'GetObject', 'GetObject', 'PutObject', 'PutObject', 'CreateSession', 'HeadObject', 'DeleteObject'],
): Record<string, unknown>[] {
  const base = new Date('2026-12-01T00:00:00Z').getTime();
  return Array.from({ length: count }, (_, i) => {
    const record = docsDelete(i, new Date(base + i * 20), `arn:aws:sts::111122223333:assumed-role/App${i % 40}/s${i % 7}`);
    record.eventName = names[i % names.length];
    record.requestParameters = { bucketName: `hot${i % 12}--use1-az4--x-s3`, key: `data/${i % 5000}.parquet` };
    if (i % 97 === 0) record.errorCode = 'AccessDenied';
    return record;
  });
}

function evaluation(): void {
  const count = quick ? 100_000 : 400_000;
  const records = mix(count);
  const parseStart = process.hrtime.bigint();
  let parsed = 0;
  for (const record of records) if (toAlertEvent(record)) parsed += 1;
  const parseMs = Number(process.hrtime.bigint() - parseStart) / 1e6;
  const evaluator = new RuleEvaluator(defaultRules(), { historyFrom: new Date('2026-11-01T00:00:00Z') });
  const start = process.hrtime.bigint();
  let firings = 0;
  for (const record of records) {
    const event = toAlertEvent(record);
    if (event) firings += evaluator.evaluate(event).length;
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  const rate = (count / elapsed) * 1000;
  const parseRate = (parsed / parseMs) * 1000;
  table.report({
    figure: `rules evaluated, ${count.toLocaleString('en-US')} events, default rules, one core`,
    result: `${Math.round(rate).toLocaleString('en-US')} events/s`,
    reference: `parse only ${Math.round(parseRate).toLocaleString('en-US')} events/s`,
    ratio: ratio(rate, parseRate),
    target: '>= 20,000 events/s',
    met: rate >= 20_000,
  });
  console.log(`    (${firings} firings)`);
}

async function queueToPost(): Promise<void> {
  const seconds = quick ? 10 : 60;
  const rate = 50;
  const root = await mkdtemp(path.join(tmpdir(), 's3x-bench-alerts-'));
  const sqs = new FakeSqs();
  const base = await sqs.start();
  const url = sqs.createQueue('alerts');
  const referenceUrl = sqs.createQueue('reference');
  const slack = new FakeSlackApi();
  const apiUrl = await slack.start();
  const client = new SQSClient({
    region: 'us-east-1',
    endpoint: base,
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' },
  });
  const { db, poster, pipeline } = benchPipeline(root, apiUrl, 'queue', 60_000);
  const source = new QueueSource({
    client: new SqsAlertQueue(client),
    queueUrl: url,
    handle: (r) => pipeline.handle(r),
    log: () => undefined,
    visibilitySeconds: 30,
  });
  source.start();
  // Reference: a bare consumer on its own queue (receive, delete, nothing else).
  const referenceLatency: number[] = [];
  let referenceRunning = true;
  const reference = (async () => {
    while (referenceRunning) {
      const out = await client.send(
        new ReceiveMessageCommand({ QueueUrl: referenceUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      for (const message of out.Messages ?? []) {
        referenceLatency.push(Date.now() - Number(JSON.parse(message.Body ?? '{}').sentAt));
        await client.send(new DeleteMessageCommand({ QueueUrl: referenceUrl, ReceiptHandle: message.ReceiptHandle }));
      }
    }
  })();
  const sentAt = new Map<string, number>();
  // Background traffic that trips nothing (reads, writes, sessions); deletes are the tripping events below.
  const background = mix(rate * seconds, [
    'GetObject',
    'GetObject',
    'GetObject',
    'PutObject',
    'PutObject',
    'CreateSession',
    'HeadObject',
  ]);
  let n = 0;
  const started = Date.now();
  while (n < rate * seconds) {
    const due = started + (n * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    const record: Record<string, unknown> = {
      ...(background[n] as Record<string, unknown>),
      eventTime: new Date().toISOString(),
    };
    // Every 50th event (one a second) is a delete by a principal new to the bucket: it trips new-principal-delete.
    if (n % 50 === 0) {
      record.eventName = 'DeleteObject';
      delete record.errorCode;
      record.userIdentity = { ...(record.userIdentity as object), arn: `arn:aws:sts::111122223333:assumed-role/Stranger/b${n}` };
      sentAt.set(String(record.eventID), Date.now());
    }
    sqs.send(
      'alerts',
      JSON.stringify({ version: '0', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.s3express', detail: record }),
    );
    sqs.send('reference', JSON.stringify({ sentAt: Date.now() }));
    n += 1;
  }
  const deadline = Date.now() + 30_000;
  while (slack.callsOf('chat.postMessage').length < sentAt.size && Date.now() < deadline) await sleep(50);
  const latency: number[] = [];
  const posts = slack.calls.filter((c) => c.method === 'chat.postMessage');
  const arrivals = slack.attempts.filter((a) => a.method === 'chat.postMessage');
  posts.forEach((post, i) => {
    const text = JSON.stringify(post.args.blocks ?? '');
    for (const [eventId, at] of sentAt) if (text.includes(`${eventId}#`)) latency.push((arrivals[i]?.at ?? Number.NaN) - at);
  });
  referenceRunning = false;
  await reference;
  await source.stop();
  poster.stop();
  for (const p of [50, 99]) {
    table.report({
      figure:
        p === 50
          ? `queue to post at ${rate} events/s for ${seconds} s (${sentAt.size} alerts): p50`
          : `queue to post at ${rate} events/s: p99`,
      result: ms(percentile(latency, p)),
      reference: `bare SQS consumer p${p} ${ms(percentile(referenceLatency, p))}`,
      ratio: ratio(percentile(latency, p), percentile(referenceLatency, p)),
      target: p === 99 ? '< 1 s' : '',
      ...(p === 99 ? { met: percentile(latency, p) < 1000 } : {}),
    });
  }
  console.log(`    (${latency.length} of ${sentAt.size} alerts posted and matched)`);
  await sqs.stop();
  await slack.stop();
  db.close();
  rmSync(root, { recursive: true, force: true });
}

/** The alert pipeline as the app builds it, on a SQLite store in `root`, posting to the Slack stand-in. */
function benchPipeline(root: string, apiUrl: string, source: 'queue' | 'files', leaseMs: number) {
  const db = openDatabase(path.join(root, 'state.sqlite'));
  const store = new SqliteAlertStore(db);
  const rules = defaultRules();
  const poster = new AlertPoster({
    client: new webApi.WebClient('xoxb-bench', { slackApiUrl: apiUrl }),
    store,
    source,
    now: Date.now,
    log: () => undefined,
  });
  const pipeline = new AlertPipeline({
    evaluator: new RuleEvaluator(rules, { historyFrom: new Date(Date.now() - 8 * 86_400_000) }),
    rules,
    store,
    poster,
    // One channel per tripping event: Slack's one-per-second pace is per channel, and the figure is the path's latency.
    defaultChannel: 'C0BENCH',
    owner: 'bench',
    now: Date.now,
    leaseMs,
    log: () => undefined,
  });
  return { db, poster, pipeline };
}

async function fileToPost(): Promise<void> {
  const files = quick ? 3 : 10;
  const root = await mkdtemp(path.join(tmpdir(), 's3x-bench-files-'));
  const slack = new FakeSlackApi();
  const apiUrl = await slack.start();
  const { db, poster, pipeline } = benchPipeline(root, apiUrl, 'files', 30_000);
  const logs = path.join(root, 'logs');
  await writeDeliveryFile(logs, partitionDay(new Date()), '20261201T0000Z_seed', []);
  const source = new LogFileSource({
    logsDir: logs,
    ledger: new SqliteFileLedger(db),
    handle: (r) => pipeline.handle(r),
    now: Date.now,
    log: () => undefined,
  });
  await source.start();
  const latency: number[] = [];
  for (let i = 0; i < files; i++) {
    await sleep(Math.random() * 2000);
    const record = docsDelete(i, new Date(), `arn:aws:sts::111122223333:assumed-role/Stranger/f${i}`);
    const before = slack.callsOf('chat.postMessage').length;
    const written = Date.now();
    await writeDeliveryFile(logs, partitionDay(new Date()), `20261201T0000Z_f${i}`, [record]);
    while (slack.callsOf('chat.postMessage').length === before) await sleep(10);
    latency.push(Date.now() - written);
  }
  await source.stop();
  poster.stop();
  const listingMs = 2000;
  for (const [figure, took] of [
    [`local file to post (${files} files): p50`, percentile(latency, 50)],
    ['local file to post: max', Math.max(...latency)],
  ] as const) {
    table.report({
      figure,
      result: ms(took),
      reference: `listing every ${ms(listingMs)}`,
      ratio: ratio(took, listingMs),
      target: '',
    });
  }
  await slack.stop();
  db.close();
  rmSync(root, { recursive: true, force: true });
}

const started = Date.now();
console.log('s3x alert benchmarks');
evaluation();
await queueToPost();
await fileToPost();
if (!quick) {
  await writeResultsSection(
    'alerts',
    `Command: \`npx tsx bench/alerts.ts\` (${new Date().toISOString().slice(0, 10)}, ${Math.round((Date.now() - started) / 1000)} s).\n\n${table.markdown()}`,
    '## Real-time alerts',
  );
}
