import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AdvancedEventSelector, EventSelector } from '@aws-sdk/client-cloudtrail';
import { describe, expect, it } from 'vitest';
import { loggedSelectorSet, selectorCoverage } from '../../src/cloudtrail/selectors.js';
import { UsageError } from '../../src/errors.js';
import {
  basicToAdvanced,
  countSelectorValues,
  planEnableLogging,
  S3X_SELECTOR_NAME,
} from '../../src/remediation/enable-logging-plan.js';
import type { AccountState, TrailState } from '../../src/remediation/types.js';
import { REAL_DATASETS } from '../helpers/paths.js';

const ACCOUNT = '111122223333';
const HOT = { name: 'hot--use1-az4--x-s3', region: 'us-east-1' };
const COLD = { name: 'cold--usw2-az1--x-s3', region: 'us-west-2' };
const HOT_PREFIX = `arn:aws:s3express:us-east-1:${ACCOUNT}:bucket/hot--use1-az4--x-s3/`;
const COLD_PREFIX = `arn:aws:s3express:us-west-2:${ACCOUNT}:bucket/cold--usw2-az1--x-s3/`;

const MANAGEMENT: AdvancedEventSelector = {
  Name: 'Management events',
  FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }],
};

function s3x(prefixes?: string[]): AdvancedEventSelector {
  return {
    Name: S3X_SELECTOR_NAME,
    FieldSelectors: [
      { Field: 'eventCategory', Equals: ['Data'] },
      { Field: 'resources.type', Equals: ['AWS::S3Express::Object'] },
      ...(prefixes === undefined ? [] : [{ Field: 'resources.ARN', StartsWith: prefixes }]),
    ],
  };
}

function trail(overrides: Partial<TrailState> = {}): TrailState {
  return {
    name: 'main',
    arn: `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/main`,
    homeRegion: 'eu-west-1',
    isMultiRegion: true,
    isLogging: true,
    s3BucketName: 'logs',
    advancedEventSelectors: [MANAGEMENT],
    ...overrides,
  };
}

function account(trails: TrailState[]): AccountState {
  return { account: ACCOUNT, region: 'us-east-1', trails, directoryBuckets: [HOT, COLD] };
}

