import { describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../src/errors.js';
import {
  type AthenaTableSpec,
  applyAthenaSetup,
  buildAthenaSetupDdl,
  parseSetupAthenaArgs,
  setupAthenaHelp,
} from '../../src/setup/athena-table.js';
import { awsDdl, columnBlock, parseColumns } from '../helpers/athena-ddl.js';

const NOW = new Date('2026-11-24T10:30:00Z');
// biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's projection placeholders, not JS ones.
const PLACEHOLDERS = '${region}/${timestamp}';
const ACCEPTANCE = ['--bucket', 'b', '--account', '111122223333', '--regions', 'us-east-1,eu-west-1', '--start', '2024/01/01'];

function tableProperties(ddl: string): Record<string, string> {
  const block = /TBLPROPERTIES\s*\(([\s\S]*)\)\s*$/.exec(ddl.trim())?.[1];
  if (block === undefined) throw new Error('no TBLPROPERTIES');
  return Object.fromEntries([...block.matchAll(/'([^']+)'\s*=\s*'([^']*)'/g)].map((m) => [m[1], m[2]]));
}

function locationOf(ddl: string): string | undefined {
  return /LOCATION\s+'([^']*)'/.exec(ddl)?.[1];
}

function storageClauses(ddl: string): string[] {
  const pick = (re: RegExp) => re.exec(ddl)?.[1];
  return [
    pick(/ROW FORMAT SERDE\s+'([^']+)'/i),
    pick(/STORED AS INPUTFORMAT\s+'([^']+)'/i),
    pick(/OUTPUTFORMAT\s+'([^']+)'/i),
  ].map((v) => v ?? '(missing)');
}

function acceptanceDdl() {
  return buildAthenaSetupDdl(parseSetupAthenaArgs(ACCEPTANCE, NOW).spec);
}

function spec(overrides: Partial<AthenaTableSpec> = {}): AthenaTableSpec {
  return {
    bucket: 'trail-logs',
    account: '111122223333',
    regions: ['us-east-1'],
    start: '2024/01/01',
    database: 'cloudtrail',
    table: 'cloudtrail_logs',
    ...overrides,
  };
}

function usageErrorOf(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError, nothing was thrown');
}

// ---- tests -----------------------------------------------------------------------------------------

