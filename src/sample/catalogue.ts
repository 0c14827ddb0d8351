/**
 * Who works in the sample account and what they do: the principals with their weights, buckets,
 * operations, addresses and SDKs, and the shapes of the object keys each bucket holds.
 */
import type { BucketLabel } from './layout.js';
import type { Rng } from './random.js';
import { datePart } from './timestamps.js';

export type SessionMode = 'ReadWrite' | 'ReadOnly';

export type ZonalOp =
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
export type GpOp = 'GetObject' | 'PutObject' | 'DeleteObject' | 'DeleteObjects';

export const READ_OPS: ReadonlySet<ZonalOp> = new Set<ZonalOp>([
  'GetObject',
  'HeadObject',
  'GetObjectAttributes',
  'ListObjectsV2',
  'HeadBucket',
]);

export interface PrincipalDef {
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

export const UA = {
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
export const PRINCIPAL_DEFS: readonly PrincipalDef[] = [
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

export function principalIndex(label: string): number {
  const index = PRINCIPAL_DEFS.findIndex((p) => p.label === label);
  if (index < 0) throw new Error(`unknown principal ${label}`);
  return index;
}

/** A fresh object key of the shape `label`'s bucket holds, dated by `t` where the shape has a date. */
export function randomKey(rng: Rng, label: BucketLabel, t: number): string {
  const r = rng.float();
  const { y, m, d } = datePart(t);
  const n5 = String(rng.int(100000)).padStart(5, '0');
  const n4 = String(rng.int(10000)).padStart(4, '0');
  switch (label) {
    case 'analytics':
      if (r < 0.68) return `events/${y}/${m}/${d}/part-${n5}.parquet`;
      if (r < 0.84) return `tables/sessions/dt=${y}-${m}-${d}/part-${n4}.snappy.parquet`;
      if (r < 0.95) return `reports/daily/${y}-${m}-${d}-${rng.pick(['revenue', 'churn', 'funnel'])}.csv`;
      return rng.pick([
        'reports/Q3 summary (final).csv',
        'reports/Q3 summary (draft 2).csv',
        `données/été-${y}.json`,
        'reports/weekly/Übersicht KW47.csv',
      ]);
    case 'ml':
      if (r < 0.45) return `features/user_embeddings/v12/shard-${n4}.npy`;
      if (r < 0.55) return `models/v${1 + rng.int(4)}/weights.bin`;
      if (r < 0.75) return `models/v3/checkpoints/step-${rng.int(200) * 500}.pt`;
      if (r < 0.95) return `training/batches/${y}${m}${d}/batch-${n5}.tfrecord`;
      return rng.pick(['données/été.json', 'données/hiver/ñandú.csv', 'training/日本語/コーパス-01.txt']);
    case 'scratch':
      if (r < 0.6) return `tmp/job-${rng.hex(8)}/out-${n4}.csv`;
      if (r < 0.9) return `spill/${rng.uuid()}.bin`;
      return `tmp/query results/${rng.hex(12)}.csv`;
    case 'corp':
      if (r < 0.6) return `finance/${y}/${m}/invoice-${n5}.pdf`;
      if (r < 0.85) return `hr/headcount-${y}-${m}.xlsx`;
      return rng.pick(['reports/Q3 summary (final).csv', 'legal/NDA – Acme Corp.pdf', 'board/2026 plan v7.pptx']);
    case 'web':
      if (r < 0.4) return `static/js/app.${rng.hex(8)}.js`;
      if (r < 0.6) return `static/css/main.${rng.hex(8)}.css`;
      return `img/products/${rng.int(5000)}@2x.png`;
  }
}
