/** How the sample archive writes instants. Times are whole seconds since the epoch, UTC. */
import { item } from './random.js';

export const DAY = 86_400;

const PAD2: string[] = Array.from({ length: 100 }, (_, i) => i.toString().padStart(2, '0'));
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// One-day caches: the generator formats millions of instants, nearly all on the day it formatted last.
let isoDayCache = -1;
let isoDayPrefix = '';
/** `2026-11-20T10:01:02Z` */
export function iso(t: number): string {
  const day = Math.floor(t / DAY);
  if (day !== isoDayCache) {
    isoDayCache = day;
    isoDayPrefix = new Date(day * DAY * 1000).toISOString().slice(0, 11);
  }
  const s = t - day * DAY;
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  return `${isoDayPrefix}${item(PAD2, hh)}:${item(PAD2, mm)}:${item(PAD2, s % 60)}Z`;
}

let datePartDay = Number.NaN;
let datePartValue = { y: '', m: '', d: '' };
export function datePart(t: number): { y: string; m: string; d: string } {
  const day = Math.floor(t / DAY);
  if (day !== datePartDay) {
    const text = new Date(day * DAY * 1000).toISOString();
    datePartDay = day;
    datePartValue = { y: text.slice(0, 4), m: text.slice(5, 7), d: text.slice(8, 10) };
  }
  return datePartValue;
}

/** `YYYY/MM/DD` */
export function folderDate(t: number): string {
  const { y, m, d } = datePart(t);
  return `${y}/${m}/${d}`;
}

/** The human-formatted `expiration` of the doc's CreateSession sample: `Mar 20, 2024, 11:16:09 PM`. */
export function humanTime(t: number): string {
  const date = new Date(t * 1000);
  const h24 = date.getUTCHours();
  const h12 = h24 % 12 === 0 ? 12 : h24 % 12;
  return `${item(MONTHS, date.getUTCMonth())} ${date.getUTCDate()}, ${date.getUTCFullYear()}, ${h12}:${item(PAD2, date.getUTCMinutes())}:${item(PAD2, date.getUTCSeconds())} ${h24 < 12 ? 'AM' : 'PM'}`;
}
