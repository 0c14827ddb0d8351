import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { applyFailureMessage, describeCall, failureReason } from '../aws/account/apply-words.js';
import type { AdvancedEventSelector, EventSelector } from '../cloudtrail/selectors.js';
import { EngineError } from '../errors.js';
import type { AccountPort, AccountState, ApplyResult, PlannedCall, TrailState } from '../remediation/types.js';
import {
  dataEventSelectors,
  directoryBucketArn,
  layoutBucket,
  SAMPLE_ACCOUNT,
  SAMPLE_REGION,
  sampleLayout,
} from '../sample/layout.js';
import { loggedSelectors } from '../sample/record-shapes.js';
import type { SqliteDatabase } from '../store/database.js';
import { formatInstant } from '../time/window.js';

const gzipAsync = promisify(gzip);

export interface SandboxTrailSeed {
  name: string;
  homeRegion: string;
  isMultiRegion: boolean;
  isLogging: boolean;
  s3BucketName: string;
  advancedEventSelectors?: AdvancedEventSelector[];
  eventSelectors?: EventSelector[];
}

export interface SandboxSeed {
  trails: SandboxTrailSeed[];
  directoryBuckets: Array<{ name: string; region: string; policy?: string }>;
  /** General purpose log buckets and their policies (CreateTrail checks CloudTrail may write there). */
  logBuckets: Array<{ name: string; policy: string }>;
}

