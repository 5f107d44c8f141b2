// The local SQS server of the benchmark, in its own process: fauxqs on 127.0.0.1 with its
// logger off, plus a request counter by action (`X-Amz-Target`, AWS JSON protocol).
//
// Counting happens inside this process, on the HTTP server's 'request' event, so there is no
// proxy hop to distort the figures. Requests that carry the `x-bench-parent` header (the
// orchestrator's own fills and polls) are counted apart: only the consumer's requests count.
//
// Simulated network (`--latency-ms`): every request is handed to fauxqs N ms after it arrived,
// so each round trip takes N ms more than on loopback, and a long poll its full wait plus N.
// A round trip is what a consumer feels, so the whole N sits on the request side (no response
// rewriting inside fauxqs). The orchestrator's requests are delayed too, as a real network
// delays a producer as well: W5 then measures SendMessage call to handler start over that
// network (N on top of loopback either way). Requests are counted on arrival, not on hand-over.
// A request whose connection closed while it waited (a consumer aborting its long poll on
// shutdown) is dropped: fauxqs would otherwise take messages in flight for a client that left.
//
// Protocol (IPC with the orchestrator):
//   child -> parent  { type: 'listening', endpoint }
//   parent -> child  { type: 'counts', id }      child -> parent { type: 'counts', id, counts, parent, byKey, receive }
//   parent -> child  { type: 'latency', id, ms } child -> parent { type: 'latency', id, ms }
//
// `byKey` counts the consumer's requests by the access key id in their SigV4 `Authorization`
// header: the idle workload runs several consumers at once, each with its own key.
// `receive` tallies the consumer's ReceiveMessage answers (counted when answered, from the
// response body: receipt handles): answered, answered with messages, messages handed out. The
// difference to the request count is empty answers plus long polls still waiting.
//
// Why not `node node_modules/fauxqs/dist/cli.js`: that CLI calls startFauxqs({ logger: true }),
// which overrides FAUXQS_LOGGER=false and logs every request (measurably slower).
import http from 'node:http';
import net from 'node:net';
import { startFauxqs } from 'fauxqs';

// fauxqs binds 0.0.0.0 whatever `host` says (`host` only shapes queue URLs); keep it on loopback.
const originalListen = net.Server.prototype.listen;
net.Server.prototype.listen = function loopbackListen(this: net.Server, ...args: unknown[]): net.Server {
  const first = args[0] as { host?: string } | undefined;
  if (first && typeof first === 'object' && (first.host === '0.0.0.0' || first.host === '::'))
    args[0] = { ...first, host: '127.0.0.1' };
  return (originalListen as (...a: unknown[]) => net.Server).apply(this, args);
} as typeof net.Server.prototype.listen;

const consumerCounts: Record<string, number> = {};
const parentCounts: Record<string, number> = {};
const countsByKey: Record<string, number> = {};
const receive = { answered: 0, withMessages: 0, messages: 0 };
let latencyMs = Number(process.env.FAUXQS_LATENCY_MS ?? 0);

function countReceiptHandles(chunk: unknown): number {
  const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('latin1') : '';
  let n = 0;
  for (let at = text.indexOf('"ReceiptHandle"'); at >= 0; at = text.indexOf('"ReceiptHandle"', at + 15)) n += 1;
  return n;
}

/** Tallies a ReceiveMessage answer as it is sent (fastify answers with one `end(body)`). */
function tallyReceive(res: http.ServerResponse): void {
  const end = res.end as (...a: unknown[]) => http.ServerResponse;
  res.end = function tallyingEnd(this: http.ServerResponse, ...a: unknown[]): http.ServerResponse {
    const n = countReceiptHandles(a[0]);
    receive.answered += 1;
    if (n > 0) receive.withMessages += 1;
    receive.messages += n;
    return end.apply(this, a);
  } as typeof res.end;
}

const ACCESS_KEY = /Credential=([^/,\s]+)\//;

const originalEmit = http.Server.prototype.emit;
http.Server.prototype.emit = function patchedEmit(
  this: http.Server,
  event: string | symbol,
  ...args: unknown[]
): boolean {
  if (event === 'request') {
    const req = args[0] as http.IncomingMessage;
    const target = req.headers['x-amz-target'];
    const action = typeof target === 'string' ? target.replace(/^AmazonSQS\./, '') : `${req.method ?? '?'} (no target)`;
    const parent = !!req.headers['x-bench-parent'];
    const counts = parent ? parentCounts : consumerCounts;
    counts[action] = (counts[action] ?? 0) + 1;
    if (!parent) {
      if (action === 'ReceiveMessage') tallyReceive(args[1] as http.ServerResponse);
      const key = ACCESS_KEY.exec(req.headers.authorization ?? '')?.[1] ?? '?';
      countsByKey[key] = (countsByKey[key] ?? 0) + 1;
    }
    if (latencyMs > 0) {
      setTimeout(() => {
        if (!req.socket.destroyed) (originalEmit as (...a: unknown[]) => boolean).call(this, event, ...args);
      }, latencyMs);
      return true;
    }
  }
  return (originalEmit as (...a: unknown[]) => boolean).call(this, event, ...args);
} as typeof http.Server.prototype.emit;

const server = await startFauxqs({
  port: Number(process.env.FAUXQS_PORT ?? 0),
  host: process.env.FAUXQS_HOST ?? '127.0.0.1',
  logger: false,
});
const endpoint = `http://127.0.0.1:${server.port}`;

process.on('message', (msg: { type: string; id?: number; ms?: number }) => {
  if (msg.type === 'counts') {
    process.send?.({
      type: 'counts',
      id: msg.id,
      counts: { ...consumerCounts },
      parent: { ...parentCounts },
      byKey: { ...countsByKey },
      receive: { ...receive },
    });
  } else if (msg.type === 'latency') {
    latencyMs = Math.max(0, Number(msg.ms ?? 0));
    process.send?.({ type: 'latency', id: msg.id, ms: latencyMs });
  } else if (msg.type === 'stop') {
    void server.stop().then(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));

if (process.send) process.send({ type: 'listening', endpoint });
else process.stdout.write(`fauxqs listening on ${endpoint}\n`);
