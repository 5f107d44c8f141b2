import type { Message } from '@aws-sdk/client-sqs';
import { xrayToTraceparent } from './xray-trace-header.js';

/** Where a message's creation context was found. */
export type TraceContextSource = 'attributes' | 'sns' | 'xray';

/** A W3C carrier (`traceparent`, `tracestate`) read from a message, and where it came from. */
export interface MessageTraceCarrier {
  carrier: Record<string, string>;
  source: TraceContextSource;
}

/**
 * The trace context a message carries, looked up in this order: the `traceparent`/`tracestate`
 * message attributes (what SqsClient and OpenTelemetry's AWS SDK instrumentation write); the same
 * attributes inside an SNS notification (a topic without raw delivery wraps the producer's
 * attributes into the body); X-Ray's `AWSTraceHeader` system attribute (how EventBridge, SNS with
 * active tracing and X-Ray-instrumented producers pass theirs). Undefined when none is there.
 */
export function messageTraceCarrier(message: Message): MessageTraceCarrier | undefined {
  const attributes = message.MessageAttributes;
  const traceparent = attributes?.traceparent?.StringValue;
  if (traceparent) return withState(traceparent, attributes?.tracestate?.StringValue, 'attributes');
  const sns = snsTraceAttributes(message.Body);
  if (sns) return sns;
  const xray = message.Attributes?.AWSTraceHeader;
  const fromXray = xray ? xrayToTraceparent(xray) : undefined;
  return fromXray ? { carrier: { traceparent: fromXray }, source: 'xray' } : undefined;
}

function withState(traceparent: string, tracestate: string | undefined, source: TraceContextSource) {
  const carrier: Record<string, string> = { traceparent };
  if (tracestate) carrier.tracestate = tracestate;
  return { carrier, source };
}

interface SnsAttribute {
  Type?: string;
  Value?: string;
}

/** `traceparent` in an SNS notification's own `MessageAttributes`; cheap to rule out. */
function snsTraceAttributes(body: string | undefined): MessageTraceCarrier | undefined {
  // Skip the parse for the common case: a body with no traceparent anywhere in it.
  if (!body || !body.includes('"traceparent"') || !body.includes('"Notification"')) return undefined;
  try {
    const parsed = JSON.parse(body) as { Type?: unknown; MessageAttributes?: Record<string, SnsAttribute> };
    if (parsed.Type !== 'Notification') return undefined;
    const value = parsed.MessageAttributes?.traceparent?.Value;
    return value ? withState(value, parsed.MessageAttributes?.tracestate?.Value, 'sns') : undefined;
  } catch {
    return undefined;
  }
}
