import type { DuckDBConnection } from '@duckdb/node-api';
import {
  describeFile,
  detectLayout,
  type LogFile,
  listLogFiles,
  mapWithLimit,
  OPEN_FILES,
  type ReadOptions,
} from './log-files.js';
import { fileList, maxObjectBytes } from './view.js';

const FORMATS = { wrapped: 'unstructured', array: 'array', lines: 'newline_delimited' } as const;

async function search(
  connection: DuckDBConnection,
  files: readonly LogFile[],
  format: LogFile['format'],
  eventId: string,
  objectBytes: number,
): Promise<string | undefined> {
  const read = `read_json_objects(${fileList(files)}, format = '${FORMATS[format]}', maximum_object_size = ${objectBytes})`;
  const records =
    format === 'wrapped'
      ? `SELECT unnest(json_extract(json, '$.Records[*]')) AS record FROM ${read}`
      : `SELECT json AS record FROM ${read}`;
  const rows = (
    await connection.runAndReadAll(
      `SELECT CAST(record AS VARCHAR) AS record FROM (${records}) WHERE json_extract_string(record, '$.eventID') = ? LIMIT 1`,
      [eventId],
    )
  ).getRowObjectsJS();
  const found = rows[0]?.record;
  return typeof found === 'string' ? found : undefined;
}

/**
 * One record exactly as the log file holds it (its own field names and order, no columns added),
 * found by eventID in the delivery-day folders given: what "Show event" shows. Undefined when no
 * file of those days holds it. Only files that pass describeFile's checks are read (DuckDB's buffer
 * sized to the largest of them); a batch that fails is searched again file by file, and a file that
 * still cannot be read is passed over.
 */
export async function findDeliveredRecord(
  connection: DuckDBConnection,
  logsDir: string,
  eventId: string,
  days: { from: string; to: string },
  readOptions: ReadOptions = {},
): Promise<string | undefined> {
  const paths = await listLogFiles(await detectLayout(logsDir, readOptions), days, readOptions);
  const files = (await mapWithLimit(paths, OPEN_FILES, (file) => describeFile(file, readOptions).catch(() => undefined))).filter(
    (file) => file !== undefined,
  );
  for (const format of Object.keys(FORMATS) as Array<LogFile['format']>) {
    const batch = files.filter((file) => file.format === format);
    if (batch.length === 0) continue;
    const found = await search(connection, batch, format, eventId, maxObjectBytes(batch)).catch(async () => {
      for (const file of batch) {
        const one = await search(connection, [file], format, eventId, maxObjectBytes([file])).catch(() => undefined);
        if (one !== undefined) return one;
      }
      return undefined;
    });
    if (found !== undefined) return found;
  }
  return undefined;
}