export interface SandboxAccountOptions {
  /** When set, every applied change is also written there as a CloudTrail delivery file. */
  logsDir?: string;
  now: () => Date;
  account?: string;
  region?: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sandbox_seeded (account TEXT PRIMARY KEY, seeded_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sandbox_trails (
  account TEXT NOT NULL, name TEXT NOT NULL, home_region TEXT NOT NULL,
  is_multi_region INTEGER NOT NULL, is_logging INTEGER NOT NULL, log_file_validation INTEGER NOT NULL,
  s3_bucket_name TEXT NOT NULL, advanced_selectors TEXT, basic_selectors TEXT,
  PRIMARY KEY (account, name));
CREATE TABLE IF NOT EXISTS sandbox_directory_buckets (
  account TEXT NOT NULL, name TEXT NOT NULL, region TEXT NOT NULL, policy TEXT,
  PRIMARY KEY (account, name));
CREATE TABLE IF NOT EXISTS sandbox_log_buckets (
  account TEXT NOT NULL, name TEXT NOT NULL, policy TEXT,
  PRIMARY KEY (account, name));`;

interface TrailRow {
  name: string;
  home_region: string;
  is_multi_region: number;
  is_logging: number;
  s3_bucket_name: string;
  advanced_selectors: string | null;
  basic_selectors: string | null;
}

/** What AWS would have thrown: its error name, so messages match the AWS adapter's. */
class SimulatedAwsError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The role s3x assumes to remediate, as the sandbox's log records name it. */
const REMEDIATION_ROLE = 's3x-remediation';
/** CloudTrail's advanced-selector budget per trail. */
const MAX_SELECTOR_VALUES = 500;
/** A new trail logs management events, as CreateTrail's default selector does. */
const DEFAULT_BASIC_SELECTORS: EventSelector[] = [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [] }];
const TRAIL_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9]|[._-](?![._-])){1,126}[A-Za-z0-9]$/;

/**
 * Local mode: an account kept in the SQLite state file that changes exactly as AWS would, and
 * logs each change where the local engine reads, so questions see what remediation did.
 */
export class SandboxAccount implements AccountPort {
  private readonly account: string;
  private readonly region: string;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: SandboxAccountOptions,
  ) {
    this.account = options.account ?? SAMPLE_ACCOUNT;
    this.region = options.region ?? SAMPLE_REGION;
    db.exec(SCHEMA);
  }

  /** Seeds the account once; later calls (and other replicas) leave applied changes alone. */
  seed(seed: SandboxSeed): void {
    this.db
      .transaction(() => {
        const inserted = this.db
          .prepare('INSERT OR IGNORE INTO sandbox_seeded (account, seeded_at) VALUES (?, ?)')
          .run(this.account, formatInstant(this.options.now()));
        if (inserted.changes === 0) return;
        for (const trail of seed.trails) this.insertTrail({ ...trail, logFileValidation: true });
        for (const bucket of seed.directoryBuckets) {
          this.db
            .prepare('INSERT INTO sandbox_directory_buckets (account, name, region, policy) VALUES (?, ?, ?, ?)')
            .run(this.account, bucket.name, bucket.region, bucket.policy ?? null);
        }
        for (const bucket of seed.logBuckets) {
          this.db
            .prepare('INSERT INTO sandbox_log_buckets (account, name, policy) VALUES (?, ?, ?)')
            .run(this.account, bucket.name, bucket.policy);
        }
      })
      .immediate();
  }

  /** The sample archive's account (src/sample/generate.ts), as it stands at the archive's start. */
  seedDefaults(): void {
    this.seed(sampleSandboxSeed(this.account, this.region));
  }

  async readState(): Promise<AccountState> {
    const trails = (
      this.db.prepare('SELECT * FROM sandbox_trails WHERE account = ? ORDER BY name').all(this.account) as TrailRow[]
    ).map((row) => this.toTrailState(row));
    const directoryBuckets = this.db
      .prepare('SELECT name, region FROM sandbox_directory_buckets WHERE account = ? ORDER BY name')
      .all(this.account) as Array<{ name: string; region: string }>;
    return { account: this.account, region: this.region, trails, directoryBuckets };
  }

  async getBucketPolicy(bucket: string, region: string): Promise<string | null> {
    const row = this.db
      .prepare('SELECT policy FROM sandbox_directory_buckets WHERE account = ? AND name = ? AND region = ?')
      .get(this.account, bucket, region) as { policy: string | null } | undefined;
    if (row === undefined) {
      throw new EngineError(`s3x could not read the policy of directory bucket ${bucket}: there is no such bucket in ${region}.`);
    }
    return row.policy;
  }

  async apply(calls: readonly PlannedCall[], actor: { approverId: string; requestId: string }): Promise<ApplyResult> {
    const now = this.options.now();
    const records: Array<Record<string, unknown>> = [];
    // All or nothing: a rejected call rolls back the calls before it, so the sandbox never half-applies.
    this.db
      .transaction(() => {
        for (const [index, call] of calls.entries()) {
          try {
            records.push(this.record(this.applyOne(call), call, actor, now));
          } catch (error) {
            if (!(error instanceof SimulatedAwsError)) throw error;
            throw new EngineError(applyFailureMessage(calls, index, failureReason(call, error), 0), {
              cause: error,
              detail: `${error.name}: ${error.message}`,
            });
          }
        }
      })
      .immediate();
    if (this.options.logsDir !== undefined && records.length > 0) await this.deliver(this.options.logsDir, records, now);
    return { steps: calls.map((call) => ({ api: call.api, ok: true, detail: describeCall(call) })) };
  }

  private toTrailState(row: TrailRow): TrailState {
    const advanced =
      row.advanced_selectors === null ? undefined : (JSON.parse(row.advanced_selectors) as AdvancedEventSelector[]);
    const basic = row.basic_selectors === null ? undefined : (JSON.parse(row.basic_selectors) as EventSelector[]);
    return {
      name: row.name,
      arn: this.trailArn(row.home_region, row.name),
      homeRegion: row.home_region,
      isMultiRegion: row.is_multi_region === 1,
      isLogging: row.is_logging === 1,
      s3BucketName: row.s3_bucket_name,
      ...(advanced === undefined ? {} : { advancedEventSelectors: advanced }),
      ...(basic === undefined ? {} : { eventSelectors: basic }),
    };
  }

  /** Changes the stored state for one call, or throws what AWS would; returns the call's logged response. */
  private applyOne(call: PlannedCall): unknown {
    switch (call.api) {
      case 'cloudtrail:CreateTrail': {
        if (!TRAIL_NAME.test(call.name)) throw new SimulatedAwsError('InvalidTrailNameException', 'invalid trail name');
        if (this.trail(call.name) !== undefined) throw new SimulatedAwsError('TrailAlreadyExistsException', 'trail exists');
        const log = this.db
          .prepare('SELECT policy FROM sandbox_log_buckets WHERE account = ? AND name = ?')
          .get(this.account, call.s3BucketName) as { policy: string | null } | undefined;
        if (log === undefined) throw new SimulatedAwsError('S3BucketDoesNotExistException', 'no such log bucket');
        if (!allowsCloudTrail(log.policy)) {
          throw new SimulatedAwsError('InsufficientS3BucketPolicyException', 'log bucket policy does not allow CloudTrail');
        }
        this.insertTrail({
          name: call.name,
          homeRegion: call.region,
          isMultiRegion: call.isMultiRegionTrail,
          isLogging: false,
          logFileValidation: call.enableLogFileValidation,
          s3BucketName: call.s3BucketName,
          eventSelectors: DEFAULT_BASIC_SELECTORS,
        });
        return {
          name: call.name,
          s3BucketName: call.s3BucketName,
          includeGlobalServiceEvents: true,
          isMultiRegionTrail: call.isMultiRegionTrail,
          trailARN: this.trailArn(call.region, call.name),
          logFileValidationEnabled: call.enableLogFileValidation,
          isOrganizationTrail: false,
        };
      }
      case 's3:PutBucketPolicy': {
        parsePolicy(call.policy);
        this.db
          .prepare(
            `INSERT INTO sandbox_log_buckets (account, name, policy) VALUES (?, ?, ?)
             ON CONFLICT (account, name) DO UPDATE SET policy = excluded.policy`,
          )
          .run(this.account, call.bucket, call.policy);
        return null;
      }
      case 'cloudtrail:PutEventSelectors': {
        const trail = this.homeTrail(call.trailName, call.region);
        validateSelectors(call.advancedEventSelectors);
        // Advanced selectors replace the whole set, basic ones included.
        this.db
          .prepare('UPDATE sandbox_trails SET advanced_selectors = ?, basic_selectors = NULL WHERE account = ? AND name = ?')
          .run(JSON.stringify(call.advancedEventSelectors), this.account, trail.name);
        return {
          trailARN: this.trailArn(trail.home_region, trail.name),
          advancedEventSelectors: loggedSelectors(call.advancedEventSelectors),
        };
      }
      case 'cloudtrail:StartLogging': {
        const trail = this.homeTrail(call.trailName, call.region);
        this.db.prepare('UPDATE sandbox_trails SET is_logging = 1 WHERE account = ? AND name = ?').run(this.account, trail.name);
        return null;
      }
      case 's3express:PutBucketPolicy': {
        this.directoryBucket(call.bucket, call.region);
        const policy = parsePolicy(call.policy);
        if (!onlyCreateSession(policy)) {
          throw new SimulatedAwsError('MalformedPolicy', 'directory bucket policies may only allow s3express:CreateSession');
        }
        this.db
          .prepare('UPDATE sandbox_directory_buckets SET policy = ? WHERE account = ? AND name = ?')
          .run(call.policy, this.account, call.bucket);
        return null;
      }
      case 's3express:DeleteBucketPolicy': {
        this.directoryBucket(call.bucket, call.region);
        this.db
          .prepare('UPDATE sandbox_directory_buckets SET policy = NULL WHERE account = ? AND name = ?')
          .run(this.account, call.bucket);
        return null;
      }
    }
  }

  private insertTrail(trail: SandboxTrailSeed & { logFileValidation: boolean }): void {
    this.db
      .prepare(
        `INSERT INTO sandbox_trails (account, name, home_region, is_multi_region, is_logging, log_file_validation,
           s3_bucket_name, advanced_selectors, basic_selectors) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        this.account,
        trail.name,
        trail.homeRegion,
        trail.isMultiRegion ? 1 : 0,
        trail.isLogging ? 1 : 0,
        trail.logFileValidation ? 1 : 0,
        trail.s3BucketName,
        trail.advancedEventSelectors ? JSON.stringify(trail.advancedEventSelectors) : null,
        trail.eventSelectors ? JSON.stringify(trail.eventSelectors) : null,
      );
  }

  private trail(nameOrArn: string): TrailRow | undefined {
    const name = nameOrArn.startsWith('arn:') ? nameOrArn.slice(nameOrArn.lastIndexOf('/') + 1) : nameOrArn;
    return this.db.prepare('SELECT * FROM sandbox_trails WHERE account = ? AND name = ?').get(this.account, name) as
      | TrailRow
      | undefined;
  }

  private homeTrail(nameOrArn: string, region: string): TrailRow {
    const trail = this.trail(nameOrArn);
    if (trail === undefined) throw new SimulatedAwsError('TrailNotFoundException', 'trail not found');
    if (trail.home_region !== region) throw new SimulatedAwsError('InvalidHomeRegionException', 'not the home Region');
    return trail;
  }

  private directoryBucket(name: string, region: string): void {
    const found = this.db
      .prepare('SELECT 1 FROM sandbox_directory_buckets WHERE account = ? AND name = ? AND region = ?')
      .get(this.account, name, region);
    if (found === undefined) throw new SimulatedAwsError('NoSuchBucket', 'no such bucket');
  }

  private trailArn(region: string, name: string): string {
    return `arn:aws:cloudtrail:${region}:${this.account}:trail/${name}`;
  }

  /** The management event AWS would log for the call, made by s3x's role session on the approver's behalf. */
  private record(
    responseElements: unknown,
    call: PlannedCall,
    actor: { approverId: string; requestId: string },
    now: Date,
  ): Record<string, unknown> {
    const region = 'region' in call ? call.region : this.region;
    const session = `s3x-${actor.requestId}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
    const roleId = 'AROAS3XSANDBOXROLE01';
    const base = {
      eventVersion: '1.11',
      userIdentity: {
        type: 'AssumedRole',
        principalId: `${roleId}:${session}`,
        arn: `arn:aws:sts::${this.account}:assumed-role/${REMEDIATION_ROLE}/${session}`,
        accountId: this.account,
        accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: roleId,
            arn: `arn:aws:iam::${this.account}:role/${REMEDIATION_ROLE}`,
            accountId: this.account,
            userName: REMEDIATION_ROLE,
          },
          attributes: { creationDate: formatInstant(now), mfaAuthenticated: 'false' },
          sourceIdentity: actor.approverId,
        },
      },
      eventTime: formatInstant(now),
      awsRegion: region,
      sourceIPAddress: '127.0.0.1',
      userAgent: 's3x-sandbox',
      requestID: randomUUID(),
      eventID: randomUUID(),
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: this.account,
      eventCategory: 'Management',
    };
    switch (call.api) {
      case 'cloudtrail:CreateTrail':
        return {
          ...base,
          eventSource: 'cloudtrail.amazonaws.com',
          eventName: 'CreateTrail',
          requestParameters: {
            name: call.name,
            s3BucketName: call.s3BucketName,
            isMultiRegionTrail: call.isMultiRegionTrail,
            enableLogFileValidation: call.enableLogFileValidation,
          },
          responseElements,
        };
      case 'cloudtrail:PutEventSelectors':
        return {
          ...base,
          eventSource: 'cloudtrail.amazonaws.com',
          eventName: 'PutEventSelectors',
          requestParameters: { trailName: call.trailName, advancedEventSelectors: loggedSelectors(call.advancedEventSelectors) },
          responseElements,
        };
      case 'cloudtrail:StartLogging':
        return {
          ...base,
          eventSource: 'cloudtrail.amazonaws.com',
          eventName: 'StartLogging',
          requestParameters: { name: call.trailName },
          responseElements,
        };
      case 's3:PutBucketPolicy':
        return {
          ...base,
          eventSource: 's3.amazonaws.com',
          eventName: 'PutBucketPolicy',
          requestParameters: {
            bucketName: call.bucket,
            Host: `${call.bucket}.s3.amazonaws.com`,
            bucketPolicy: JSON.parse(call.policy),
            policy: [''],
          },
          responseElements,
          resources: [{ accountId: this.account, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${call.bucket}` }],
        };
      case 's3express:PutBucketPolicy':
      case 's3express:DeleteBucketPolicy': {
        const put = call.api === 's3express:PutBucketPolicy';
        return {
          ...base,
          eventSource: 's3express.amazonaws.com',
          eventName: put ? 'PutBucketPolicy' : 'DeleteBucketPolicy',
          requestParameters: {
            bucketName: call.bucket,
            Host: `s3express-control.${call.region}.amazonaws.com`,
            ...(put ? { bucketPolicy: JSON.parse(call.policy) } : {}),
            policy: '',
          },
          responseElements,
          resources: [
            {
              accountId: this.account,
              type: 'AWS::S3Express::DirectoryBucket',
              ARN: `arn:aws:s3express:${call.region}:${this.account}:bucket/${call.bucket}`,
            },
          ],
        };
      }
    }
  }

  /** One delivery file per Region, in the trail layout the local engine reads. */
  private async deliver(logsDir: string, records: Array<Record<string, unknown>>, now: Date): Promise<void> {
    const byRegion = new Map<string, Array<Record<string, unknown>>>();
    for (const record of records) {
      const region = String(record.awsRegion);
      byRegion.set(region, [...(byRegion.get(region) ?? []), record]);
    }
    const iso = now.toISOString();
    const day = iso.slice(0, 10).split('-');
    const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
    for (const [region, regionRecords] of byRegion) {
      const dir = path.join(logsDir, 'AWSLogs', this.account, 'CloudTrail', region, ...day);
      await mkdir(dir, { recursive: true });
      const file = `${this.account}_CloudTrail_${region}_${stamp}_${uniqueSuffix()}.json.gz`;
      await writeFile(path.join(dir, file), await gzipAsync(JSON.stringify({ Records: regionRecords })));
    }
  }
}