/** PutEventSelectors requestParameters from the real datasets (Stratus, Invictus, Panther). */
function realSelectorRequests(): Array<{ source: string; parameters: unknown }> {
  const out: Array<{ source: string; parameters: unknown }> = [];
  const take = (source: string, records: unknown[]): void => {
    for (const record of records as Array<{ eventName?: string; requestParameters?: unknown }>) {
      if (record.eventName === 'PutEventSelectors') out.push({ source, parameters: record.requestParameters });
    }
  };
  const stratus = path.join(REAL_DATASETS, 'stratus-red-team', 'aws.defense-evasion.cloudtrail-event-selectors.json');
  take('stratus', JSON.parse(readFileSync(stratus, 'utf8')) as unknown[]);
  const invictus = path.join(REAL_DATASETS, 'invictus-ir_aws_dataset', 'CloudTrail');
  for (const file of readdirSync(invictus).filter((name) => name.endsWith('.json'))) {
    const text = readFileSync(path.join(invictus, file), 'utf8');
    if (text.includes('PutEventSelectors')) take(`invictus ${file}`, (JSON.parse(text) as { Records: unknown[] }).Records);
  }
  const panther = path.join(REAL_DATASETS, 'panther-analysis', 'panther-test-events-s3-cloudtrail.jsonl');
  const lines = readFileSync(panther, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"PutEventSelectors"'));
  take(
    'panther',
    lines.map((line) => JSON.parse(line)),
  );
  return out;
}

/** Whether the advanced set still logs what one basic selector chose. */
function expectRepresented(selector: EventSelector, advanced: AdvancedEventSelector[], warnings: string[]): void {
  const readOnly =
    selector.ReadWriteType === 'ReadOnly' ? ['true'] : selector.ReadWriteType === 'WriteOnly' ? ['false'] : undefined;
  const field = (candidate: AdvancedEventSelector, name: string) => candidate.FieldSelectors?.find((f) => f.Field === name);
  const management = advanced.filter((candidate) => field(candidate, 'eventCategory')?.Equals?.includes('Management'));
  if (selector.IncludeManagementEvents === false) {
    expect(management).toEqual([]);
  } else {
    expect(management.some((candidate) => field(candidate, 'readOnly')?.Equals?.[0] === readOnly?.[0])).toBe(true);
  }
  for (const resource of selector.DataResources ?? []) {
    const values = resource.Values ?? [];
    if (values.length === 0) {
      expect(warnings.some((warning) => warning.includes(resource.Type ?? '?'))).toBe(true);
      continue;
    }
    for (const value of values) {
      expect(
        advanced.some(
          (candidate) =>
            field(candidate, 'resources.type')?.Equals?.includes(resource.Type ?? '') === true &&
            field(candidate, 'readOnly')?.Equals?.[0] === readOnly?.[0] &&
            (field(candidate, 'resources.ARN')?.StartsWith?.includes(value) === true || value.split(':').length <= 3),
        ),
      ).toBe(true);
    }
  }
}

describe('planEnableLogging', () => {
  it('keeps every selector of real PutEventSelectors records and adds the S3 Express one', () => {
    const requests = realSelectorRequests();
    expect(requests.length).toBeGreaterThanOrEqual(5);
    for (const { source, parameters } of requests) {
      const set = loggedSelectorSet(parameters);
      expect(set, source).toBeDefined();
      const existing = trail({
        advancedEventSelectors: set?.advanced,
        ...(set?.basic === undefined ? {} : { eventSelectors: set.basic }),
      });
      const plan = planEnableLogging(account([existing]), { bucket: HOT.name }, {});
      const put = plan.calls.find((call) => call.api === 'cloudtrail:PutEventSelectors');
      if (put?.api !== 'cloudtrail:PutEventSelectors') throw new Error(`${source}: no PutEventSelectors`);
      const after = put.advancedEventSelectors;
      for (const selector of set?.advanced ?? []) expect(after, source).toContainEqual(selector);
      for (const selector of set?.basic ?? []) expectRepresented(selector, after, plan.warnings);
      expect(after.at(-1), source).toEqual(s3x([HOT_PREFIX]));
      const coverage = selectorCoverage({ advanced: after }, { ...HOT, account: ACCOUNT });
      expect(coverage.reads && coverage.writes).toBe(true);
      if ((set?.basic ?? []).length > 0) expect(plan.warnings.join(' ')).toContain('basic event selectors');
    }
  });

  it('converts the Stratus selector (ReadOnly, no management, empty data values) without widening it', () => {
    const dropped: string[] = [];
    const converted = basicToAdvanced(
      {
        ReadWriteType: 'ReadOnly',
        IncludeManagementEvents: false,
        DataResources: [
          { Type: 'AWS::S3::Object', Values: [] },
          { Type: 'AWS::Lambda::Function', Values: [] },
        ],
        ExcludeManagementEventSources: [],
      },
      dropped,
    );
    expect(converted).toEqual([]);
    expect(dropped).toEqual(['AWS::S3::Object', 'AWS::Lambda::Function']);
  });

  it('converts management choices, excluded sources and data values', () => {
    const converted = basicToAdvanced(
      {
        ReadWriteType: 'WriteOnly',
        IncludeManagementEvents: true,
        ExcludeManagementEventSources: ['kms.amazonaws.com'],
        DataResources: [
          { Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::reports/', 'arn:aws:s3:::audit/2024/'] },
          { Type: 'AWS::Lambda::Function', Values: ['arn:aws:lambda'] },
        ],
      },
      [],
    );
    expect(converted).toEqual([
      {
        Name: 'Management events',
        FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Management'] },
          { Field: 'readOnly', Equals: ['false'] },
          { Field: 'eventSource', NotEquals: ['kms.amazonaws.com'] },
        ],
      },
      {
        Name: 'Data events: AWS::S3::Object',
        FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Data'] },
          { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
          { Field: 'readOnly', Equals: ['false'] },
          { Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::reports/', 'arn:aws:s3:::audit/2024/'] },
        ],
      },
      {
        Name: 'Data events: AWS::Lambda::Function',
        FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Data'] },
          { Field: 'resources.type', Equals: ['AWS::Lambda::Function'] },
          { Field: 'readOnly', Equals: ['false'] },
        ],
      },
    ]);
  });

  it('plans nothing when the bucket is already covered', () => {
    const plan = planEnableLogging(account([trail({ advancedEventSelectors: [MANAGEMENT, s3x([HOT_PREFIX])] })]), {
      bucket: HOT.name,
    });
    expect(plan.calls).toEqual([]);
    expect(plan.summary).toContain('already logs');
    expect(plan.summary).toContain(S3X_SELECTOR_NAME);
  });

  it('plans nothing for --all when a selector already logs every directory bucket', () => {
    const plan = planEnableLogging(account([trail({ advancedEventSelectors: [MANAGEMENT, s3x()] })]), { all: true });
    expect(plan.calls).toEqual([]);
  });

  it('--all adds a selector with no resources.ARN field', () => {
    const plan = planEnableLogging(account([trail()]), { all: true });
    expect(plan.calls).toEqual([
      {
        api: 'cloudtrail:PutEventSelectors',
        region: 'eu-west-1',
        trailName: 'main',
        advancedEventSelectors: [MANAGEMENT, s3x()],
      },
    ]);
    expect(plan.summary).toBe('Add S3 Express data events for every directory bucket to trail main');
  });

  it('--all widens an existing per-bucket s3x selector', () => {
    const plan = planEnableLogging(account([trail({ advancedEventSelectors: [MANAGEMENT, s3x([HOT_PREFIX])] })]), { all: true });
    expect(plan.calls[0]).toMatchObject({ advancedEventSelectors: [MANAGEMENT, s3x()] });
  });

  it('a second bucket extends the existing s3x selector', () => {
    const plan = planEnableLogging(account([trail({ advancedEventSelectors: [MANAGEMENT, s3x([HOT_PREFIX])] })]), {
      bucket: COLD.name,
    });
    expect(plan.calls).toEqual([
      {
        api: 'cloudtrail:PutEventSelectors',
        region: 'eu-west-1',
        trailName: 'main',
        advancedEventSelectors: [MANAGEMENT, s3x([HOT_PREFIX, COLD_PREFIX])],
      },
    ]);
    expect(plan.diff).toContain(`+             "${COLD_PREFIX}"`);
    // The kept value only gains a comma.
    expect(plan.diff.split('\n').filter((line) => line.startsWith('-'))).toEqual([`-             "${HOT_PREFIX}"`]);
    expect(plan.diff).toContain(`+             "${HOT_PREFIX}",`);
  });

  it('a trail logging only calls through access points does not cover the bucket: its selector is kept, the object selector added', () => {
    const accessPoints: AdvancedEventSelector = {
      Name: 'access points',
      FieldSelectors: [
        { Field: 'eventCategory', Equals: ['Data'] },
        { Field: 'resources.type', Equals: ['AWS::S3Express::AccessPoint'] },
      ],
    };
    const plan = planEnableLogging(account([trail({ advancedEventSelectors: [MANAGEMENT, accessPoints] })]), {
      bucket: HOT.name,
    });
    expect(plan.summary).not.toContain('already logs');
    expect(plan.calls).toEqual([
      {
        api: 'cloudtrail:PutEventSelectors',
        region: 'eu-west-1',
        trailName: 'main',
        advancedEventSelectors: [MANAGEMENT, accessPoints, s3x([HOT_PREFIX])],
      },
    ]);
    expect(plan.warnings.join('\n')).toContain('logs calls made through access points (access points)');
  });

  it('refuses a merge over the 500-value limit and suggests --all', () => {
    const many: AdvancedEventSelector = {
      Name: 'many',
      FieldSelectors: [
        { Field: 'eventCategory', Equals: ['Data'] },
        { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
        { Field: 'resources.ARN', StartsWith: Array.from({ length: 495 }, (_, i) => `arn:aws:s3:::b${i}/`) },
      ],
    };
    const state = account([trail({ advancedEventSelectors: [MANAGEMENT, many] })]);
    expect(countSelectorValues([MANAGEMENT, many])).toBe(498);
    expect(() => planEnableLogging(state, { bucket: HOT.name })).toThrow(UsageError);
    expect(() => planEnableLogging(state, { bucket: HOT.name })).toThrow(/501 selector values.*500.*--all/);
    // --all adds two values only: 500 fits.
    expect(planEnableLogging(state, { all: true }).calls).toHaveLength(1);
  });

  it('creates a trail when there is none: bucket policy, CreateTrail, selectors, StartLogging', () => {
    const plan = planEnableLogging(account([]), { bucket: HOT.name }, { expectedEventsPerMonth: 30_000_000 });
    const trailArn = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/s3x-data-events`;
    const logBucket = `aws-cloudtrail-logs-${ACCOUNT}-s3x`;
    expect(plan.calls.map((call) => call.api)).toEqual([
      's3:PutBucketPolicy',
      'cloudtrail:CreateTrail',
      'cloudtrail:PutEventSelectors',
      'cloudtrail:StartLogging',
    ]);
    const policy = plan.calls[0]?.api === 's3:PutBucketPolicy' ? JSON.parse(plan.calls[0].policy) : undefined;
    expect(plan.calls[0]).toMatchObject({ bucket: logBucket });
    expect(policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AWSCloudTrailAclCheck20150319',
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 's3:GetBucketAcl',
          Resource: `arn:aws:s3:::${logBucket}`,
          Condition: { StringEquals: { 'aws:SourceArn': trailArn } },
        },
        {
          Sid: 'AWSCloudTrailWrite20150319',
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: `arn:aws:s3:::${logBucket}/AWSLogs/${ACCOUNT}/*`,
          Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': trailArn } },
        },
      ],
    });
    expect(plan.calls.slice(1)).toEqual([
      {
        api: 'cloudtrail:CreateTrail',
        region: 'us-east-1',
        name: 's3x-data-events',
        s3BucketName: logBucket,
        isMultiRegionTrail: true,
        enableLogFileValidation: true,
      },
      {
        api: 'cloudtrail:PutEventSelectors',
        region: 'us-east-1',
        trailName: 's3x-data-events',
        advancedEventSelectors: [MANAGEMENT, s3x([HOT_PREFIX])],
      },
      { api: 'cloudtrail:StartLogging', region: 'us-east-1', trailName: 's3x-data-events' },
    ]);
    expect(plan.estimatedMonthlyCostUsd).toBe(30);
  });

  it('uses the given trail and log bucket names for a new trail', () => {
    const plan = planEnableLogging(account([]), { all: true }, { trailName: 'audit', logBucket: 'my-logs' });
    expect(plan.calls[1]).toMatchObject({ name: 'audit', s3BucketName: 'my-logs' });
    expect(plan.calls[0]).toMatchObject({ bucket: 'my-logs' });
  });

  it('adds StartLogging for a trail that is not logging', () => {
    const plan = planEnableLogging(account([trail({ isLogging: false })]), { bucket: HOT.name });
    expect(plan.calls.map((call) => call.api)).toEqual(['cloudtrail:PutEventSelectors', 'cloudtrail:StartLogging']);
    expect(plan.calls[1]).toEqual({ api: 'cloudtrail:StartLogging', region: 'eu-west-1', trailName: 'main' });
  });

  it('only starts logging when the stopped trail already selects the bucket', () => {
    const plan = planEnableLogging(account([trail({ isLogging: false, advancedEventSelectors: [s3x([HOT_PREFIX])] })]), {
      bucket: HOT.name,
    });
    expect(plan.calls).toEqual([{ api: 'cloudtrail:StartLogging', region: 'eu-west-1', trailName: 'main' }]);
  });

  it('prefers a logging multi-region trail and calls its home region', () => {
    const single = trail({ name: 'single', isMultiRegion: false, homeRegion: 'us-east-1' });
    const multi = trail({ name: 'org', homeRegion: 'ap-southeast-2' });
    const plan = planEnableLogging(account([single, multi]), { bucket: HOT.name });
    expect(plan.calls).toEqual([
      {
        api: 'cloudtrail:PutEventSelectors',
        region: 'ap-southeast-2',
        trailName: 'org',
        advancedEventSelectors: [MANAGEMENT, s3x([HOT_PREFIX])],
      },
    ]);
  });

  it('says the cost depends on traffic when no volume is given', () => {
    const plan = planEnableLogging(account([trail()]), { bucket: HOT.name });
    expect(plan.estimatedMonthlyCostUsd).toBeUndefined();
    expect(plan.warnings.join(' ')).toContain('$0.10 per 100,000');
  });

  it('refuses an unknown bucket', () => {
    expect(() => planEnableLogging(account([trail()]), { bucket: 'nope--x-s3' })).toThrow(UsageError);
  });
});
