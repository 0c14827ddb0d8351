import type { AdvancedEventSelector, AdvancedFieldSelector } from '@aws-sdk/client-cloudtrail';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TRAIL_SELECTORS,
  directoryBucketArnPrefix,
  type EventSelectorSet,
  loggedSelectorSet,
  S3EXPRESS_OBJECT_READS,
  S3EXPRESS_OBJECT_WRITES,
  selectorCoverage,
} from '../../src/cloudtrail/selectors.js';

const BUCKET = { name: 'hot--use1-az4--x-s3', region: 'us-east-1', account: '111122223333' };
const PREFIX = 'arn:aws:s3express:us-east-1:111122223333:bucket/hot--use1-az4--x-s3/';
const OTHER = 'arn:aws:s3express:us-east-1:111122223333:bucket/cold--use1-az4--x-s3/';

const DATA: AdvancedFieldSelector = { Field: 'eventCategory', Equals: ['Data'] };
const EXPRESS: AdvancedFieldSelector = { Field: 'resources.type', Equals: ['AWS::S3Express::Object'] };

function express(name: string, ...extra: AdvancedFieldSelector[]): AdvancedEventSelector {
  return { Name: name, FieldSelectors: [DATA, EXPRESS, ...extra] };
}

const ALL = [...S3EXPRESS_OBJECT_READS, 'CreateSession', ...S3EXPRESS_OBJECT_WRITES];

interface Case {
  name: string;
  selectors: EventSelectorSet;
  reads: boolean;
  writes: boolean;
  selectorName?: string;
  /** Default: every event when reads and writes, none when neither. */
  logged?: readonly string[];
  narrowed?: boolean;
  accessPointSelectors?: string[];
}

