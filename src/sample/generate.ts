/**
 * Deterministic generator of a CloudTrail log archive (S3 delivery layout) with S3 Express One Zone
 * data events, general-purpose S3 data events and trail / directory-bucket management events.
 *
 * Same seed + options => byte-identical files. No Math.random, no Date.now: every instant derives
 * from `options.end`. Work is streamed window by window (5 minutes of event time at a time), so
 * memory stays flat whatever the number of events.
 *
 * The pieces: random.ts (the seeded source), layout.ts (the account's buckets and trail),
 * catalogue.ts (who does what), actors.ts (their identities), bucket-keys.ts (what they touch),
 * record-shapes.ts (the JSON), story.ts (the planted ground truth), writer.ts (delivery files).
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/get-and-view-cloudtrail-log-files.html
 */
import { type Actor, Actors } from './actors.js';
import { BucketKeys } from './bucket-keys.js';
import { type Bucket, emptyFact, type PlantedEvent, S3Calls } from './calls.js';
import { principalIndex, UA } from './catalogue.js';
import { type BucketLabel, SAMPLE_ACCOUNT, SAMPLE_REGION, type SampleLayout, sampleLayout } from './layout.js';
import { item, mix32, Rng, seedToU32 } from './random.js';
import { bucketShape, RecordShapes } from './record-shapes.js';
import { type ManagementCall, managementStory, PLANTED_KEY, type PlantedStep, plantedSteps, RESERVED_KEYS } from './story.js';
import { DAY, iso } from './timestamps.js';
import { ArchiveWriter, SLOT } from './writer.js';

export interface GenerateOptions {
  /** Root; files go under `<outDir>/AWSLogs/<accountId>/CloudTrail/<region>/YYYY/MM/DD/`. Use an empty dir. */
  outDir: string;
  /** Same seed + options => byte-identical output. */
  seed: number;
  /** Last instant covered; the archive holds events with eventTime in [end - days, end). */
  end: Date;
  /** Number of days covered (integer >= 2), default 14. */
  days?: number;
  /** Approximate number of data events per day (CreateSession included), default 2000. */
  eventsPerDay?: number;
  /** Default '111122223333'. */
  accountId?: string;
  /** Default 'us-east-1'. */
  region?: string;
}

export interface SampleFacts {
  accountId: string;
  region: string;
  /** Event-time range covered: [start, end). */
  start: string;
  end: string;
  /** UTC day `YYYY-MM-DD` on which the key story is planted: the last complete day before `end`. */
  anchorDay: string;
  /** Directory buckets with traffic, then the short-lived bucket of the management story. */
  directoryBuckets: string[];
  generalPurposeBuckets: string[];
  trail: { name: string; arn: string; logBucket: string };
  /** Every `userIdentity.arn` that appears in the archive (sorted). */
  principals: string[];
  /** Keys random traffic never touches (only planted events use them). */
  reservedKeys: string[];
  /** Buckets where random traffic never issues DeleteObjects and S3 Lifecycle never runs. */
  noRandomBatchDeleteBuckets: string[];
  plantedKey: string;
  plantedBucket: string;
  /** PutObject of plantedKey, by two different principals, before the delete (time order). */
  plantedWrites: PlantedEvent[];
  /** Successful GetObject of plantedKey (time order); the last one uses a ReadOnly session. */
  plantedReads: PlantedEvent[];
  /** DeleteObject of plantedKey by DataEngineer/mallory. Delivered twice (see plantedDuplicate). */
  plantedDelete: PlantedEvent;
  /** GetObject of plantedKey after the delete: errorCode NoSuchKey. */
  plantedReadAfterDelete: PlantedEvent;
  /** User DeleteObjects in plantedBucket, same day, no keys in the record. */
  plantedBatchDelete: PlantedEvent;
  /** S3 Lifecycle DeleteObjects in plantedBucket, same day (AWSService, invokedBy lifecycle.s3.amazonaws.com). */
  plantedLifecycleDelete: PlantedEvent;
  /** CreateSession (ReadWrite) on plantedBucket denied: AccessDenied, responseElements null. */
  plantedDeniedSession: PlantedEvent;
  /** PutObject at 23:58:30 on the anchor day, delivered into the next day's folder. */
  plantedLateDelivery: PlantedEvent;
  plantedGeneralPurposeWrite: PlantedEvent;
  plantedGeneralPurposeDelete: PlantedEvent;
  /** A planted record (plantedDelete) delivered in two different files. */
  plantedDuplicate: { eventId: string; files: string[] };
  /** StopLogging..StartLogging on the anchor day; no data event has an eventTime inside it. */
  loggingGap: { stoppedAt: string; restartedAt: string };
  /** All management events (time order): CreateTrail, PutEventSelectors, StartLogging, ... */
  management: PlantedEvent[];
}

