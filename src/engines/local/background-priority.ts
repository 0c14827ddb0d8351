import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** How much nicer than the JavaScript thread every other thread runs: DuckDB's workers and libuv's pool. */
const BACKGROUND_NICE = 10;
/** The nicest value Linux has. */
const NICEST = 19;
const seen = new Set<number>();

/**
 * Keep Slack's acks ahead of DuckDB. A question keeps every core busy for seconds, and the ack
 * (due within 3 s) runs on the JavaScript thread: lowering the other threads' priority lets the
 * event loop run whenever it has work, while questions still use all idle CPU. Linux only (a
 * thread id is a valid target of setpriority there); elsewhere, or if refused, nothing changes.
 */
export function yieldWorkerThreadsToEventLoop(): void {
  if (process.platform !== 'linux') return;
  let threads: string[];
  try {
    threads = readdirSync('/proc/self/task');
  } catch {
    return;
  }
  // Relative to the process's own: under `nice` (as the bench runs) an absolute 10 would be no lower than the event loop.
  const nice = Math.min(NICEST, getPriority() + BACKGROUND_NICE);
  for (const name of threads) {
    const tid = Number(name);
    if (tid === process.pid || seen.has(tid)) continue;
    seen.add(tid);
    try {
      setPriority(tid, nice);
    } catch {
      // Not permitted (some sandboxes): the acks then share the CPU evenly, as before.
    }
  }
}
