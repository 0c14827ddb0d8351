/**
 * `s3x setup athena`: the CREATE DATABASE / CREATE EXTERNAL TABLE statements for a CloudTrail table
 * with partition projection over region and delivery date, in the shape AWS documents
 * (../shared/docs/athena-cloudtrail-ddl.sql), plus a `region` partition so one table covers a
 * multi-Region trail.
 *
 * Athena cannot parameterize DDL (execution parameters are for SELECT/INSERT/CTAS/UNLOAD only), so every
 * value below is pasted into the statement text. That is only safe because EVERY input is checked
 * against a strict allow-list pattern first (in the parser AND again in buildAthenaSetupDdl, which may
 * be called with a hand-built spec). None of the patterns admits a quote, backtick, `$`, `;`, space or
 * newline.
 */
import { UsageError } from '../errors.js';
import { parseSetupOptions, show } from './options.js';

export interface AthenaTableSpec {
  /** The trail's log bucket (a general-purpose bucket). */
  bucket: string;
  /** Key prefix before `AWSLogs/`, without leading or trailing slash. */
  prefix?: string;
  /** 12-digit account id. */
  account: string;
  /** Set for organization trails: logs sit under `AWSLogs/<org id>/<account>/`. */
  organizationId?: string;
  /** Regions to project, at least one, de-duplicated. */
  regions: string[];
  /** First delivery date to project, yyyy/MM/dd. */
  start: string;
  database: string;
  table: string;
}

export const DEFAULT_DATABASE = 'cloudtrail';
export const DEFAULT_TABLE = 'cloudtrail_logs';

/**
 * The column list of the AWS-documented CloudTrail table, verbatim (the only copy in the code).
 * test/setup/athena-table.test.ts parses ../shared/docs/athena-cloudtrail-ddl.sql and proves the
 * generated table has exactly these columns, types and nested fields.
 */
const CLOUDTRAIL_COLUMNS = `    eventversion STRING,
    useridentity STRUCT<
        type: STRING,
        principalid: STRING,
        arn: STRING,
        accountid: STRING,
        invokedby: STRING,
        accesskeyid: STRING,
        username: STRING,
        onbehalfof: STRUCT<
             userid: STRING,
             identitystorearn: STRING>,
        sessioncontext: STRUCT<
            attributes: STRUCT<
                mfaauthenticated: STRING,
                creationdate: STRING>,
            sessionissuer: STRUCT<
                type: STRING,
                principalid: STRING,
                arn: STRING,
                accountid: STRING,
                username: STRING>,
            ec2roledelivery:string,
            webidfederationdata: STRUCT<
                federatedprovider: STRING,
                attributes: map<string,string>>
        >
    >,
    eventtime STRING,
    eventsource STRING,
    eventname STRING,
    awsregion STRING,
    sourceipaddress STRING,
    useragent STRING,
    errorcode STRING,
    errormessage STRING,
    requestparameters STRING,
    responseelements STRING,
    additionaleventdata STRING,
    requestid STRING,
    eventid STRING,
    readonly STRING,
    resources ARRAY<STRUCT<
        arn: STRING,
        accountid: STRING,
        type: STRING>>,
    eventtype STRING,
    apiversion STRING,
    recipientaccountid STRING,
    serviceeventdetails STRING,
    sharedeventid STRING,
    vpcendpointid STRING,
    vpcendpointaccountid STRING,
    eventcategory STRING,
    addendum STRUCT<
      reason:STRING,
      updatedfields:STRING,
      originalrequestid:STRING,
      originaleventid:STRING>,
    sessioncredentialfromconsole STRING,
    edgedevicedetails STRING,
    tlsdetails STRUCT<
      tlsversion:STRING,
      ciphersuite:STRING,
      clientprovidedhostheader:STRING>`;

// ---- validation (allow-lists; see the header comment) ------------------------------------------

// 1-63 chars: S3 wants at least 3, but the length cannot make the text unsafe and S3 itself rejects
// short names; the character rules are what matter here.
const BUCKET = /^[a-z0-9](?:[a-z0-9.-]{0,61}[a-z0-9])?$/;
const IP_ADDRESS = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const BUCKET_RESERVED_PREFIXES = ['xn--', 'sthree-'];
const BUCKET_RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];
// S3's "safe" key characters minus the single quote, which would end the LOCATION string literal.
const PREFIX = /^[A-Za-z0-9!_.*()/-]{1,512}$/;
const ACCOUNT = /^\d{12}$/;
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const REGION = /^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const DATE = /^(\d{4})\/(\d{2})\/(\d{2})$/;
const SQL_NAME = /^[a-z_][a-z0-9_]{0,127}$/;