const CASES: Case[] = [
  { name: 'no selectors at all', selectors: {}, reads: false, writes: false },
  { name: 'a new trail (management events only)', selectors: DEFAULT_TRAIL_SELECTORS, reads: false, writes: false },
  {
    name: 'basic selectors, even for every S3 object (directory buckets need advanced ones)',
    selectors: {
      basic: [
        {
          ReadWriteType: 'All',
          IncludeManagementEvents: true,
          DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] }],
        },
      ],
    },
    reads: false,
    writes: false,
  },
  {
    name: 'management events only (advanced)',
    selectors: { advanced: [{ Name: 'mgmt', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }] },
    reads: false,
    writes: false,
  },
  {
    name: 'general-purpose S3 objects only',
    selectors: { advanced: [{ FieldSelectors: [DATA, { Field: 'resources.type', Equals: ['AWS::S3::Object'] }] }] },
    reads: false,
    writes: false,
  },
  {
    name: 'no eventCategory field (CloudTrail requires it)',
    selectors: { advanced: [{ FieldSelectors: [EXPRESS] }] },
    reads: false,
    writes: false,
  },
  {
    name: 'every directory bucket (no resources.ARN)',
    selectors: { advanced: [express('all express')] },
    reads: true,
    writes: true,
    selectorName: 'all express',
  },
  {
    name: 'resources.ARN StartsWith the bucket prefix',
    selectors: { advanced: [express('this one', { Field: 'resources.ARN', StartsWith: [OTHER, PREFIX] })] },
    reads: true,
    writes: true,
    selectorName: 'this one',
  },
  {
    name: 'resources.ARN StartsWith every bucket of the account',
    selectors: {
      advanced: [
        express('account', { Field: 'resources.ARN', StartsWith: ['arn:aws:s3express:us-east-1:111122223333:bucket/'] }),
      ],
    },
    reads: true,
    writes: true,
    selectorName: 'account',
  },
  {
    name: 'resources.ARN StartsWith another bucket',
    selectors: { advanced: [express('other', { Field: 'resources.ARN', StartsWith: [OTHER] })] },
    reads: false,
    writes: false,
  },
  {
    name: 'resources.ARN StartsWith the same bucket in another Region',
    selectors: {
      advanced: [express('west', { Field: 'resources.ARN', StartsWith: [PREFIX.replace('us-east-1', 'us-west-2')] })],
    },
    reads: false,
    writes: false,
  },
  {
    name: 'resources.ARN StartsWith a key prefix inside the bucket (some keys only)',
    selectors: { advanced: [express('logs', { Field: 'resources.ARN', StartsWith: [`${PREFIX}logs/`] })] },
    reads: false,
    writes: false,
    narrowed: true,
  },
  {
    name: 'resources.ARN Equals the bucket prefix (the records’ ARNPrefix)',
    selectors: { advanced: [express('equals', { Field: 'resources.ARN', Equals: [PREFIX] })] },
    reads: true,
    writes: true,
    selectorName: 'equals',
  },
  {
    name: 'resources.ARN Equals one object',
    selectors: { advanced: [express('one', { Field: 'resources.ARN', Equals: [`${PREFIX}a.txt`] })] },
    reads: false,
    writes: false,
    narrowed: true,
  },
  {
    name: 'resources.ARN NotStartsWith the bucket',
    selectors: { advanced: [express('not it', { Field: 'resources.ARN', NotStartsWith: [PREFIX] })] },
    reads: false,
    writes: false,
  },
  {
    name: 'resources.ARN NotEquals the bucket prefix',
    selectors: { advanced: [express('not it', { Field: 'resources.ARN', NotEquals: [PREFIX] })] },
    reads: false,
    writes: false,
  },
  {
    name: 'resources.ARN NotStartsWith another bucket',
    selectors: { advanced: [express('all but cold', { Field: 'resources.ARN', NotStartsWith: [OTHER] })] },
    reads: true,
    writes: true,
    selectorName: 'all but cold',
  },
  {
    name: 'resources.ARN NotStartsWith a key prefix inside the bucket (all but some keys)',
    selectors: { advanced: [express('no tmp', { Field: 'resources.ARN', NotStartsWith: [`${PREFIX}tmp/`] })] },
    reads: false,
    writes: false,
    narrowed: true,
  },
  {
    name: 'readOnly true: reads only',
    selectors: { advanced: [express('reads', { Field: 'readOnly', Equals: ['true'] })] },
    reads: true,
    writes: false,
    selectorName: 'reads',
    logged: [...S3EXPRESS_OBJECT_READS, 'CreateSession'],
  },
  {
    name: 'readOnly false: writes only',
    selectors: { advanced: [express('writes', { Field: 'readOnly', Equals: ['false'] })] },
    reads: false,
    writes: true,
    selectorName: 'writes',
    logged: S3EXPRESS_OBJECT_WRITES,
  },
  {
    name: 'eventName NotEquals CreateSession (the usual cost cut) still logs reads and writes',
    selectors: { advanced: [express('no sessions', { Field: 'eventName', NotEquals: ['CreateSession'] })] },
    reads: true,
    writes: true,
    selectorName: 'no sessions',
    logged: [...S3EXPRESS_OBJECT_READS, ...S3EXPRESS_OBJECT_WRITES],
  },
  {
    name: 'eventName Equals PutObject only',
    selectors: { advanced: [express('puts', { Field: 'eventName', Equals: ['PutObject'] })] },
    reads: false,
    writes: false,
    selectorName: 'puts',
    logged: ['PutObject'],
  },
  {
    name: 'eventName StartsWith Delete',
    selectors: { advanced: [express('deletes', { Field: 'eventName', StartsWith: ['Delete'] })] },
    reads: false,
    writes: false,
    selectorName: 'deletes',
    logged: ['DeleteObject', 'DeleteObjects'],
  },
  {
    name: 'eventSource Equals s3express.amazonaws.com',
    selectors: { advanced: [express('source', { Field: 'eventSource', Equals: ['s3express.amazonaws.com'] })] },
    reads: true,
    writes: true,
    selectorName: 'source',
  },
  {
    name: 'eventSource Equals s3.amazonaws.com',
    selectors: { advanced: [express('wrong source', { Field: 'eventSource', Equals: ['s3.amazonaws.com'] })] },
    reads: false,
    writes: false,
  },
  {
    name: 'userIdentity.arn narrows to some callers',
    selectors: {
      advanced: [express('etl', { Field: 'userIdentity.arn', StartsWith: ['arn:aws:sts::111122223333:assumed-role/Etl/'] })],
    },
    reads: false,
    writes: false,
    narrowed: true,
  },
  {
    name: 'reads from one selector, writes from another: the first is named',
    selectors: {
      advanced: [
        { Name: 'mgmt', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
        express('reads everywhere', { Field: 'readOnly', Equals: ['true'] }),
        express('writes here', { Field: 'readOnly', Equals: ['false'] }, { Field: 'resources.ARN', StartsWith: [PREFIX] }),
      ],
    },
    reads: true,
    writes: true,
    selectorName: 'reads everywhere',
  },
  {
    name: 'a selector on access points (the CloudTrail type): calls through an access point only, never the bucket’s coverage',
    selectors: {
      advanced: [
        { Name: 'access points', FieldSelectors: [DATA, { Field: 'resources.type', Equals: ['AWS::S3Express::AccessPoint'] }] },
      ],
    },
    reads: false,
    writes: false,
    narrowed: true,
    accessPointSelectors: ['access points'],
  },
  {
    name: 'a selector on one access point, with the other (UNCONFIRMED) type label',
    selectors: {
      advanced: [
        {
          FieldSelectors: [
            DATA,
            { Field: 'resources.type', Equals: ['AWS::S3::AccessPoint'] },
            {
              Field: 'resources.ARN',
              StartsWith: ['arn:aws:s3express:us-east-1:111122223333:accesspoint/hot-ap--use1-az4--xa-s3'],
            },
          ],
        },
      ],
    },
    reads: false,
    writes: false,
    narrowed: true,
    accessPointSelectors: ['(unnamed)'],
  },
  {
    name: 'a general-purpose access point selector says nothing about a directory bucket',
    selectors: {
      advanced: [
        {
          Name: 'gp access point',
          FieldSelectors: [
            DATA,
            { Field: 'resources.type', Equals: ['AWS::S3::AccessPoint'] },
            { Field: 'resources.ARN', StartsWith: ['arn:aws:s3:us-east-1:111122223333:accesspoint/reports'] },
          ],
        },
      ],
    },
    reads: false,
    writes: false,
  },
  {
    name: 'an access point selector beside the object selector: covered by the object selector',
    selectors: {
      advanced: [
        { Name: 'access points', FieldSelectors: [DATA, { Field: 'resources.type', Equals: ['AWS::S3Express::AccessPoint'] }] },
        express('objects'),
      ],
    },
    reads: true,
    writes: true,
    selectorName: 'objects',
    accessPointSelectors: ['access points'],
  },
];

