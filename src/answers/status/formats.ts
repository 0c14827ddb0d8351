import type { BucketCoverage, CoverageSpan } from '../../cloudtrail/coverage.js';
import { csvRecords } from '../../text/csv.js';
import { jsonDocument } from '../../text/json.js';
import { BUCKET_MAX, type Markup, PLAIN_MARKUP } from '../../text/markup.js';
import { formatCount, formatNumber, formatUtc, formatUtcCell } from '../../text/numbers.js';
import { formatTable, type TextColumn } from '../../text/table.js';
import { formatInstant } from '../../time/window.js';
import { DELIVERY_NOTE, describeScanned, describeWindow, scannedJson, windowJson } from '../wording/scan-facts.js';
import { type BucketStatus, needsLogging, type StatusAnswer, type StatusTrail } from './question.js';

/** Status speaks of now: logged now, not logged now, or history incomplete (s3x cannot tell); the window's gaps are details. */
type Now = BucketCoverage['atEnd'];

export const NOW_ICONS: Record<Now, string> = {
  covered: '✅',
  'not-covered': '❌',
  unknown: '❔',
};

export const NOW_LABELS: Record<Now, string> = {
  covered: 'logged now',
  'not-covered': 'not logged now',
  unknown: 'history incomplete',
};

/** Worst first: what needs someone's attention leads. */
const NOW_ORDER: readonly Now[] = ['not-covered', 'unknown', 'covered'];

const TRAIL_MAX = 130;
const REGION_MAX = 30;
const TRAILS_LISTED = 10;
/** Trails named per bucket. */
const TRAILS_NAMED = 3;
const GAPS_LISTED = 3;
const UNREADABLE_LISTED = 3;
const REGIONS_LISTED = 6;

/** Buckets needing attention first (not logged now, history incomplete, logged now), then by name. */
export function byAttention(buckets: readonly BucketStatus[]): BucketStatus[] {
  return [...buckets].sort(
    (a, b) => NOW_ORDER.indexOf(a.coverage.atEnd) - NOW_ORDER.indexOf(b.coverage.atEnd) || a.bucket.localeCompare(b.bucket),
  );
}

/** `reads and writes`, `writes only`, ... at the end of the window. */
export function describeLogged(coverage: BucketCoverage): string {
  if (coverage.atEnd !== 'covered') return coverage.atEnd === 'unknown' ? 'logging unknown' : 'not logged';
  if (coverage.reads && coverage.writes) return 'reads and writes';
  if (coverage.reads) return 'reads only';
  if (coverage.writes) return 'writes only';
  return 'some object events';
}

/** A span in few characters: one date when both ends fall on the same day. */
function formatSpan(span: CoverageSpan): string {
  const from = formatUtcCell(span.from);
  const to = formatUtcCell(span.to);
  const sameDay = from.slice(0, 10) === to.slice(0, 10);
  return `${from}–${sameDay ? to.slice(11) : to} UTC`;
}

/** The short story of one bucket: logged now and since when, its gaps, what cannot be told. */
export function describeBucketCoverage(status: BucketStatus, markup: Markup): string[] {
  const { coverage } = status;
  const since = coverage.coveredSince === undefined ? '' : ` since ${markup.text(formatUtc(coverage.coveredSince), 40)}`;
  const trails = coverage.trails.slice(0, TRAILS_NAMED).map((trail) => markup.code(trail, TRAIL_MAX));
  const moreTrails = coverage.trails.length > TRAILS_NAMED ? ` and ${coverage.trails.length - TRAILS_NAMED} more` : '';
  const by = trails.length > 0 ? ` by ${trails.join(', ')}${moreTrails}` : '';
  // Not logged now, or history incomplete, is the row's label already.
  const lines = coverage.atEnd === 'covered' ? [`Logged now: ${describeLogged(coverage)}${since}${by}.`] : [];
  if (coverage.gaps.length > 0) {
    const listed = coverage.gaps
      .slice(0, GAPS_LISTED)
      .map((gap) => `${markup.text(formatSpan(gap), 60)}${gap.reason === '' ? '' : ` (${markup.text(gap.reason, 120)})`}`);
    const more = coverage.gaps.length > GAPS_LISTED ? ` and ${coverage.gaps.length - GAPS_LISTED} more` : '';
    lines.push(`Not logged ${listed.join(', ')}${more}.`);
  }
  if (coverage.unknown.length > 0) {
    const listed = coverage.unknown.slice(0, GAPS_LISTED).map((span) => markup.text(formatSpan(span), 60));
    const more = coverage.unknown.length > GAPS_LISTED ? ` and ${coverage.unknown.length - GAPS_LISTED} more` : '';
    lines.push(`Cannot tell for ${listed.join(', ')}${more}.`);
  }
  return lines;
}

