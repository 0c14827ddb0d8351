import { describe, expect, it, vi } from 'vitest';
import { SqliteDigestLease } from '../../src/digest/digest-lease.js';
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
    expect(await lease.isClaimed('2026-11-23')).toBe(true);
  });
});