/** The sample account as the archive generator lays it out (src/sample/layout.ts), before tmp-exports gets coverage. */
export function sampleSandboxSeed(account: string, region: string): SandboxSeed {
  const layout = sampleLayout(account, region);
  const { logBucket } = layout.trail;
  const analytics = layoutBucket(layout, 'analytics').name;
  const analyticsPolicy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AccountReadWrite',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: 's3express:CreateSession',
        Resource: directoryBucketArn(layout, analytics),
        Condition: { StringEquals: { 's3express:SessionMode': 'ReadWrite' } },
      },
    ],
  });
  const logBucketPolicy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AWSCloudTrailAclCheck',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 's3:GetBucketAcl',
        Resource: `arn:aws:s3:::${logBucket}`,
      },
      {
        Sid: 'AWSCloudTrailWrite',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: `arn:aws:s3:::${logBucket}/AWSLogs/${account}/*`,
        Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } },
      },
    ],
  });
  return {
    trails: [
      {
        name: layout.trail.name,
        homeRegion: region,
        isMultiRegion: true,
        isLogging: true,
        s3BucketName: logBucket,
        advancedEventSelectors: dataEventSelectors(layout),
      },
    ],
    directoryBuckets: layout.directoryBuckets.map((name) => ({
      name,
      region,
      ...(name === analytics ? { policy: analyticsPolicy } : {}),
    })),
    logBuckets: [{ name: logBucket, policy: logBucketPolicy }],
  };
}

