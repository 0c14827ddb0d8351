/**
 * The sample archive's only source of randomness: a seeded mulberry32 generator and stable hashes,
 * so the same seed gives the same bytes. No Math.random anywhere in src/sample.
 */

export const KEY_ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** mulberry32 */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  }
  float(): number {
    return this.u32() / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
  pick<T>(items: readonly T[]): T {
    return item(items, this.int(items.length));
  }
  /** A value drawn from `[value, weight]` pairs in proportion to the weights. */
  weighted<T>(table: ReadonlyArray<readonly [T, number]>): T {
    let total = 0;
    for (const [, w] of table) total += w;
    let r = this.float() * total;
    for (const [value, w] of table) {
      r -= w;
      if (r < 0) return value;
    }
    const last = table[table.length - 1];
    if (last === undefined) throw new Error('empty weight table');
    return last[0];
  }
  chars(alphabet: string, length: number): string {
    let s = '';
    for (let i = 0; i < length; i++) s += alphabet.charAt(Math.floor(this.float() * alphabet.length));
    return s;
  }
  hex(length: number): string {
    let s = '';
    while (s.length < length) s += hex8(this.u32());
    return s.slice(0, length);
  }
  uuid(): string {
    const a = hex8(this.u32());
    const b = hex8(this.u32());
    const c = hex8(this.u32());
    const d = hex8(this.u32());
    const variant = '89ab'.charAt(this.int(4));
    return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4)}${d}`;
  }
}

const HEX_BYTE: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
function hex8(v: number): string {
  return item(HEX_BYTE, v >>> 24) + item(HEX_BYTE, (v >>> 16) & 255) + item(HEX_BYTE, (v >>> 8) & 255) + item(HEX_BYTE, v & 255);
}

/** `items[index]`, throwing instead of returning undefined (the generator never indexes out of range). */
export function item<T>(items: readonly T[], index: number): T {
  const value = items[index];
  if (value === undefined) throw new RangeError(`index ${index} out of range (${items.length})`);
  return value;
}

/** FNV-1a, for seed-independent stable identifiers. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function mix32(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

export function seedToU32(seed: number): number {
  if (!Number.isFinite(seed)) throw new RangeError('seed must be a finite number');
  const whole = Math.floor(Math.abs(seed));
  const lo = whole >>> 0;
  const hi = Math.floor(whole / 4294967296) >>> 0;
  return mix32(lo, hi ^ (seed < 0 ? 0xdeadbeef : 0));
}

/** Characters that depend only on `label`, not on the seed (ids that stay put across seeds). */
export function stableChars(label: string, alphabet: string, length: number): string {
  return new Rng(hashString(label)).chars(alphabet, length);
}
