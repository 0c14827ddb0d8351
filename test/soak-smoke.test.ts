import { describe, expect, it } from 'vitest';
import { REQUEST_KINDS, runSoak } from '../scripts/soak.js';

// The soak itself (npm run soak, 10 minutes) is not part of npm test: this runs its module for
// about five seconds at a low rate, so the harness is known to work when someone needs it.
describe('runSoak', () => {
  it('sends the whole mix and gets every request acked and answered, with memory sampled after GC', async () => {
    // Act
    const summary = await runSoak({
      minutes: 5 / 60,
      rate: 2,
      maxRequests: 10,
      archive: { days: 2, eventsPerDay: 300 },
      sampleEverySec: 1,
      drainSec: 45,
    });

    // Assess
    expect(summary.errors).toMatchObject({ total: 0, acks: {}, errorAnswers: 0, unanswered: 0, appLogLines: 0 });
    expect(summary.requests).toMatchObject({ sent: 10, acked: 10, answered: 10, errors: 0 });
    for (const kind of REQUEST_KINDS) expect(summary.requests.byKind[kind].answered, kind).toBeGreaterThan(0);
    expect(summary.ack.over3s).toBe(0);
    expect(summary.memory.afterGc).toBe(true);
    expect(summary.memory.samples.length).toBeGreaterThanOrEqual(3);
    expect(summary.memory.afterDrain?.rssMb).toBeGreaterThan(0);
  }, 120_000);
});
