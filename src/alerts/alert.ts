import type { AlertSummary } from './alert-store.js';
import type { Firing } from './evaluate.js';

/** A firing routed to a channel, ready to be claimed and posted. */
export interface Alert {
  /** `<eventID>#<rule id>` */
  key: string;
  channel: string;
  firing: Firing;
}

/** The stored record is bounded: Show event displays at most this much of it. */
const MAX_RECORD_CHARS = 30_000;

export function summarize(alert: Alert): AlertSummary & { key: string } {
  const { rule, event, subject, count } = alert.firing;
  const record = JSON.stringify(event.record);
  return {
    key: alert.key,
    ruleId: rule.id,
    ruleTitle: rule.title,
    channel: alert.channel,
    subject,
    eventId: event.eventId,
    eventName: event.eventName,
    eventTime: event.eventTime,
    ...(event.bucket ? { bucket: event.bucket } : {}),
    ...(event.key ? { objectKey: event.key } : {}),
    ...(count === undefined ? {} : { count }),
    record: record.length <= MAX_RECORD_CHARS ? record : `${record.slice(0, MAX_RECORD_CHARS)}…(cut)`,
  };
}
