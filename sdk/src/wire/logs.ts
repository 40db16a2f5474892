// A log line on the wire: the original's LogMessage (types/logger.go: message, selflink, container_name,
// timestamp, …), one JSON object per line as its CLI decodes them, with ours (pod, container, stream,
// time, line) beside it.
import { z } from 'zod';
import { LogEntrySchema } from '../models/answers';
import type { LogEntry } from '../client';
import { selfLink, wireSchema } from './common';
export { decodeLog } from './decode';

export const LogMessageView = wireSchema<LogEntry>()(
  LogEntrySchema.extend({
    message: z.string().describe('the line'),
    selflink: z.string().describe('the service: "<namespace>:<service>"'),
    container_id: z.string(),
    container_name: z.string(),
    timestamp: z.string().describe('RFC 3339'),
  }).strict(),
);
export type LogMessageView = z.output<typeof LogMessageView>;

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
/** Go parses only RFC 3339: a line stamped otherwise gets its time re-written there (ours stays in `time`). */
const rfc3339 = (t: string): string => (RFC3339.test(t) ? t : new Date(Date.parse(t) || 0).toISOString());

export const encodeLog = (l: LogEntry, where: { namespace: string; service: string }): LogMessageView => ({
  ...l,
  message: l.line,
  selflink: selfLink(where.namespace, where.service),
  container_id: '',
  container_name: l.container,
  timestamp: rfc3339(l.time),
});