function countByNow(answer: StatusAnswer): Record<Now, number> {
  const counts: Record<Now, number> = { covered: 0, 'not-covered': 0, unknown: 0 };
  for (const status of answer.buckets) counts[status.coverage.atEnd] += 1;
  return counts;
}

function isInstant(answer: StatusAnswer): boolean {
  return answer.window.since.getTime() === answer.window.until.getTime();
}

/** What the window is, in words. */
function describeStatusWindow(answer: StatusAnswer): string {
  if (isInstant(answer)) return `right now (${formatUtc(formatInstant(answer.window.until))})`;
  return describeWindow(answer.window);
}

const WHERE: Record<StatusAnswer['source'], string> = {
  aws: 'in AWS',
  sandbox: 'in the local sandbox account',
  logs: 'in the logs',
};

const NAMED_NOW = 3;

/** The buckets by name when they are few; past that, how many (the rows below name them). */
function nameSome(buckets: readonly BucketStatus[], markup: Markup): string {
  if (buckets.length > NAMED_NOW) return formatNumber(buckets.length);
  return buckets.map((status) => markup.code(status.bucket, BUCKET_MAX)).join(', ');
}

/**
 * The plain answer first, about now: "3 of 4 directory buckets are logged now; `tmp` is not",
 * telling apart not logged now from history incomplete (s3x cannot tell).
 */
export function describeNow(answer: StatusAnswer, markup: Markup): string {
  const total = answer.buckets.length;
  const logged = answer.buckets.filter((status) => status.coverage.atEnd === 'covered');
  const notLogged = byAttention(answer.buckets.filter((status) => status.coverage.atEnd === 'not-covered'));
  const unknown = byAttention(answer.buckets.filter((status) => status.coverage.atEnd === 'unknown'));
  const head =
    logged.length === total
      ? `${total === 1 ? 'The 1 directory bucket is' : `All ${formatNumber(total)} directory buckets are`} logged now`
      : `${formatNumber(logged.length)} of ${formatCount(total, 'directory bucket')} ${logged.length === 1 ? 'is' : 'are'} logged now`;
  const parts = [
    head,
    ...(notLogged.length > 0 ? [`${nameSome(notLogged, markup)} ${notLogged.length === 1 ? 'is' : 'are'} not`] : []),
    ...(unknown.length > 0 ? [`s3x cannot tell for ${nameSome(unknown, markup)} (history incomplete)`] : []),
  ];
  return `${parts.join('; ')}.`;
}

/** The answer: now first, then how many buckets over the window, and how many in each state. */
export function describeStatus(answer: StatusAnswer, markup: Markup, icons?: Record<Now, string>): string {
  const where = WHERE[answer.source];
  if (answer.totalBuckets === 0) return `No directory buckets ${where} (${describeStatusWindow(answer)}).`;
  const counts = countByNow(answer);
  const parts = NOW_ORDER.filter((now) => counts[now] > 0).map(
    (now) => `${icons ? `${icons[now]} ` : ''}${formatNumber(counts[now])} ${NOW_LABELS[now]}`,
  );
  const action = answer.buckets.filter((status) => needsLogging(status.coverage)).length;
  const needing = action > 0 ? `; ${formatCount(action, 'bucket')} not fully logged now` : '';
  const listed = answer.totalBuckets > answer.buckets.length ? ` (the first ${formatNumber(answer.buckets.length)} checked)` : '';
  const headline = markup.strong(`Object-level logging of ${formatCount(answer.totalBuckets, 'directory bucket')} ${where}`);
  return `${describeNow(answer, markup)}\n${headline}${listed}, ${describeStatusWindow(answer)}: ${parts.join(', ')}${needing}.`;
}

