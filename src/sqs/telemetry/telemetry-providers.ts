import { metrics, trace, type Meter, type Tracer } from '@opentelemetry/api';
import { INSTRUMENTATION_SCOPE } from './semconv.js';

/** The tracer and meter to use; each is absent when no SDK registered its provider. */
export interface TelemetryProviders {
  tracer?: Tracer;
  meter?: Meter;
}

/**
 * Looks once, at start-up, whether an OpenTelemetry SDK registered a tracer or meter provider.
 * Without one the API hands out no-ops, and the transport then skips telemetry altogether: no
 * span, attribute object or context is made per message, so tracing on by default costs nothing
 * where nobody collects it. An SDK registered later is not seen: register it before `listen()`
 * (the service's `main.ts` does, from the `OTEL_*` variables).
 */
export function registeredProviders(): TelemetryProviders | undefined {
  const tracer = tracingRegistered() ? trace.getTracer(INSTRUMENTATION_SCOPE) : undefined;
  const meter = metricsRegistered() ? metrics.getMeter(INSTRUMENTATION_SCOPE) : undefined;
  return tracer || meter ? { tracer, meter } : undefined;
}

/**
 * The no-op tracer answers every span without a parent with the invalid span context; an SDK's
 * tracer gives it fresh ids, sampled or not. The probe span is never ended, so never exported.
 */
function tracingRegistered(): boolean {
  const probe = trace.getTracer(INSTRUMENTATION_SCOPE).startSpan('nest-sqs-worker.probe', { root: true });
  return trace.isSpanContextValid(probe.spanContext());
}

/** The no-op meter provider returns one shared meter for every name; an SDK's, one per scope. */
function metricsRegistered(): boolean {
  const provider = metrics.getMeterProvider();
  return (
    provider.getMeter(`${INSTRUMENTATION_SCOPE}.probe-a`) !== provider.getMeter(`${INSTRUMENTATION_SCOPE}.probe-b`)
  );
}
