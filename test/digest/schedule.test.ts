import { describe, expect, it, vi } from 'vitest';
import { DIGEST_CLAIM_TTL_MS, SqliteDigestLease } from '../../src/digest/digest-lease.js';
import { dayIn, digestDayFor, startDigestSchedule } from '../../src/digest/schedule.js';
import { openDatabase } from '../../src/store/database.js';
import { tempDir } from '../helpers/archive.js';

const NOW = new Date('2026-11-24T10:00:00Z');

describe('digest schedule', () => {
  it('reports on the day before the run, in the digest time zone', () => {
    expect(digestDayFor(NOW, 'UTC')).toBe('2026-11-23');
    // 02:00 UTC on the 24th is still the 23rd in New York: the digest is for the 22nd.
    expect(digestDayFor(new Date('2026-11-24T02:00:00Z'), 'America/New_York')).toBe('2026-11-22');
    expect(dayIn(new Date('2026-11-24T02:00:00Z'), 'Asia/Tokyo')).toBe('2026-11-24');
  });

  it('two app instances sharing one store post one digest, and the missed one only once', async () => {
    const file = `${await tempDir()}/state.sqlite`;
    const post = vi.fn(async () => undefined);
    const schedules = [0, 1].map(() =>
      startDigestSchedule({
        cron: '0 9 * * *',
        timeZone: 'UTC',
        lease: new SqliteDigestLease(openDatabase(file), () => NOW),
        post,
        now: () => NOW,
        log: () => {},
      }),
    );
    await Promise.all(schedules.map((s) => s.runMissed()));
    await Promise.all(schedules.map((s) => s.runMissed()));
    for (const s of schedules) s.stop();
    expect(post).toHaveBeenCalledTimes(1);
    expect(post).toHaveBeenCalledWith('2026-11-23');
  });

  it('logs a failed run, keeps going, and lets a later run retry the day', async () => {
    const lease = new SqliteDigestLease(openDatabase(':memory:'), () => NOW);
    const log = vi.fn();
    const post = vi
      .fn<(day: string) => Promise<void>>()
      .mockRejectedValueOnce(new Error('slack down'))
      .mockResolvedValue(undefined);
    const schedule = startDigestSchedule({ cron: '0 9 * * *', timeZone: 'UTC', lease, post, now: () => NOW, log });
    await schedule.runMissed();
    expect(log).toHaveBeenCalledWith(expect.stringContaining('failed: slack down'));
    await schedule.runMissed();
    schedule.stop();
    expect(post).toHaveBeenCalledTimes(2);
    // Posted: no claim left to expire, and the day is never claimed again.
    expect(await lease.claimExpiresAt('2026-11-23')).toBeUndefined();
    expect(await lease.claim('2026-11-23', 'someone-else')).toBe(false);
  });
});

describe('a digest run killed mid-post (kill -9)', () => {
  const DAY = '2026-11-23';
  const CLAIMED = new Date('2026-11-24T09:00:00Z');
  const at = (minutes: number) => new Date(CLAIMED.getTime() + minutes * 60_000);

  it('SqliteDigestLease: an unposted claim can be taken over once older than the TTL, a posted one never', async () => {
    let now = CLAIMED;
    const lease = new SqliteDigestLease(openDatabase(':memory:'), () => now);
    expect(DIGEST_CLAIM_TTL_MS).toBe(30 * 60_000);
    expect(await lease.claim(DAY, 'dead')).toBe(true);
    now = at(29);
    expect(await lease.claim(DAY, 'restarted')).toBe(false);
    expect(await lease.claimExpiresAt(DAY)).toEqual(at(30));
    now = at(30);
    expect(await lease.claimExpiresAt(DAY)).toBeUndefined();
    expect(await lease.claim(DAY, 'restarted')).toBe(true);
    // The dead owner's late release cannot give away the new owner's claim.
    await lease.release(DAY, 'dead');
    expect(await lease.claim(DAY, 'third')).toBe(false);
    await lease.markPosted(DAY);
    now = at(24 * 60);
    expect(await lease.claim(DAY, 'third')).toBe(false);
  });

  it('after a restart, the day left claimed is posted once its claim expires, then never again', async () => {
    const file = `${await tempDir()}/state.sqlite`;
    let now = CLAIMED;
    // The killed process: it claimed the day and died before posting it or marking it posted.
    expect(await new SqliteDigestLease(openDatabase(file), () => now).claim(DAY, 'killed')).toBe(true);
    now = at(2);
    const retries: Array<{ delayMs: number; work: () => Promise<void> }> = [];
    const post = vi.fn(async () => undefined);
    const schedule = startDigestSchedule({
      cron: '0 9 * * *',
      timeZone: 'UTC',
      lease: new SqliteDigestLease(openDatabase(file), () => now),
      post,
      now: () => now,
      log: () => {},
      later: (delayMs, work) => {
        retries.push({ delayMs, work });
        return () => {};
      },
    });
    await schedule.runMissed();
    expect(post).not.toHaveBeenCalled();
    expect(retries.map((r) => r.delayMs)).toEqual([28 * 60_000]);
    now = at(30);
    await retries[0]?.work();
    expect(post).toHaveBeenCalledTimes(1);
    expect(post).toHaveBeenCalledWith(DAY);
    await schedule.runMissed();
    schedule.stop();
    expect(post).toHaveBeenCalledTimes(1);
    expect(retries).toHaveLength(1);
  });
});
