import type { SQSClient } from '@aws-sdk/client-sqs';
import { ConsumerTelemetry, type EventSource } from './consumer-telemetry.js';
import { MessagingMetrics } from './messaging-metrics.js';
import { instrumentSqsClient } from './sqs-client-spans.js';
import { registeredProviders } from './telemetry-providers.js';
import { TraceLinks } from './trace-links.js';

/**
 * The consumer's telemetry, when an SDK is registered: spans and metrics on the transport's
 * `SQSClient` calls, and the process hook the engine calls per message, fed by the server's
 * events. Undefined (and nothing installed) without an SDK.
 */
export function setUpConsumerTelemetry(client: SQSClient, on: EventSource): ConsumerTelemetry | undefined {
  const providers = registeredProviders();
  if (!providers) return undefined;
  const metrics = providers.meter ? new MessagingMetrics(providers.meter) : undefined;
  const links = new TraceLinks();
  instrumentSqsClient(client, providers.tracer, metrics, links);
  const telemetry = new ConsumerTelemetry(providers.tracer, metrics, links);
  telemetry.observe(on);
  return telemetry;
}
