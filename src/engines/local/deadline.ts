import type { DuckDBConnection } from '@duckdb/node-api';
import { EngineError } from '../../errors.js';

/**
 * One question's time limit over DuckDB: when it passes, every connection the question opened is
 * interrupted (DuckDB stops at its next check), so a pass that would run for hours, or a reader
 * stuck on a file, gives its slot back. Cancelled when the question ends.
 */
export class QueryDeadline {
  private readonly connections = new Set<DuckDBConnection>();
  private readonly timer: NodeJS.Timeout;
  expired = false;

  constructor(readonly ms: number) {
    this.timer = setTimeout(() => {
      this.expired = true;
      for (const connection of this.connections) connection.interrupt();
    }, ms);
    // A pending deadline never keeps the process alive.
    this.timer.unref();
  }

  /** Run `work` on `connection`, interrupted when the deadline passes. */
  async on<T>(connection: DuckDBConnection, work: () => Promise<T>): Promise<T> {
    if (this.expired) throw this.error();
    this.connections.add(connection);
    try {
      return await work();
    } catch (error) {
      throw this.expired ? this.error(error) : error;
    } finally {
      this.connections.delete(connection);
    }
  }

  error(cause?: unknown): EngineError {
    return new EngineError(
      `The question did not finish within ${Math.round(this.ms / 1000)} s, so s3x stopped it. Narrow --since/--until or add --bucket, or raise S3X_LOCAL_QUERY_TIMEOUT_SECONDS.`,
      { cause, detail: 'local query deadline passed' },
    );
  }

  cancel(): void {
    clearTimeout(this.timer);
  }
}