function describeTrail(trail: StatusTrail, markup: Markup): string {
  const facts = [
    ...(trail.region === undefined ? [] : [markup.text(trail.region, REGION_MAX)]),
    ...(trail.multiRegion ? ['all Regions'] : []),
    trail.isLogging === undefined
      ? 'logging unknown'
      : trail.isLogging
        ? `logging${trail.since === undefined ? '' : ` since ${markup.text(formatUtc(trail.since), 40)}`}`
        : 'not logging',
    ...(trail.latestDelivery === undefined ? [] : [`last delivery ${markup.text(formatUtc(trail.latestDelivery), 40)}`]),
    ...(trail.deliveryError === undefined ? [] : [`delivery failing: ${markup.text(trail.deliveryError, 80)}`]),
  ];
  return `${markup.code(trail.name, TRAIL_MAX)} (${facts.join(', ')})`;
}

/** The trails, a few named. */
export function describeTrails(answer: StatusAnswer, markup: Markup): string {
  if (answer.trails.length === 0) {
    return answer.source !== 'logs'
      ? 'Trails: none in this Region.'
      : 'Trails: none that the logs show existing at the end of the window.';
  }
  const listed = answer.trails.slice(0, TRAILS_LISTED).map((trail) => describeTrail(trail, markup));
  const more = answer.trails.length > TRAILS_LISTED ? ` and ${answer.trails.length - TRAILS_LISTED} more` : '';
  return `Trails: ${listed.join(', ')}${more}.`;
}

/** The footer facts: where the answer comes from, what was read, how fresh. */
export function describeStatusScan(answer: StatusAnswer, markup: Markup): string[] {
  const lines = [
    answer.source === 'logs'
      ? 'Buckets and trails as the logs show them, with each bucket’s own data events in the window. A trail set up before the logs begin is invisible to them, so without such events s3x cannot tell whether a bucket is logged.'
      : (answer.source === 'aws'
          ? 'Buckets from ListDirectoryBuckets; trails, event selectors and logging state from CloudTrail as they are now'
          : 'Buckets, trails, event selectors and logging state from the local sandbox account as it is now (no AWS)') +
        (answer.stats === undefined
          ? '; no log table was searched, so s3x cannot say since when.'
          : '; since when from the trails’ changes in the logs.'),
  ];
  const { stats } = answer;
  if (stats !== undefined) lines.push(describeScanned(stats, { mentionReuse: false }));
  lines.push(...[...answer.warnings, ...(stats?.warnings ?? [])].map((warning) => `Warning: ${markup.text(warning, 400)}`));
  const unreadable = stats?.unreadableFiles ?? [];
  if (unreadable.length > 0) {
    const listed = unreadable
      .slice(0, UNREADABLE_LISTED)
      .map((file) => markup.code(file.path.split('/').at(-1) ?? file.path, 80));
    const more = unreadable.length > UNREADABLE_LISTED ? ` and ${unreadable.length - UNREADABLE_LISTED} more` : '';
    lines.push(`Skipped ${formatCount(unreadable.length, 'unreadable file')}: ${listed.join(', ')}${more}.`);
  }
  const regions = answer.newestByRegion ?? [];
  if (regions.length > 0) {
    const listed = regions
      .slice(0, REGIONS_LISTED)
      .map((region) => `${markup.text(region.region || 'no Region', REGION_MAX)} ${markup.text(formatUtc(region.newest), 40)}`);
    const more = regions.length > REGIONS_LISTED ? ` and ${regions.length - REGIONS_LISTED} more` : '';
    lines.push(`Newest event in the logs, per Region: ${listed.join(', ')}${more}; ${DELIVERY_NOTE}`);
  } else if (stats?.newestEventTime !== undefined) {
    lines.push(`Logs complete up to ${markup.text(formatUtc(stats.newestEventTime), 40)}; ${DELIVERY_NOTE}`);
  }
  return lines;
}

function spanJson(span: CoverageSpan): { from: string; to: string } {
  return { from: span.from, to: span.to };
}