export interface GenerateSummary {
  files: number;
  /** Distinct events (distinct eventIDs). */
  events: number;
  /** Compressed bytes written. */
  bytes: number;
  /** Extra copies delivered (records = events + duplicates). */
  duplicates: number;
  /** Uncompressed JSON bytes. */
  rawBytes: number;
  facts: SampleFacts;
}

/**
 * Writes a CloudTrail-shaped archive of gzip files and returns what it wrote plus the planted ground truth.
 * Files are named and foldered by delivery time (eventTime + 5..15 min, on a 5-minute boundary).
 */
export async function generateArchive(options: GenerateOptions): Promise<GenerateSummary> {
  const generator = new ArchiveGenerator(options);
  return generator.run();
}

/** Relative traffic by UTC hour. */
const HOUR_WEIGHTS = [
  0.55, 0.9, 1.0, 0.9, 0.55, 0.45, 0.45, 0.5, 0.7, 0.9, 1.1, 1.25, 1.35, 1.45, 1.55, 1.6, 1.5, 1.4, 1.2, 1.05, 0.9, 0.8, 0.7, 0.6,
];

interface Scheduled {
  t: number;
  run: () => void;
}

class ArchiveGenerator {
  private readonly rng: Rng;
  private readonly layout: SampleLayout;
  private readonly records: RecordShapes;
  private readonly actors: Actors;
  private readonly writer: ArchiveWriter;
  private readonly calls: S3Calls;
  private readonly startSec: number;
  private readonly endSec: number;
  private readonly eventsPerDay: number;
  /** Midnight UTC of the day the story is planted on: the last complete day before the end. */
  private readonly anchor: number;

  private readonly buckets: Bucket[] = [];
  private readonly reserved = new Set<string>(RESERVED_KEYS);
  /** Event-time ranges without data events. */
  private readonly gaps: Array<[number, number]> = [];
  private readonly facts: SampleFacts;
  private readonly schedule: Scheduled[] = [];

  constructor(options: GenerateOptions) {
    const days = options.days ?? 14;
    if (!Number.isInteger(days) || days < 2) throw new RangeError('days must be an integer >= 2');
    const endMs = options.end.getTime();
    if (!Number.isFinite(endMs)) throw new RangeError('end must be a valid Date');
    const eventsPerDay = options.eventsPerDay ?? 2000;
    if (!Number.isFinite(eventsPerDay) || eventsPerDay < 0) throw new RangeError('eventsPerDay must be >= 0');
    const account = options.accountId ?? SAMPLE_ACCOUNT;
    if (!/^\d{12}$/.test(account)) throw new RangeError('accountId must be 12 digits');
    const region = options.region ?? SAMPLE_REGION;
    this.layout = sampleLayout(account, region);
    const seedU32 = seedToU32(options.seed);
    this.rng = new Rng(seedU32);
    this.records = new RecordShapes(this.rng, this.layout);
    this.actors = new Actors(this.rng, seedU32, account);
    this.writer = new ArchiveWriter({
      outDir: options.outDir,
      account,
      region,
      rng: this.rng,
      nameRng: new Rng(mix32(seedU32, 0x51f15eed)),
      eventsPerDay,
    });
    this.calls = new S3Calls({
      rng: this.rng,
      records: this.records,
      actors: this.actors,
      writer: this.writer,
      reserved: this.reserved,
      bucket: (label) => this.bucket(label),
      unlogged: (t) => t < this.startSec || this.inGap(t),
    });
    this.eventsPerDay = eventsPerDay;
    this.endSec = Math.floor(endMs / 1000);
    this.startSec = this.endSec - days * DAY;
    this.anchor = this.endSec - (((this.endSec % DAY) + DAY) % DAY) - DAY;

    for (const bucket of this.layout.trafficBuckets) {
      this.buckets.push({
        ...bucketShape(bucket, this.layout),
        idx: this.buckets.length,
        keys: new BucketKeys(this.rng, bucket.label, this.reserved),
      });
    }

    const empty = emptyFact();
    this.facts = {
      accountId: account,
      region,
      start: iso(this.startSec),
      end: iso(this.endSec),
      anchorDay: iso(this.anchor).slice(0, 10),
      directoryBuckets: this.layout.directoryBuckets,
      generalPurposeBuckets: this.buckets.filter((b) => !b.directory).map((b) => b.name),
      trail: this.layout.trail,
      principals: [],
      reservedKeys: [...this.reserved],
      noRandomBatchDeleteBuckets: this.buckets.filter((b) => !b.randomBatchDelete).map((b) => b.name),
      plantedKey: PLANTED_KEY,
      plantedBucket: this.bucket('analytics').name,
      plantedWrites: [],
      plantedReads: [],
      plantedDelete: empty,
      plantedReadAfterDelete: empty,
      plantedBatchDelete: empty,
      plantedLifecycleDelete: empty,
      plantedDeniedSession: empty,
      plantedLateDelivery: empty,
      plantedGeneralPurposeWrite: empty,
      plantedGeneralPurposeDelete: empty,
      plantedDuplicate: { eventId: '', files: [] },
      loggingGap: { stoppedAt: '', restartedAt: '' },
      management: [],
    };
  }

