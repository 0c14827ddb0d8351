import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type QueryExecution,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandInput,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import type { AthenaConfig } from '../../config.js';
import type { Engine, EngineQuery, EngineResult, Row, TableLayout } from '../../engines/engine.js';
import { EngineError } from '../../errors.js';
import type { Clock } from '../../time/clock.js';
import { dayCount } from '../../time/window.js';
import { isThrottling, type RetryPolicy, withRetry } from '../aws-call.js';
import { apiErrorToEngineError, failedQueryToEngineError } from './athena-errors.js';
import type { DeliveredFreshness } from './delivered-freshness.js';

/** The table and workgroup as configured (`queryTimeoutMs`: from start to last page). */
export type AthenaEngineOptions = Omit<AthenaConfig, 'region' | 'trailLogs'> & {
  /** Refuse questions estimated to scan more (learned bytes per partition-day). */
  maxScanBytes?: number;
};

const PAGE_SIZE = 1000;
const API_RETRY: RetryPolicy = { attempts: 6, baseMs: 200, capMs: 5_000 };
const POLL_FIRST_MS = 250;
const POLL_MAX_MS = 3_000;
/** Athena bills $5 per TB scanned, at least 10 MB per query. */
const USD_PER_BYTE = 5 / 1e12;
const MIN_BILLED_BYTES = 10 * 1e6;
/** ExecutionParameters items are at most 1024 characters, quotes included. */
const MAX_PARAMETER_CHARS = 1024;
/**
 * What one partition (a delivery day, or a day in one Region when the table has the region
 * partition) is assumed to hold before any question has shown what this table scans: a busy
 * trail with data events (about a million records a day, gzip-compressed as CloudTrail delivers
 * them). Once a question has run, the bytes it scanned replace this guess.
 */
export const FIRST_QUESTION_BYTES_PER_PARTITION = 1e9;

/** Athena takes each parameter as SQL literal text: a string carries its own quotes, inner quotes doubled. */
export function toExecutionParameter(value: string): string {
  const literal = `'${value.replaceAll("'", "''")}'`;
  if (literal.length > MAX_PARAMETER_CHARS) {
    throw new EngineError(`A value is too long for an Athena query parameter (${MAX_PARAMETER_CHARS} characters with quotes).`);
  }
  return literal;
}

export function athenaCostUsd(bytes: number): number {
  return Math.max(bytes, MIN_BILLED_BYTES) * USD_PER_BYTE;
}

/**
 * Runs question SQL on Athena: StartQueryExecution with ExecutionParameters (the text never holds
 * a user value), polling with capped backoff under a deadline (StopQueryExecution on expiry),
 * paging GetQueryResults. Scales past one machine; every answer says what it scanned and cost.
 */
export class AthenaEngine implements Engine {
  readonly table: TableLayout;
  readonly reportsFreshness = false;
  /** Bytes per partition-day seen so far, to estimate a question before running it. */
  private bytesPerDay?: number;

  constructor(
    private readonly client: AthenaClient,
    private readonly options: AthenaEngineOptions,
    private readonly clock: Clock,
    /** Where "logs complete up to" comes from: the trail's bucket (S3X_TRAIL_LOGS_LOCATION). */
    delivered?: DeliveredFreshness,
  ) {
    this.table = { name: options.table, partitionedByDay: options.partitioned, regions: options.regions };
    // Read from the delivery files themselves: a query of the table would bill its partitions a second time.
    if (delivered) this.newestDelivered = (days) => delivered.newestEvent(days);
  }

  /** Set only when the trail's bucket is known (S3X_TRAIL_LOGS_LOCATION); without it, freshness is a second query. */
  readonly newestDelivered?: (days: { from: string; to: string }) => Promise<string | undefined>;

  async run(query: EngineQuery): Promise<EngineResult> {
    const started = this.clock.now();
    const days = dayCount(query.days.from, query.days.to);
    this.refuseIfTooWide(days);
    const input = this.startInput(query);
    const { id, execution } = await this.startAndWait(input, started);
    const rows = await this.readAllRows(id, started);
    const bytes = execution.Statistics?.DataScannedInBytes ?? 0;
    if (
      this.options.partitioned &&
      days > 0 &&
      bytes > 0 &&
      !execution.Statistics?.ResultReuseInformation?.ReusedPreviousResult
    ) {
      this.bytesPerDay = Math.max(this.bytesPerDay ?? 0, bytes / days);
    }
    return {
      rows,
      stats: {
        engine: 'athena',
        unreadableFiles: [],
        bytesScanned: bytes,
        costUsd: athenaCostUsd(bytes),
        reusedResult: execution.Statistics?.ResultReuseInformation?.ReusedPreviousResult ?? false,
        elapsedMs: this.clock.now() - started,
        warnings: this.options.partitioned
          ? []
          : [
              'The Athena table has no partitions (ATHENA_PARTITIONED=false), so every question scans the whole trail. Create a partitioned table with `s3x setup athena`.',
            ],
      },
    };
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** Run a statement with no parameters and no results (the DDL of `s3x setup athena`). */
  async runStatement(text: string, database?: string): Promise<void> {
    const started = this.clock.now();
    const input: StartQueryExecutionCommandInput = {
      QueryString: text,
      WorkGroup: this.options.workgroup,
      QueryExecutionContext: { Catalog: this.options.catalog, ...(database ? { Database: database } : {}) },
      ...(this.options.outputLocation ? { ResultConfiguration: { OutputLocation: this.options.outputLocation } } : {}),
    };
    await this.startAndWait(input, started);
  }

  /** Start the query and wait; a FAILED query that Athena marks retryable is started once more. */
  private async startAndWait(
    input: StartQueryExecutionCommandInput,
    started: number,
  ): Promise<{ id: string; execution: QueryExecution }> {
    for (let attempt = 1; ; attempt++) {
      const { QueryExecutionId: id } = await this.call('StartQueryExecution', () =>
        this.client.send(new StartQueryExecutionCommand(input)),
      );
      if (!id) throw new EngineError('Athena did not return a query id.');
      try {
        return { id, execution: await this.waitForCompletion(id, started) };
      } catch (error) {
        if (!(error instanceof RetryableQueryFailure) || attempt >= 2)
          throw error instanceof RetryableQueryFailure ? error.failure : error;
      }
    }
  }

  private startInput(query: EngineQuery): StartQueryExecutionCommandInput {
    return {
      QueryString: query.sql.text,
      ExecutionParameters: query.sql.params.length > 0 ? query.sql.params.map(toExecutionParameter) : undefined,
      WorkGroup: this.options.workgroup,
      QueryExecutionContext: { Catalog: this.options.catalog, Database: this.options.database },
      ...(this.options.outputLocation ? { ResultConfiguration: { OutputLocation: this.options.outputLocation } } : {}),
      ...(this.options.resultReuseMinutes > 0
        ? {
            ResultReuseConfiguration: {
              ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: this.options.resultReuseMinutes },
            },
          }
        : {}),
    };
  }

