import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECORD_COLUMNS } from '../../src/cloudtrail/record-schema.js';
import type { Engine } from '../../src/engines/engine.js';
import { IndexedEngine } from '../../src/engines/indexed/indexed-engine.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { sql } from '../../src/engines/sql.js';
import { tempDir } from '../helpers/archive.js';
import { awsDdl, type Column, columnBlock, type HiveType, parseColumns } from '../helpers/athena-ddl.js';
import { ACCOUNT, DAY, OPERATIONS, writeOperationsArchive } from '../helpers/operations-archive.js';

/** Every nested field name of a Hive type, as `a.b.c` paths. */
function nestedPaths(type: HiveType, prefix: string): string[] {
  if (type.kind === 'struct')
    return type.fields.flatMap((field: Column) => [
      `${prefix}.${field.name}`,
      ...nestedPaths(field.type, `${prefix}.${field.name}`),
    ]);
  if (type.kind === 'array') return nestedPaths(type.of, prefix);
  return [];
}

/** The same for a DuckDB type text (`STRUCT(a VARCHAR, b STRUCT(...))[]`), each path with its own type text. */
function duckPaths(type: string, prefix: string): Array<{ path: string; type: string }> {
  const inner = /^STRUCT\(([\s\S]*)\)(\[\])?$/.exec(type.trim())?.[1];
  if (inner === undefined) return [];
  const fields: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= inner.length; i++) {
    const c = inner[i];
    if (c === '(') depth++;
    if (c === ')') depth--;
    if ((c === ',' && depth === 0) || i === inner.length) {
      fields.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  return fields.flatMap((field) => {
    const [name = '', ...rest] = field.split(/\s+/);
    const full = `${prefix}.${name.toLowerCase()}`;
    const fieldType = rest.join(' ');
    return [{ path: full, type: fieldType }, ...duckPaths(fieldType, full)];
  });
}

describe('the record columns of the local view and the index', () => {
  const ddl = parseColumns(columnBlock(awsDdl()));

  it('are exactly the columns of the current AWS CloudTrail DDL, in its order', () => {
    expect(RECORD_COLUMNS.map(([, , athenaName]) => athenaName)).toEqual(ddl.map((column) => column.name));
  });

  it.each(ddl.filter((column) => column.type.kind !== 'primitive').map((column) => [column.name, column] as const))(
    '%s has every nested field of the DDL (or holds the JSON whole)',
    (_name, column) => {
      const local = RECORD_COLUMNS.find(([, , athenaName]) => athenaName === column.name);
      const duckType = local?.[1] ?? '';
      const have = duckPaths(duckType, column.name);
      const wantedPaths = nestedPaths(column.type, column.name);
      expect(wantedPaths.length).toBeGreaterThan(0);
      for (const wanted of wantedPaths) {
        // A field the local type keeps as JSON (webIdFederationData) holds everything under it.
        const found = have.some(
          (field) => field.path === wanted || (field.type === 'JSON' && wanted.startsWith(`${field.path}.`)),
        );
        expect(found, `${wanted} in ${duckType}`).toBe(true);
      }
    },
  );
});

describe('nested columns read alike on the file engine and the index', () => {
  let root: string;
  let engines: Engine[];
  beforeAll(async () => {
    root = await tempDir('s3x-record-schema-');
    await writeOperationsArchive(path.join(root, 'logs'));
    engines = [
      await LocalEngine.open({ logsDir: path.join(root, 'logs') }),
      await IndexedEngine.open({ logsDir: path.join(root, 'logs'), indexPath: path.join(root, 'index.duckdb') }),
    ];
  });
  afterAll(async () => {
    for (const engine of engines ?? []) await engine.close();
    await rm(root, { recursive: true, force: true });
  });

  it('addendum, resources, tlsDetails and the DDL’s newer userIdentity fields', async () => {
    for (const engine of engines) {
      const result = await engine.run({
        sql: sql`SELECT addendum.reason AS reason, addendum.originaleventid AS original,
  element_at(filter(resources, r -> r.type = 'AWS::S3Express::DirectoryBucket'), 1).arn AS bucket_arn,
  tlsdetails.clientprovidedhostheader AS host, useridentity.onbehalfof.userid AS on_behalf_of,
  useridentity.sessioncontext.ec2roledelivery AS ec2_role_delivery
FROM cloudtrail_logs WHERE "timestamp" BETWEEN ${DAY} AND ${DAY} AND eventid = ${OPERATIONS.ids.readDirect}`,
        days: { from: DAY, to: DAY },
      });
      expect(result.rows).toEqual([
        {
          reason: 'DELIVERY_DELAY',
          original: OPERATIONS.ids.readDirect,
          bucket_arn: `arn:aws:s3express:us-west-2:${ACCOUNT}:bucket/bucket-base-name--usw2-az1--x-s3`,
          host: 'bucket-base-name--usw2-az1--x-s3.s3express-usw2-az1.us-west-2.amazonaws.com',
          on_behalf_of: null,
          ec2_role_delivery: null,
        },
      ]);
    }
  });
});