/** The answer as JSON: the documented fields only, in a fixed order, absent values as null. */
export function toJson(answer: StatusAnswer): string {
  return jsonDocument({
    question: answer.question,
    source: answer.source,
    window: windowJson(answer.window),
    totalBuckets: answer.totalBuckets,
    buckets: answer.buckets.map((status) => ({
      bucket: status.bucket,
      region: status.region,
      account: status.account ?? null,
      state: status.coverage.state,
      atEnd: status.coverage.atEnd,
      reads: status.coverage.reads,
      writes: status.coverage.writes,
      coveredSince: status.coverage.coveredSince ?? null,
      trails: status.coverage.trails,
      gaps: status.coverage.gaps.map((gap) => ({ ...spanJson(gap), reason: gap.reason })),
      unknown: status.coverage.unknown.map(spanJson),
      needsLogging: needsLogging(status.coverage),
      lastActivity: status.lastActivity ?? null,
      createdAt: status.createdAt ?? null,
      note: status.coverage.note,
    })),
    trails: answer.trails.map((trail) => ({
      name: trail.name,
      region: trail.region ?? null,
      isLogging: trail.isLogging ?? null,
      since: trail.since ?? null,
      multiRegion: trail.multiRegion ?? null,
    })),
    scanned: answer.stats === undefined ? null : scannedJson(answer.stats),
    warnings: answer.warnings,
  });
}

const CSV_COLUMNS = [
  'bucket',
  'region',
  'account',
  'state',
  'atEnd',
  'reads',
  'writes',
  'coveredSince',
  'gaps',
  'unknown',
  'trails',
  'needsLogging',
  'lastActivity',
  'createdAt',
  'note',
] as const;

function csvValues(status: BucketStatus): Record<(typeof CSV_COLUMNS)[number], string | null> {
  const { coverage } = status;
  const spans = (list: readonly CoverageSpan[]): string => list.map((span) => `${span.from}/${span.to}`).join(' ');
  return {
    bucket: status.bucket,
    region: status.region,
    account: status.account ?? null,
    state: coverage.state,
    atEnd: coverage.atEnd,
    reads: String(coverage.reads),
    writes: String(coverage.writes),
    coveredSince: coverage.coveredSince ?? null,
    gaps: spans(coverage.gaps),
    unknown: spans(coverage.unknown),
    trails: coverage.trails.join(' '),
    needsLogging: String(needsLogging(coverage)),
    lastActivity: status.lastActivity ?? null,
    createdAt: status.createdAt ?? null,
    note: coverage.note,
  };
}

/** RFC 4180 CSV (CRLF line ends), one row per bucket; spans as ISO `from/to`, space-separated. */
export function toCsv(answer: StatusAnswer): string {
  return csvRecords(CSV_COLUMNS, answer.buckets.map(csvValues));
}

const TEXT_COLUMNS: readonly TextColumn<BucketStatus>[] = [
  { title: 'STATE', max: 18, cell: (s) => NOW_LABELS[s.coverage.atEnd] },
  { title: 'BUCKET', max: 70, cell: (s) => s.bucket },
  { title: 'REGION', max: REGION_MAX, cell: (s) => s.region },
  { title: 'NOW', max: 20, cell: (s) => describeLogged(s.coverage) },
  {
    title: 'SINCE (UTC)',
    max: 22,
    cell: (s) => (s.coverage.coveredSince ? formatUtcCell(s.coverage.coveredSince) : ''),
  },
  { title: 'GAPS', max: 6, cell: (s) => (s.coverage.gaps.length > 0 ? String(s.coverage.gaps.length) : '') },
  { title: 'LAST ACTIVITY (UTC)', max: 22, cell: (s) => (s.lastActivity ? formatUtcCell(s.lastActivity) : '') },
  { title: 'ACTION', max: 16, cell: (s) => (needsLogging(s.coverage) ? 'enable logging' : '') },
];

/** A readable report for a terminal: the summary, a table, the story of each bucket not fully covered, trails, footer. */
export function toText(answer: StatusAnswer): string {
  const ordered = byAttention(answer.buckets);
  const lines = [describeStatus(answer, PLAIN_MARKUP)];
  if (ordered.length > 0) lines.push('', ...formatTable(TEXT_COLUMNS, ordered, { hideEmptyColumns: true }));
  const stories = ordered.filter((status) => status.coverage.state !== 'covered' || needsLogging(status.coverage));
  for (const status of stories)
    lines.push('', `${PLAIN_MARKUP.code(status.bucket, BUCKET_MAX)}: ${PLAIN_MARKUP.text(status.coverage.note, 2000)}`);
  if (stories.some((status) => needsLogging(status.coverage))) {
    lines.push('', 'Turn logging on with: s3x enable-logging <bucket> (or --all).');
  }
  lines.push('', describeTrails(answer, PLAIN_MARKUP), '', ...describeStatusScan(answer, PLAIN_MARKUP));
  return `${lines.join('\n')}\n`;
}
