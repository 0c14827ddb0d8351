/**
 * Deterministic generator of a CloudTrail log archive (S3 delivery layout) with S3 Express One Zone
 * data events, general-purpose S3 data events and trail / directory-bucket management events.
 *
 * Same seed + options => byte-identical files. No Math.random, no Date.now: every instant derives
 * from `options.end`. Work is streamed window by window (5 minutes of event time at a time), so
 * memory stays flat whatever the number of events.
 *
 * Record shapes follow the AWS documentation samples (docs/aws-facts.md 1.6-1.7), including their
 * key-casing quirks (`host` on CreateSession, `Host` elsewhere; `cipherSuite`/`xAmzId2` on
 * CreateSession, `CipherSuite`/`x-amz-id-2` elsewhere).
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-express-log-files.html
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/get-and-view-cloudtrail-log-files.html
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { zoneIdPrefix } from '../cloudtrail/buckets.js';

const gzipAsync = promisify(gzip);

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

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

export type SessionMode = 'ReadWrite' | 'ReadOnly';

/** The CreateSession event that issued the session key a zonal call was signed with. */
export interface SessionFact {
  eventId: string;
  eventTime: string;
  /** `responseElements.credentials.accessKeyId` of that CreateSession. */
  accessKeyId: string;
  mode: SessionMode;
}

