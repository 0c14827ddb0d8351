import type { SqlFragment } from './sql.js';

/** How the CloudTrail table is laid out, so questions can constrain every partition column. */
export interface TableLayout {
  /** The table (or local view) name. */
  name: string;
  /** `"timestamp"` (yyyy/MM/dd delivery day) is a partition column. */
  partitionedByDay: boolean;
  /** The table also has a `region` partition column; questions constrain it to these regions. */
  regions?: readonly string[];
  /**
   * Scanning the table again costs little (a local index: nothing billed per scan, row groups of
   * other buckets and days skipped), so a question may read it twice, narrowly, where a one-scan
   * form would carry many rows through its windows, and may read a CTE it materializes several
   * times. Athena bills every scan (and computes a CTE once per reference), so it never says so.
   */
  rescanIsCheap?: boolean;
  /**
   * The table is read from log files, and a query may name the files it needs first
   * (EngineQuery.neededFiles): a pass converting only the columns a question filters on, then its
   * every column from just those files. Converting a record's columns is most of a scan's cost, and
   * the rows one object's question needs are usually in a handful of the window's files.
   */
  readsNeededFilesFirst?: boolean;
  /**
   * The activity question's counts are kept per delivery day at ingest (a local index), in this
   * table: per `"timestamp"`/`day_number`, `event_day` (yyyy-MM-dd of eventTime), eventsource,
   * eventcategory, `request_bucket`, eventname, principal and error_code, the `events`, `errors`,
   * `bytes_in`, `bytes_out`, `first_event` and `last_event` of the records delivered once. The
   * records it leaves out (maybe delivered more than once) are marked `outside_rollup` in the main
   * table: they are counted from the records, de-duplicated.
   */
  activityRollup?: string;
  /**
   * A boolean column, FALSE only on a record whose eventID was delivered once (a local index marks
   * them at ingest): such records need no de-duplication.
   */
  repeatMark?: string;
}

/** One query for an engine: parameterized SQL and the delivery days it may read. */
export interface EngineQuery {
  sql: SqlFragment;
  /** Inclusive `yyyy/MM/dd` delivery-day range; the local engine reads only these folders. */
  days: { from: string; to: string };
  /**
   * Where the table reads needed files first (TableLayout.readsNeededFilesFirst): a query whose
   * `filename` column names every file holding a row that `sql` needs; `sql` then reads only those.
   */
  neededFiles?: SqlFragment;
}

export type Row = Record<string, string | null>;

export interface UnreadableFile {
  path: string;
  reason: string;
}

/** What a run read and cost: shown in every answer's footer. */
export interface ScanStats {
  engine: 'local' | 'athena' | 'lookup-events';
  /** Log files read (local engine; Athena does not say). */
  filesScanned?: number;
  unreadableFiles: UnreadableFile[];
  /** CloudTrail records in the files read (local engine). */
  eventsScanned?: number;
  bytesScanned: number;
  /** What the scan cost in dollars (Athena: $5 per TB, 10 MB minimum). */
  costUsd?: number;
  /** Athena served a cached result of the same query. */
  reusedResult?: boolean;
  /** The newest eventTime in what was read: logs are complete up to about here. */
  newestEventTime?: string;
  elapsedMs: number;
  /** Caveats the user must see (e.g. an unpartitioned table scans everything). */
  warnings: string[];
}

export interface EngineResult {
  rows: Row[];
  stats: ScanStats;
}

/** Runs question SQL. Implementations: local (DuckDB over files), athena. */
export interface Engine {
  readonly table: TableLayout;
  /** Its stats carry `newestEventTime` by themselves (the local engine reads every file's newest event). */
  readonly reportsFreshness: boolean;
  run(query: EngineQuery): Promise<EngineResult>;
  /**
   * When `reportsFreshness` is false: the newest event the newest delivery files up to `days.to`
   * hold, found without scanning the table again (Athena: in the trail's bucket); undefined when unknown.
   */
  newestDelivered?(days: { from: string; to: string }): Promise<string | undefined>;
  /**
   * One record as the log file holds it (raw JSON text), by eventID within those delivery days.
   * Engines over files have it; Athena's table holds only parsed columns, so it has not.
   */
  deliveredRecord?(eventId: string, days: { from: string; to: string }): Promise<string | undefined>;
  /** Set when a question asked now (by `asker`, when given) would be turned away: what to tell them. */
  busyMessage?(asker?: string): string | undefined;
  /** `work`, one question of `asker`'s, counted against how many one person may have at once (QuestionQueue). */
  askAs?<T>(asker: string, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
