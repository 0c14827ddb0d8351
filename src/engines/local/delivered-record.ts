import type { DuckDBConnection } from '@duckdb/node-api';
import { describeFile, detectLayout, type LogFile, listLogFiles, mapWithLimit, OPEN_FILES } from './log-files.js';
import { fileList, MAX_OBJECT_BYTES } from './view.js';

const FORMATS = { wrapped: 'unstructured', array: 'array', lines: 'newline_delimited' } as const;
/** CloudTrail's JSON shrinks about tenfold in gzip; the buffer is sized with room to spare. */
const GZIP_RATIO = 32;
const MIN_OBJECT_BYTES = 1024 * 1024;

/**
 * DuckDB allocates twice the largest object it may meet, so a buffer sized for the files at hand
 * (instead of the 512 MB any delivery could need) keeps a Show event from failing for memory.
 */
function objectBytesFor(files: readonly LogFile[]): number {
  const largest = Math.max(...files.map((file) => (file.path.endsWith('.gz') ? file.size * GZIP_RATIO : file.size)));
  return Math.min(MAX_OBJECT_BYTES, Math.max(MIN_OBJECT_BYTES, largest + 1));
}

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
 * file of those days holds it. A batch that fails is searched again file by file with the largest
 * buffer; a file that still cannot be read is passed over.
 */
export async function findDeliveredRecord(
  connection: DuckDBConnection,
  logsDir: string,
  eventId: string,
  days: { from: string; to: string },
): Promise<string | undefined> {
  const paths = await listLogFiles(await detectLayout(logsDir), days);
  const files = (await mapWithLimit(paths, OPEN_FILES, (file) => describeFile(file).catch(() => undefined))).filter(
    (file) => file !== undefined,
  );
  for (const format of Object.keys(FORMATS) as Array<LogFile['format']>) {
    const batch = files.filter((file) => file.format === format);
    if (batch.length === 0) continue;
    const found = await search(connection, batch, format, eventId, objectBytesFor(batch)).catch(async () => {
      for (const file of batch) {
        const one = await search(connection, [file], format, eventId, MAX_OBJECT_BYTES).catch(() => undefined);
        if (one !== undefined) return one;
      }
      return undefined;
    });
    if (found !== undefined) return found;
  }
  return undefined;
}