// Athena's DDL reserved keywords: unquoted they break the statement (docs: "Reserved keywords").
const DDL_RESERVED = new Set(
  `all alter and array as authorization between bigint binary boolean both by case cashe cast char column conf
  constraint commit create cross cube current current_date current_timestamp cursor database date dayofweek
  decimal delete describe distinct div double drop else end exchange exists extended external extract false
  fetch float floor following for foreign from full function grant group grouping having if import in inner
  insert int integer intersect interval into is join lateral left less like local macro map more none not
  null numeric of on only or order out outer over partialscan partition percent preceding precision preserve
  primary procedure range reads reduce regexp references revoke right rlike rollback rollup row rows select
  set smallint start table tablesample then time timestamp to transform trigger true truncate unbounded union
  uniquejoin update user using utc_timestamp values varchar views when where window with`.split(/\s+/),
);

/** Quote a user value for an error message, short and on one line. */
function fail(option: string, value: string, expected: string): never {
  throw new UsageError(`\`--${option}\` ${show(value)} is not valid: ${expected}.`);
}

function checkBucket(value: string): void {
  const expected = 'expected the trail log bucket name (lowercase letters, digits, dots and hyphens, at most 63)';
  if (!BUCKET.test(value)) fail('bucket', value, expected);
  if (value.includes('..')) fail('bucket', value, 'bucket names cannot contain `..`');
  if (IP_ADDRESS.test(value)) fail('bucket', value, 'bucket names cannot look like an IP address');
  if (BUCKET_RESERVED_PREFIXES.some((p) => value.startsWith(p)) || BUCKET_RESERVED_SUFFIXES.some((s) => value.endsWith(s))) {
    fail('bucket', value, 'expected a general-purpose bucket name (the trail log bucket, not a directory bucket or alias)');
  }
}

function checkPrefix(value: string): void {
  const expected =
    'expected a key prefix like `logs/cloudtrail`: letters, digits and ! _ . * ( ) - /, no leading or trailing `/`';
  if (!PREFIX.test(value) || value.startsWith('/') || value.endsWith('/')) fail('prefix', value, expected);
  if (value.split('/').some((part) => part === '' || part.includes('..') || part === '.')) {
    fail('prefix', value, 'the prefix cannot contain `//`, `.` or `..` segments');
  }
}

function checkRegion(value: string): void {
  if (!REGION.test(value)) fail('regions', value, 'expected Region codes like `us-east-1,eu-west-1`');
}

function checkStart(value: string, now?: Date): void {
  const match = DATE.exec(value);
  const expected = 'expected the first log date as yyyy/MM/dd, like `2024/01/01`';
  if (!match) fail('start', value, expected);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    fail('start', value, `${expected} (that day does not exist)`);
  }
  if (now && value > formatDay(now)) fail('start', value, `the date is in the future (today is ${formatDay(now)} UTC)`);
}

function checkSqlName(option: 'database' | 'table', value: string): void {
  if (!SQL_NAME.test(value)) {
    fail(option, value, 'expected lowercase letters, digits and `_`, not starting with a digit, at most 128 characters');
  }
  if (DDL_RESERVED.has(value)) fail(option, value, 'that is an Athena reserved word; choose another name');
}

function formatDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}`;
}

/** Check every field of a spec; `now` adds the not-in-the-future check on `start`. */
export function validateAthenaTableSpec(spec: AthenaTableSpec, now?: Date): void {
  checkBucket(spec.bucket);
  if (spec.prefix !== undefined) checkPrefix(spec.prefix);
  if (!ACCOUNT.test(spec.account)) fail('account', spec.account, 'expected the 12-digit AWS account id');
  if (spec.organizationId !== undefined && !ORGANIZATION_ID.test(spec.organizationId)) {
    fail(
      'org',
      spec.organizationId,
      'expected an organization id like `o-a1b2c3d4e5` (o- then 10-32 lowercase letters or digits)',
    );
  }
  if (spec.regions.length === 0) throw new UsageError('`--regions` needs at least one Region, like `us-east-1`.');
  for (const region of spec.regions) checkRegion(region);
  checkStart(spec.start, now);
  checkSqlName('database', spec.database);
  checkSqlName('table', spec.table);
}

// ---- argument parsing ---------------------------------------------------------------------------

const VALUE_OPTIONS = ['bucket', 'prefix', 'account', 'org', 'regions', 'start', 'database', 'table'] as const;
const USAGE =
  's3x setup athena --bucket BUCKET --account 123456789012 --regions us-east-1[,eu-west-1] --start yyyy/MM/dd ' +
  '[--prefix PREFIX] [--org o-xxxxxxxxxx] [--database cloudtrail] [--table cloudtrail_logs] [--apply]';

/** Parse `s3x setup athena` options (after the subcommand words). Throws UsageError naming the bad option. */
export function parseSetupAthenaArgs(argv: readonly string[], now: Date): { spec: AthenaTableSpec; apply: boolean } {
  const { values, apply } = parseSetupOptions(argv, VALUE_OPTIONS, USAGE);
  for (const required of ['bucket', 'account', 'regions', 'start'] as const) {
    if (!values.has(required)) throw new UsageError(`\`--${required}\` is required. Usage: \`${USAGE}\``);
  }
  const regions: string[] = [];
  for (const item of (values.get('regions') as string).split(',')) {
    const region = item.trim();
    if (region === '') throw new UsageError('`--regions` has an empty item; expected a list like `us-east-1,eu-west-1`.');
    if (!regions.includes(region)) regions.push(region);
  }
  const spec: AthenaTableSpec = {
    bucket: values.get('bucket') as string,
    account: values.get('account') as string,
    regions,
    start: values.get('start') as string,
    database: values.get('database') ?? DEFAULT_DATABASE,
    table: values.get('table') ?? DEFAULT_TABLE,
  };
  const prefix = values.get('prefix');
  if (prefix !== undefined) spec.prefix = prefix;
  const org = values.get('org');
  if (org !== undefined) spec.organizationId = org;
  validateAthenaTableSpec(spec, now);
  return { spec, apply };
}

