/**
 * The S3 calls principals make, turned into records and delivered: zonal calls with the
 * CreateSession each needs, IAM-signed zonal calls, S3 Lifecycle runs and general purpose bucket
 * calls. A call given a planted fact also fills that fact with what it wrote.
 */
import type { Actor, Actors, Session, SessionFact } from './actors.js';
import type { BucketKeys } from './bucket-keys.js';
import { type GpOp, READ_OPS, type SessionMode, type ZonalOp } from './catalogue.js';
import type { BucketLabel } from './layout.js';
import { B64, item, type Rng } from './random.js';
import { type BucketShape, LIFECYCLE_SERVICE, type RecordShapes } from './record-shapes.js';
import { iso } from './timestamps.js';
import type { ArchiveWriter } from './writer.js';

const j = JSON.stringify;

/** An SDK refreshes a 5-minute session a minute early. */
const SESSION_REUSE = 240;

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

/** A planted fact before its call fills it. */
export function emptyFact(): PlantedEvent {
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

/** A bucket of the layout while the archive is generated: its record fragments and its key pool. */
export interface Bucket extends BucketShape {
  /** Index into an actor's sessions. */
  idx: number;
  keys: BucketKeys;
}

interface ZonalCall {
  actor: Actor;
  b: Bucket;
  session: Session;
  ip: string;
  ua: string;
}

export interface CallContext {
  rng: Rng;
  records: RecordShapes;
  actors: Actors;
  writer: ArchiveWriter;
  /** Keys only the story uses. */
  reserved: ReadonlySet<string>;
  bucket(label: BucketLabel): Bucket;
  /** True when the trail logs nothing at t (before the archive, or in a quiet range). */
  unlogged(t: number): boolean;
}

export class S3Calls {
  constructor(private readonly ctx: CallContext) {}

  private pickIp(actor: Actor): string {
    const ips = actor.def.ips;
    return this.ctx.rng.chance(0.8) ? item(ips, 0) : this.ctx.rng.pick(ips);
  }

  /** Object size in bytes: log-uniform, larger for the ML bucket. */
  private objectSize(b: Bucket): number {
    return b.label === 'ml' ? Math.floor(2 ** (20 + this.ctx.rng.float() * 8)) : Math.floor(2 ** (8 + this.ctx.rng.float() * 14));
  }

  /** Emits a CreateSession (successful or denied) for actor on bucket at time t. */
  createSession(
    actor: Actor,
    b: Bucket,
    t: number,
    mode: SessionMode,
    denied: boolean,
    fact: PlantedEvent | null,
    clientIp?: string,
    clientUa?: string,
  ): Session | null {
    const identity = this.ctx.actors.iamIdentity(actor, t);
    const ip = clientIp ?? (fact?.sourceIp || this.pickIp(actor));
    const ua = clientUa ?? (fact?.userAgent || this.ctx.rng.pick(actor.def.userAgents));
    const eventId = this.ctx.rng.uuid();
    const rp = `{"bucketName":${b.nameJson},"host":${b.hostJson},"x-amz-create-session-mode":"${mode}"}`;
    let re = 'null';
    let session: Session | null = null;
    if (!denied) {
      const credentials = this.ctx.records.sessionCredentials(t);
      const { accessKeyId } = credentials;
      re = credentials.responseJson;
      session = {
        accessKeyId,
        created: t,
        mode,
        identityJson: this.ctx.records.sessionIdentity(actor, accessKeyId, t),
        fact: { eventId, eventTime: iso(t), accessKeyId, mode },
      };
      actor.sessions[b.idx] = session;
    }
    const json = this.ctx.records.zonal({
      identity,
      t,
      op: 'CreateSession',
      ip,
      ua,
      error: denied ? ['AccessDenied', 'Access Denied'] : null,
      rp,
      re,
      aed: this.ctx.records.createSessionAed(b, denied),
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
    this.ctx.writer.push(t, json, fact);
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
    let cst = t - this.ctx.rng.int(3);
    if (this.ctx.unlogged(cst)) cst = t;
    if (readOnlyHere && write) {
      // The client asks for ReadWrite explicitly and the bucket policy refuses it: the write never happens.
      this.createSession(actor, b, cst, 'ReadWrite', true, null, ip, ua);
      return null;
    }
    return this.createSession(actor, b, cst, readOnlyHere ? 'ReadOnly' : 'ReadWrite', false, null, ip, ua);
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
    const eventId = this.ctx.rng.uuid();
    const json = this.ctx.records.zonal({
      identity: c.session.identityJson,
      t: at,
      op: name,
      ip: c.ip,
      ua: c.ua,
      error: err,
      rp,
      re: 'null',
      aed: this.ctx.records.sessionAed(c.b, bytesIn, bytesOut, c.session.mode),
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
    this.ctx.writer.push(at, json, fact);
  }

  /** CopyObject / HeadBucket: signed with the caller's IAM credentials, no sessionModeApplied. */
  private iamSignedZonalCall(actor: Actor, b: Bucket, t: number, op: 'CopyObject' | 'HeadBucket', ip: string, ua: string): void {
    let rp: string;
    if (op === 'CopyObject') {
      const source = this.ctx.rng.chance(0.7)
        ? b
        : this.ctx.bucket(this.ctx.rng.pick<BucketLabel>(['analytics', 'ml', 'scratch']));
      const srcKey = source.keys.existing(t);
      const dest = srcKey.startsWith('backup/') ? b.keys.fresh(t) : `backup/${srcKey}`;
      if (this.ctx.reserved.has(dest)) return;
      rp = `{"bucketName":${b.nameJson},"Host":${b.hostJson},"key":${j(dest)},"x-amz-copy-source":${j(`${source.name}/${srcKey}`)}}`;
      b.keys.add(dest);
    } else {
      rp = `{"bucketName":${b.nameJson},"Host":${b.hostJson}}`;
    }
    const json = this.ctx.records.zonal({
      identity: this.ctx.actors.iamIdentity(actor, t),
      t,
      op,
      ip,
      ua,
      error: null,
      rp,
      re: 'null',
      aed: this.ctx.records.iamAed(b, 0, op === 'CopyObject' ? 220 + this.ctx.rng.int(40) : 0),
      readOnly: op === 'HeadBucket',
      b,
      vpce: actor.def.vpcEndpointId,
      eventId: this.ctx.rng.uuid(),
      shared: false,
    });
    this.ctx.writer.push(t, json, null);
  }

  /**
   * One zonal call (plus the CreateSession it needs). `key` forces the object key; `fact` records it
   * as planted (planted calls always start a fresh session so their CreateSession is known).
   */
  zonal(
    actor: Actor,
    b: Bucket,
    t: number,
    op: ZonalOp,
    key: string | null,
    fact: PlantedEvent | null,
    error: [string, string] | null = null,
  ): void {
    const ip = fact?.sourceIp || this.pickIp(actor);
    const ua = fact?.userAgent || this.ctx.rng.pick(actor.def.userAgents);
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
          if (this.ctx.rng.chance(0.03)) {
            k = b.keys.fresh(t);
            err = ['NoSuchKey', 'The specified key does not exist.'];
          } else {
            k = b.keys.existing(t);
          }
        }
        const checksum = this.ctx.rng.chance(0.5) ? ',"x-amz-checksum-mode":"ENABLED"' : '';
        const out = err === null ? this.objectSize(b) : 243;
        this.emitSessionCall(c, t, op, `{${base}${checksum},"key":${j(k)}}`, 0, out, true, err, fact, k);
        return;
      }
      case 'HeadObject': {
        const k = key ?? b.keys.existing(t);
        this.emitSessionCall(c, t, op, `{${base},"key":${j(k)}}`, 0, 0, true, null, fact, k);
        return;
      }
      case 'GetObjectAttributes': {
        const k = key ?? b.keys.existing(t);
        const rp = `{${base},"attributes":"","x-amz-object-attributes":"ETag,Checksum,ObjectSize","key":${j(k)}}`;
        this.emitSessionCall(c, t, op, rp, 0, 400 + this.ctx.rng.int(120), true, null, fact, k);
        return;
      }
      case 'ListObjectsV2': {
        const k = b.keys.existing(t);
        const slash = k.lastIndexOf('/');
        const prefix = slash > 0 ? k.slice(0, slash + 1) : '';
        const rp = `{"list-type":"2",${base},"prefix":${j(prefix)},"delimiter":"/"}`;
        this.emitSessionCall(c, t, op, rp, 0, 600 + this.ctx.rng.int(40000), true, null, fact, null);
        return;
      }
      case 'PutObject': {
        const k = key ?? b.keys.fresh(t);
        const rp = `{${base},"key":${j(k)},"x-amz-sdk-checksum-algorithm":"CRC32C"}`;
        this.emitSessionCall(c, t, op, rp, this.objectSize(b), 0, false, error, fact, k);
        if (key === null) b.keys.add(k);
        return;
      }
      case 'DeleteObject': {
        const k = key ?? b.keys.existing(t);
        this.emitSessionCall(c, t, op, `{${base},"key":${j(k)}}`, 0, 0, false, error, fact, k);
        if (key === null) b.keys.remove(k);
        return;
      }
      case 'DeleteObjects': {
        const count = 2 + this.ctx.rng.int(40);
        const rp = `{${base},"delete":"","x-amz-sdk-checksum-algorithm":"CRC32C"}`;
        this.emitSessionCall(c, t, op, rp, 120 + count * 90, 90 + count * 70, false, error, fact, null);
        if (fact === null) b.keys.removeSome(count);
        return;
      }
      case 'CompleteMultipartUpload': {
        const k = key ?? (b.label === 'ml' ? `models/v${1 + this.ctx.rng.int(4)}/weights.bin` : b.keys.fresh(t));
        if (this.ctx.reserved.has(k)) return;
        const uploadId = this.ctx.rng.chars(B64, 43);
        const parts = 1 + this.ctx.rng.int(3);
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
          this.emitSessionCall(c, t + p, 'UploadPart', rp, 8388608 + this.ctx.rng.int(1048576), 0, false, null, null, null);
        }
        const rp = `{${base},"uploadId":"${uploadId}","key":${keyJson}}`;
        this.emitSessionCall(c, t + parts + 1, op, rp, 200 + parts * 120, 330, false, null, fact, k);
        if (key === null) b.keys.add(k);
        return;
      }
      case 'RenameObject': {
        const source = b.keys.existing(t);
        if (source.startsWith('archive/')) {
          this.emitSessionCall(c, t, 'HeadObject', `{${base},"key":${j(source)}}`, 0, 0, true, null, null, null);
          return;
        }
        const dest = key ?? `archive/${source}`;
        const rp = `{${base},"renameObject":"","x-amz-rename-source":${j(source)},"key":${j(dest)}}`;
        this.emitSessionCall(c, t, op, rp, 0, 0, false, null, fact, dest);
        b.keys.remove(source);
        b.keys.add(dest);
        return;
      }
    }
  }

  /** An S3 Lifecycle run: CreateSession then DeleteObjects calls (AWSService caller, no key ids). */
  lifecycle(b: Bucket, t: number, batches: number, fact: PlantedEvent | null): void {
    const sessionEventId = this.ctx.rng.uuid();
    const { accessKeyId, json: sessionJson } = this.ctx.records.lifecycleSession(b, t, sessionEventId);
    this.ctx.writer.push(t, sessionJson, null);
    const sessionFact: SessionFact = { eventId: sessionEventId, eventTime: iso(t), accessKeyId, mode: 'ReadWrite' };
    for (let i = 0; i < batches; i++) {
      const at = t + 1 + i * (1 + this.ctx.rng.int(3));
      const eventId = this.ctx.rng.uuid();
      const json = this.ctx.records.lifecycleDelete(b, at, eventId);
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
          invokedBy: LIFECYCLE_SERVICE,
          sourceIp: LIFECYCLE_SERVICE,
          userAgent: LIFECYCLE_SERVICE,
          accessKeyId: null,
          sessionMode: 'ReadWrite',
          session: sessionFact,
          errorCode: null,
          vpcEndpointId: null,
        } satisfies Partial<PlantedEvent>);
      }
      this.ctx.writer.push(at, json, f);
      if (f === null) b.keys.removeSome(20);
    }
  }

  generalPurpose(actor: Actor, b: Bucket, t: number, requested: GpOp, key: string | null, fact: PlantedEvent | null): void {
    let op = requested;
    if (op === 'DeleteObjects' && !b.randomBatchDelete && fact === null) op = 'DeleteObject';
    const identity = this.ctx.actors.iamIdentity(actor, t);
    const ip = fact?.sourceIp || this.pickIp(actor);
    const ua = fact?.userAgent || this.ctx.rng.pick(actor.def.userAgents);
    let k: string | null = null;
    let bytesIn = 0;
    let bytesOut = 0;
    let rp: string;
    let objectResource: string;
    const base = `"bucketName":${b.nameJson},"Host":${b.hostJson}`;
    if (op === 'DeleteObjects') {
      rp = `{${base},"delete":""}`;
      objectResource = `{"type":"AWS::S3::Object","ARNPrefix":${j(`arn:aws:s3:::${b.name}/`)}}`;
      bytesIn = 300 + this.ctx.rng.int(3000);
      bytesOut = 200 + this.ctx.rng.int(2000);
      if (fact === null) b.keys.removeSome(10);
    } else {
      if (op === 'PutObject') {
        k = key ?? b.keys.fresh(t);
        bytesIn = Math.floor(2 ** (10 + this.ctx.rng.float() * 12));
        if (key === null) b.keys.add(k);
      } else {
        k = key ?? b.keys.existing(t);
        if (op === 'GetObject') bytesOut = Math.floor(2 ** (10 + this.ctx.rng.float() * 12));
        if (op === 'DeleteObject' && key === null) b.keys.remove(k);
      }
      rp = `{${base},"key":${j(k)}}`;
      objectResource = `{"type":"AWS::S3::Object","ARN":${j(`arn:aws:s3:::${b.name}/${k}`)}}`;
    }
    const eventId = this.ctx.rng.uuid();
    const json = this.ctx.records.generalPurpose({
      identity,
      t,
      op,
      ip,
      ua,
      rp,
      bytesIn,
      bytesOut,
      objectResource,
      b,
      vpce: actor.def.vpcEndpointId,
      eventId,
    });
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
    this.ctx.writer.push(t, json, fact);
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
}
