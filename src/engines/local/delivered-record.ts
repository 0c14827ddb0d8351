import type { DuckDBConnection } from '@duckdb/node-api';
import { describeFile, detectLayout, listLogFiles, mapWithLimit, OPEN_FILES } from './log-files.js';
import { fileList, MAX_OBJECT_BYTES } from './view.js';

const FORMATS = { wrapped: 'unstructured', array: 'array', lines: 'newline_delimited' } as const;

/**
 * One record exactly as the log file holds it (its own field names and order, no columns added),
 * found by eventID in the delivery-day folders given: what "Show event" shows. Undefined when no
 * file of those days holds it; files that cannot be read are passed over.
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
  for (const [format, readAs] of Object.entries(FORMATS) as Array<[keyof typeof FORMATS, string]>) {
    const batch = files.filter((file) => file.format === format);
    if (batch.length === 0) continue;
    const records =
      format === 'wrapped'
        ? `SELECT unnest(json_extract(json, '$.Records[*]')) AS record FROM read_json_objects(${fileList(batch)},
            format = '${readAs}', maximum_object_size = ${MAX_OBJECT_BYTES}, ignore_errors = true)`
        : `SELECT json AS record FROM read_json_objects(${fileList(batch)}, format = '${readAs}',
            maximum_object_size = ${MAX_OBJECT_BYTES}, ignore_errors = true)`;
    const rows = (
      await connection.runAndReadAll(
        `SELECT CAST(record AS VARCHAR) AS record FROM (${records}) WHERE json_extract_string(record, '$.eventID') = ? LIMIT 1`,
        [eventId],
      )
    ).getRowObjectsJS();
    const found = rows[0]?.record;
    if (typeof found === 'string') return found;
  }
  return undefined;
}
