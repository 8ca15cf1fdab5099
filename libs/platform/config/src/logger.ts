import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Human-readable output for a terminal (development); JSON lines otherwise. */
  pretty?: boolean;
  /** Where JSON lines go (default stdout); for tests. */
  destination?: pino.DestinationStream;
}

/**
 * Paths that must never reach a log line. Personal data and secrets are redacted wherever a caller
 * accidentally passes them as structured fields.
 */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'authorization',
  'req.headers.authorization',
  'headers.authorization',
  '*.idNumber',
  'idNumber',
  '*.phone',
  'phone',
];

export function createLogger(options: LoggerOptions): Logger {
  const settings: pino.LoggerOptions = {
    name: options.service,
    level: options.level ?? 'info',
    base: { service: options.service },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // A line written inside a traced request or event carries its trace (docs/observability.md).
    mixin: traceFields,
    ...(options.pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } } }
      : {}),
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** `trace_id` and `span_id` of the active span (nothing when tracing is off or nothing is traced). */
function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const ctx = span.spanContext();
  return isSpanContextValid(ctx) ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
}
