import { SERVICE_NAME } from '../logging/pino-options.js';

/** Flushes what the SDK still holds (spans, a last metrics export) and stops it. */
export type OtelShutdown = () => Promise<void>;

/**
 * True when the standard OpenTelemetry variables ask for export: an OTLP endpoint (for all
 * signals or for traces or metrics alone) or a named traces exporter, and `OTEL_SDK_DISABLED`
 * is not `true`. Nothing set means no SDK: the transport's telemetry then costs nothing.
 */
export function wantsOtelSdk(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return Boolean(
    env.OTEL_EXPORTER_OTLP_ENDPOINT ||
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ||
    env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT ||
    env.OTEL_TRACES_EXPORTER,
  );
}

/**
 * Registers OpenTelemetry's Node SDK, configured by the standard `OTEL_*` variables (exporters,
 * protocol, sampler, `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`), with the undici
 * instrumentation, so the Keycloak calls a handler makes (`fetch`) are CLIENT spans under its
 * process span. Loaded only when {@link wantsOtelSdk}: a service that exports nothing does not
 * even load it. Must run before the consumer starts, which looks for a registered SDK once.
 */
export async function startOtelSdk(env: NodeJS.ProcessEnv = process.env): Promise<OtelShutdown | undefined> {
  if (!wantsOtelSdk(env)) return undefined;
  const [{ NodeSDK }, { UndiciInstrumentation }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/instrumentation-undici'),
  ]);
  const named = Boolean(env.OTEL_SERVICE_NAME) || /(^|,)\s*service\.name\s*=/.test(env.OTEL_RESOURCE_ATTRIBUTES ?? '');
  const sdk = new NodeSDK({
    ...(named ? {} : { serviceName: SERVICE_NAME }),
    // Only calls made inside a trace (a handler's): a health probe's Keycloak ping is no trace.
    instrumentations: [new UndiciInstrumentation({ requireParentforSpans: true })],
  });
  sdk.start();
  return () => sdk.shutdown();
}
