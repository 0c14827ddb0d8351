import { readdirSync } from 'node:fs';
import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { yieldWorkerThreadsToEventLoop } from '../../src/engines/local/background-priority.js';

describe('yieldWorkerThreadsToEventLoop', () => {
  it.runIf(process.platform === 'linux')('makes every other thread 10 nicer than the JavaScript one, under nice too', () => {
    yieldWorkerThreadsToEventLoop();
    const own = getPriority();
    const others = readdirSync('/proc/self/task')
      .map(Number)
      .filter((tid) => tid !== process.pid);
    expect(others.length).toBeGreaterThan(0);
    for (const tid of others) expect(getPriority(tid)).toBe(Math.min(19, own + 10));
    expect(getPriority(process.pid)).toBe(own);
  });
});
