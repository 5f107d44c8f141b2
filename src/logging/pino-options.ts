import type { IncomingMessage } from 'node:http';
import { trace } from '@opentelemetry/api';
import { type LoggerOptions, stdTimeFunctions } from 'pino';
import type { ObservabilityConfig } from '../config/observability.config.js';
import { currentSqsMessage } from '../sqs/index.js';
import { messageLogFields } from './message-fields.js';
import { CENSOR, REDACT_PATHS, scrubText, scrubValue } from './redaction.js';

export const SERVICE_NAME = 'nest-sqs-worker';

/** Probe and scrape paths: requested every few seconds, never worth a log line. */
export function isProbeRequest(req: Pick<IncomingMessage, 'url'>): boolean {
  const path = (req.url ?? '').split('?')[0] ?? '';
  return path === '/metrics' || path === '/health' || path.startsWith('/health/');
}

/**
 * The running message's fields, for pino's `mixin`: every line logged while a handler runs (its
 * own `Logger` lines too) carries them, read from the async context, with nothing passed around;
 * and every line logged inside a span (an OpenTelemetry SDK is registered: the handler's, the
 * transport's outcome lines) its `trace_id` and `span_id`, so a log line leads to its trace.
 * Fields the call itself gives win, so the transport's own lines are not doubled.
 */
export function messageMixin(): object {
  const message = currentSqsMessage();
  const fields = message ? messageLogFields(message) : {};
  const span = trace.getActiveSpan()?.spanContext();
  return span && trace.isSpanContextValid(span) ? { ...fields, trace_id: span.traceId, span_id: span.spanId } : fields;
}

/**
 * pino options of the service: JSON lines, ISO time, `level` as a label, and redaction at
 * the logger itself, so no call site can forget it: `redact` paths, a scrub of every logged
 * object, and a scrub of message strings (paths alone miss `"created user foo@bar.com"`).
 */
export function createPinoOptions(observability: Pick<ObservabilityConfig, 'logLevel'>): LoggerOptions {
  return {
    name: SERVICE_NAME,
    level: observability.logLevel,
    timestamp: stdTimeFunctions.isoTime,
    mixin: messageMixin,
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    formatters: {
      level: (label) => ({ level: label }),
      bindings: (bindings) => scrubValue(bindings) as Record<string, unknown>,
      log: (object) => scrubValue(object) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        // An Error first gives pino the message too, so it is scrubbed here, before pino reads it.
        const scrubbed = args.map((arg) =>
          typeof arg === 'string' ? scrubText(arg) : arg instanceof Error ? scrubValue(arg) : arg,
        );
        return method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
  };
}
