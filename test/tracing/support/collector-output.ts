// What the collector's file exporter wrote: OTLP JSON, one export request per line. Read back
// into flat spans and metric names, for the tracing suite's assertions.
import { existsSync, readFileSync } from 'node:fs';

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type KeyValue = { key: string; value: AnyValue };

export interface CollectedSpan {
  service: string;
  resource: Record<string, unknown>;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP span kind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, unknown>;
  links: Array<{ traceId: string; spanId: string }>;
}

export const SpanKindOtlp = { Internal: 1, Server: 2, Client: 3, Producer: 4, Consumer: 5 } as const;

function value(v: AnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  return v.boolValue;
}

function attributes(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, value(kv.value)]));
}

function lines(file: string): unknown[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as unknown);
}

interface TracesLine {
  resourceSpans?: Array<{
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: Array<{
      spans?: Array<{
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: KeyValue[];
        links?: Array<{ traceId: string; spanId: string }>;
      }>;
    }>;
  }>;
}

/** Every span the collector wrote so far. */
export function readSpans(file: string): CollectedSpan[] {
  return (lines(file) as TracesLine[]).flatMap((line) =>
    (line.resourceSpans ?? []).flatMap((rs) => {
      const resource = attributes(rs.resource?.attributes);
      return (rs.scopeSpans ?? []).flatMap((ss) =>
        (ss.spans ?? []).map((s) => ({
          service: String(resource['service.name']),
          resource,
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          name: s.name,
          kind: s.kind,
          attributes: attributes(s.attributes),
          links: (s.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
        })),
      );
    }),
  );
}

interface MetricsLine {
  resourceMetrics?: Array<{
    resource?: { attributes?: KeyValue[] };
    scopeMetrics?: Array<{ metrics?: Array<{ name: string }> }>;
  }>;
}

/** `service.name` -> the metric names it exported. */
export function readMetricNames(file: string): Map<string, Set<string>> {
  const byService = new Map<string, Set<string>>();
  for (const line of lines(file) as MetricsLine[]) {
    for (const rm of line.resourceMetrics ?? []) {
      const service = String(attributes(rm.resource?.attributes)['service.name']);
      const names = byService.get(service) ?? new Set<string>();
      for (const sm of rm.scopeMetrics ?? []) for (const m of sm.metrics ?? []) names.add(m.name);
      byService.set(service, names);
    }
  }
  return byService;
}

/** The trace as an indented tree (name, kind, service), for reading and for the docs. */
export function spanTree(spans: CollectedSpan[]): string {
  const kinds = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
  const ids = new Set(spans.map((s) => s.spanId));
  const out: string[] = [];
  const walk = (s: CollectedSpan, depth: number): void => {
    const url = s.attributes['url.full'];
    const path = typeof url === 'string' ? ` ${new URL(url).pathname}` : '';
    out.push(`${'  '.repeat(depth)}${s.name}${path} (${kinds[s.kind]}, ${s.service})`);
    for (const child of spans.filter((x) => x.parentSpanId === s.spanId)) walk(child, depth + 1);
  };
  for (const root of spans.filter((s) => !ids.has(s.parentSpanId))) walk(root, 0);
  return out.join('\n');
}