/** One planted (ground-truth) record. Times are ISO 8601 UTC with seconds, no milliseconds. */
export interface PlantedEvent {
  eventId: string;
  eventTime: string;
  eventName: string;
  eventSource: 's3express.amazonaws.com' | 's3.amazonaws.com' | 'cloudtrail.amazonaws.com';
  /** `requestParameters.bucketName`, or null (trail events). */
  bucket: string | null;
  /** `requestParameters.key`, or null (DeleteObjects, bucket and trail calls). */
  key: string | null;
  /** Trail name for cloudtrail.amazonaws.com events, else null. */
  trailName: string | null;
  /** `userIdentity.arn`; null for AWS service callers (S3 Lifecycle). */
  principalArn: string | null;
  userIdentityType: 'AssumedRole' | 'IAMUser' | 'AWSService';
  /** `userIdentity.invokedBy` for AWS service callers, else null. */
  invokedBy: string | null;
  sourceIp: string;
  userAgent: string;
  /** `userIdentity.accessKeyId` (the session key for session-signed zonal calls); null for AWSService. */
  accessKeyId: string | null;
  /** `additionalEventData.sessionModeApplied`, or the requested mode for CreateSession; else null. */
  sessionMode: SessionMode | null;
  /** The CreateSession that preceded this call (session-signed zonal calls and S3 Lifecycle), else null. */
  session: SessionFact | null;
  errorCode: string | null;
  vpcEndpointId: string | null;
  /** Delivery folder `YYYY/MM/DD` (of the first copy). */
  folderDate: string;
  /** Paths relative to outDir of every file holding this record (2 entries when duplicated). */
  files: string[];
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

// ---------------------------------------------------------------------------------------------
// Small deterministic helpers
// ---------------------------------------------------------------------------------------------

const DAY = 86_400;
const SLOT = 300; // delivery granularity and generation window, seconds
const SESSION_REUSE = 240; // an SDK refreshes a 5-minute session a minute early
const MAX_RECORDS_PER_FILE = 2000;
const DUPLICATE_RATE = 0.01;
const GZIP_LEVEL = 6;
const MAX_IN_FLIGHT_WRITES = 6;

/** mulberry32 */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  }
  float(): number {
    return this.u32() / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
  /** Integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
  pick<T>(items: readonly T[]): T {
    return item(items, this.int(items.length));
  }
  chars(alphabet: string, length: number): string {
    let s = '';
    for (let i = 0; i < length; i++) s += alphabet.charAt(Math.floor(this.float() * alphabet.length));
    return s;
  }
  hex(length: number): string {
    let s = '';
    while (s.length < length) s += HEX8(this.u32());
    return s.slice(0, length);
  }
  uuid(): string {
    const a = HEX8(this.u32());
    const b = HEX8(this.u32());
    const c = HEX8(this.u32());
    const d = HEX8(this.u32());
    const variant = '89ab'.charAt(this.int(4));
    return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4)}${d}`;
  }
}

const HEX_BYTE: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
function HEX8(v: number): string {
  return item(HEX_BYTE, v >>> 24) + item(HEX_BYTE, (v >>> 16) & 255) + item(HEX_BYTE, (v >>> 8) & 255) + item(HEX_BYTE, v & 255);
}

function item<T>(items: readonly T[], index: number): T {
  const value = items[index];
  if (value === undefined) throw new RangeError(`index ${index} out of range (${items.length})`);
  return value;
}

/** FNV-1a, for seed-independent stable identifiers. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function mix32(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

function seedToU32(seed: number): number {
  if (!Number.isFinite(seed)) throw new RangeError('seed must be a finite number');
  const whole = Math.floor(Math.abs(seed));
  const lo = whole >>> 0;
  const hi = Math.floor(whole / 4294967296) >>> 0;
  return mix32(lo, hi ^ (seed < 0 ? 0xdeadbeef : 0));
}

const KEY_ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function stableChars(label: string, alphabet: string, length: number): string {
  return new Rng(hashString(label)).chars(alphabet, length);
}

// --- time formatting (seconds since epoch, UTC) ---------------------------------------------------

const PAD2: string[] = Array.from({ length: 100 }, (_, i) => i.toString().padStart(2, '0'));
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

let isoDayCache = -1;
let isoDayPrefix = '';
/** `2026-11-20T10:01:02Z` */
function iso(t: number): string {
  const day = Math.floor(t / DAY);
  if (day !== isoDayCache) {
    isoDayCache = day;
    isoDayPrefix = new Date(day * DAY * 1000).toISOString().slice(0, 11);
  }
  const s = t - day * DAY;
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  return `${isoDayPrefix}${item(PAD2, hh)}:${item(PAD2, mm)}:${item(PAD2, s % 60)}Z`;
}

let datePartDay = Number.NaN;
let datePartValue = { y: '', m: '', d: '' };
function datePart(t: number): { y: string; m: string; d: string } {
  const day = Math.floor(t / DAY);
  if (day !== datePartDay) {
    const text = new Date(day * DAY * 1000).toISOString();
    datePartDay = day;
    datePartValue = { y: text.slice(0, 4), m: text.slice(5, 7), d: text.slice(8, 10) };
  }
  return datePartValue;
}

/** `YYYY/MM/DD` */
function folderDate(t: number): string {
  const { y, m, d } = datePart(t);
  return `${y}/${m}/${d}`;
}

/** The human-formatted `expiration` of the doc's CreateSession sample: `Mar 20, 2024, 11:16:09 PM`. */
function humanTime(t: number): string {
  const date = new Date(t * 1000);
  const h24 = date.getUTCHours();
  const h12 = h24 % 12 === 0 ? 12 : h24 % 12;
  return `${item(MONTHS, date.getUTCMonth())} ${date.getUTCDate()}, ${date.getUTCFullYear()}, ${h12}:${item(PAD2, date.getUTCMinutes())}:${item(PAD2, date.getUTCSeconds())} ${h24 < 12 ? 'AM' : 'PM'}`;
}

const j = JSON.stringify;

// ---------------------------------------------------------------------------------------------
// Population
// ---------------------------------------------------------------------------------------------

type ZonalOp =
  | 'GetObject'
  | 'HeadObject'
  | 'GetObjectAttributes'
  | 'ListObjectsV2'
  | 'PutObject'
  | 'DeleteObject'
  | 'DeleteObjects'
  | 'CompleteMultipartUpload'
  | 'RenameObject'
  | 'CopyObject'
  | 'HeadBucket';
type GpOp = 'GetObject' | 'PutObject' | 'DeleteObject' | 'DeleteObjects';
type BucketLabel = 'analytics' | 'ml' | 'scratch' | 'tmp' | 'corp' | 'web';

const READ_OPS: ReadonlySet<ZonalOp> = new Set<ZonalOp>([
  'GetObject',
  'HeadObject',
  'GetObjectAttributes',
  'ListObjectsV2',
  'HeadBucket',
]);

interface PrincipalDef {
  label: string;
  kind: 'AssumedRole' | 'IAMUser';
  /** Role name (AssumedRole) or user name (IAMUser). */
  name: string;
  /** Role session name; `{day}` is replaced by a per-day run number. */
  sessionName?: string;
  weight: number;
  buckets: ReadonlyArray<readonly [BucketLabel, number]>;
  ops: ReadonlyArray<readonly [ZonalOp, number]>;
  gpOps: ReadonlyArray<readonly [GpOp, number]>;
  mode: SessionMode;
  /** Buckets whose policy denies this principal a ReadWrite session. */
  readOnlyOn: ReadonlyArray<BucketLabel>;
  ips: readonly string[];
  userAgents: readonly string[];
  vpcEndpointId?: string;
}

const UA = {
  javaFargate:
    'aws-sdk-java/2.25.66 Linux/5.10.216-225.855.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.11+9-LTS Java/17.0.11 vendor/Amazon.com_Inc. md/internal exec-env/AWS_ECS_FARGATE io/async http/NettyNio cfg/retry-mode/standard',
  javaLambda:
    'aws-sdk-java/2.20.160 Linux/5.10.216-225.855.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/11.0.23+9-LTS Java/11.0.23 vendor/Amazon.com_Inc. md/internal exec-env/AWS_Lambda_java11 io/sync http/Apache cfg/retry-mode/standard',
  boto3:
    'Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux#5.10.225-213.878.amzn2.x86_64 md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython exec-env/SageMaker cfg/retry-mode#standard Botocore/1.35.36',
  go: 'aws-sdk-go-v2/1.32.2 ua/2.1 os/linux lang/go#1.23.2 md/GOOS#linux md/GOARCH#amd64 api/s3#1.66.0 m/E,Z',
  cliLinux:
    'aws-cli/2.22.4 md/awscrt#0.22.0 ua/2.0 os/linux#6.8.0-1016-aws md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 md/prompt#off md/command#s3api.get-object',
  cliMac:
    'aws-cli/2.17.50 md/awscrt#0.21.2 ua/2.0 os/macos#23.6.0 md/arch#arm64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/prompt#off md/command#s3.cp',
  cliCi:
    'aws-cli/2.18.0 md/awscrt#0.21.5 ua/2.0 os/linux#6.5.0-1025-azure md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython exec-env/GitHub-Actions cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.22 md/prompt#off md/command#s3.sync',
  boto3Laptop:
    'Boto3/1.34.144 md/Botocore#1.34.144 ua/2.0 os/macos#24.1.0 md/arch#arm64 lang/python#3.12.4 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.144',
  console: 'AWS Internal',
} as const;

const ZONAL_MIXED: ReadonlyArray<readonly [ZonalOp, number]> = [
  ['GetObject', 40],
  ['HeadObject', 10],
  ['GetObjectAttributes', 4],
  ['ListObjectsV2', 8],
  ['PutObject', 20],
  ['DeleteObject', 4],
  ['DeleteObjects', 1],
  ['CompleteMultipartUpload', 2],
  ['RenameObject', 2],
  ['CopyObject', 2],
  ['HeadBucket', 2],
];
const ZONAL_READS: ReadonlyArray<readonly [ZonalOp, number]> = [
  ['GetObject', 55],
  ['HeadObject', 15],
  ['GetObjectAttributes', 8],
  ['ListObjectsV2', 18],
  ['HeadBucket', 4],
];
const GP_MIXED: ReadonlyArray<readonly [GpOp, number]> = [
  ['GetObject', 55],
  ['PutObject', 30],
  ['DeleteObject', 10],
  ['DeleteObjects', 5],
];

const PRINCIPAL_DEFS: readonly PrincipalDef[] = [
  {
    label: 'etl',
    kind: 'AssumedRole',
    name: 'DataPipeline',
    sessionName: 'etl-run-{day}',
    weight: 28,
    buckets: [
      ['analytics', 6],
      ['scratch', 3],
      ['ml', 1],
    ],
    ops: [
      ['PutObject', 40],
      ['GetObject', 20],
      ['HeadObject', 8],
      ['ListObjectsV2', 10],
      ['CompleteMultipartUpload', 5],
      ['RenameObject', 5],
      ['DeleteObject', 5],
      ['DeleteObjects', 3],
      ['CopyObject', 2],
      ['HeadBucket', 2],
    ],
    gpOps: GP_MIXED,
    mode: 'ReadWrite',
    readOnlyOn: [],
    ips: ['10.0.12.34', '10.0.14.201', '10.0.13.77'],
    userAgents: [UA.javaFargate],
    vpcEndpointId: 'vpce-0a7f3c9e1d2b4a5c6',
  },
  {
    label: 'sagemaker',
    kind: 'AssumedRole',
    name: 'MLTraining',
    sessionName: 'SageMaker-job-7f3a2c',
    weight: 24,
    buckets: [
      ['ml', 8],
      ['scratch', 2],
    ],
    ops: [
      ['GetObject', 55],
      ['HeadObject', 10],
      ['ListObjectsV2', 12],
      ['GetObjectAttributes', 5],
      ['PutObject', 10],
      ['CompleteMultipartUpload', 4],
      ['DeleteObject', 2],
      ['HeadBucket', 2],
    ],
    gpOps: GP_MIXED,
    mode: 'ReadWrite',
    readOnlyOn: [],
    ips: ['10.0.40.17', '10.0.41.156'],
    userAgents: [UA.boto3],
    vpcEndpointId: 'vpce-04c2e8b7f19d3a6e0',
  },
  {
    label: 'dashboard',
    kind: 'AssumedRole',
    name: 'AnalyticsReadOnly',
    sessionName: 'dashboard-svc',
    weight: 15,
    buckets: [['analytics', 1]],
    ops: ZONAL_READS,
    gpOps: [['GetObject', 1]],
    mode: 'ReadOnly',
    readOnlyOn: [],
    ips: ['54.172.88.19', '54.172.88.20'],
    userAgents: [UA.go],
  },
  {
    label: 'mallory',
    kind: 'AssumedRole',
    name: 'DataEngineer',
    sessionName: 'mallory',
    weight: 7,
    buckets: [
      ['analytics', 3],
      ['ml', 2],
      ['scratch', 3],
    ],
    ops: ZONAL_MIXED,
    gpOps: GP_MIXED,
    mode: 'ReadWrite',
    readOnlyOn: [],
    ips: ['203.0.113.77', '203.0.113.78'],
    userAgents: [UA.cliLinux, UA.boto3Laptop],
  },
  {
    label: 'bob',
    kind: 'AssumedRole',
    name: 'DataEngineer',
    sessionName: 'bob',
    weight: 8,
    buckets: [
      ['analytics', 4],
      ['scratch', 3],
      ['ml', 1],
      ['corp', 1],
    ],
    ops: ZONAL_MIXED,
    gpOps: GP_MIXED,
    mode: 'ReadWrite',
    readOnlyOn: [],
    ips: ['198.51.100.23', '198.51.100.24'],
    userAgents: [UA.boto3Laptop, UA.cliMac],
  },
  {
    label: 'alice',
    kind: 'IAMUser',
    name: 'alice',
    weight: 6,
    buckets: [
      ['analytics', 2],
      ['corp', 5],
    ],
    ops: ZONAL_MIXED,
    gpOps: [
      ['GetObject', 60],
      ['PutObject', 30],
      ['DeleteObject', 10],
    ],
    mode: 'ReadWrite',
    readOnlyOn: [],
    ips: ['198.51.100.61'],
    userAgents: [UA.cliMac],
  },
  {
    label: 'ci',
    kind: 'IAMUser',
    name: 'ci-deployer',
    weight: 8,
    buckets: [
      ['web', 8],
      ['scratch', 1],
    ],
    ops: [
      ['PutObject', 50],
      ['GetObject', 20],
      ['ListObjectsV2', 15],
      ['DeleteObject', 10],
      ['HeadBucket', 5],
    ],
    gpOps: [
      ['PutObject', 55],
      ['GetObject', 20],
      ['DeleteObject', 15],
      ['DeleteObjects', 10],
    ],
    mode: 'ReadWrite',
    readOnlyOn: [],
    ips: ['20.42.11.198', '20.42.11.203', '52.168.40.7'],
    userAgents: [UA.cliCi],
  },
  {
    label: 'intern',
    kind: 'AssumedRole',
    name: 'Intern',
    sessionName: 'trainee-jo',
    weight: 3,
    buckets: [
      ['analytics', 3],
      ['scratch', 1],
    ],
    ops: [
      ['GetObject', 45],
      ['ListObjectsV2', 15],
      ['HeadObject', 10],
      ['PutObject', 30],
    ],
    gpOps: [['GetObject', 1]],
    mode: 'ReadWrite',
    readOnlyOn: ['analytics'],
    ips: ['198.51.100.140'],
    userAgents: [UA.boto3Laptop],
  },
  {
    label: 'admin',
    kind: 'AssumedRole',
    name: 'AWSReservedSSO_AdministratorAccess_5d3c9a0e1f2b7c68',
    sessionName: 'ops-admin@example.com',
    weight: 1,
    buckets: [
      ['analytics', 1],
      ['ml', 1],
      ['scratch', 1],
    ],
    ops: [
      ['HeadBucket', 30],
      ['ListObjectsV2', 50],
      ['HeadObject', 20],
    ],
    gpOps: [['GetObject', 1]],
    mode: 'ReadWrite',
    readOnlyOn: [],
    ips: ['198.51.100.14'],
    userAgents: [UA.cliMac],
  },
];

function principalIndex(label: string): number {
  const index = PRINCIPAL_DEFS.findIndex((p) => p.label === label);
  if (index < 0) throw new Error(`unknown principal ${label}`);
  return index;
}

interface Session {
  accessKeyId: string;
  created: number;
  mode: SessionMode;
  /** userIdentity JSON used by calls signed with this session. */
  identityJson: string;
  fact: SessionFact;
}

interface Actor {
  id: number;
  def: PrincipalDef;
  arn: string;
  arnJson: string;
  type: 'AssumedRole' | 'IAMUser';
  principalId: string;
  /** Principal id of the role (AROA...) or user (AIDA...). */
  baseId: string;
  roleArn: string | null;
  userName: string | null;
  staticAccessKeyId: string | null;
  sessions: (Session | undefined)[];
  iamHour: number;
  iamIdentityJson: string;
  iamAccessKeyId: string;
}

interface Bucket {
  idx: number;
  label: BucketLabel;
  name: string;
  nameJson: string;
  directory: boolean;
  az: string;
  host: string;
  hostJson: string;
  resourcesJson: string;
  tlsJson: string;
  randomBatchDelete: boolean;
  /** Keys random traffic believes exist (bounded), with their positions. */
  keys: string[];
  keyIndex: Map<string, number>;
}

interface ZonalCall {
  actor: Actor;
  b: Bucket;
  session: Session;
  ip: string;
  ua: string;
}

/** Records of one delivery slot, UTF-8 encoded back to back (comma separated) in one growing buffer. */
interface PendingSlot {
  buf: Buffer;
  len: number;
  /** Byte offset where each record starts. */
  starts: number[];
  planted: Array<{ index: number; fact: PlantedEvent }>;
}

const RECORDS_HEAD = Buffer.from('{"Records":[');
const RECORDS_TAIL = Buffer.from(']}');
const COMMA = 0x2c;

interface Scheduled {
  t: number;
  run: () => void;
}

// ---------------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------------

class ArchiveGenerator {
  private readonly rng: Rng;
  private readonly nameRng: Rng;
  private readonly seedU32: number;
  private readonly account: string;
  private readonly region: string;
  private readonly abbr: string;
  private readonly startSec: number;
  private readonly endSec: number;
  private readonly eventsPerDay: number;
  private readonly anchor: number;
  private readonly baseDir: string;
  private readonly relBase: string;

  private readonly buckets: Bucket[] = [];
  private readonly bucketByLabel = new Map<BucketLabel, Bucket>();
  private readonly actorCache = new Map<string, Actor>();
  private readonly currentActor: (Actor | undefined)[] = [];
  private readonly actorCumulative: number[] = [];
  private readonly principalArns = new Set<string>();
  private readonly reserved = new Set<string>();
  private readonly gaps: Array<[number, number]> = [];

  private readonly pending = new Map<number, PendingSlot>();
  private readonly slotBufferSize: number;
  private readonly madeDirs = new Set<string>();
  private inFlight: Promise<void>[] = [];
  private writeError: unknown = undefined;

  private files = 0;
  private events = 0;
  private duplicates = 0;
  private bytes = 0;
  private rawBytes = 0;
  private duplicateTarget: PlantedEvent | null = null;

  private readonly facts: SampleFacts;
  private readonly schedule: Scheduled[] = [];
  private readonly tmpBucketName: string;
  private readonly trailName = 's3x-data-events';
  private readonly trailArn: string;
  private readonly logBucket: string;

  constructor(options: GenerateOptions) {
    const days = options.days ?? 14;
    if (!Number.isInteger(days) || days < 2) throw new RangeError('days must be an integer >= 2');
    const endMs = options.end.getTime();
    if (!Number.isFinite(endMs)) throw new RangeError('end must be a valid Date');
    const eventsPerDay = options.eventsPerDay ?? 2000;
    if (!Number.isFinite(eventsPerDay) || eventsPerDay < 0) throw new RangeError('eventsPerDay must be >= 0');
    this.account = options.accountId ?? '111122223333';
    if (!/^\d{12}$/.test(this.account)) throw new RangeError('accountId must be 12 digits');
    this.region = options.region ?? 'us-east-1';
    this.abbr = zoneIdPrefix(this.region);
    this.seedU32 = seedToU32(options.seed);
    this.rng = new Rng(this.seedU32);
    this.nameRng = new Rng(mix32(this.seedU32, 0x51f15eed));
    this.eventsPerDay = eventsPerDay;
    this.slotBufferSize = Math.min(8 << 20, Math.max(64 << 10, Math.ceil((eventsPerDay / 288) * 2600)));
    this.endSec = Math.floor(endMs / 1000);
    this.startSec = this.endSec - days * DAY;
    this.anchor = this.endSec - (((this.endSec % DAY) + DAY) % DAY) - DAY;
    this.relBase = `AWSLogs/${this.account}/CloudTrail/${this.region}`;
    this.baseDir = join(options.outDir, 'AWSLogs', this.account, 'CloudTrail', this.region);
    this.trailArn = `arn:aws:cloudtrail:${this.region}:${this.account}:trail/${this.trailName}`;
    this.logBucket = `corp-cloudtrail-logs-${this.account}`;

    this.addBucket('analytics', `analytics-hot--${this.abbr}-az4--x-s3`, `${this.abbr}-az4`, false);
    this.addBucket('ml', `ml-features--${this.abbr}-az6--x-s3`, `${this.abbr}-az6`, true);
    this.addBucket('scratch', `scratch--${this.abbr}-az4--x-s3`, `${this.abbr}-az4`, true);
    this.tmpBucketName = `tmp-exports--${this.abbr}-az5--x-s3`;
    this.addBucket('corp', 'corp-reports', '', false);
    this.addBucket('web', 'web-assets-prod', '', true);

    let cumulative = 0;
    for (const def of PRINCIPAL_DEFS) {
      cumulative += def.weight;
      this.actorCumulative.push(cumulative);
      this.currentActor.push(undefined);
    }

    const plantedBucket = this.bucket('analytics').name;
    this.reserved.add('reports/q3-forecast.parquet');
    this.reserved.add('landing/late-arrival.json');
    this.reserved.add('finance/2026/payroll-export.csv');
    const empty = this.emptyFact();
    this.facts = {
      accountId: this.account,
      region: this.region,
      start: iso(this.startSec),
      end: iso(this.endSec),
      anchorDay: iso(this.anchor).slice(0, 10),
      directoryBuckets: [...this.buckets.filter((b) => b.directory).map((b) => b.name), this.tmpBucketName],
      generalPurposeBuckets: this.buckets.filter((b) => !b.directory).map((b) => b.name),
      trail: { name: this.trailName, arn: this.trailArn, logBucket: this.logBucket },
      principals: [],
      reservedKeys: [...this.reserved],
      noRandomBatchDeleteBuckets: this.buckets.filter((b) => !b.randomBatchDelete).map((b) => b.name),
      plantedKey: 'reports/q3-forecast.parquet',
      plantedBucket,
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

    const hourWeights = [
      0.55, 0.9, 1.0, 0.9, 0.55, 0.45, 0.45, 0.5, 0.7, 0.9, 1.1, 1.25, 1.35, 1.45, 1.55, 1.6, 1.5, 1.4, 1.2, 1.05, 0.9, 0.8, 0.7,
      0.6,
    ];
    const weightSum = hourWeights.reduce((a, b) => a + b, 0);
    const perWindowBase = this.eventsPerDay / (DAY / SLOT);
    // Running ratio of records per random action (CreateSession and multipart uploads add records),
    // so the total lands near eventsPerDay at any rate.
    let randomActions = 60;
    let randomRecords = 60 * 1.3;
    let scheduleIndex = 0;

    const firstWindow = Math.floor(this.startSec / SLOT) * SLOT;
    for (let w = firstWindow; w < this.endSec; w += SLOT) {
      await this.flushThrough(w);
      const from = Math.max(w, this.startSec);
      const to = Math.min(w + SLOT, this.endSec);
      const hour = Math.floor((w % DAY) / 3600);
      const target = perWindowBase * ((item(hourWeights, hour) * 24) / weightSum) * ((to - from) / SLOT);
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
        const before = this.events;
        this.randomAction(randomNext);
        randomActions++;
        randomRecords += this.events - before;
      }
    }
    // Scheduled items at or after the end (none by construction), then everything pending.
    for (; scheduleIndex < this.schedule.length; scheduleIndex++) {
      const s = this.schedule[scheduleIndex];
      if (s !== undefined && s.t < this.endSec) s.run();
    }
    await this.flushThrough(Number.POSITIVE_INFINITY);
    await this.drain();

    this.facts.principals = [...this.principalArns].sort();
    this.facts.plantedDuplicate = { eventId: this.facts.plantedDelete.eventId, files: [...this.facts.plantedDelete.files] };
    return {
      files: this.files,
      events: this.events,
      bytes: this.bytes,
      duplicates: this.duplicates,
      rawBytes: this.rawBytes,
      facts: this.facts,
    };
  }

  // --- setup --------------------------------------------------------------------------------

  private addBucket(label: BucketLabel, name: string, az: string, randomBatchDelete: boolean): void {
    const directory = az !== '';
    const host = directory
      ? `${name}.s3express-${az}.${this.region}.amazonaws.com`
      : this.region === 'us-east-1'
        ? `${name}.s3.amazonaws.com`
        : `${name}.s3.${this.region}.amazonaws.com`;
    const bucketArn = directory ? this.directoryBucketArn(name) : `arn:aws:s3:::${name}`;
    const resourcesJson = directory
      ? `[{"type":"AWS::S3Express::Object","ARNPrefix":${j(`${bucketArn}/`)}},{"accountId":"${this.account}","type":"AWS::S3Express::DirectoryBucket","ARN":${j(bucketArn)}}]`
      : `{"accountId":"${this.account}","type":"AWS::S3::Bucket","ARN":${j(bucketArn)}}`;
    const bucket: Bucket = {
      idx: this.buckets.length,
      label,
      name,
      nameJson: j(name),
      directory,
      az,
      host,
      hostJson: j(host),
      resourcesJson,
      tlsJson: `{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":${j(host)}}`,
      randomBatchDelete,
      keys: [],
      keyIndex: new Map(),
    };
    this.buckets.push(bucket);
    this.bucketByLabel.set(label, bucket);
  }

  private directoryBucketArn(name: string): string {
    return `arn:aws:s3express:${this.region}:${this.account}:bucket/${name}`;
  }

  private bucket(label: BucketLabel): Bucket {
    const b = this.bucketByLabel.get(label);
    if (b === undefined) throw new Error(`unknown bucket ${label}`);
    return b;
  }

  private seedBucketKeys(): void {
    for (const b of this.buckets) {
      for (let i = 0; i < 300; i++) this.addKey(b, this.newKey(b, this.startSec - this.rng.int(30 * DAY)));
    }
  }

  private emptyFact(): PlantedEvent {
    return {
      eventId: '',
      eventTime: '',
      eventName: '',
      eventSource: 's3express.amazonaws.com',
      bucket: null,
      key: null,
      trailName: null,
      principalArn: null,
      userIdentityType: 'AssumedRole',
      invokedBy: null,
      sourceIp: '',
      userAgent: '',
      accessKeyId: null,
      sessionMode: null,
      session: null,
      errorCode: null,
      vpcEndpointId: null,
      folderDate: '',
      files: [],
    };
  }

  private inGap(t: number): boolean {
    for (const [a, b] of this.gaps) if (t >= a && t <= b) return true;
    return false;
  }

  // --- actors -------------------------------------------------------------------------------

  private actorFor(defIndex: number, t: number, sessionOverride?: string): Actor {
    const def = item(PRINCIPAL_DEFS, defIndex);
    let sessionName = def.sessionName;
    if (sessionOverride !== undefined) sessionName = sessionOverride;
    else if (sessionName?.includes('{day}')) {
      sessionName = sessionName.replace('{day}', String(100 + (Math.floor(t / DAY) % 900)));
    }
    const current = this.currentActor[defIndex];
    if (sessionOverride === undefined && current !== undefined && current.def === def) {
      if (def.kind === 'IAMUser' || current.arn.endsWith(`/${sessionName}`)) return current;
    }
    const cacheKey = `${defIndex}|${sessionName ?? ''}`;
    let actor = this.actorCache.get(cacheKey);
    if (actor === undefined) {
      actor = this.makeActor(defIndex, def, sessionName);
      this.actorCache.set(cacheKey, actor);
    }
    if (sessionOverride === undefined) this.currentActor[defIndex] = actor;
    return actor;
  }

  private makeActor(defIndex: number, def: PrincipalDef, sessionName: string | undefined): Actor {
    const acct = this.account;
    const id = this.actorCache.size;
    if (def.kind === 'IAMUser') {
      const baseId = `AIDA${stableChars(`user:${def.name}:${acct}`, UPPER_ALNUM, 17)}`;
      const arn = `arn:aws:iam::${acct}:user/${def.name}`;
      return {
        id,
        def,
        arn,
        arnJson: j(arn),
        type: 'IAMUser',
        principalId: baseId,
        baseId,
        roleArn: null,
        userName: def.name,
        staticAccessKeyId: `AKIA${stableChars(`key:${def.name}:${acct}`, KEY_ID_CHARS, 16)}`,
        sessions: [],
        iamHour: -1,
        iamIdentityJson: '',
        iamAccessKeyId: '',
      };
    }
    const baseId = `AROA${stableChars(`role:${def.name}:${acct}`, UPPER_ALNUM, 17)}`;
    const session = sessionName ?? `session-${defIndex}`;
    const arn = `arn:aws:sts::${acct}:assumed-role/${def.name}/${session}`;
    return {
      id,
      def,
      arn,
      arnJson: j(arn),
      type: 'AssumedRole',
      principalId: `${baseId}:${session}`,
      baseId,
      roleArn: `arn:aws:iam::${acct}:role/${def.name}`,
      userName: null,
      staticAccessKeyId: null,
      sessions: [],
      iamHour: -1,
      iamIdentityJson: '',
      iamAccessKeyId: '',
    };
  }

  /** userIdentity of a call signed with the principal's IAM credentials (role sessions rotate hourly). */
  private iamIdentity(actor: Actor, t: number): string {
    // One-hour role sessions, each actor on its own phase; an IAM user's key never rotates.
    const phase = 60 * (hashString(actor.arn) % 60);
    const hour = Math.floor((t - phase) / 3600);
    if (actor.iamHour === hour) return actor.iamIdentityJson;
    actor.iamHour = hour;
    this.principalArns.add(actor.arn);
    if (actor.type === 'IAMUser') {
      actor.iamAccessKeyId = actor.staticAccessKeyId ?? '';
      actor.iamIdentityJson = `{"type":"IAMUser","principalId":"${actor.principalId}","arn":${actor.arnJson},"accountId":"${this.account}","accessKeyId":"${actor.iamAccessKeyId}","userName":${j(actor.userName)}}`;
      return actor.iamIdentityJson;
    }
    const keyRng = new Rng(mix32(this.seedU32 ^ hashString(actor.arn), hour));
    actor.iamAccessKeyId = `ASIA${keyRng.chars(KEY_ID_CHARS, 16)}`;
    const created = hour * 3600 + phase;
    actor.iamIdentityJson =
      `{"type":"AssumedRole","principalId":${j(actor.principalId)},"arn":${actor.arnJson},"accountId":"${this.account}","accessKeyId":"${actor.iamAccessKeyId}",` +
      `"sessionContext":{"sessionIssuer":{"type":"Role","principalId":"${actor.baseId}","arn":${j(actor.roleArn)},"accountId":"${this.account}","userName":${j(actor.def.name)}},` +
      `"attributes":{"creationDate":"${iso(created)}","mfaAuthenticated":"false"}}}`;
    return actor.iamIdentityJson;
  }

  private pickActor(t: number): number {
    const total = this.actorCumulative[this.actorCumulative.length - 1] ?? 1;
    const r = this.rng.float() * total;
    let i = 0;
    while ((this.actorCumulative[i] ?? total) <= r) i++;
    // The ETL pipeline runs hardest at night (UTC); dampen it during the day.
    if (i === 0) {
      const hour = Math.floor((t % DAY) / 3600);
      if (hour >= 6 && hour < 22 && this.rng.chance(0.4)) return 1 + this.rng.int(this.actorCumulative.length - 1);
    }
    return i;
  }

  private pickWeighted<T>(table: ReadonlyArray<readonly [T, number]>): T {
    let total = 0;
    for (const [, w] of table) total += w;
    let r = this.rng.float() * total;
    for (const [value, w] of table) {
      r -= w;
      if (r < 0) return value;
    }
    const last = table[table.length - 1];
    if (last === undefined) throw new Error('empty weight table');
    return last[0];
  }

  // --- keys ---------------------------------------------------------------------------------

  private newKey(b: Bucket, t: number): string {
    for (;;) {
      const key = this.rawKey(b, t);
      if (!this.reserved.has(key)) return key;
    }
  }

  private rawKey(b: Bucket, t: number): string {
    const r = this.rng.float();
    const { y, m, d } = datePart(t);
    const n5 = String(this.rng.int(100000)).padStart(5, '0');
    const n4 = String(this.rng.int(10000)).padStart(4, '0');
    switch (b.label) {
      case 'analytics':
        if (r < 0.68) return `events/${y}/${m}/${d}/part-${n5}.parquet`;
        if (r < 0.84) return `tables/sessions/dt=${y}-${m}-${d}/part-${n4}.snappy.parquet`;
        if (r < 0.95) return `reports/daily/${y}-${m}-${d}-${this.rng.pick(['revenue', 'churn', 'funnel'])}.csv`;
        return this.rng.pick([
          'reports/Q3 summary (final).csv',
          'reports/Q3 summary (draft 2).csv',
          `données/été-${y}.json`,
          'reports/weekly/Übersicht KW47.csv',
        ]);
      case 'ml':
        if (r < 0.45) return `features/user_embeddings/v12/shard-${n4}.npy`;
        if (r < 0.55) return `models/v${1 + this.rng.int(4)}/weights.bin`;
        if (r < 0.75) return `models/v3/checkpoints/step-${this.rng.int(200) * 500}.pt`;
        if (r < 0.95) return `training/batches/${y}${m}${d}/batch-${n5}.tfrecord`;
        return this.rng.pick(['données/été.json', 'données/hiver/ñandú.csv', 'training/日本語/コーパス-01.txt']);
      case 'scratch':
      case 'tmp':
        if (r < 0.6) return `tmp/job-${this.rng.hex(8)}/out-${n4}.csv`;
        if (r < 0.9) return `spill/${this.rng.uuid()}.bin`;
        return `tmp/query results/${this.rng.hex(12)}.csv`;
      case 'corp':
        if (r < 0.6) return `finance/${y}/${m}/invoice-${n5}.pdf`;
        if (r < 0.85) return `hr/headcount-${y}-${m}.xlsx`;
        return this.rng.pick(['reports/Q3 summary (final).csv', 'legal/NDA – Acme Corp.pdf', 'board/2026 plan v7.pptx']);
      case 'web':
        if (r < 0.4) return `static/js/app.${this.rng.hex(8)}.js`;
        if (r < 0.6) return `static/css/main.${this.rng.hex(8)}.css`;
        return `img/products/${this.rng.int(5000)}@2x.png`;
    }
  }

  private existingKey(b: Bucket, t: number): string {
    if (b.keys.length === 0) return this.newKey(b, t);
    return item(b.keys, this.rng.int(b.keys.length));
  }

  private addKey(b: Bucket, key: string): void {
    if (b.keyIndex.has(key)) return;
    if (b.keys.length < 4096) {
      b.keyIndex.set(key, b.keys.length);
      b.keys.push(key);
      return;
    }
    const i = this.rng.int(b.keys.length);
    const old = b.keys[i];
    if (old !== undefined) b.keyIndex.delete(old);
    b.keys[i] = key;
    b.keyIndex.set(key, i);
  }

  private removeKey(b: Bucket, key: string): void {
    const i = b.keyIndex.get(key);
    if (i === undefined) return;
    b.keyIndex.delete(key);
    const last = b.keys.pop();
    if (last !== undefined && i < b.keys.length) {
      b.keys[i] = last;
      b.keyIndex.set(last, i);
    }
  }

  private removeSomeKeys(b: Bucket, count: number): void {
    for (let i = 0; i < count && b.keys.length > 50; i++) {
      const victim = b.keys[this.rng.int(b.keys.length)];
      if (victim !== undefined) this.removeKey(b, victim);
    }
  }

  // --- delivery -----------------------------------------------------------------------------

  /** Queues a record for delivery at eventTime + 5..15 minutes (5-minute boundary). */
  private push(t: number, json: string, fact: PlantedEvent | null): void {
    this.events++;
    const slot = Math.ceil((t + SLOT + this.rng.int(SLOT)) / SLOT) * SLOT;
    this.pushToSlot(slot, json, fact);
    if (fact !== null) {
      fact.folderDate = folderDate(slot);
      if (fact === this.duplicateTarget) {
        this.duplicates++;
        this.pushToSlot(slot + SLOT * (1 + this.rng.int(2)), json, fact);
      }
    } else if (this.rng.chance(DUPLICATE_RATE)) {
      this.duplicates++;
      this.pushToSlot(slot + SLOT * (1 + this.rng.int(3)), json, null);
    }
  }

  private pushToSlot(slot: number, json: string, fact: PlantedEvent | null): void {
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

  private async flushThrough(limit: number): Promise<void> {
    const ready: number[] = [];
    for (const slot of this.pending.keys()) if (slot <= limit) ready.push(slot);
    ready.sort((a, b) => a - b);
    for (const slot of ready) {
      const pending = this.pending.get(slot);
      this.pending.delete(slot);
      if (pending !== undefined) await this.writeSlot(slot, pending);
    }
  }

  private async writeSlot(slot: number, pending: PendingSlot): Promise<void> {
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
      const name = `${this.account}_CloudTrail_${this.region}_${y}${m}${d}T${hhmm}Z_${this.nameRng.chars(ALNUM, 16)}.json.gz`;
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

  private async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    this.inFlight = [];
    if (this.writeError !== undefined) throw this.writeError;
  }

  // --- record builders: S3 Express (zonal) --------------------------------------------------

  private aedSession(b: Bucket, bytesIn: number, bytesOut: number, mode: SessionMode): string {
    return `{"SignatureVersion":"Sigv4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":${bytesIn},"AuthenticationMethod":"AuthHeader","x-amz-id-2":"${this.rng.chars(ALNUM, 14 + this.rng.int(6))}","bytesTransferredOut":${bytesOut},"availabilityZone":"${b.az}","sessionModeApplied":"${mode}"}`;
  }

  private aedIam(b: Bucket, bytesIn: number, bytesOut: number): string {
    return `{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":${bytesIn},"AuthenticationMethod":"AuthHeader","x-amz-id-2":"${this.rng.chars(ALNUM, 14 + this.rng.int(6))}","bytesTransferredOut":${bytesOut},"availabilityZone":"${b.az}"}`;
  }

  private zonalRecord(args: {
    identity: string;
    t: number;
    op: string;
    ip: string;
    ua: string;
    error: [string, string] | null;
    rp: string;
    re: string;
    aed: string;
    readOnly: boolean;
    b: Bucket;
    vpce: string | undefined;
    eventId: string;
    shared: boolean;
  }): string {
    const err = args.error === null ? '' : `,"errorCode":"${args.error[0]}","errorMessage":${j(args.error[1])}`;
    const vpce = args.vpce === undefined ? '' : `,"vpcEndpointId":"${args.vpce}","vpcEndpointAccountId":"${this.account}"`;
    const shared = args.shared ? `,"sharedEventID":"${this.rng.uuid()}"` : '';
    const tls = args.shared ? '' : `,"tlsDetails":${args.b.tlsJson}`;
    return (
      `{"eventVersion":"1.09","userIdentity":${args.identity},"eventTime":"${iso(args.t)}","eventSource":"s3express.amazonaws.com","eventName":"${args.op}","awsRegion":"${this.region}",` +
      `"sourceIPAddress":${j(args.ip)},"userAgent":${j(args.ua)}${err},"requestParameters":${args.rp},"responseElements":${args.re},"additionalEventData":${args.aed},` +
      `"requestID":"01${this.rng.hex(14)}","eventID":"${args.eventId}","readOnly":${args.readOnly},"resources":${args.b.resourcesJson},"eventType":"AwsApiCall","managementEvent":false,` +
      `"recipientAccountId":"${this.account}"${shared}${vpce},"eventCategory":"Data"${tls}}`
    );
  }

  private pickIp(actor: Actor): string {
    const ips = actor.def.ips;
    return this.rng.chance(0.8) ? item(ips, 0) : this.rng.pick(ips);
  }

  /** Emits a CreateSession (successful or denied) for actor on bucket at time t. */
  private emitCreateSession(
    actor: Actor,
    b: Bucket,
    t: number,
    mode: SessionMode,
    denied: boolean,
    fact: PlantedEvent | null,
    clientIp?: string,
    clientUa?: string,
  ): Session | null {
    const identity = this.iamIdentity(actor, t);
    const ip = clientIp ?? (fact?.sourceIp || this.pickIp(actor));
    const ua = clientUa ?? (fact?.userAgent || this.rng.pick(actor.def.userAgents));
    const eventId = this.rng.uuid();
    const rp = `{"bucketName":${b.nameJson},"host":${b.hostJson},"x-amz-create-session-mode":"${mode}"}`;
    let re = 'null';
    let session: Session | null = null;
    if (!denied) {
      const accessKeyId = `ASIA${this.rng.chars(KEY_ID_CHARS, 16)}`;
      re = `{"credentials":{"accessKeyId":"${accessKeyId}","expiration":"${humanTime(t + 300)}","sessionToken":"IQoJb3JpZ2luX2VjE${this.rng.chars(B64, 60)}"}}`;
      const userName = actor.type === 'IAMUser' ? `,"userName":${j(actor.userName)}` : '';
      session = {
        accessKeyId,
        created: t,
        mode,
        identityJson: `{"type":"${actor.type}","principalId":${j(actor.principalId)},"arn":${actor.arnJson},"accountId":"${this.account}","accessKeyId":"${accessKeyId}"${userName},"sessionContext":{"attributes":{"creationDate":"${iso(t)}"}}}`,
        fact: { eventId, eventTime: iso(t), accessKeyId, mode },
      };
      actor.sessions[b.idx] = session;
    }
    const aed = `{"SignatureVersion":"SigV4","cipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","xAmzId2":"${this.rng.chars(ALNUM, 10 + this.rng.int(10))}","bytesTransferredOut":${denied ? 210 : 1790 + this.rng.int(60)},"availabilityZone":"${b.az}"}`;
    const json = this.zonalRecord({
      identity,
      t,
      op: 'CreateSession',
      ip,
      ua,
      error: denied ? ['AccessDenied', 'Access Denied'] : null,
      rp,
      re,
      aed,
      readOnly: true,
      b,
      vpce: actor.def.vpcEndpointId,
      eventId,
      shared: false,
    });
    if (fact !== null) {
      this.fillFact(fact, {
        eventId,
        t,
        eventName: 'CreateSession',
        b,
        key: null,
        actor,
        ip,
        ua,
        accessKeyId: actor.iamAccessKeyId,
        mode,
        session: null,
        errorCode: denied ? 'AccessDenied' : null,
      });
    }
    this.push(t, json, fact);
    return session;
  }

  /** Returns a usable session, emitting CreateSession when needed; null when the session is denied. */
  private ensureSession(
    actor: Actor,
    b: Bucket,
    t: number,
    write: boolean,
    forceNew: boolean,
    ip: string,
    ua: string,
  ): Session | null {
    const readOnlyHere = actor.def.mode === 'ReadOnly' || actor.def.readOnlyOn.includes(b.label);
    const existing = actor.sessions[b.idx];
    if (!forceNew && existing !== undefined && t - existing.created < SESSION_REUSE) {
      if (!write || existing.mode === 'ReadWrite') return existing;
    }
    let cst = t - this.rng.int(3);
    if (cst < this.startSec || this.inGap(cst)) cst = t;
    if (readOnlyHere && write) {
      // The client asks for ReadWrite explicitly and the bucket policy refuses it: the write never happens.
      this.emitCreateSession(actor, b, cst, 'ReadWrite', true, null, ip, ua);
      return null;
    }
    return this.emitCreateSession(actor, b, cst, readOnlyHere ? 'ReadOnly' : 'ReadWrite', false, null, ip, ua);
  }

  /**
   * A burst of calls by one principal on one bucket (a job touching several objects), starting at t.
   * Bursts keep CreateSession at a realistic share: one session serves several calls.
   */
  private randomAction(t: number): void {
    const defIndex = this.pickActor(t);
    const actor = this.actorFor(defIndex, t);
    const label = this.pickWeighted(actor.def.buckets);
    const b = this.bucket(label);
    const burst = this.rng.chance(0.45) ? 1 : 2 + this.rng.int(6);
    let at = t;
    for (let i = 0; i < burst && at < this.endSec - 5; i++) {
      if (!b.directory) {
        this.generalPurposeAction(actor, b, at, this.pickWeighted(actor.def.gpOps), null, null);
      } else {
        let op = this.pickWeighted(actor.def.ops);
        if (op === 'DeleteObjects' && !b.randomBatchDelete) op = 'DeleteObject';
        this.zonalAction(actor, b, at, op, null, null);
      }
      at += this.rng.int(3);
    }
  }

  private emitSessionCall(
    c: ZonalCall,
    at: number,
    name: string,
    rp: string,
    bytesIn: number,
    bytesOut: number,
    readOnly: boolean,
    err: [string, string] | null,
    fact: PlantedEvent | null,
    key: string | null,
  ): void {
    const eventId = this.rng.uuid();
    const json = this.zonalRecord({
      identity: c.session.identityJson,
      t: at,
      op: name,
      ip: c.ip,
      ua: c.ua,
      error: err,
      rp,
      re: 'null',
      aed: this.aedSession(c.b, bytesIn, bytesOut, c.session.mode),
      readOnly,
      b: c.b,
      vpce: c.actor.def.vpcEndpointId,
      eventId,
      shared: false,
    });
    if (fact !== null) {
      this.fillFact(fact, {
        eventId,
        t: at,
        eventName: name,
        b: c.b,
        key,
        actor: c.actor,
        ip: c.ip,
        ua: c.ua,
        accessKeyId: c.session.accessKeyId,
        mode: c.session.mode,
        session: c.session.fact,
        errorCode: err?.[0] ?? null,
      });
    }
    this.push(at, json, fact);
  }

  /** Object size in bytes: log-uniform, larger for the ML bucket. */
  private objectSize(b: Bucket): number {
    return b.label === 'ml' ? Math.floor(2 ** (20 + this.rng.float() * 8)) : Math.floor(2 ** (8 + this.rng.float() * 14));
  }

  /** CopyObject / HeadBucket: signed with the caller's IAM credentials, no sessionModeApplied. */
  private iamSignedZonalCall(actor: Actor, b: Bucket, t: number, op: 'CopyObject' | 'HeadBucket', ip: string, ua: string): void {
    let rp: string;
    if (op === 'CopyObject') {
      const source = this.rng.chance(0.7) ? b : this.bucket(this.rng.pick<BucketLabel>(['analytics', 'ml', 'scratch']));
      const srcKey = this.existingKey(source, t);
      const dest = srcKey.startsWith('backup/') ? this.newKey(b, t) : `backup/${srcKey}`;
      if (this.reserved.has(dest)) return;
      rp = `{"bucketName":${b.nameJson},"Host":${b.hostJson},"key":${j(dest)},"x-amz-copy-source":${j(`${source.name}/${srcKey}`)}}`;
      this.addKey(b, dest);
    } else {
      rp = `{"bucketName":${b.nameJson},"Host":${b.hostJson}}`;
    }
    const json = this.zonalRecord({
      identity: this.iamIdentity(actor, t),
      t,
      op,
      ip,
      ua,
      error: null,
      rp,
      re: 'null',
      aed: this.aedIam(b, 0, op === 'CopyObject' ? 220 + this.rng.int(40) : 0),
      readOnly: op === 'HeadBucket',
      b,
      vpce: actor.def.vpcEndpointId,
      eventId: this.rng.uuid(),
      shared: false,
    });
    this.push(t, json, null);
  }

  /**
   * One zonal call (plus the CreateSession it needs). `key` forces the object key; `fact` records it
   * as planted (planted calls always start a fresh session so their CreateSession is known).
   */
  private zonalAction(
    actor: Actor,
    b: Bucket,
    t: number,
    op: ZonalOp,
    key: string | null,
    fact: PlantedEvent | null,
    error: [string, string] | null = null,
  ): void {
    const ip = fact?.sourceIp || this.pickIp(actor);
    const ua = fact?.userAgent || this.rng.pick(actor.def.userAgents);
    if (op === 'CopyObject' || op === 'HeadBucket') {
      this.iamSignedZonalCall(actor, b, t, op, ip, ua);
      return;
    }
    const session = this.ensureSession(actor, b, t, !READ_OPS.has(op), fact !== null, ip, ua);
    if (session === null) return;
    const c: ZonalCall = { actor, b, session, ip, ua };
    const base = `"bucketName":${b.nameJson},"Host":${b.hostJson}`;

    switch (op) {
      case 'GetObject': {
        let k = key;
        let err = error;
        if (k === null) {
          if (this.rng.chance(0.03)) {
            k = this.newKey(b, t);
            err = ['NoSuchKey', 'The specified key does not exist.'];
          } else {
            k = this.existingKey(b, t);
          }
        }
        const checksum = this.rng.chance(0.5) ? ',"x-amz-checksum-mode":"ENABLED"' : '';
        const out = err === null ? this.objectSize(b) : 243;
        this.emitSessionCall(c, t, op, `{${base}${checksum},"key":${j(k)}}`, 0, out, true, err, fact, k);
        return;
      }
      case 'HeadObject': {
        const k = key ?? this.existingKey(b, t);
        this.emitSessionCall(c, t, op, `{${base},"key":${j(k)}}`, 0, 0, true, null, fact, k);
        return;
      }
      case 'GetObjectAttributes': {
        const k = key ?? this.existingKey(b, t);
        const rp = `{${base},"attributes":"","x-amz-object-attributes":"ETag,Checksum,ObjectSize","key":${j(k)}}`;
        this.emitSessionCall(c, t, op, rp, 0, 400 + this.rng.int(120), true, null, fact, k);
        return;
      }
      case 'ListObjectsV2': {
        const k = this.existingKey(b, t);
        const slash = k.lastIndexOf('/');
        const prefix = slash > 0 ? k.slice(0, slash + 1) : '';
        const rp = `{"list-type":"2",${base},"prefix":${j(prefix)},"delimiter":"/"}`;
        this.emitSessionCall(c, t, op, rp, 0, 600 + this.rng.int(40000), true, null, fact, null);
        return;
      }
      case 'PutObject': {
        const k = key ?? this.newKey(b, t);
        const rp = `{${base},"key":${j(k)},"x-amz-sdk-checksum-algorithm":"CRC32C"}`;
        this.emitSessionCall(c, t, op, rp, this.objectSize(b), 0, false, error, fact, k);
        if (key === null) this.addKey(b, k);
        return;
      }
      case 'DeleteObject': {
        const k = key ?? this.existingKey(b, t);
        this.emitSessionCall(c, t, op, `{${base},"key":${j(k)}}`, 0, 0, false, error, fact, k);
        if (key === null) this.removeKey(b, k);
        return;
      }
      case 'DeleteObjects': {
        const count = 2 + this.rng.int(40);
        const rp = `{${base},"delete":"","x-amz-sdk-checksum-algorithm":"CRC32C"}`;
        this.emitSessionCall(c, t, op, rp, 120 + count * 90, 90 + count * 70, false, error, fact, null);
        if (fact === null) this.removeSomeKeys(b, count);
        return;
      }
      case 'CompleteMultipartUpload': {
        const k = key ?? (b.label === 'ml' ? `models/v${1 + this.rng.int(4)}/weights.bin` : this.newKey(b, t));
        if (this.reserved.has(k)) return;
        const uploadId = this.rng.chars(B64, 43);
        const parts = 1 + this.rng.int(3);
        const keyJson = j(k);
        this.emitSessionCall(
          c,
          t,
          'CreateMultipartUpload',
          `{${base},"uploads":"","key":${keyJson}}`,
          0,
          350,
          false,
          null,
          null,
          null,
        );
        for (let p = 1; p <= parts; p++) {
          const rp = `{${base},"partNumber":"${p}","uploadId":"${uploadId}","key":${keyJson}}`;
          this.emitSessionCall(c, t + p, 'UploadPart', rp, 8388608 + this.rng.int(1048576), 0, false, null, null, null);
        }
        const rp = `{${base},"uploadId":"${uploadId}","key":${keyJson}}`;
        this.emitSessionCall(c, t + parts + 1, op, rp, 200 + parts * 120, 330, false, null, fact, k);
        if (key === null) this.addKey(b, k);
        return;
      }
      case 'RenameObject': {
        const source = this.existingKey(b, t);
        if (source.startsWith('archive/')) {
          this.emitSessionCall(c, t, 'HeadObject', `{${base},"key":${j(source)}}`, 0, 0, true, null, null, null);
          return;
        }
        const dest = key ?? `archive/${source}`;
        const rp = `{${base},"renameObject":"","x-amz-rename-source":${j(source)},"key":${j(dest)}}`;
        this.emitSessionCall(c, t, op, rp, 0, 0, false, null, fact, dest);
        this.removeKey(b, source);
        this.addKey(b, dest);
        return;
      }
    }
  }

  /** An S3 Lifecycle run: CreateSession then DeleteObjects calls (AWSService caller, no key ids). */
  private lifecycleRun(b: Bucket, t: number, batches: number, fact: PlantedEvent | null): void {
    const identity = '{"type":"AWSService","invokedBy":"lifecycle.s3.amazonaws.com"}';
    const service = 'lifecycle.s3.amazonaws.com';
    const csId = this.rng.uuid();
    const accessKeyId = `ASIA${this.rng.chars(KEY_ID_CHARS, 16)}`;
    const csJson = this.zonalRecord({
      identity,
      t,
      op: 'CreateSession',
      ip: service,
      ua: service,
      error: null,
      rp: `{"bucketName":${b.nameJson},"Host":${b.hostJson},"x-amz-create-session-mode":"ReadWrite","x-amz-server-side-encryption":"AES256"}`,
      re: `{"credentials":{"accessKeyId":"${accessKeyId}","expiration":"${humanTime(t + 300)}","sessionToken":"IQoJb3JpZ2luX2VjE${this.rng.chars(B64, 60)}"}}`,
      aed: `{"SignatureVersion":"Sigv4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"${this.rng.chars(ALNUM, 19)}","bytesTransferredOut":1815,"availabilityZone":"${b.az}"}`,
      readOnly: true,
      b,
      vpce: undefined,
      eventId: csId,
      shared: true,
    });
    this.push(t, csJson, null);
    const sessionFact: SessionFact = { eventId: csId, eventTime: iso(t), accessKeyId, mode: 'ReadWrite' };
    for (let i = 0; i < batches; i++) {
      const at = t + 1 + i * (1 + this.rng.int(3));
      const eventId = this.rng.uuid();
      const json = this.zonalRecord({
        identity,
        t: at,
        op: 'DeleteObjects',
        ip: service,
        ua: service,
        error: null,
        rp: `{"bucketName":${b.nameJson},"x-amz-expected-bucket-owner":"${this.account}","Host":${b.hostJson},"delete":"","x-amz-sdk-checksum-algorithm":"CRC32C"}`,
        re: 'null',
        aed: this.aedSession(b, 20000 + this.rng.int(30000), 15000 + this.rng.int(25000), 'ReadWrite'),
        readOnly: false,
        b,
        vpce: undefined,
        eventId,
        shared: true,
      });
      const f = i === 0 ? fact : null;
      if (f !== null) {
        Object.assign(f, {
          eventId,
          eventTime: iso(at),
          eventName: 'DeleteObjects',
          eventSource: 's3express.amazonaws.com',
          bucket: b.name,
          key: null,
          trailName: null,
          principalArn: null,
          userIdentityType: 'AWSService',
          invokedBy: service,
          sourceIp: service,
          userAgent: service,
          accessKeyId: null,
          sessionMode: 'ReadWrite',
          session: sessionFact,
          errorCode: null,
          vpcEndpointId: null,
        } satisfies Partial<PlantedEvent>);
      }
      this.push(at, json, f);
      if (f === null) this.removeSomeKeys(b, 20);
    }
  }

  // --- record builders: general purpose buckets ----------------------------------------------

  private generalPurposeAction(
    actor: Actor,
    b: Bucket,
    t: number,
    requested: GpOp,
    key: string | null,
    fact: PlantedEvent | null,
  ): void {
    let op = requested;
    if (op === 'DeleteObjects' && !b.randomBatchDelete && fact === null) op = 'DeleteObject';
    const identity = this.iamIdentity(actor, t);
    const ip = fact?.sourceIp || this.pickIp(actor);
    const ua = fact?.userAgent || this.rng.pick(actor.def.userAgents);
    let k: string | null = null;
    let bytesIn = 0;
    let bytesOut = 0;
    let rp: string;
    let objectResource: string;
    const base = `"bucketName":${b.nameJson},"Host":${b.hostJson}`;
    if (op === 'DeleteObjects') {
      rp = `{${base},"delete":""}`;
      objectResource = `{"type":"AWS::S3::Object","ARNPrefix":${j(`arn:aws:s3:::${b.name}/`)}}`;
      bytesIn = 300 + this.rng.int(3000);
      bytesOut = 200 + this.rng.int(2000);
      if (fact === null) this.removeSomeKeys(b, 10);
    } else {
      if (op === 'PutObject') {
        k = key ?? this.newKey(b, t);
        bytesIn = Math.floor(2 ** (10 + this.rng.float() * 12));
        if (key === null) this.addKey(b, k);
      } else {
        k = key ?? this.existingKey(b, t);
        if (op === 'GetObject') bytesOut = Math.floor(2 ** (10 + this.rng.float() * 12));
        if (op === 'DeleteObject' && key === null) this.removeKey(b, k);
      }
      rp = `{${base},"key":${j(k)}}`;
      objectResource = `{"type":"AWS::S3::Object","ARN":${j(`arn:aws:s3:::${b.name}/${k}`)}}`;
    }
    const eventId = this.rng.uuid();
    const vpcEndpointId = actor.def.vpcEndpointId;
    const vpce =
      vpcEndpointId === undefined ? '' : `,"vpcEndpointId":"${vpcEndpointId}","vpcEndpointAccountId":"${this.account}"`;
    const json =
      `{"eventVersion":"1.11","userIdentity":${identity},"eventTime":"${iso(t)}","eventSource":"s3.amazonaws.com","eventName":"${op}","awsRegion":"${this.region}",` +
      `"sourceIPAddress":${j(ip)},"userAgent":${j(ua)},"requestParameters":${rp},"responseElements":null,` +
      `"additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":${bytesIn},"AuthenticationMethod":"AuthHeader","x-amz-id-2":"${this.rng.chars(B64, 76)}","bytesTransferredOut":${bytesOut}},` +
      `"requestID":"${this.rng.chars(UPPER_ALNUM, 16)}","eventID":"${eventId}","readOnly":${op === 'GetObject'},"resources":[${objectResource},${b.resourcesJson}],` +
      `"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"${this.account}"${vpce},"eventCategory":"Data","tlsDetails":${b.tlsJson}}`;
    if (fact !== null) {
      this.fillFact(fact, {
        eventId,
        t,
        eventName: op,
        b,
        key: k,
        actor,
        ip,
        ua,
        accessKeyId: actor.iamAccessKeyId,
        mode: null,
        session: null,
        errorCode: null,
      });
      fact.eventSource = 's3.amazonaws.com';
    }
    this.push(t, json, fact);
  }

  private fillFact(
    fact: PlantedEvent,
    v: {
      eventId: string;
      t: number;
      eventName: string;
      b: Bucket;
      key: string | null;
      actor: Actor;
      ip: string;
      ua: string;
      accessKeyId: string;
      mode: SessionMode | null;
      session: SessionFact | null;
      errorCode: string | null;
    },
  ): void {
    fact.eventId = v.eventId;
    fact.eventTime = iso(v.t);
    fact.eventName = v.eventName;
    fact.eventSource = v.b.directory ? 's3express.amazonaws.com' : 's3.amazonaws.com';
    fact.bucket = v.b.name;
    fact.key = v.key;
    fact.trailName = null;
    fact.principalArn = v.actor.arn;
    fact.userIdentityType = v.actor.type;
    fact.invokedBy = null;
    fact.sourceIp = v.ip;
    fact.userAgent = v.ua;
    fact.accessKeyId = v.accessKeyId;
    fact.sessionMode = v.mode;
    fact.session = v.session;
    fact.errorCode = v.errorCode;
    fact.vpcEndpointId = v.actor.def.vpcEndpointId ?? null;
  }

  // --- the planted story ----------------------------------------------------------------------

  /** A planted fact pre-filled with the caller's fixed first IP and user agent. */
  private plantedFor(actor: Actor): PlantedEvent {
    const fact = this.emptyFact();
    fact.sourceIp = item(actor.def.ips, 0);
    fact.userAgent = item(actor.def.userAgents, 0);
    return fact;
  }

  private at(day: number, hh: number, mm: number, ss: number): number {
    return day + hh * 3600 + mm * 60 + ss;
  }

  private planStory(): void {
    const X = this.anchor;
    const analytics = this.bucket('analytics');
    const ml = this.bucket('ml');
    const corp = this.bucket('corp');
    const key = this.facts.plantedKey;
    const actor = (label: string, t: number, session?: string): Actor => this.actorFor(principalIndex(label), t, session);
    const add = (t: number, run: () => void): void => {
      this.schedule.push({ t, run });
    };
    const zonal = (
      label: string,
      t: number,
      op: ZonalOp,
      b: Bucket,
      k: string | null,
      store: (f: PlantedEvent) => void,
      session?: string,
      error: [string, string] | null = null,
    ): void => {
      add(t, () => {
        const a = actor(label, t, session);
        const fact = this.plantedFor(a);
        store(fact);
        this.zonalAction(a, b, t, op, k, fact, error);
      });
    };

    // Lifecycle expiry in the planted bucket, early morning.
    add(this.at(X, 4, 31, 10), () => {
      const fact = this.emptyFact();
      this.facts.plantedLifecycleDelete = fact;
      this.lifecycleRun(analytics, this.at(X, 4, 31, 10), 1, fact);
    });
    zonal('etl', this.at(X, 8, 5, 12), 'PutObject', analytics, key, (f) => this.facts.plantedWrites.push(f), 'etl-run-42');
    zonal('dashboard', this.at(X, 9, 12, 40), 'GetObject', analytics, key, (f) => this.facts.plantedReads.push(f));
    add(this.at(X, 10, 2, 3), () => {
      const t = this.at(X, 10, 2, 3);
      const a = actor('alice', t);
      const fact = this.plantedFor(a);
      this.facts.plantedGeneralPurposeWrite = fact;
      this.generalPurposeAction(a, corp, t, 'PutObject', 'finance/2026/payroll-export.csv', fact);
    });
    zonal('bob', this.at(X, 11, 47, 33), 'PutObject', analytics, key, (f) => this.facts.plantedWrites.push(f));
    add(this.at(X, 13, 37, 21), () => {
      const t = this.at(X, 13, 37, 21);
      const a = actor('ci', t);
      const fact = this.plantedFor(a);
      this.facts.plantedGeneralPurposeDelete = fact;
      this.generalPurposeAction(a, corp, t, 'DeleteObject', 'finance/2026/payroll-export.csv', fact);
    });
    zonal('mallory', this.at(X, 14, 3, 5), 'GetObject', analytics, key, (f) => this.facts.plantedReads.push(f));
    // The intern asks for a ReadWrite session and is refused, then reads with a ReadOnly session.
    add(this.at(X, 15, 19, 58), () => {
      const t = this.at(X, 15, 19, 58);
      const a = actor('intern', t);
      const fact = this.plantedFor(a);
      this.facts.plantedDeniedSession = fact;
      this.emitCreateSession(a, analytics, t, 'ReadWrite', true, fact);
    });
    zonal('intern', this.at(X, 15, 20, 4), 'GetObject', analytics, key, (f) => this.facts.plantedReads.push(f));
    zonal('mallory', this.at(X, 16, 42, 9), 'DeleteObject', analytics, key, (f) => {
      this.facts.plantedDelete = f;
      this.duplicateTarget = f;
    });
    zonal(
      'dashboard',
      this.at(X, 16, 50, 31),
      'GetObject',
      analytics,
      key,
      (f) => {
        this.facts.plantedReadAfterDelete = f;
      },
      undefined,
      ['NoSuchKey', 'The specified key does not exist.'],
    );
    zonal('bob', this.at(X, 17, 5, 44), 'DeleteObjects', analytics, null, (f) => {
      this.facts.plantedBatchDelete = f;
    });
    zonal('sagemaker', this.at(X, 23, 58, 30), 'PutObject', ml, 'landing/late-arrival.json', (f) => {
      this.facts.plantedLateDelivery = f;
    });
  }

  // --- management events --------------------------------------------------------------------

  private planManagement(): void {
    const S = this.startSec;
    const R = this.endSec - this.startSec;
    const X = this.anchor;
    const stop = this.at(X, 20, 10, 0);
    const restart = this.at(X, 20, 35, 7);
    // No data events before the trail logs, none while it is stopped.
    this.gaps.push([S - 10, S + 130]);
    this.gaps.push([stop - 5, restart]);
    this.facts.loggingGap = { stoppedAt: iso(stop), restartedAt: iso(restart) };
    const shift = (t: number): number => (t >= stop - 120 && t <= restart + 60 ? restart + 90 : t);
    const frac = (f: number, extra = 0): number => shift(S + Math.floor(R * f) + extra);

    const analytics = this.bucket('analytics').name;
    const ml = this.bucket('ml').name;
    const scratch = this.bucket('scratch').name;
    const tmp = this.tmpBucketName;
    const prefixes = [analytics, ml, scratch].map((n) => `${this.directoryBucketArn(n)}/`);
    const selectors = (extra: string[]): unknown[] => [
      { name: 'Management events', fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }] },
      {
        name: 'S3 Express object activity',
        fieldSelectors: [
          { field: 'eventCategory', equals: ['Data'] },
          { field: 'resources.type', equals: ['AWS::S3Express::Object'] },
          { field: 'resources.ARN', startsWith: [...prefixes, ...extra] },
        ],
      },
      {
        name: 'S3 general purpose objects',
        fieldSelectors: [
          { field: 'eventCategory', equals: ['Data'] },
          { field: 'resources.type', equals: ['AWS::S3::Object'] },
        ],
      },
    ];
    const trailResponse = (validation: boolean): Record<string, unknown> => ({
      name: this.trailName,
      s3BucketName: this.logBucket,
      includeGlobalServiceEvents: true,
      isMultiRegionTrail: false,
      trailARN: this.trailArn,
      logFileValidationEnabled: validation,
      isOrganizationTrail: false,
    });
    const role = (name: string): string => `arn:aws:iam::${this.account}:role/${name}`;
    const tightPolicy = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'PipelineAndEngineersReadWrite',
          Effect: 'Allow',
          Principal: { AWS: [role('DataPipeline'), role('DataEngineer')] },
          Action: 's3express:CreateSession',
          Resource: this.directoryBucketArn(analytics),
        },
        {
          Sid: 'AnalystsReadOnly',
          Effect: 'Allow',
          Principal: { AWS: [role('AnalyticsReadOnly'), role('Intern')] },
          Action: 's3express:CreateSession',
          Resource: this.directoryBucketArn(analytics),
          Condition: { StringEquals: { 's3express:SessionMode': 'ReadOnly' } },
        },
      ],
    };
    const tmpPolicy = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AccountAccess',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${this.account}:root` },
          Action: 's3express:CreateSession',
          Resource: this.directoryBucketArn(tmp),
        },
      ],
    };

    const trail = (t: number, eventName: string, rp: unknown, re: unknown): void => {
      this.schedule.push({ t, run: () => this.emitTrailEvent(t, eventName, rp, re) });
    };
    const control = (t: number, eventName: string, bucket: string, extra: Record<string, unknown>): void => {
      this.schedule.push({ t, run: () => this.emitControlEvent(t, eventName, bucket, extra) });
    };

    trail(
      S + 60,
      'CreateTrail',
      { name: this.trailName, s3BucketName: this.logBucket, includeGlobalServiceEvents: true, isMultiRegionTrail: false },
      trailResponse(false),
    );
    trail(
      S + 100,
      'PutEventSelectors',
      { trailName: this.trailName, advancedEventSelectors: selectors([]) },
      { trailARN: this.trailArn, advancedEventSelectors: selectors([]) },
    );
    trail(S + 130, 'StartLogging', { name: this.trailName }, null);
    const created = frac(0.2);
    control(created, 'CreateBucket', tmp, {
      CreateBucketConfiguration: {
        xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/',
        Location: { Type: 'AvailabilityZone', Name: `${this.abbr}-az5` },
        Bucket: { DataRedundancy: 'SingleAvailabilityZone', Type: 'Directory' },
      },
    });
    control(created + 360, 'PutBucketPolicy', tmp, { bucketPolicy: tmpPolicy, policy: '' });
    const tmpPrefix = `${this.directoryBucketArn(tmp)}/`;
    trail(
      created + 480,
      'PutEventSelectors',
      { trailName: this.trailName, advancedEventSelectors: selectors([tmpPrefix]) },
      { trailARN: this.trailArn, advancedEventSelectors: selectors([tmpPrefix]) },
    );
    trail(frac(0.4), 'UpdateTrail', { name: this.trailName, enableLogFileValidation: true }, trailResponse(true));
    control(frac(0.5), 'PutBucketPolicy', analytics, { bucketPolicy: tightPolicy, policy: '' });
    // tmp-exports loses its policy and its data-event coverage but stays: the sandbox account starts
    // from this state, so the demo has one directory bucket without logging to fix.
    const removed = frac(0.75);
    control(removed, 'DeleteBucketPolicy', tmp, { policy: '' });
    trail(
      removed + 120,
      'PutEventSelectors',
      { trailName: this.trailName, advancedEventSelectors: selectors([]) },
      { trailARN: this.trailArn, advancedEventSelectors: selectors([]) },
    );
    // A short-lived staging bucket is created and deleted, for the DeleteBucket story.
    const staging = `old-staging--${this.abbr}-az5--x-s3`;
    control(frac(0.3), 'CreateBucket', staging, {
      CreateBucketConfiguration: {
        xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/',
        Location: { Type: 'AvailabilityZone', Name: `${this.abbr}-az5` },
        Bucket: { DataRedundancy: 'SingleAvailabilityZone', Type: 'Directory' },
      },
    });
    control(removed + 240, 'DeleteBucket', staging, {});
    trail(stop, 'StopLogging', { name: this.trailName }, null);
    trail(restart, 'StartLogging', { name: this.trailName }, null);
  }

  private adminActor(t: number): Actor {
    return this.actorFor(principalIndex('admin'), t);
  }

  /** The admin's CLI user agent for one command, e.g. `md/command#cloudtrail.create-trail`. */
  private adminUserAgent(service: 'cloudtrail' | 's3api', eventName: string): string {
    const command = eventName.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
    return UA.cliMac.replace('md/command#s3.cp', `md/command#${service}.${command}`);
  }

  private managementFact(actor: Actor, t: number, eventId: string, eventName: string, ua: string): PlantedEvent {
    const fact = this.emptyFact();
    fact.eventId = eventId;
    fact.eventTime = iso(t);
    fact.eventName = eventName;
    fact.principalArn = actor.arn;
    fact.userIdentityType = actor.type;
    fact.sourceIp = item(actor.def.ips, 0);
    fact.userAgent = ua;
    fact.accessKeyId = actor.iamAccessKeyId;
    this.facts.management.push(fact);
    return fact;
  }

  private emitTrailEvent(t: number, eventName: string, rp: unknown, re: unknown): void {
    const actor = this.adminActor(t);
    const identity = JSON.parse(this.iamIdentity(actor, t)) as unknown;
    const eventId = this.rng.uuid();
    const ua = this.adminUserAgent('cloudtrail', eventName);
    const record = {
      eventVersion: '1.11',
      userIdentity: identity,
      eventTime: iso(t),
      eventSource: 'cloudtrail.amazonaws.com',
      eventName,
      awsRegion: this.region,
      sourceIPAddress: item(actor.def.ips, 0),
      userAgent: ua,
      requestParameters: rp,
      responseElements: re,
      requestID: this.rng.uuid(),
      eventID: eventId,
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: this.account,
      eventCategory: 'Management',
      tlsDetails: {
        tlsVersion: 'TLSv1.3',
        cipherSuite: 'TLS_AES_128_GCM_SHA256',
        clientProvidedHostHeader: `cloudtrail.${this.region}.amazonaws.com`,
      },
    };
    const fact = this.managementFact(actor, t, eventId, eventName, ua);
    fact.eventSource = 'cloudtrail.amazonaws.com';
    fact.trailName = this.trailName;
    this.push(t, JSON.stringify(record), fact);
  }

  private emitControlEvent(t: number, eventName: string, bucket: string, extra: Record<string, unknown>): void {
    const actor = this.adminActor(t);
    const identity = JSON.parse(this.iamIdentity(actor, t)) as unknown;
    const eventId = this.rng.uuid();
    const host = `s3express-control.${this.region}.amazonaws.com`;
    const ua = this.adminUserAgent('s3api', eventName);
    const record = {
      eventVersion: '1.11',
      userIdentity: identity,
      eventTime: iso(t),
      eventSource: 's3express.amazonaws.com',
      eventName,
      awsRegion: this.region,
      sourceIPAddress: item(actor.def.ips, 0),
      userAgent: ua,
      requestParameters: { bucketName: bucket, Host: host, ...extra },
      responseElements: null,
      additionalEventData: {
        SignatureVersion: 'SigV4',
        CipherSuite: 'TLS_AES_128_GCM_SHA256',
        bytesTransferredIn: eventName === 'PutBucketPolicy' ? 400 + this.rng.int(300) : 0,
        AuthenticationMethod: 'AuthHeader',
        'x-amz-id-2': this.rng.chars(ALNUM, 16),
        bytesTransferredOut: 0,
      },
      requestID: `01${this.rng.hex(14)}`,
      eventID: eventId,
      readOnly: false,
      resources: [{ accountId: this.account, type: 'AWS::S3Express::DirectoryBucket', ARN: this.directoryBucketArn(bucket) }],
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: this.account,
      eventCategory: 'Management',
      tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: host },
    };
    const fact = this.managementFact(actor, t, eventId, eventName, ua);
    fact.eventSource = 's3express.amazonaws.com';
    fact.bucket = bucket;
    this.push(t, JSON.stringify(record), fact);
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
        this.schedule.push({ t, run: () => this.lifecycleRun(b, t, batches, null) });
      }
    }
  }
}
