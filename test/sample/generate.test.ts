import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PlantedEvent } from '../../src/sample/calls.js';
import { type GenerateSummary, generateArchive } from '../../src/sample/generate.js';
import { tempDir } from '../helpers/archive.js';

// biome-ignore lint/suspicious/noExplicitAny: CloudTrail records are free-form JSON
type CtRecord = any;

interface LoadedFile {
  rel: string;
  bytes: Buffer;
  records: CtRecord[];
}

const END = new Date('2026-11-21T10:17:00Z');
const OPTIONS = { days: 3, eventsPerDay: 1500, end: END } as const;

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

async function loadArchive(dir: string): Promise<LoadedFile[]> {
  const files: LoadedFile[] = [];
  for (const rel of await listFiles(dir)) {
    const bytes = await readFile(join(dir, rel));
    const parsed = JSON.parse(gunzipSync(bytes).toString('utf8')) as { Records?: unknown };
    expect(Array.isArray(parsed.Records), rel).toBe(true);
    files.push({ rel, bytes, records: parsed.Records as CtRecord[] });
  }
  return files;
}

function sec(isoTime: string): number {
  return Date.parse(isoTime) / 1000;
}

function plantedOf(summary: GenerateSummary): Array<[string, PlantedEvent]> {
  const f = summary.facts;
  return [
    ...f.plantedWrites.map((p, i): [string, PlantedEvent] => [`plantedWrites[${i}]`, p]),
    ...f.plantedReads.map((p, i): [string, PlantedEvent] => [`plantedReads[${i}]`, p]),
    ['plantedDelete', f.plantedDelete],
    ['plantedReadAfterDelete', f.plantedReadAfterDelete],
    ['plantedBatchDelete', f.plantedBatchDelete],
    ['plantedLifecycleDelete', f.plantedLifecycleDelete],
    ['plantedDeniedSession', f.plantedDeniedSession],
    ['plantedLateDelivery', f.plantedLateDelivery],
    ['plantedGeneralPurposeWrite', f.plantedGeneralPurposeWrite],
    ['plantedGeneralPurposeDelete', f.plantedGeneralPurposeDelete],
    ...f.management.map((p, i): [string, PlantedEvent] => [`management[${i}]`, p]),
  ];
}