describe('selectorCoverage', () => {
  it.each(CASES)('$name', (c) => {
    const coverage = selectorCoverage(c.selectors, BUCKET);
    const logged = c.logged ?? (c.reads && c.writes ? ALL : []);
    expect(coverage).toEqual({
      reads: c.reads,
      writes: c.writes,
      ...(c.selectorName === undefined ? {} : { selectorName: c.selectorName }),
      loggedEvents: [...logged].sort((a, b) => ALL.indexOf(a) - ALL.indexOf(b)),
      narrowed: c.narrowed ?? false,
      accessPointSelectors: c.accessPointSelectors ?? [],
    });
  });

  it('builds the ARN prefix in the bucket’s partition', () => {
    expect(directoryBucketArnPrefix(BUCKET)).toBe(PREFIX);
    expect(directoryBucketArnPrefix({ name: 'b--cnn1-az1--x-s3', region: 'cn-north-1', account: '123456789012' })).toBe(
      'arn:aws-cn:s3express:cn-north-1:123456789012:bucket/b--cnn1-az1--x-s3/',
    );
  });
});

describe('loggedSelectorSet', () => {
  it('reads advanced selectors as CloudTrail logs them (camelCase) into the SDK shape', () => {
    const parameters = {
      trailName: 's3x-data-events',
      advancedEventSelectors: [
        { name: 'Management events', fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }] },
        {
          name: 'S3 Express object activity',
          fieldSelectors: [
            { field: 'eventCategory', equals: ['Data'] },
            { field: 'resources.type', equals: ['AWS::S3Express::Object'] },
            { field: 'resources.ARN', startsWith: [PREFIX], notEndsWith: ['.tmp'] },
          ],
        },
      ],
    };
    const set = loggedSelectorSet(parameters);
    expect(set).toEqual({
      advanced: [
        { Name: 'Management events', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
        {
          Name: 'S3 Express object activity',
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Data'] },
            { Field: 'resources.type', Equals: ['AWS::S3Express::Object'] },
            { Field: 'resources.ARN', StartsWith: [PREFIX], NotEndsWith: ['.tmp'] },
          ],
        },
      ],
    });
    expect(selectorCoverage(set ?? {}, BUCKET)).toMatchObject({ reads: false, writes: false, narrowed: true });
  });

  it('reads the basic selectors Stratus Red Team writes to switch data events off', () => {
    const set = loggedSelectorSet({
      eventSelectors: [
        {
          readWriteType: 'ReadOnly',
          includeManagementEvents: false,
          dataResources: [
            { type: 'AWS::S3::Object', values: [] },
            { type: 'AWS::Lambda::Function', values: [] },
          ],
          excludeManagementEventSources: [],
        },
      ],
      trailName: 'stratus-red-team-ctes-trail-khlvciwdor',
    });
    expect(set).toEqual({
      basic: [
        {
          ReadWriteType: 'ReadOnly',
          IncludeManagementEvents: false,
          DataResources: [
            { Type: 'AWS::S3::Object', Values: [] },
            { Type: 'AWS::Lambda::Function', Values: [] },
          ],
        },
      ],
    });
    expect(selectorCoverage(set ?? {}, BUCKET)).toMatchObject({ reads: false, writes: false, loggedEvents: [] });
  });

  it('gives undefined when the record holds no readable selector set', () => {
    expect(loggedSelectorSet(null)).toBeUndefined();
    expect(loggedSelectorSet({ trailName: 't' })).toBeUndefined();
    expect(loggedSelectorSet({ advancedEventSelectors: [{ name: 'no fields' }] })).toBeUndefined();
    expect(loggedSelectorSet({ eventSelectors: ['x'] })).toBeUndefined();
  });
});
