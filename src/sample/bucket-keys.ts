/**
 * The object keys random traffic believes a bucket holds: a bounded pool it reads, overwrites and
 * deletes from, so reads mostly hit keys that were written. Reserved keys are left to the story.
 */

import { randomKey } from './catalogue.js';
import type { BucketLabel } from './layout.js';
import type { Rng } from './random.js';

const MAX_KEYS = 4096;
/** Random deletes never shrink a pool below this. */
const MIN_KEYS = 50;

export class BucketKeys {
  private readonly keys: string[] = [];
  private readonly positions = new Map<string, number>();

  constructor(
    private readonly rng: Rng,
    private readonly label: BucketLabel,
    private readonly reserved: ReadonlySet<string>,
  ) {}

  /** A key the bucket does not hold yet (never a reserved one). */
  fresh(t: number): string {
    for (;;) {
      const key = randomKey(this.rng, this.label, t);
      if (!this.reserved.has(key)) return key;
    }
  }

  /** A key the bucket holds, or a fresh one when it holds none. */
  existing(t: number): string {
    if (this.keys.length === 0) return this.fresh(t);
    const key = this.keys[this.rng.int(this.keys.length)];
    if (key === undefined) throw new RangeError('key pool index out of range');
    return key;
  }

  /** Remembers a key; when the pool is full it replaces a random one. */
  add(key: string): void {
    if (this.positions.has(key)) return;
    if (this.keys.length < MAX_KEYS) {
      this.positions.set(key, this.keys.length);
      this.keys.push(key);
      return;
    }
    const i = this.rng.int(this.keys.length);
    const old = this.keys[i];
    if (old !== undefined) this.positions.delete(old);
    this.keys[i] = key;
    this.positions.set(key, i);
  }

  remove(key: string): void {
    const i = this.positions.get(key);
    if (i === undefined) return;
    this.positions.delete(key);
    const last = this.keys.pop();
    if (last !== undefined && i < this.keys.length) {
      this.keys[i] = last;
      this.positions.set(last, i);
    }
  }

  /** Forgets up to `count` random keys (a batch delete or an expiry run). */
  removeSome(count: number): void {
    for (let i = 0; i < count && this.keys.length > MIN_KEYS; i++) {
      const victim = this.keys[this.rng.int(this.keys.length)];
      if (victim !== undefined) this.remove(victim);
    }
  }
}