// ---- DDL ------------------------------------------------------------------------------------------

/** `s3://bucket/[prefix/]AWSLogs/[org/]account/CloudTrail/` (CloudTrail's documented key layout). */
function logsLocation(spec: AthenaTableSpec): string {
  const prefix = spec.prefix === undefined ? '' : `${spec.prefix}/`;
  const owner = spec.organizationId === undefined ? spec.account : `${spec.organizationId}/${spec.account}`;
  return `s3://${spec.bucket}/${prefix}AWSLogs/${owner}/CloudTrail/`;
}

/** The two statements to run, in order. Validates the spec again: its values go into the text verbatim. */
export function buildAthenaSetupDdl(spec: AthenaTableSpec): { createDatabase: string; createTable: string } {
  validateAthenaTableSpec(spec);
  const regions = [...new Set(spec.regions)];
  const location = logsLocation(spec);
  const name = `${spec.database}.${spec.table}`;
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's projection placeholders, not JS ones.
  const template = location + '${region}/${timestamp}';
  const createTable = [
    `CREATE EXTERNAL TABLE IF NOT EXISTS ${name} (`,
    CLOUDTRAIL_COLUMNS,
    ')',
    'PARTITIONED BY (region string, `timestamp` string)',
    "ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'",
    "STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'",
    "OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'",
    `LOCATION '${location}'`,
    'TBLPROPERTIES (',
    "  'projection.enabled'='true',",
    "  'projection.region.type'='enum',",
    `  'projection.region.values'='${regions.join(',')}',`,
    "  'projection.timestamp.type'='date',",
    "  'projection.timestamp.format'='yyyy/MM/dd',",
    "  'projection.timestamp.interval'='1',",
    "  'projection.timestamp.interval.unit'='DAYS',",
    `  'projection.timestamp.range'='${spec.start},NOW',`,
    `  'storage.location.template'='${template}'`,
    ')',
  ].join('\n');
  return { createDatabase: `CREATE DATABASE IF NOT EXISTS ${spec.database}`, createTable };
}

/** Run the statements in order; the caller supplies an Athena-backed runner. */
export async function applyAthenaSetup(
  ddl: { createDatabase: string; createTable: string },
  runStatement: (sql: string, database?: string) => Promise<void>,
): Promise<void> {
  await runStatement(ddl.createDatabase);
  // The table name is qualified with its database, so no session database is needed.
  await runStatement(ddl.createTable);
}

export function setupAthenaHelp(): string {
  return [
    `Usage: ${USAGE}`,
    '',
    'Prints the Athena DDL for a CloudTrail table over your trail log bucket, with partition projection',
    'on Region and delivery date (no MSCK REPAIR or ALTER TABLE ADD PARTITION needed).',
    '',
    '  --bucket BUCKET     the trail log bucket (a general-purpose bucket, not the directory bucket)',
    '  --prefix PREFIX     the trail key prefix before AWSLogs/, if the trail has one (no leading or trailing /)',
    '  --account ID        the 12-digit account whose logs to read',
    '  --org o-XXXXXXXXXX  organization trails only: the organization id in the log path',
    '  --regions R1,R2     Regions to cover, like us-east-1,eu-west-1',
    '  --start yyyy/MM/dd  the first day of logs, like 2024/01/01 (not in the future)',
    `  --database NAME     Glue database to create (default ${DEFAULT_DATABASE})`,
    `  --table NAME        table to create (default ${DEFAULT_TABLE})`,
    '  --apply             run the statements in Athena instead of only printing them',
    '',
    'Then point s3x at the table: ATHENA_DATABASE=<database> ATHENA_TABLE=<table> ATHENA_REGIONS=<regions>.',
    '',
  ].join('\n');
}
