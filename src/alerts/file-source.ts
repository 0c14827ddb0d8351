import { lstat, open } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { detectLayout, listLogFiles } from '../engines/local/log-files.js';
import type { SqliteDatabase } from '../store/database.js';
import { storeWrite } from '../store/database.js';
import { partitionDay } from '../time/window.js';
import { recordsOf } from './event.js';
import type { BatchResult } from './pipeline.js';

/** Delivery files are a few MB at most; larger ones are skipped with a log line. */
export const MAX_DELIVERY_FILE_BYTES = 32 * 1024 * 1024;
/** Decompressed, a delivery file is about 10 times larger; past 16 times it is refused (a gzip bomb). */
const MAX_EXPANSION = 16;
/** A file that does not parse may still be being written: retried until it is this old. */
const SETTLE_MS = 30_000;

/** The delivery files already read, so a restart reads only the others. */
export class SqliteFileLedger {
  constructor(private readonly db: SqliteDatabase) {}

  isEmpty(): boolean {
    return this.db.prepare('SELECT 1 FROM alert_files LIMIT 1').get() === undefined;
  }

  has(path: string): boolean {
    return this.db.prepare('SELECT 1 FROM alert_files WHERE path = ?').get(path) !== undefined;
  }

  markDone(paths: readonly string[], now: number): void {
    const insert = this.db.prepare('INSERT OR IGNORE INTO alert_files (path, done_at) VALUES (?, ?)');
    storeWrite('the list of alert files read', () =>
      this.db.transaction(() => {
        for (const file of paths) insert.run(file, now);
      })(),
    );
  }

  /** Forget files read long ago: only today's and yesterday's folders are watched. */
  prune(before: number): void {
    storeWrite('the list of alert files read', () => this.db.prepare('DELETE FROM alert_files WHERE done_at < ?').run(before));
  }
}

export interface FileSourceOptions {
  logsDir: string;
  ledger: SqliteFileLedger;
  handle: (records: readonly unknown[]) => Promise<BatchResult>;
  now: () => number;
  log: (message: string) => void;
  /** How often the day folders are listed. */
  pollMs?: number;
  maxFileBytes?: number;
}

type Read = { ok: true; records: unknown[] } | { ok: false; reason: string; retry: boolean };

/**
 * The local alert source: new delivery files in S3X_LOGS_DIR. Today's and yesterday's day folders
 * (or a plain folder, whole) are listed every `pollMs`; regular files only (no symlinks, no
 * devices), bounded in size. On the first start every file already there counts as read, so
 * history is not alerted on. A file is marked read only once every alert from it is posted.
 */
export class LogFileSource {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(private readonly options: FileSourceOptions) {}

  async start(): Promise<void> {
    await this.baseline();
    this.loop();
  }

  /** On the very first start, what is there already is history: counted as read, never alerted on. */
  async baseline(): Promise<void> {
    const { ledger, now } = this.options;
    if (ledger.isEmpty()) ledger.markDone(await this.listFiles(), now());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass: every unread file, in name order (delivery time). */
  async poll(): Promise<void> {
    const { ledger, handle, now, log } = this.options;
    for (const file of await this.listFiles()) {
      if (this.stopped) return;
      if (ledger.has(file)) continue;
      const read = await this.read(file);
      if (!read.ok) {
        if (read.retry) continue;
        log(`alerts: skipped ${file}: ${read.reason}`);
        ledger.markDone([file], now());
        continue;
      }
      const result = await handle(read.records);
      if (result.refused > 0) log(`alerts: ${result.refused} unreadable record(s) in ${file} skipped`);
      if (result.complete) ledger.markDone([file], now());
    }
    ledger.prune(now() - 3 * 86_400_000);
  }

  private loop(): void {
    if (this.stopped) return;
    this.running = this.poll()
      .catch((error: unknown) =>
        this.options.log(
          `alerts: reading ${this.options.logsDir} failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      )
      .finally(() => {
        if (!this.stopped) this.timer = setTimeout(() => this.loop(), this.options.pollMs ?? 2000);
      });
  }

  private async listFiles(): Promise<string[]> {
    const layout = await detectLayout(this.options.logsDir);
    const today = new Date(this.options.now());
    const days = { from: partitionDay(new Date(today.getTime() - 86_400_000)), to: partitionDay(today) };
    return (await listLogFiles(layout, days)).sort();
  }

  private async read(file: string): Promise<Read> {
    const info = await lstat(file).catch(() => undefined);
    if (!info) return { ok: false, reason: 'gone', retry: true };
    if (!info.isFile()) return { ok: false, reason: 'not a regular file', retry: false };
    const max = this.options.maxFileBytes ?? MAX_DELIVERY_FILE_BYTES;
    if (info.size > max) return { ok: false, reason: `larger than ${max} bytes`, retry: false };
    const settling = this.options.now() - info.mtimeMs < SETTLE_MS;
    let text: string;
    try {
      const handle = await open(file, 'r');
      let raw: Buffer;
      try {
        raw = await handle.readFile();
      } finally {
        await handle.close();
      }
      text = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw, { maxOutputLength: max * MAX_EXPANSION }) : raw).toString(
        'utf8',
      );
    } catch (error) {
      return { ok: false, reason: `unreadable (${error instanceof Error ? error.message : 'error'})`, retry: settling };
    }
    try {
      return { ok: true, records: parseRecords(text) };
    } catch {
      return { ok: false, reason: 'not CloudTrail JSON', retry: settling };
    }
  }
}

/** `{"Records":[...]}`, a JSON array, one record, or one record per line. */
function parseRecords(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{"Records"') || trimmed.startsWith('[') || !trimmed.includes('\n'))
    return recordsOf(JSON.parse(trimmed));
  try {
    return recordsOf(JSON.parse(trimmed));
  } catch {
    return trimmed
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as unknown);
  }
}
