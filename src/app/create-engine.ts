import path from 'node:path';
import type { AwsClients } from '../aws/clients.js';
import type { Config } from '../config.js';
import type { Engine, EngineQuery, EngineResult, TableLayout } from '../engines/engine.js';
import { LOCAL_TABLE_LAYOUT } from '../engines/local/view.js';
import { ConfigError } from '../errors.js';
import type { Clock } from '../time/clock.js';

/**
 * The engine the configuration asks for: DuckDB over `logsDir` (from the DuckDB file
 * S3X_LOCAL_INDEX when set, the logs ingested into it as questions need them), or Athena with the
 * given clients. Only the chosen engine's modules load: a local question never loads the AWS SDK.
 */
export async function createEngine(
  config: Config,
  source: { logsDir?: string; aws?: AwsClients },
  clock: Clock,
): Promise<Engine> {
  if (config.engine === 'local') {
    if (!source.logsDir) throw new ConfigError('The local engine needs a log directory (S3X_LOGS_DIR or --logs).');
    const reading = {
      followSymlinks: config.followSymlinks,
      maxFileBytes: config.maxLogFileBytes,
      queryTimeoutMs: config.localQueryTimeoutMs,
    };
    if (config.localIndex) {
      const { IndexedEngine } = await import('../engines/indexed/indexed-engine.js');
      return IndexedEngine.open({ logsDir: source.logsDir, indexPath: config.localIndex, ...reading });
    }
    const logsDir = source.logsDir;
    return new OpenedAtFirstQuestion(LOCAL_TABLE_LAYOUT, true, async () => {
      const [{ LocalEngine }, { CheckedFiles }] = await Promise.all([
        import('../engines/local/local-engine.js'),
        import('../engines/local/log-files.js'),
      ]);
      // A terminal question is a process of its own: files checked by an earlier one are not read again.
      const checkedFiles = await CheckedFiles.load(path.join(config.dataDir, 'checked-files.json'), reading);
      return LocalEngine.open({ logsDir, ...reading, checkedFiles });
    });
  }
  if (!source.aws) throw new ConfigError('The athena engine needs AWS clients (set AWS_REGION).');
  const [{ AthenaEngine }, { DeliveredFreshness }] = await Promise.all([
    import('../aws/athena/athena-engine.js'),
    import('../aws/athena/delivered-freshness.js'),
  ]);
  const { trailLogs, regions } = config.athena;
  const delivered = trailLogs && new DeliveredFreshness(source.aws.s3, trailLogs, regions);
  return new AthenaEngine(source.aws.athena, { ...config.athena, maxScanBytes: config.maxScanBytes }, clock, delivered);
}

/**
 * An engine opened by its first question: the app's start (and its resident memory) does not pay
 * for DuckDB's native library and instance, about 40 MB, until someone asks. Its table layout is
 * known without opening it. An open that fails is tried again by the next question.
 */
class OpenedAtFirstQuestion implements Engine {
  private opening: Promise<Engine> | undefined;

  constructor(
    readonly table: TableLayout,
    readonly reportsFreshness: boolean,
    private readonly open: () => Promise<Engine>,
  ) {}

  async run(query: EngineQuery): Promise<EngineResult> {
    return (await this.engine()).run(query);
  }

  async deliveredRecord(eventId: string, days: { from: string; to: string }): Promise<string | undefined> {
    const engine = await this.engine();
    return engine.deliveredRecord ? engine.deliveredRecord(eventId, days) : undefined;
  }

  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    await (await opening?.catch(() => undefined))?.close();
  }

  private engine(): Promise<Engine> {
    this.opening ??= this.open().catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }
}