  async run(): Promise<GenerateSummary> {
    this.seedBucketKeys();
    this.planStory();
    this.planManagement();
    this.planLifecycle();
    this.schedule.sort((a, b) => a.t - b.t);

    const weightSum = HOUR_WEIGHTS.reduce((a, b) => a + b, 0);
    const perWindowBase = this.eventsPerDay / (DAY / SLOT);
    // Running ratio of records per random action (CreateSession and multipart uploads add records),
    // so the total lands near eventsPerDay at any rate.
    let randomActions = 60;
    let randomRecords = 60 * 1.3;
    let scheduleIndex = 0;

    const firstWindow = Math.floor(this.startSec / SLOT) * SLOT;
    for (let w = firstWindow; w < this.endSec; w += SLOT) {
      await this.writer.flushThrough(w);
      const from = Math.max(w, this.startSec);
      const to = Math.min(w + SLOT, this.endSec);
      const hour = Math.floor((w % DAY) / 3600);
      const target = perWindowBase * ((item(HOUR_WEIGHTS, hour) * 24) / weightSum) * ((to - from) / SLOT);
      const perAction = randomRecords / randomActions;
      const n = Math.max(0, Math.round((target * (0.85 + 0.3 * this.rng.float())) / perAction));
      const times = new Int32Array(n);
      for (let i = 0; i < n; i++) times[i] = from + this.rng.int(to - from);
      times.sort();

      let i = 0;
      for (;;) {
        const next = this.schedule[scheduleIndex];
        const plannedNext = next !== undefined && next.t < to ? next : undefined;
        const randomNext = i < n ? (times[i] ?? to) : to;
        if (plannedNext !== undefined && plannedNext.t <= randomNext) {
          scheduleIndex++;
          plannedNext.run();
          continue;
        }
        if (i >= n) break;
        i++;
        if (this.inGap(randomNext) || this.inGap(randomNext + 60)) continue;
        const before = this.writer.events;
        this.randomAction(randomNext);
        randomActions++;
        randomRecords += this.writer.events - before;
      }
    }
    // Scheduled items at or after the end (none by construction), then everything pending.
    for (; scheduleIndex < this.schedule.length; scheduleIndex++) {
      const s = this.schedule[scheduleIndex];
      if (s !== undefined && s.t < this.endSec) s.run();
    }
    await this.writer.flushThrough(Number.POSITIVE_INFINITY);
    await this.writer.drain();

    this.facts.principals = [...this.actors.principalArns].sort();
    this.facts.plantedDuplicate = { eventId: this.facts.plantedDelete.eventId, files: [...this.facts.plantedDelete.files] };
    const { files, events, bytes, duplicates, rawBytes } = this.writer;
    return { files, events, bytes, duplicates, rawBytes, facts: this.facts };
  }

  // --- setup --------------------------------------------------------------------------------

  private bucket(label: BucketLabel): Bucket {
    const b = this.buckets.find((candidate) => candidate.label === label);
    if (b === undefined) throw new Error(`unknown bucket ${label}`);
    return b;
  }

  private seedBucketKeys(): void {
    for (const b of this.buckets) {
      for (let i = 0; i < 300; i++) b.keys.add(b.keys.fresh(this.startSec - this.rng.int(30 * DAY)));
    }
  }

  private inGap(t: number): boolean {
    for (const [a, b] of this.gaps) if (t >= a && t <= b) return true;
    return false;
  }

  private actorFor(label: string, t: number, session?: string): Actor {
    return this.actors.actorFor(principalIndex(label), t, session);
  }

  // --- random traffic -----------------------------------------------------------------------

  /**
   * A burst of calls by one principal on one bucket (a job touching several objects), starting at t.
   * Bursts keep CreateSession at a realistic share: one session serves several calls.
   */
  private randomAction(t: number): void {
    const actor = this.actors.actorFor(this.actors.pickActor(t), t);
    const b = this.bucket(this.rng.weighted(actor.def.buckets));
    const burst = this.rng.chance(0.45) ? 1 : 2 + this.rng.int(6);
    let at = t;
    for (let i = 0; i < burst && at < this.endSec - 5; i++) {
      if (!b.directory) {
        this.calls.generalPurpose(actor, b, at, this.rng.weighted(actor.def.gpOps), null, null);
      } else {
        let op = this.rng.weighted(actor.def.ops);
        if (op === 'DeleteObjects' && !b.randomBatchDelete) op = 'DeleteObject';
        this.calls.zonal(actor, b, at, op, null, null);
      }
      at += this.rng.int(3);
    }
  }