function uniqueSuffix(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(16), (byte) => alphabet.charAt(byte % alphabet.length)).join('');
}

function validateSelectors(selectors: AdvancedEventSelector[]): void {
  let values = 0;
  for (const selector of selectors) {
    const fields = selector.FieldSelectors ?? [];
    if (fields.length === 0) throw new SimulatedAwsError('InvalidEventSelectorsException', 'a selector needs field selectors');
    for (const field of fields) {
      if (!field.Field) throw new SimulatedAwsError('InvalidEventSelectorsException', 'a field selector needs a field');
      const operators = [field.Equals, field.StartsWith, field.EndsWith, field.NotEquals, field.NotStartsWith, field.NotEndsWith];
      values += operators.reduce((sum, list) => sum + (list?.length ?? 0), 0);
    }
  }
  if (values > MAX_SELECTOR_VALUES) throw new SimulatedAwsError('InvalidEventSelectorsException', 'over 500 values');
}

function parsePolicy(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Reported below, as AWS does.
  }
  throw new SimulatedAwsError('MalformedPolicy', 'policy is not a JSON object');
}

function statements(policy: Record<string, unknown>): Array<Record<string, unknown>> {
  const raw = policy.Statement;
  const list = Array.isArray(raw) ? raw : [raw];
  return list.filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null);
}

function actions(statement: Record<string, unknown>): unknown[] {
  const action = statement.Action;
  return Array.isArray(action) ? action : [action];
}

function onlyCreateSession(policy: Record<string, unknown>): boolean {
  const list = statements(policy);
  return list.length > 0 && list.every((s) => actions(s).every((a) => a === 's3express:CreateSession'));
}

function allowsCloudTrail(policyText: string | null): boolean {
  if (policyText === null) return false;
  try {
    return statements(parsePolicy(policyText)).some(
      (s) =>
        s.Effect === 'Allow' &&
        JSON.stringify(s.Principal ?? '').includes('cloudtrail.amazonaws.com') &&
        actions(s).some((a) => a === 's3:PutObject' || a === 's3:*'),
    );
  } catch {
    return false;
  }
}