describe('the acceptance case', () => {
  it('parses with defaults and no --apply', () => {
    const { spec: parsed, apply } = parseSetupAthenaArgs(ACCEPTANCE, NOW);
    expect(apply).toBe(false);
    expect(parsed).toEqual({
      bucket: 'b',
      account: '111122223333',
      regions: ['us-east-1', 'eu-west-1'],
      start: '2024/01/01',
      database: 'cloudtrail',
      table: 'cloudtrail_logs',
    });
  });

  it('creates the database and a table whose columns are exactly the AWS-documented ones', () => {
    const ddl = acceptanceDdl();
    expect(ddl.createDatabase).toBe('CREATE DATABASE IF NOT EXISTS cloudtrail');
    expect(ddl.createTable).toMatch(/^CREATE EXTERNAL TABLE IF NOT EXISTS cloudtrail\.cloudtrail_logs \(/);
    const expected = parseColumns(columnBlock(awsDdl()));
    const actual = parseColumns(columnBlock(ddl.createTable));
    expect(expected.length).toBeGreaterThan(25); // guard against comparing two empty lists
    expect(actual).toEqual(expected);
  });

  it('uses the same SerDe, input and output formats as the AWS DDL, plus a region partition', () => {
    const { createTable } = acceptanceDdl();
    expect(storageClauses(createTable)).toEqual(storageClauses(awsDdl()));
    expect(storageClauses(createTable)).not.toContain('(missing)');
    expect(createTable).toContain('PARTITIONED BY (region string, `timestamp` string)');
  });

  it('sets exactly the partition projection properties', () => {
    expect(tableProperties(acceptanceDdl().createTable)).toEqual({
      'projection.enabled': 'true',
      'projection.region.type': 'enum',
      'projection.region.values': 'us-east-1,eu-west-1',
      'projection.timestamp.type': 'date',
      'projection.timestamp.format': 'yyyy/MM/dd',
      'projection.timestamp.interval': '1',
      'projection.timestamp.interval.unit': 'DAYS',
      'projection.timestamp.range': '2024/01/01,NOW',
      'storage.location.template': `s3://b/AWSLogs/111122223333/CloudTrail/${PLACEHOLDERS}`,
    });
  });
});

describe('the column comparison', () => {
  it('notices a changed nested field type, so equality above means something', () => {
    const aws = columnBlock(awsDdl());
    const altered = aws.replace(/identitystorearn:\s*STRING/i, 'identitystorearn: BIGINT');
    expect(altered).not.toBe(aws);
    expect(parseColumns(altered)).not.toEqual(parseColumns(aws));
    const webId = parseColumns(aws).find((c) => c.name === 'useridentity');
    expect(JSON.stringify(webId)).toContain('"name":"webidfederationdata"');
  });
});

describe('LOCATION and storage.location.template', () => {
  it.each([
    [{}, 's3://trail-logs/AWSLogs/111122223333/CloudTrail/'],
    [{ prefix: 'org/trails' }, 's3://trail-logs/org/trails/AWSLogs/111122223333/CloudTrail/'],
    [{ organizationId: 'o-a1b2c3d4e5' }, 's3://trail-logs/AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/'],
    [{ prefix: 'ct', organizationId: 'o-a1b2c3d4e5' }, 's3://trail-logs/ct/AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/'],
  ] as const)('%o -> %s', (overrides, location) => {
    const { createTable } = buildAthenaSetupDdl(spec(overrides));
    expect(locationOf(createTable)).toBe(location);
    expect(tableProperties(createTable)['storage.location.template']).toBe(location + PLACEHOLDERS);
  });

  it('reads --prefix and --org from the command line', () => {
    const { spec: parsed } = parseSetupAthenaArgs([...ACCEPTANCE, '--prefix=ct/logs', '--org', 'o-a1b2c3d4e5'], NOW);
    expect(locationOf(buildAthenaSetupDdl(parsed).createTable)).toBe(
      's3://b/ct/logs/AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/',
    );
  });
});

describe('parseSetupAthenaArgs', () => {
  it('accepts --x=v, custom names, de-duplicates regions and reads --apply', () => {
    const { spec: parsed, apply } = parseSetupAthenaArgs(
      [
        '--bucket=b',
        '--account=111122223333',
        '--regions=us-east-1, us-gov-west-1,us-east-1,us-isob-east-1',
        '--start=2026/11/24',
        '--database',
        'ct_db',
        '--table=trail_2',
        '--apply',
      ],
      NOW,
    );
    expect(apply).toBe(true);
    expect(parsed.regions).toEqual(['us-east-1', 'us-gov-west-1', 'us-isob-east-1']);
    expect(parsed.start).toBe('2026/11/24'); // today is not the future
    const ddl = buildAthenaSetupDdl(parsed);
    expect(ddl.createDatabase).toBe('CREATE DATABASE IF NOT EXISTS ct_db');
    expect(ddl.createTable).toContain('CREATE EXTERNAL TABLE IF NOT EXISTS ct_db.trail_2 (');
  });

  it.each([
    [['--bucket', 'b', '--regions', 'us-east-1', '--start', '2024/01/01'], '--account'],
    [['--account', '111122223333', '--regions', 'us-east-1', '--start', '2024/01/01'], '--bucket'],
    [['--bucket', 'b', '--account', '111122223333', '--start', '2024/01/01'], '--regions'],
    [['--bucket', 'b', '--account', '111122223333', '--regions', 'us-east-1'], '--start'],
    [[...ACCEPTANCE, '--bucket', 'c'], '--bucket'],
    [[...ACCEPTANCE, '--apply', '--apply'], '--apply'],
    [[...ACCEPTANCE, '--apply=yes'], '--apply'],
    [[...ACCEPTANCE, '--colour', 'red'], '--colour'],
    [[...ACCEPTANCE, 'extra'], 'extra'],
    [[...ACCEPTANCE, '--prefix'], '--prefix'],
    [[...ACCEPTANCE, '--prefix='], '--prefix'],
    [[...ACCEPTANCE, '--table', '--apply'], '--table'],
    [['--bucket', 'b', '--account', '111122223333', '--regions', 'us-east-1,,eu-west-1', '--start', '2024/01/01'], '--regions'],
  ])('%j fails naming %s', (argv, option) => {
    expect(usageErrorOf(() => parseSetupAthenaArgs(argv, NOW)).userMessage).toContain(option);
  });

  const invalid: Array<[option: string, value: string]> = [
    ['bucket', 'Trail-Logs'],
    ['bucket', '-logs'],
    ['bucket', 'my..logs'],
    ['bucket', '192.168.1.1'],
    ['bucket', 'logs--use1-az4--x-s3'],
    ['bucket', 'a'.repeat(64)],
    ['prefix', '/logs'],
    ['prefix', 'logs/'],
    ['prefix', 'a//b'],
    ['prefix', "it's"],
    ['prefix', 'a b'],
    ['account', '11112222333'],
    ['account', '1111222233334'],
    ['account', 'abcdefghijkl'],
    ['org', 'o-short'],
    ['org', 'O-A1B2C3D4E5'],
    ['org', 'a1b2c3d4e5'],
    ['regions', 'us-east'],
    ['regions', 'US-EAST-1'],
    ['regions', 'us-east-1,moon'],
    ['start', '2024-01-01'],
    ['start', '2024/02/30'],
    ['start', '2024/1/1'],
    ['start', '2026/11/25'],
    ['database', 'Cloudtrail'],
    ['database', '1db'],
    ['database', 'my-db'],
    ['database', 'table'],
    ['database', 'x'.repeat(129)],
    ['table', 'logs.table'],
    ['table', 'timestamp'],
  ];
  it.each(invalid)('rejects --%s %j and names the option', (option, value) => {
    const argv = [...ACCEPTANCE.filter((_, i) => ACCEPTANCE[i - 1] !== `--${option}` && ACCEPTANCE[i] !== `--${option}`)];
    const error = usageErrorOf(() => parseSetupAthenaArgs([...argv, `--${option}`, value], NOW));
    expect(error.userMessage).toContain(`--${option}`);
  });

  it('explains what was expected', () => {
    expect(
      usageErrorOf(() => parseSetupAthenaArgs([...ACCEPTANCE.slice(0, 6), '--start', '2024-01-01'], NOW)).userMessage,
    ).toMatch(/yyyy\/MM\/dd/);
    expect(usageErrorOf(() => parseSetupAthenaArgs([...ACCEPTANCE, '--org', 'x'], NOW)).userMessage).toMatch(/o-/);
  });
});

describe('hostile input', () => {
  // DDL cannot be parameterized, so nothing like these may reach the statement text, in any field.
  const HOSTILE = [
    "b'; DROP TABLE x; --",
    '../',
    '..',
    '`x`',
    'a`b',
    'cloudtrail\n',
    'a\nb',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal placeholder is the attack.
    '${timestamp}',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal placeholder is the attack.
    'x${region}',
    "'",
    '"',
    'a;b',
    'a b',
    '',
  ];
  const FIELDS: Array<[option: string, build: (value: string) => AthenaTableSpec]> = [
    ['bucket', (v) => spec({ bucket: v })],
    ['prefix', (v) => spec({ prefix: v })],
    ['account', (v) => spec({ account: v })],
    ['org', (v) => spec({ organizationId: v })],
    ['regions', (v) => spec({ regions: ['us-east-1', v] })],
    ['start', (v) => spec({ start: v })],
    ['database', (v) => spec({ database: v })],
    ['table', (v) => spec({ table: v })],
  ];
  for (const [option, build] of FIELDS) {
    it.each(HOSTILE)(`--${option} %j is rejected when building the DDL`, (value) => {
      expect(usageErrorOf(() => buildAthenaSetupDdl(build(value))).userMessage).toContain(`--${option}`);
    });
    it.each(HOSTILE.filter((v) => v !== ''))(`--${option} %j is rejected on the command line`, (value) => {
      const argv = ACCEPTANCE.filter((_, i) => ACCEPTANCE[i - 1] !== `--${option}` && ACCEPTANCE[i] !== `--${option}`);
      expect(usageErrorOf(() => parseSetupAthenaArgs([...argv, `--${option}=${value}`], NOW)).userMessage).toContain(
        `--${option}`,
      );
    });
  }
});

describe('applyAthenaSetup', () => {
  it('creates the database first, then the table', async () => {
    const ddl = acceptanceDdl();
    const run = vi.fn(async (_sql: string, _database?: string) => {});
    await applyAthenaSetup(ddl, run);
    expect(run).toHaveBeenCalledTimes(2);
    expect(run.mock.calls[0]?.[0]).toBe(ddl.createDatabase);
    expect(run.mock.calls[1]?.[0]).toBe(ddl.createTable);
  });

  it('does not create the table when the database statement fails', async () => {
    const run = vi.fn(async (sql: string) => {
      if (sql.startsWith('CREATE DATABASE')) throw new Error('AccessDenied');
    });
    await expect(applyAthenaSetup(acceptanceDdl(), run)).rejects.toThrow('AccessDenied');
    expect(run).toHaveBeenCalledTimes(1);
  });
});

describe('setupAthenaHelp', () => {
  it('lists every option', () => {
    const help = setupAthenaHelp();
    for (const option of [
      '--bucket',
      '--prefix',
      '--account',
      '--org',
      '--regions',
      '--start',
      '--database',
      '--table',
      '--apply',
    ]) {
      expect(help).toContain(option);
    }
  });
});
