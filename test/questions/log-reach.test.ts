import { describe, expect, it } from 'vitest';
import { buildLogReachQuery, type LogReach, missingLogs } from '../../src/questions/log-reach.js';

const TABLE = { name: 'cloudtrail_logs', partitionedByDay: true, regions: ['us-east-1'] };
const WINDOW = { since: new Date('2026-11-01T00:00:00Z'), until: new Date('2026-11-05T00:00:00Z') };

function reach(days: Array<[region: string, day: string, first: string, last: string]>): LogReach {
  return {
    window: WINDOW,
    hours: days.map(([region, day, first, last]) => ({ region, hour: `${day}T00`, first, last })),
    stats: { engine: 'local', unreadableFiles: [], bytesScanned: 0, elapsedMs: 0, warnings: [] },
  };
}

describe('the log reach query', () => {
  it('binds every value in the scan’s WHERE (Athena takes `?` nowhere else) and names events as constants', () => {
    const query = buildLogReachQuery(WINDOW, TABLE, "hot--use1-az4--x-s3' OR 1=1 --");
    const [select = '', where = ''] = query.sql.text.split(/\bWHERE\b/, 2);
    expect(select).not.toContain('?');
    expect(where.split('\n)')[0]).toContain('?');
    expect(where.split('\n)').slice(1).join()).not.toContain('?');
    expect(query.sql.params).toEqual([
      '2026/11/01',
      '2026/11/05',
      'us-east-1',
      '2026-11-01T00:00:00Z',
      '2026-11-05T00:00:00Z',
      's3express.amazonaws.com',
      "hot--use1-az4--x-s3' OR 1=1 --",
    ]);
    expect(query.sql.text).not.toContain('OR 1=1');
    expect(query.sql.text).toContain("eventname IN ('GetObject', ");
  });
});

describe('missingLogs: what the logs miss of a window', () => {
  it('is the whole window when the logs hold nothing', () => {
    expect(missingLogs(reach([]))).toEqual([
      { from: '2026-11-01T00:00:00Z', to: '2026-11-05T00:00:00Z', reason: 'the logs hold no events in the window' },
    ]);
  });

  it('names a day without events, a late start and a stop before the end, in the bucket’s Region only', () => {
    const logs = reach([
      ['us-east-1', '2026-11-01', '2026-11-01T03:00:00Z', '2026-11-01T23:55:00Z'],
      ['us-east-1', '2026-11-03', '2026-11-03T00:05:00Z', '2026-11-03T23:55:00Z'],
      ['us-east-1', '2026-11-04', '2026-11-04T00:00:00Z', '2026-11-04T20:00:00Z'],
      ['us-west-2', '2026-11-02', '2026-11-02T00:00:00Z', '2026-11-04T23:59:00Z'],
    ]);
    expect(missingLogs(logs, 'us-east-1')).toEqual([
      {
        from: '2026-11-01T00:00:00Z',
        to: '2026-11-01T03:00:00Z',
        reason: 'the logs hold no events of us-east-1 before 2026-11-01 03:00:00 UTC',
      },
      { from: '2026-11-02T00:00:00Z', to: '2026-11-03T00:00:00Z', reason: 'the logs hold no events of us-east-1 on 2026-11-02' },
      {
        from: '2026-11-04T20:00:01Z',
        to: '2026-11-05T00:00:00Z',
        reason: 'the newest event of us-east-1 in the logs for the window is from 2026-11-04 20:00:00 UTC',
      },
    ]);
    // Without a Region, any Region's events count: only the start, before every Region's first event, is missing.
    expect(missingLogs(logs)).toEqual([
      {
        from: '2026-11-01T00:00:00Z',
        to: '2026-11-01T03:00:00Z',
        reason: 'the logs hold no events before 2026-11-01 03:00:00 UTC',
      },
    ]);
  });
});
