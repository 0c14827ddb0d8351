import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Nice value for every thread but the JavaScript one: DuckDB's workers and libuv's pool. */
const BACKGROUND_NICE = 10;
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
  for (const name of threads) {
    const tid = Number(name);
    if (tid === process.pid || seen.has(tid)) continue;
    seen.add(tid);
    try {
      setPriority(tid, BACKGROUND_NICE);
    } catch {
      // Not permitted (some sandboxes): the acks then share the CPU evenly, as before.
    }
  }
}
