/**
 * CloudTrail record shapes for the sample archive, as JSON text. They follow the AWS documentation
 * samples (docs/aws-facts.md 1.6-1.7), key-casing quirks included: `host`, `cipherSuite` and
 * `xAmzId2` on CreateSession; `Host`, `CipherSuite` and `x-amz-id-2` elsewhere.
 * Builders draw ids from the generator's random source in a fixed order: reordering a draw changes
 * every byte after it.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-express-log-files.html
 */
import type { Actor } from './actors.js';
import type { SessionMode } from './catalogue.js';
import { directoryBucketArn, type SampleBucket, type SampleLayout } from './layout.js';
import { ALNUM, B64, KEY_ID_CHARS, type Rng, UPPER_ALNUM } from './random.js';
import { humanTime, iso } from './timestamps.js';

const j = JSON.stringify;

/** S3 Lifecycle, the AWS service caller of expiry deletes. */
export const LIFECYCLE_SERVICE = 'lifecycle.s3.amazonaws.com';
const LIFECYCLE_IDENTITY = `{"type":"AWSService","invokedBy":"${LIFECYCLE_SERVICE}"}`;

/** A bucket's record fragments, serialised once. */
export interface BucketShape extends SampleBucket {
  directory: boolean;
  nameJson: string;
  hostJson: string;
  resourcesJson: string;
  tlsJson: string;
}

export function bucketShape(bucket: SampleBucket, layout: SampleLayout): BucketShape {
  const { name, az } = bucket;
  const { account, region } = layout;
  const directory = az !== '';
  const host = directory
    ? `${name}.s3express-${az}.${region}.amazonaws.com`
    : region === 'us-east-1'
      ? `${name}.s3.amazonaws.com`
      : `${name}.s3.${region}.amazonaws.com`;
  const bucketArn = directory ? directoryBucketArn(layout, name) : `arn:aws:s3:::${name}`;
  const resourcesJson = directory
    ? `[{"type":"AWS::S3Express::Object","ARNPrefix":${j(`${bucketArn}/`)}},{"accountId":"${account}","type":"AWS::S3Express::DirectoryBucket","ARN":${j(bucketArn)}}]`
    : `{"accountId":"${account}","type":"AWS::S3::Bucket","ARN":${j(bucketArn)}}`;
  return {
    ...bucket,
    directory,
    nameJson: j(name),
    hostJson: j(host),
    resourcesJson,
    tlsJson: `{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":${j(host)}}`,
  };
}

export interface ZonalRecordArgs {
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
  b: BucketShape;
  vpce: string | undefined;
  eventId: string;
  /** AWS service calls carry a sharedEventID and no tlsDetails. */
  shared: boolean;
}

export interface GeneralPurposeRecordArgs {
  identity: string;
  t: number;
  op: string;
  ip: string;
  ua: string;
  rp: string;
  bytesIn: number;
  bytesOut: number;
  objectResource: string;
  b: BucketShape;
  vpce: string | undefined;
  eventId: string;
}

export class RecordShapes {
  constructor(
    private readonly rng: Rng,
    private readonly layout: SampleLayout,
  ) {}

  /** A data event on a directory bucket (zonal endpoint). */
  zonal(args: ZonalRecordArgs): string {
    const { account, region } = this.layout;
    const err = args.error === null ? '' : `,"errorCode":"${args.error[0]}","errorMessage":${j(args.error[1])}`;
    const vpce = args.vpce === undefined ? '' : `,"vpcEndpointId":"${args.vpce}","vpcEndpointAccountId":"${account}"`;
    const shared = args.shared ? `,"sharedEventID":"${this.rng.uuid()}"` : '';
    const tls = args.shared ? '' : `,"tlsDetails":${args.b.tlsJson}`;
    return (
      `{"eventVersion":"1.09","userIdentity":${args.identity},"eventTime":"${iso(args.t)}","eventSource":"s3express.amazonaws.com","eventName":"${args.op}","awsRegion":"${region}",` +
      `"sourceIPAddress":${j(args.ip)},"userAgent":${j(args.ua)}${err},"requestParameters":${args.rp},"responseElements":${args.re},"additionalEventData":${args.aed},` +
      `"requestID":"01${this.rng.hex(14)}","eventID":"${args.eventId}","readOnly":${args.readOnly},"resources":${args.b.resourcesJson},"eventType":"AwsApiCall","managementEvent":false,` +
      `"recipientAccountId":"${account}"${shared}${vpce},"eventCategory":"Data"${tls}}`
    );
  }

