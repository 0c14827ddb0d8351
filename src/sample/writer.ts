/**
 * Delivers records the way CloudTrail does: into a 5-minute delivery slot 5 to 15 minutes after
 * the event, sometimes twice, in gzip files of at most 2,000 records under the S3 delivery layout
 * `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/`. Slots are buffered as UTF-8 and written as
 * soon as event time has passed them, a few gzip writes in flight, so memory stays flat.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { ALNUM, type Rng } from './random.js';
import { datePart, folderDate, iso } from './timestamps.js';

const gzipAsync = promisify(gzip);

/** Delivery granularity (and the generator's window), seconds. */
export const SLOT = 300;
const MAX_RECORDS_PER_FILE = 2000;
const DUPLICATE_RATE = 0.01;
const GZIP_LEVEL = 6;
const MAX_IN_FLIGHT_WRITES = 6;

const RECORDS_HEAD = Buffer.from('{"Records":[');
const RECORDS_TAIL = Buffer.from(']}');
const COMMA = 0x2c;

/** What the writer tells a planted record: where it was delivered. */
export interface Delivered {
  /** Delivery folder `YYYY/MM/DD` (of the first copy). */
  folderDate: string;
  /** Paths relative to the archive root of every file holding the record. */
  files: string[];
}

/** Records of one delivery slot, UTF-8 encoded back to back (comma separated) in one growing buffer. */
interface PendingSlot {
  buf: Buffer;
  len: number;
  /** Byte offset where each record starts. */
  starts: number[];
  planted: Array<{ index: number; fact: Delivered }>;
}

export interface ArchiveWriterOptions {
  outDir: string;
  account: string;
  region: string;
  /** Decides delivery delays and duplicates; shared with the generator, so draws interleave. */
  rng: Rng;
  /** Draws file names only. */
  nameRng: Rng;
  eventsPerDay: number;
}

export class ArchiveWriter {
  files = 0;
  /** Distinct records pushed. */
  events = 0;
  duplicates = 0;
  bytes = 0;
  rawBytes = 0;
  /** The planted record delivered twice on purpose. */
  duplicateTarget: Delivered | null = null;

  private readonly pending = new Map<number, PendingSlot>();
  private readonly slotBufferSize: number;
  private readonly madeDirs = new Set<string>();
  private readonly baseDir: string;
  private readonly relBase: string;
  private inFlight: Promise<void>[] = [];
  private writeError: unknown = undefined;

  constructor(private readonly options: ArchiveWriterOptions) {
    const { account, region, eventsPerDay } = options;
    this.slotBufferSize = Math.min(8 << 20, Math.max(64 << 10, Math.ceil((eventsPerDay / 288) * 2600)));
    this.relBase = `AWSLogs/${account}/CloudTrail/${region}`;
    this.baseDir = join(options.outDir, 'AWSLogs', account, 'CloudTrail', region);
  }

  /** Queues a record for delivery at eventTime + 5..15 minutes (5-minute boundary). */
  push(t: number, json: string, fact: Delivered | null): void {
    const { rng } = this.options;
    this.events++;
    const slot = Math.ceil((t + SLOT + rng.int(SLOT)) / SLOT) * SLOT;
    this.pushToSlot(slot, json, fact);
    if (fact !== null) {
      fact.folderDate = folderDate(slot);
      if (fact === this.duplicateTarget) {
        this.duplicates++;
        this.pushToSlot(slot + SLOT * (1 + rng.int(2)), json, fact);
      }
    } else if (rng.chance(DUPLICATE_RATE)) {
      this.duplicates++;
      this.pushToSlot(slot + SLOT * (1 + rng.int(3)), json, null);
    }
  }

  /** Writes every slot delivered at or before `limit` (seconds). */
  async flushThrough(limit: number): Promise<void> {
    const ready: number[] = [];
    for (const slot of this.pending.keys()) if (slot <= limit) ready.push(slot);
    ready.sort((a, b) => a - b);
    for (const slot of ready) {
      const pending = this.pending.get(slot);
      this.pending.delete(slot);
      if (pending !== undefined) await this.writeSlot(slot, pending);
    }
  }

  /** Waits for the writes in flight; throws the first write error. */
  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    this.inFlight = [];
    if (this.writeError !== undefined) throw this.writeError;
  }

  private pushToSlot(slot: number, json: string, fact: Delivered | null): void {
    let pending = this.pending.get(slot);
    if (pending === undefined) {
      pending = { buf: Buffer.allocUnsafe(this.slotBufferSize), len: 0, starts: [], planted: [] };
      this.pending.set(slot, pending);
    }
    const worstCase = pending.len + 1 + json.length * 3;
    if (worstCase > pending.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(worstCase, pending.buf.length * 2));
      pending.buf.copy(grown, 0, 0, pending.len);
      pending.buf = grown;
    }
    if (fact !== null) pending.planted.push({ index: pending.starts.length, fact });
    if (pending.starts.length > 0) pending.buf[pending.len++] = COMMA;
    pending.starts.push(pending.len);
    pending.len += pending.buf.write(json, pending.len, 'utf8');
  }

  private async writeSlot(slot: number, pending: PendingSlot): Promise<void> {
    const { account, region, nameRng } = this.options;
    const { y, m, d } = datePart(slot);
    const folder = `${y}/${m}/${d}`;
    const hhmm = iso(slot).slice(11, 16).replace(':', '');
    const dir = join(this.baseDir, y, m, d);
    if (!this.madeDirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    const count = pending.starts.length;
    const chunks = Math.ceil(count / MAX_RECORDS_PER_FILE);
    const size = Math.ceil(count / chunks);
    for (let c = 0; c < chunks; c++) {
      const name = `${account}_CloudTrail_${region}_${y}${m}${d}T${hhmm}Z_${nameRng.chars(ALNUM, 16)}.json.gz`;
      const lo = c * size;
      const hi = Math.min(count, lo + size);
      for (const p of pending.planted) {
        if (p.index >= lo && p.index < hi) p.fact.files.push(`${this.relBase}/${folder}/${name}`);
      }
      const from = pending.starts[lo] ?? 0;
      const to = hi < count ? (pending.starts[hi] ?? pending.len) - 1 : pending.len;
      const body = Buffer.concat([RECORDS_HEAD, pending.buf.subarray(from, to), RECORDS_TAIL]);
      this.files++;
      await this.enqueueWrite(join(dir, name), body);
    }
  }

  private async enqueueWrite(path: string, raw: Buffer): Promise<void> {
    while (this.inFlight.length >= MAX_IN_FLIGHT_WRITES) {
      const oldest = this.inFlight.shift();
      if (oldest !== undefined) await oldest;
    }
    if (this.writeError !== undefined) throw this.writeError;
    this.rawBytes += raw.length;
    const task = gzipAsync(raw, { level: GZIP_LEVEL, chunkSize: 256 * 1024 })
      .then(async (zipped) => {
        this.bytes += zipped.length;
        await writeFile(path, zipped);
      })
      .catch((error: unknown) => {
        this.writeError ??= error;
      });
    this.inFlight.push(task);
  }
}
