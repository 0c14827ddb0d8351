import { existsSync } from 'node:fs';
import type { Config } from '../config.js';
import { ConfigError, UsageError } from '../errors.js';
import { ensureSampleLogs, sampleLogsDir } from '../sample/sample-archive.js';
import type { Clock } from '../time/clock.js';

/** The app's CloudTrail folder: S3X_LOGS_DIR, else the sample archive, generated on the first start. */
export async function appLogsDir(config: Config, clock: Clock, log: (message: string) => void): Promise<string> {
  if (config.logsDir) {
    if (!existsSync(config.logsDir)) throw new ConfigError(`S3X_LOGS_DIR: ${config.logsDir} does not exist.`);
    return config.logsDir;
  }
  const started = clock.now();
  const sample = await ensureSampleLogs(config.dataDir, new Date(started));
  if (sample.generated) log(`generated sample CloudTrail logs in ${sample.dir} (${clock.now() - started} ms)`);
  return sample.dir;
}

/**
 * A terminal command's CloudTrail folder for the local engine: `--logs`, else S3X_LOGS_DIR, else
 * the sample archive the app generated. Undefined with Athena, which reads its table instead.
 */
export function commandLogsDir(config: Config, logsOption: string | undefined): string | undefined {
  if (config.engine === 'athena') {
    if (logsOption) throw new UsageError('--logs is for the local engine; S3X_ENGINE=athena reads the Athena table.');
    return undefined;
  }
  return archiveDir(config, logsOption);
}

/** The local archive a terminal command reads (`s3x ingest` too); it must exist: only the app generates the sample. */
export function archiveDir(config: Config, logsOption: string | undefined): string {
  const logsDir = logsOption ?? config.logsDir ?? sampleLogsDir(config.dataDir);
  if (!existsSync(logsDir)) throw new UsageError(`No CloudTrail logs at ${logsDir}. Pass --logs DIR or set S3X_LOGS_DIR.`);
  return logsDir;
}