  // --- the planted story ----------------------------------------------------------------------

  private planStory(): void {
    for (const step of plantedSteps(this.anchor)) {
      this.schedule.push({ t: step.t, run: () => this.runPlanted(step) });
    }
  }

  /** Plays one planted step, its ground truth stored in the facts before its records are pushed. */
  private runPlanted(step: PlantedStep): void {
    const fact = emptyFact();
    const b = this.bucket(step.bucket);
    if (step.kind !== 'lifecycle') {
      // Planted calls come from the caller's first IP and user agent.
      const actor = this.actorFor(step.who, step.t, step.kind === 'zonal' ? step.session : undefined);
      fact.sourceIp = item(actor.def.ips, 0);
      fact.userAgent = item(actor.def.userAgents, 0);
      this.store(step, fact);
      if (step.kind === 'zonal') this.calls.zonal(actor, b, step.t, step.op, step.key, fact, step.error ?? null);
      else if (step.kind === 'generalPurpose') this.calls.generalPurpose(actor, b, step.t, step.op, step.key, fact);
      else this.calls.createSession(actor, b, step.t, 'ReadWrite', true, fact);
      return;
    }
    this.store(step, fact);
    this.calls.lifecycle(b, step.t, 1, fact);
  }

  private store(step: PlantedStep, fact: PlantedEvent): void {
    const { slot } = step;
    if (slot === 'plantedWrites' || slot === 'plantedReads') this.facts[slot].push(fact);
    else this.facts[slot] = fact;
    // The planted delete is the record delivered twice.
    if (slot === 'plantedDelete') this.writer.duplicateTarget = fact;
  }

  // --- management events --------------------------------------------------------------------

  private planManagement(): void {
    const story = managementStory(this.layout, this.startSec, this.endSec, this.anchor);
    // No data events before the trail logs, none while it is stopped.
    this.gaps.push(...story.quiet);
    this.facts.loggingGap = story.loggingGap;
    for (const call of story.calls) {
      this.schedule.push({ t: call.t, run: () => this.emitManagementCall(call) });
    }
  }

  /** The admin's management call, on CloudTrail or a directory bucket's control endpoint. */
  private emitManagementCall(call: ManagementCall): void {
    const { t, eventName } = call;
    const actor = this.actorFor('admin', t);
    const identity = JSON.parse(this.actors.iamIdentity(actor, t)) as unknown;
    const eventId = this.rng.uuid();
    const ua = adminUserAgent(call.service === 'cloudtrail' ? 'cloudtrail' : 's3api', eventName);
    const ip = item(actor.def.ips, 0);
    const json =
      call.service === 'cloudtrail'
        ? this.records.trailEvent({
            identity,
            t,
            eventName,
            ip,
            ua,
            rp: call.requestParameters,
            re: call.responseElements,
            eventId,
          })
        : this.records.controlEvent({ identity, t, eventName, bucket: call.bucket, extra: call.extra, ip, ua, eventId });
    const fact = emptyFact();
    fact.eventId = eventId;
    fact.eventTime = iso(t);
    fact.eventName = eventName;
    fact.principalArn = actor.arn;
    fact.userIdentityType = actor.type;
    fact.sourceIp = ip;
    fact.userAgent = ua;
    fact.accessKeyId = actor.iamAccessKeyId;
    if (call.service === 'cloudtrail') {
      fact.eventSource = 'cloudtrail.amazonaws.com';
      fact.trailName = this.layout.trail.name;
    } else {
      fact.eventSource = 's3express.amazonaws.com';
      fact.bucket = call.bucket;
    }
    this.facts.management.push(fact);
    this.writer.push(t, json, fact);
  }

  // --- nightly S3 Lifecycle in the scratch and ML buckets -----------------------------------

  private planLifecycle(): void {
    const firstDay = Math.floor(this.startSec / DAY) * DAY;
    for (let day = firstDay; day < this.endSec; day += DAY) {
      for (const label of ['scratch', 'ml'] as const) {
        if (label === 'ml' && Math.floor(day / DAY) % 2 === 1) continue;
        const t = day + 3 * 3600 + this.rng.int(3600);
        const batches = 1 + this.rng.int(3);
        if (t < this.startSec || t + 10 >= this.endSec || this.inGap(t) || this.inGap(t + 10)) continue;
        const b = this.bucket(label);
        this.schedule.push({ t, run: () => this.calls.lifecycle(b, t, batches, null) });
      }
    }
  }
}

/** The admin's CLI user agent for one command, e.g. `md/command#cloudtrail.create-trail`. */
function adminUserAgent(service: 'cloudtrail' | 's3api', eventName: string): string {
  const command = eventName.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  return UA.cliMac.replace('md/command#s3.cp', `md/command#${service}.${command}`);
}
