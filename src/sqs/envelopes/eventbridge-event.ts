import type { Unwrapped } from './sqs-envelope.js';

interface EventBridgeEvent {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  detail: unknown;
}

/**
 * An EventBridge event delivered to SQS by a rule: the handler gets its `detail`; it is routed
 * by `detail-type` first, then by `source` (e.g. `OrderPlaced`, then `com.example.orders`).
 */
export function unwrapEventBridge(value: unknown): Unwrapped | undefined {
  const v = value as Partial<EventBridgeEvent> | null;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  if (typeof v['detail-type'] !== 'string' || typeof v.source !== 'string' || !('detail' in v)) return undefined;
  if (typeof v.id !== 'string' || typeof v.version !== 'string') return undefined;
  const patterns = [v['detail-type'], v.source].filter((p) => p.length > 0);
  return { patterns, data: v.detail, envelope: { source: 'eventbridge', body: value } };
}
