/**
 * Turns X-Ray's `AWSTraceHeader` (`Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`)
 * into a W3C `traceparent`, or undefined when it names no usable parent. An X-Ray trace id is
 * its 8-digit epoch part and its 24-digit random part: together the 32 hex digits of a W3C one.
 * AWS services (EventBridge, SNS, Lambda with active tracing) put the header on the messages they
 * deliver to SQS, which is how their trace reaches a consumer that reads no X-Ray SDK.
 */
export function xrayToTraceparent(header: string): string | undefined {
  const fields = new Map<string, string>();
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const root = /^1-([0-9a-f]{8})-([0-9a-f]{24})$/.exec(fields.get('Root') ?? '');
  const parent = fields.get('Parent') ?? '';
  if (!root || !/^[0-9a-f]{16}$/.test(parent)) return undefined;
  const traceId = `${root[1]}${root[2]}`;
  if (/^0+$/.test(traceId) || /^0+$/.test(parent)) return undefined;
  return `00-${traceId}-${parent}-${fields.get('Sampled') === '1' ? '01' : '00'}`;
}