  /** additionalEventData of a call signed with a session key. */
  sessionAed(b: BucketShape, bytesIn: number, bytesOut: number, mode: SessionMode): string {
    return `{"SignatureVersion":"Sigv4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":${bytesIn},"AuthenticationMethod":"AuthHeader","x-amz-id-2":"${this.rng.chars(ALNUM, 14 + this.rng.int(6))}","bytesTransferredOut":${bytesOut},"availabilityZone":"${b.az}","sessionModeApplied":"${mode}"}`;
  }

  /** additionalEventData of a zonal call signed with IAM credentials (no sessionModeApplied). */
  iamAed(b: BucketShape, bytesIn: number, bytesOut: number): string {
    return `{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":${bytesIn},"AuthenticationMethod":"AuthHeader","x-amz-id-2":"${this.rng.chars(ALNUM, 14 + this.rng.int(6))}","bytesTransferredOut":${bytesOut},"availabilityZone":"${b.az}"}`;
  }

  /** additionalEventData of a CreateSession by a principal (a denied one returns fewer bytes). */
  createSessionAed(b: BucketShape, denied: boolean): string {
    return `{"SignatureVersion":"SigV4","cipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","xAmzId2":"${this.rng.chars(ALNUM, 10 + this.rng.int(10))}","bytesTransferredOut":${denied ? 210 : 1790 + this.rng.int(60)},"availabilityZone":"${b.az}"}`;
  }

  /** The session key of a successful CreateSession and its responseElements (valid five minutes). */
  sessionCredentials(t: number): { accessKeyId: string; responseJson: string } {
    const accessKeyId = `ASIA${this.rng.chars(KEY_ID_CHARS, 16)}`;
    const responseJson = `{"credentials":{"accessKeyId":"${accessKeyId}","expiration":"${humanTime(t + 300)}","sessionToken":"IQoJb3JpZ2luX2VjE${this.rng.chars(B64, 60)}"}}`;
    return { accessKeyId, responseJson };
  }

  /** userIdentity of calls signed with a session key issued to `actor` at t. */
  sessionIdentity(actor: Actor, accessKeyId: string, t: number): string {
    const userName = actor.type === 'IAMUser' ? `,"userName":${j(actor.userName)}` : '';
    return `{"type":"${actor.type}","principalId":${j(actor.principalId)},"arn":${actor.arnJson},"accountId":"${this.layout.account}","accessKeyId":"${accessKeyId}"${userName},"sessionContext":{"attributes":{"creationDate":"${iso(t)}"}}}`;
  }

  /** The CreateSession S3 Lifecycle opens before it expires objects. */
  lifecycleSession(b: BucketShape, t: number, eventId: string): { accessKeyId: string; json: string } {
    const { accessKeyId, responseJson } = this.sessionCredentials(t);
    const json = this.zonal({
      identity: LIFECYCLE_IDENTITY,
      t,
      op: 'CreateSession',
      ip: LIFECYCLE_SERVICE,
      ua: LIFECYCLE_SERVICE,
      error: null,
      rp: `{"bucketName":${b.nameJson},"Host":${b.hostJson},"x-amz-create-session-mode":"ReadWrite","x-amz-server-side-encryption":"AES256"}`,
      re: responseJson,
      aed: `{"SignatureVersion":"Sigv4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"${this.rng.chars(ALNUM, 19)}","bytesTransferredOut":1815,"availabilityZone":"${b.az}"}`,
      readOnly: true,
      b,
      vpce: undefined,
      eventId,
      shared: true,
    });
    return { accessKeyId, json };
  }

  /** One batch of S3 Lifecycle expiry deletes. */
  lifecycleDelete(b: BucketShape, t: number, eventId: string): string {
    return this.zonal({
      identity: LIFECYCLE_IDENTITY,
      t,
      op: 'DeleteObjects',
      ip: LIFECYCLE_SERVICE,
      ua: LIFECYCLE_SERVICE,
      error: null,
      rp: `{"bucketName":${b.nameJson},"x-amz-expected-bucket-owner":"${this.layout.account}","Host":${b.hostJson},"delete":"","x-amz-sdk-checksum-algorithm":"CRC32C"}`,
      re: 'null',
      aed: this.sessionAed(b, 20000 + this.rng.int(30000), 15000 + this.rng.int(25000), 'ReadWrite'),
      readOnly: false,
      b,
      vpce: undefined,
      eventId,
      shared: true,
    });
  }