describe('generateArchive', () => {
  let root: string;
  let summaryA: GenerateSummary;
  let summaryC: GenerateSummary;
  let filesA: LoadedFile[];
  let records: CtRecord[];
  const byId = new Map<string, CtRecord>();
  const copies = new Map<string, string[]>();

  beforeAll(async () => {
    root = await tempDir('s3x-sample-');
    summaryA = await generateArchive({ ...OPTIONS, outDir: join(root, 'a'), seed: 42 });
    summaryC = await generateArchive({ ...OPTIONS, outDir: join(root, 'c'), seed: 43 });
    filesA = await loadArchive(join(root, 'a'));
    records = filesA.flatMap((f) => f.records);
    for (const file of filesA) {
      for (const r of file.records) {
        byId.set(r.eventID, r);
        copies.set(r.eventID, [...(copies.get(r.eventID) ?? []), file.rel]);
      }
    }
  });

  it('is byte-identical for the same seed and options', async () => {
    const again = await generateArchive({ ...OPTIONS, outDir: join(root, 'b'), seed: 42 });
    const listA = await listFiles(join(root, 'a'));
    const listB = await listFiles(join(root, 'b'));
    expect(listB).toEqual(listA);
    for (const rel of listA) {
      const [a, b] = await Promise.all([readFile(join(root, 'a', rel)), readFile(join(root, 'b', rel))]);
      expect(b.equals(a), rel).toBe(true);
    }
    expect(again).toEqual(summaryA);
  });

  it('differs for a different seed, but plants the same keys, times and principals', async () => {
    const listA = await listFiles(join(root, 'a'));
    const listC = await listFiles(join(root, 'c'));
    expect(listC).not.toEqual(listA);
    const stable = (p: PlantedEvent) => [p.eventName, p.eventTime, p.bucket, p.key, p.principalArn, p.sourceIp, p.folderDate];
    const a = plantedOf(summaryA);
    const c = plantedOf(summaryC);
    expect(c.map(([name, p]) => [name, ...stable(p)])).toEqual(a.map(([name, p]) => [name, ...stable(p)]));
    expect(summaryC.facts.plantedDelete.eventId).not.toBe(summaryA.facts.plantedDelete.eventId);
  });

  it('writes CloudTrail delivery files: names, folders and delivery delay', () => {
    const { accountId, region } = summaryA.facts;
    expect(filesA.length).toBe(summaryA.files);
    expect(filesA.reduce((n, f) => n + f.bytes.length, 0)).toBe(summaryA.bytes);
    const pattern = new RegExp(
      `^AWSLogs/${accountId}/CloudTrail/${region}/(\\d{4})/(\\d{2})/(\\d{2})/${accountId}_CloudTrail_${region}_(\\d{4})(\\d{2})(\\d{2})T(\\d{2})(\\d{2})Z_[A-Za-z0-9]{16}\\.json\\.gz$`,
    );
    for (const file of filesA) {
      const m = pattern.exec(file.rel);
      expect(m, file.rel).not.toBeNull();
      if (m === null) continue;
      expect(`${m[4]}/${m[5]}/${m[6]}`).toBe(`${m[1]}/${m[2]}/${m[3]}`);
      expect(Number(m[8]) % 5).toBe(0);
      const delivered = sec(`${m[4]}-${m[5]}-${m[6]}T${m[7]}:${m[8]}:00Z`);
      for (const r of file.records) {
        const delay = delivered - sec(r.eventTime);
        expect(delay).toBeGreaterThanOrEqual(5 * 60);
        expect(delay).toBeLessThanOrEqual(30 * 60); // 5..15 min, duplicates up to 15 min later
      }
    }
  });

  it('gives every record the required fields, in range', () => {
    const start = sec(summaryA.facts.start);
    const end = sec(summaryA.facts.end);
    expect(records.length).toBe(summaryA.events + summaryA.duplicates);
    expect(byId.size).toBe(summaryA.events);
    expect(summaryA.events).toBeGreaterThan(OPTIONS.days * OPTIONS.eventsPerDay * 0.7);
    expect(summaryA.events).toBeLessThan(OPTIONS.days * OPTIONS.eventsPerDay * 1.3);
    for (const r of records) {
      expect(typeof r.eventID).toBe('string');
      expect(r.eventTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(typeof r.eventSource).toBe('string');
      expect(typeof r.eventName).toBe('string');
      expect(sec(r.eventTime)).toBeGreaterThanOrEqual(start);
      expect(sec(r.eventTime)).toBeLessThan(end);
      expect(r.recipientAccountId).toBe(summaryA.facts.accountId);
      expect(r.eventType).toBe('AwsApiCall');
    }
  });

  it('shapes S3 Express data events like the AWS samples', () => {
    const { directoryBuckets, region, accountId } = summaryA.facts;
    const data = records.filter((r) => r.eventSource === 's3express.amazonaws.com' && r.eventCategory === 'Data');
    expect(data.length).toBeGreaterThan(1000);
    const names = new Set(data.map((r) => r.eventName));
    for (const name of [
      'CreateSession',
      'PutObject',
      'GetObject',
      'HeadObject',
      'GetObjectAttributes',
      'DeleteObject',
      'DeleteObjects',
      'CompleteMultipartUpload',
      'RenameObject',
      'ListObjectsV2',
      'CopyObject',
      'HeadBucket',
    ]) {
      expect(names.has(name), name).toBe(true);
    }
    for (const r of data) {
      const bucket: string = r.requestParameters.bucketName;
      expect(directoryBuckets).toContain(bucket);
      expect(r.eventVersion).toBe('1.09');
      expect(r.managementEvent).toBe(false);
      expect(typeof r.readOnly).toBe('boolean');
      const az = /--([a-z0-9]+-az\d+)--x-s3$/.exec(bucket)?.[1];
      expect(r.additionalEventData.availabilityZone).toBe(az);
      expect(r.resources).toEqual([
        { type: 'AWS::S3Express::Object', ARNPrefix: `arn:aws:s3express:${region}:${accountId}:bucket/${bucket}/` },
        { accountId, type: 'AWS::S3Express::DirectoryBucket', ARN: `arn:aws:s3express:${region}:${accountId}:bucket/${bucket}` },
      ]);
      if (r.userIdentity.type === 'AWSService') {
        expect(r.userIdentity).toEqual({ type: 'AWSService', invokedBy: 'lifecycle.s3.amazonaws.com' });
        expect(typeof r.sharedEventID).toBe('string');
      } else {
        expect(r.tlsDetails.clientProvidedHostHeader).toBe(`${bucket}.s3express-${az}.${region}.amazonaws.com`);
      }
    }
    expect(data.some((r) => typeof r.vpcEndpointId === 'string' && r.vpcEndpointId.startsWith('vpce-'))).toBe(true);
    expect(data.some((r) => r.eventName === 'GetObject' && r.errorCode === 'NoSuchKey')).toBe(true);
    const denied = data.filter((r) => r.eventName === 'CreateSession' && r.errorCode === 'AccessDenied');
    expect(denied.length).toBeGreaterThan(1);
    for (const r of denied) {
      expect(r.errorMessage).toBe('Access Denied');
      expect(r.responseElements).toBeNull();
    }
  });

  it('signs zonal calls with a CreateSession key of the same principal and bucket', () => {
    const sessions = new Map<string, CtRecord>();
    for (const r of records) {
      if (r.eventName === 'CreateSession' && r.errorCode === undefined) {
        const key: string = r.responseElements.credentials.accessKeyId;
        expect(key).toMatch(/^ASIA[A-Z2-7]{16}$/);
        const previous = sessions.get(key);
        if (previous !== undefined) expect(previous.eventID).toBe(r.eventID); // only duplicates share a key
        sessions.set(key, r);
      }
    }
    let checked = 0;
    for (const r of records) {
      if (r.eventSource !== 's3express.amazonaws.com' || r.eventCategory !== 'Data') continue;
      if (r.eventName === 'CreateSession' || r.userIdentity.type === 'AWSService') continue;
      if (r.eventName === 'CopyObject' || r.eventName === 'HeadBucket') {
        expect(r.additionalEventData.sessionModeApplied).toBeUndefined();
        expect(sessions.has(r.userIdentity.accessKeyId)).toBe(false);
        continue;
      }
      const session = sessions.get(r.userIdentity.accessKeyId);
      expect(session, `${r.eventName} ${r.eventID}`).toBeDefined();
      if (session === undefined) continue;
      expect(r.userIdentity.arn).toBe(session.userIdentity.arn);
      expect(r.requestParameters.bucketName).toBe(session.requestParameters.bucketName);
      const age = sec(r.eventTime) - sec(session.eventTime);
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThan(300);
      expect(r.additionalEventData.sessionModeApplied).toBe(session.requestParameters['x-amz-create-session-mode']);
      expect(r.userIdentity.sessionContext).toEqual({ attributes: { creationDate: session.eventTime } });
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('never puts keys into DeleteObjects records', () => {
    const batch = records.filter((r) => r.eventName === 'DeleteObjects');
    expect(batch.length).toBeGreaterThan(0);
    for (const r of batch) {
      expect(r.requestParameters.key).toBeUndefined();
      expect(r.requestParameters.delete).toBe('');
    }
  });

  it('shapes general-purpose bucket data events', () => {
    const gp = records.filter((r) => r.eventSource === 's3.amazonaws.com');
    expect(new Set(gp.map((r) => r.eventName))).toEqual(new Set(['GetObject', 'PutObject', 'DeleteObject', 'DeleteObjects']));
    for (const r of gp) {
      const bucket: string = r.requestParameters.bucketName;
      expect(summaryA.facts.generalPurposeBuckets).toContain(bucket);
      expect(r.eventCategory).toBe('Data');
      expect(r.userIdentity.accessKeyId).toMatch(/^(AKIA|ASIA)/);
      expect(r.resources[1]).toEqual({
        accountId: summaryA.facts.accountId,
        type: 'AWS::S3::Bucket',
        ARN: `arn:aws:s3:::${bucket}`,
      });
      if (r.eventName !== 'DeleteObjects') {
        expect(r.resources[0]).toEqual({ type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${bucket}/${r.requestParameters.key}` });
      }
    }
  });

  it('logs the management events, and no data event while logging is stopped', () => {
    const mgmt = records.filter((r) => r.managementEvent === true);
    for (const r of mgmt) expect(r.eventCategory).toBe('Management');
    const names = new Set(mgmt.map((r) => `${r.eventSource} ${r.eventName}`));
    for (const name of [
      's3express.amazonaws.com CreateBucket',
      's3express.amazonaws.com PutBucketPolicy',
      's3express.amazonaws.com DeleteBucketPolicy',
      's3express.amazonaws.com DeleteBucket',
      'cloudtrail.amazonaws.com CreateTrail',
      'cloudtrail.amazonaws.com PutEventSelectors',
      'cloudtrail.amazonaws.com StartLogging',
      'cloudtrail.amazonaws.com StopLogging',
      'cloudtrail.amazonaws.com UpdateTrail',
    ]) {
      expect(names.has(name), name).toBe(true);
    }
    const policy = mgmt.find((r) => r.eventName === 'PutBucketPolicy');
    expect(typeof policy.requestParameters.bucketPolicy).toBe('object');
    const selectors = mgmt.find((r) => r.eventName === 'PutEventSelectors').requestParameters.advancedEventSelectors;
    expect(JSON.stringify(selectors)).toContain('AWS::S3Express::Object');
    expect(summaryA.facts.management.map((m) => m.eventId).sort()).toEqual(mgmt.map((r) => r.eventID).sort());

    const stopped = sec(summaryA.facts.loggingGap.stoppedAt);
    const restarted = sec(summaryA.facts.loggingGap.restartedAt);
    const inGap = records.filter((r) => r.eventCategory === 'Data' && sec(r.eventTime) > stopped && sec(r.eventTime) < restarted);
    expect(inGap).toEqual([]);
  });

  it('plants every fact exactly as stated', () => {
    const facts = summaryA.facts;
    for (const [name, p] of plantedOf(summaryA)) {
      const r = byId.get(p.eventId);
      expect(r, name).toBeDefined();
      expect(r.eventTime, name).toBe(p.eventTime);
      expect(r.eventName, name).toBe(p.eventName);
      expect(r.eventSource, name).toBe(p.eventSource);
      expect(r.userIdentity.type, name).toBe(p.userIdentityType);
      expect(r.userIdentity.arn ?? null, name).toBe(p.principalArn);
      expect(r.userIdentity.invokedBy ?? null, name).toBe(p.invokedBy);
      expect(r.userIdentity.accessKeyId ?? null, name).toBe(p.accessKeyId);
      expect(r.sourceIPAddress, name).toBe(p.sourceIp);
      expect(r.userAgent, name).toBe(p.userAgent);
      expect(r.errorCode ?? null, name).toBe(p.errorCode);
      expect(r.vpcEndpointId ?? null, name).toBe(p.vpcEndpointId);
      expect(r.requestParameters?.bucketName ?? null, name).toBe(p.bucket);
      expect(r.requestParameters?.key ?? null, name).toBe(p.key);
      if (p.eventName !== 'CreateSession' && p.eventSource === 's3express.amazonaws.com' && p.sessionMode !== null) {
        expect(r.additionalEventData.sessionModeApplied, name).toBe(p.sessionMode);
      }
      expect(copies.get(p.eventId)?.slice().sort(), name).toEqual(p.files.slice().sort());
      expect(p.files[0]?.includes(`/${p.folderDate}/`), name).toBe(true);
      if (p.session !== null) {
        const cs = byId.get(p.session.eventId);
        expect(cs.eventName, name).toBe('CreateSession');
        expect(cs.eventTime, name).toBe(p.session.eventTime);
        expect(cs.responseElements.credentials.accessKeyId, name).toBe(p.session.accessKeyId);
        expect(cs.requestParameters['x-amz-create-session-mode'], name).toBe(p.session.mode);
      }
    }

    const anchor = facts.anchorDay;
    expect(anchor).toBe('2026-11-20');
    expect(facts.plantedBucket).toBe('analytics-hot--use1-az4--x-s3');
    expect(facts.plantedKey).toBe('reports/q3-forecast.parquet');

    const del = facts.plantedDelete;
    expect(del).toMatchObject({
      eventName: 'DeleteObject',
      bucket: 'analytics-hot--use1-az4--x-s3',
      key: 'reports/q3-forecast.parquet',
      principalArn: 'arn:aws:sts::111122223333:assumed-role/DataEngineer/mallory',
      eventTime: `${anchor}T16:42:09Z`,
      sessionMode: 'ReadWrite',
      sourceIp: '203.0.113.77',
    });
    expect(del.session?.accessKeyId).toBe(del.accessKeyId);

    expect(facts.plantedWrites.map((w) => [w.eventName, w.key, w.principalArn, w.eventTime])).toEqual([
      ['PutObject', facts.plantedKey, 'arn:aws:sts::111122223333:assumed-role/DataPipeline/etl-run-42', `${anchor}T08:05:12Z`],
      ['PutObject', facts.plantedKey, 'arn:aws:sts::111122223333:assumed-role/DataEngineer/bob', `${anchor}T11:47:33Z`],
    ]);
    expect(facts.plantedReads.map((w) => [w.eventName, w.key, w.principalArn, w.sessionMode])).toEqual([
      ['GetObject', facts.plantedKey, 'arn:aws:sts::111122223333:assumed-role/AnalyticsReadOnly/dashboard-svc', 'ReadOnly'],
      ['GetObject', facts.plantedKey, 'arn:aws:sts::111122223333:assumed-role/DataEngineer/mallory', 'ReadWrite'],
      ['GetObject', facts.plantedKey, 'arn:aws:sts::111122223333:assumed-role/Intern/trainee-jo', 'ReadOnly'],
    ]);
    expect(facts.plantedReadAfterDelete).toMatchObject({ eventName: 'GetObject', key: facts.plantedKey, errorCode: 'NoSuchKey' });
    expect(sec(facts.plantedReadAfterDelete.eventTime)).toBeGreaterThan(sec(del.eventTime));

    const batch = facts.plantedBatchDelete;
    expect(batch).toMatchObject({ eventName: 'DeleteObjects', bucket: facts.plantedBucket, key: null });
    expect(batch.eventTime.slice(0, 10)).toBe(anchor);
    expect(byId.get(batch.eventId).requestParameters.key).toBeUndefined();

    const lifecycle = facts.plantedLifecycleDelete;
    expect(lifecycle).toMatchObject({
      eventName: 'DeleteObjects',
      bucket: facts.plantedBucket,
      userIdentityType: 'AWSService',
      invokedBy: 'lifecycle.s3.amazonaws.com',
      principalArn: null,
    });
    expect(byId.get(lifecycle.eventId).userIdentity).toEqual({ type: 'AWSService', invokedBy: 'lifecycle.s3.amazonaws.com' });

    const denied = byId.get(facts.plantedDeniedSession.eventId);
    expect(denied).toMatchObject({
      eventName: 'CreateSession',
      errorCode: 'AccessDenied',
      errorMessage: 'Access Denied',
      responseElements: null,
    });

    expect(facts.plantedGeneralPurposeDelete).toMatchObject({
      eventSource: 's3.amazonaws.com',
      eventName: 'DeleteObject',
      bucket: 'corp-reports',
      key: 'finance/2026/payroll-export.csv',
      principalArn: 'arn:aws:iam::111122223333:user/ci-deployer',
    });
  });

  it('delivers the late event into the next day folder', () => {
    const late = summaryA.facts.plantedLateDelivery;
    expect(late.eventTime).toBe('2026-11-20T23:58:30Z');
    expect(late.folderDate).toBe('2026/11/21');
    expect(late.files).toHaveLength(1);
    expect(late.files[0]).toContain('/CloudTrail/us-east-1/2026/11/21/');
  });

  it('delivers the planted duplicate exactly twice, in two files, and ~1% duplicates overall', () => {
    const dup = summaryA.facts.plantedDuplicate;
    expect(dup.eventId).toBe(summaryA.facts.plantedDelete.eventId);
    const where = copies.get(dup.eventId) ?? [];
    expect(where).toHaveLength(2);
    expect(new Set(where).size).toBe(2);
    expect(where.slice().sort()).toEqual(dup.files.slice().sort());
    const counts = [...copies.values()].map((c) => c.length);
    expect(Math.max(...counts)).toBe(2);
    const duplicated = counts.filter((c) => c === 2).length;
    expect(duplicated).toBe(summaryA.duplicates);
    expect(duplicated / summaryA.events).toBeGreaterThan(0.003);
    expect(duplicated / summaryA.events).toBeLessThan(0.03);
  });

  it('keeps random traffic off the planted keys and planted batch-delete buckets', () => {
    const facts = summaryA.facts;
    const planted = new Set(plantedOf(summaryA).map(([, p]) => p.eventId));
    for (const r of records) {
      const rp = r.requestParameters ?? {};
      const touched = [rp.key, rp['x-amz-rename-source'], String(rp['x-amz-copy-source'] ?? '').replace(/^[^/]+\//, '')];
      if (touched.some((k) => facts.reservedKeys.includes(k))) expect(planted.has(r.eventID), r.eventID).toBe(true);
      if (r.eventName === 'DeleteObjects' && facts.noRandomBatchDeleteBuckets.includes(rp.bucketName)) {
        expect([facts.plantedBatchDelete.eventId, facts.plantedLifecycleDelete.eventId]).toContain(r.eventID);
      }
    }
    const keys = records.map((r) => r.requestParameters?.key).filter((k): k is string => typeof k === 'string');
    expect(keys.some((k) => k.includes(' '))).toBe(true);
    expect(keys.some((k) => [...k].some((ch) => ch.charCodeAt(0) > 127))).toBe(true);
  });

  it('derives bucket names from the region and rejects bad options', async () => {
    const summary = await generateArchive({
      outDir: join(root, 'eu'),
      seed: 1,
      days: 2,
      eventsPerDay: 100,
      end: END,
      region: 'eu-central-1',
      accountId: '444455556666',
    });
    expect(summary.facts.directoryBuckets).toContain('analytics-hot--euc1-az4--x-s3');
    expect(summary.facts.plantedDelete.principalArn).toBe('arn:aws:sts::444455556666:assumed-role/DataEngineer/mallory');
    const files = await listFiles(join(root, 'eu'));
    expect(files.every((f) => f.startsWith('AWSLogs/444455556666/CloudTrail/eu-central-1/'))).toBe(true);
    await expect(generateArchive({ outDir: join(root, 'x'), seed: 1, days: 1, end: END })).rejects.toThrow(/days/);
    await expect(generateArchive({ outDir: join(root, 'x'), seed: 1, days: 2, end: new Date('nope') })).rejects.toThrow(/end/);
  });
});
