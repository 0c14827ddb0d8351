import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REAL_DATASETS } from '../helpers/paths.js';

export type RawRecord = Record<string, unknown>;

function jsonLines(file: string): RawRecord[] {
  return readFileSync(path.join(REAL_DATASETS, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RawRecord);
}

function jsonArray(file: string): RawRecord[] {
  return JSON.parse(readFileSync(path.join(REAL_DATASETS, file), 'utf8')) as RawRecord[];
}

/** The four S3 Express records of the AWS documentation (CreateSession, GetObject, lifecycle DeleteObjects, denied CreateSession). */
export function s3ExpressDocRecords(): RawRecord[] {
  return jsonLines('aws-docs/s3-express-log-files.examples.repaired.jsonl');
}

export function pantherRecords(): RawRecord[] {
  return jsonLines('panther-analysis/panther-test-events-s3-cloudtrail.jsonl');
}

export function stratusRecord(technique: 'cloudtrail-delete' | 'cloudtrail-stop' | 'cloudtrail-event-selectors'): RawRecord {
  return jsonArray(`stratus-red-team/aws.defense-evasion.${technique}.json`)[0] as RawRecord;
}

/** Every record of the Invictus IR delivery files (real, us-east-1, 2023-07-10). */
export function invictusRecords(): RawRecord[] {
  const dir = path.join(REAL_DATASETS, 'invictus-ir_aws_dataset', 'CloudTrail');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .flatMap((name) => (JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as { Records: RawRecord[] }).Records);
}

/** A copy of a real record with a new eventID and time (and any other top-level fields). */
export function variant(record: RawRecord, n: number, time: Date, changes: RawRecord = {}): RawRecord {
  return {
    ...structuredClone(record),
    eventID: `${String(record.eventID)}-${n}`,
    eventTime: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...changes,
  };
}

/** The docs' GetObject, turned into a DeleteObject of its key by the same (AssumedRole) caller, with the ARN's missing colon put back. */
export function docsDelete(
  n: number,
  time: Date,
  arn = 'arn:aws:sts::111122223333:assumed-role/RoleToBeAssumed/MySessionName',
): RawRecord {
  const get = s3ExpressDocRecords()[1] as RawRecord;
  const identity = { ...(get.userIdentity as RawRecord), arn };
  return variant(get, n, time, { eventName: 'DeleteObject', readOnly: false, userIdentity: identity });
}