  /** A data event on a general purpose bucket. */
  generalPurpose(args: GeneralPurposeRecordArgs): string {
    const { account, region } = this.layout;
    const vpce = args.vpce === undefined ? '' : `,"vpcEndpointId":"${args.vpce}","vpcEndpointAccountId":"${account}"`;
    return (
      `{"eventVersion":"1.11","userIdentity":${args.identity},"eventTime":"${iso(args.t)}","eventSource":"s3.amazonaws.com","eventName":"${args.op}","awsRegion":"${region}",` +
      `"sourceIPAddress":${j(args.ip)},"userAgent":${j(args.ua)},"requestParameters":${args.rp},"responseElements":null,` +
      `"additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":${args.bytesIn},"AuthenticationMethod":"AuthHeader","x-amz-id-2":"${this.rng.chars(B64, 76)}","bytesTransferredOut":${args.bytesOut}},` +
      `"requestID":"${this.rng.chars(UPPER_ALNUM, 16)}","eventID":"${args.eventId}","readOnly":${args.op === 'GetObject'},"resources":[${args.objectResource},${args.b.resourcesJson}],` +
      `"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"${account}"${vpce},"eventCategory":"Data","tlsDetails":${args.b.tlsJson}}`
    );
  }

  /** A CloudTrail management call (CreateTrail, PutEventSelectors, StartLogging, ...). */
  trailEvent(args: {
    identity: unknown;
    t: number;
    eventName: string;
    ip: string;
    ua: string;
    rp: unknown;
    re: unknown;
    eventId: string;
  }): string {
    const { account, region } = this.layout;
    return JSON.stringify({
      eventVersion: '1.11',
      userIdentity: args.identity,
      eventTime: iso(args.t),
      eventSource: 'cloudtrail.amazonaws.com',
      eventName: args.eventName,
      awsRegion: region,
      sourceIPAddress: args.ip,
      userAgent: args.ua,
      requestParameters: args.rp,
      responseElements: args.re,
      requestID: this.rng.uuid(),
      eventID: args.eventId,
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: account,
      eventCategory: 'Management',
      tlsDetails: {
        tlsVersion: 'TLSv1.3',
        cipherSuite: 'TLS_AES_128_GCM_SHA256',
        clientProvidedHostHeader: `cloudtrail.${region}.amazonaws.com`,
      },
    });
  }

  /** A directory bucket management call on the regional s3express-control endpoint. */
  controlEvent(args: {
    identity: unknown;
    t: number;
    eventName: string;
    bucket: string;
    extra: Record<string, unknown>;
    ip: string;
    ua: string;
    eventId: string;
  }): string {
    const { account, region } = this.layout;
    const host = `s3express-control.${region}.amazonaws.com`;
    return JSON.stringify({
      eventVersion: '1.11',
      userIdentity: args.identity,
      eventTime: iso(args.t),
      eventSource: 's3express.amazonaws.com',
      eventName: args.eventName,
      awsRegion: region,
      sourceIPAddress: args.ip,
      userAgent: args.ua,
      requestParameters: { bucketName: args.bucket, Host: host, ...args.extra },
      responseElements: null,
      additionalEventData: {
        SignatureVersion: 'SigV4',
        CipherSuite: 'TLS_AES_128_GCM_SHA256',
        bytesTransferredIn: args.eventName === 'PutBucketPolicy' ? 400 + this.rng.int(300) : 0,
        AuthenticationMethod: 'AuthHeader',
        'x-amz-id-2': this.rng.chars(ALNUM, 16),
        bytesTransferredOut: 0,
      },
      requestID: `01${this.rng.hex(14)}`,
      eventID: args.eventId,
      readOnly: false,
      resources: [
        { accountId: account, type: 'AWS::S3Express::DirectoryBucket', ARN: directoryBucketArn(this.layout, args.bucket) },
      ],
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: account,
      eventCategory: 'Management',
      tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: host },
    });
  }
}

/** CloudTrail logs selectors with camelCase keys (`fieldSelectors`, `startsWith`). */
export function loggedSelectors(
  selectors: ReadonlyArray<{ Name?: string | undefined; FieldSelectors?: readonly object[] | undefined }>,
): unknown[] {
  return selectors.map((selector) => ({
    ...(selector.Name === undefined ? {} : { name: selector.Name }),
    fieldSelectors: (selector.FieldSelectors ?? []).map((field) =>
      Object.fromEntries(Object.entries(field).map(([key, value]) => [key.charAt(0).toLowerCase() + key.slice(1), value])),
    ),
  }));
}
