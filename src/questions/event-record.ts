import type { Engine, EngineQuery, Row, TableLayout } from '../engines/engine.js';
import { sql, sqlIdentifier } from '../engines/sql.js';
import { partitionRange, type TimeWindow } from '../time/window.js';
import { partitionPredicate } from './sql-pieces.js';

/** The full record of one event (for "Show event"), looked up by eventID inside the answer's window. */
export function buildEventRecordQuery(eventId: string, window: TimeWindow, table: TableLayout): EngineQuery {
  const days = partitionRange(window);
  return {
    sql: sql`SELECT eventversion, useridentity, eventtime, eventsource, eventname, awsregion, sourceipaddress,
  useragent, errorcode, errormessage, requestparameters, responseelements, additionaleventdata, requestid, eventid,
  readonly, resources, eventtype, apiversion, recipientaccountid, serviceeventdetails, sharedeventid, vpcendpointid,
  vpcendpointaccountid, eventcategory, addendum, sessioncredentialfromconsole, edgedevicedetails, tlsdetails
FROM ${sqlIdentifier(table.name)}
WHERE ${partitionPredicate(table, days)} AND eventid = ${eventId}
LIMIT 1`,
    days,
  };
}

/**
 * What Show event shows. `delivered`: the record as the log file holds it (engines over files).
 * `table-row`: Athena's parsed columns, which is all its table keeps of the record.
 */
export type EventRecord = { as: 'delivered'; json: string } | { as: 'table-row'; row: Row };

export async function fetchEventRecord(eventId: string, window: TimeWindow, engine: Engine): Promise<EventRecord | undefined> {
  if (engine.deliveredRecord) {
    const json = await engine.deliveredRecord(eventId, partitionRange(window));
    return json === undefined ? undefined : { as: 'delivered', json };
  }
  const result = await engine.run(buildEventRecordQuery(eventId, window, engine.table));
  const row = result.rows[0];
  return row === undefined ? undefined : { as: 'table-row', row };
}