  /**
   * Refuse a question whose estimated scan passes S3X_MAX_SCAN_BYTES: from the bytes per day seen
   * so far, or, for the first question, from how many partitions it reads times an assumed size.
   */
  private refuseIfTooWide(days: number): void {
    const cap = this.options.maxScanBytes;
    if (cap === undefined || !this.options.partitioned) return;
    const learned = this.bytesPerDay !== undefined;
    const bytesPerDay = this.bytesPerDay ?? FIRST_QUESTION_BYTES_PER_PARTITION * Math.max(1, this.options.regions?.length ?? 1);
    const estimate = bytesPerDay * days;
    if (estimate <= cap) return;
    const affordableDays = Math.max(1, Math.floor(cap / bytesPerDay) - 1);
    const basis = learned
      ? ''
      : ` (no question has run on this table yet, so s3x assumes up to ${formatGb(FIRST_QUESTION_BYTES_PER_PARTITION)} per day${this.options.regions?.length ? ' and Region' : ''}; later questions are estimated from what earlier ones scanned)`;
    throw new EngineError(
      `This question could scan about ${formatGb(estimate)} of CloudTrail logs, over the ${formatGb(cap)} limit (S3X_MAX_SCAN_BYTES)${basis}. Narrow the window to about ${affordableDays} day(s) with --since/--until, or add --bucket.`,
    );
  }

  /** Poll until SUCCEEDED; QUEUED after RUNNING is normal (Athena retries internally). */
  private async waitForCompletion(id: string, started: number): Promise<QueryExecution> {
    let delay = POLL_FIRST_MS;
    for (;;) {
      const { QueryExecution: execution } = await this.call('GetQueryExecution', () =>
        this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id })),
      );
      const state = execution?.Status?.State;
      if (state === 'SUCCEEDED' && execution) return execution;
      if (state === 'FAILED' || state === 'CANCELLED') {
        const failure = failedQueryToEngineError(state, execution?.Status?.StateChangeReason, execution?.Status?.AthenaError);
        throw state === 'FAILED' && execution?.Status?.AthenaError?.Retryable ? new RetryableQueryFailure(failure) : failure;
      }
      if (this.clock.now() - started + delay > this.options.queryTimeoutMs) {
        await this.stop(id);
        throw new EngineError(
          `The Athena query did not finish within ${Math.round(this.options.queryTimeoutMs / 1000)} s, so s3x stopped it. Narrow --since/--until or add --bucket, or raise ATHENA_QUERY_TIMEOUT_SECONDS.`,
        );
      }
      await this.clock.sleep(delay);
      delay = Math.min(POLL_MAX_MS, Math.ceil(delay * 1.6));
    }
  }

  private async stop(id: string): Promise<void> {
    // Best effort: a stop that fails still leaves the user with the timeout message.
    await this.client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })).catch(() => undefined);
  }

  /** Every page; the first row of the first page repeats the column names. NULL is a datum without VarCharValue. */
  private async readAllRows(id: string, started: number): Promise<Row[]> {
    const rows: Row[] = [];
    let columns: string[] | undefined;
    let nextToken: string | undefined;
    let firstPage = true;
    do {
      if (this.clock.now() - started > this.options.queryTimeoutMs) {
        throw new EngineError('Reading the Athena results took too long. Narrow --since/--until and ask again.');
      }
      const token = nextToken;
      const page = await this.call('GetQueryResults', () =>
        this.client.send(new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: PAGE_SIZE, NextToken: token })),
      );
      columns ??= (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? '');
      const pageRows = page.ResultSet?.Rows ?? [];
      for (const [index, row] of pageRows.entries()) {
        if (firstPage && index === 0) continue;
        const out: Row = {};
        columns.forEach((name, i) => {
          out[name] = row.Data?.[i]?.VarCharValue ?? null;
        });
        rows.push(out);
      }
      firstPage = false;
      nextToken = page.NextToken;
    } while (nextToken);
    return rows;
  }

  /** One API call with throttling retries, translated to a user-safe error when it fails for good. */
  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(send, isThrottling, API_RETRY, this.clock);
    } catch (error) {
      if (error instanceof EngineError) throw error;
      throw apiErrorToEngineError(error, operation);
    }
  }
}

/** Internal: a FAILED query Athena says may succeed if run again. */
class RetryableQueryFailure extends Error {
  constructor(readonly failure: EngineError) {
    super(failure.message);
  }
}

function formatGb(bytes: number): string {
  return `${(bytes / 1e9).toFixed(1)} GB`;
}
