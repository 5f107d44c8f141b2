// The consumer process of the fault suite. Two shapes:
//
//  - FAULT_MODE=recording (default): a Nest microservice on SqsServer (global ValidationPipe and
//    SqsExceptionFilter, as an application wires it) with the FaultController below;
//  - FAULT_MODE=service: the real service, `bootstrap()` of src/main.ts, configured by its
//    environment exactly as in production (config validation, credentials, pino, /health,
//    /metrics, the Keycloak registration handler).
//
// Either way every SqsServer created in the process gets a recorder attached before listen():
// one JSON line per event (message id, pattern, receive count, time) appended with a
// synchronous write to FAULT_RECORD_FILE, so the record survives `kill -9` and a message is
// recorded as handled *before* its delete is even queued. FAULT_RECORD=count keeps only
// counters (soak), and every second a `snap` line samples RSS, heap, active handles and
// listeners.
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { getEventListeners } from 'node:events';
import { openSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqsContext, SqsEventPattern, SqsServer, type SqsServerOptions } from '../../../src/sqs/index.js';
import { applyAppGlobals } from '../../support/test-microservice.js';

const env = process.env;
const recordFd = openSync(env.FAULT_RECORD_FILE ?? '/dev/null', 'a');
const run = env.FAULT_RUN ?? String(process.pid);
const countOnly = env.FAULT_RECORD === 'count';

function record(line: Record<string, unknown>): void {
  writeSync(recordFd, `${JSON.stringify({ ...line, run })}\n`);
}

// --- counters (both modes) and the soak's duplicate map ------------------------------------
const counts = {
  received: 0,
  receives: 0,
  emptyReceives: 0,
  started: 0,
  processed: 0,
  failed: 0,
  deadLettered: 0,
  released: 0,
  duplicates: 0,
  extended: 0,
  receiveErrors: 0,
  seqDuplicates: 0,
  seqHandled: 0,
};
const soakTotal = Number(env.FAULT_SOAK_TOTAL ?? 0);
const seen = new Uint8Array(soakTotal);

function markSeq(seq: unknown): void {
  if (typeof seq !== 'number' || seq < 0 || seq >= seen.length) return;
  if (seen[seq]) counts.seqDuplicates += 1;
  else counts.seqHandled += 1;
  seen[seq] = Math.min(255, seen[seq]! + 1);
}

// --- the recorder ------------------------------------------------------------------------
const servers: SqsServer[] = [];

function attachRecorder(server: SqsServer): void {
  servers.push(server);
  const t = () => Date.now();
  server.on('status', (s) => record({ e: 'status', s, t: t() }));
  server.on('receive', (_q, n) => {
    counts.receives += 1;
    counts.received += n;
    if (n === 0) counts.emptyReceives += 1;
  });
  server.on('receive_error', (_q, err) => {
    counts.receiveErrors += 1;
    record({ e: 'rerr', t: t(), err: `${err.name}: ${err.message}`.slice(0, 200) });
  });
  server.on('processing_started', (m) => {
    counts.started += 1;
    if (!countOnly) record({ e: 'start', id: m.messageId, p: m.pattern, rc: m.receiveCount, t: t() });
  });
  server.on('processed', (m, ms) => {
    counts.processed += 1;
    if (!countOnly) record({ e: 'done', id: m.messageId, t: t(), ms: Math.round(ms) });
  });
  server.on('processing_failed', (m, err, retryIn) => {
    counts.failed += 1;
    record({
      e: 'fail',
      id: m.messageId,
      p: m.pattern,
      rc: m.receiveCount,
      delay: retryIn,
      t: t(),
      err: err.message.slice(0, 200),
    });
  });
  server.on('dead_lettered', (m, reason) => {
    counts.deadLettered += 1;
    record({ e: 'dlq', id: m.messageId, p: m.pattern, rc: m.receiveCount, reason, t: t() });
  });
  server.on('released', (m) => {
    counts.released += 1;
    record({ e: 'rel', id: m.messageId, t: t() });
  });
  server.on('requeued', (m, copy, cause) => record({ e: 'req', id: m.messageId, copy, cause, t: t() }));
  server.on('duplicate_suppressed', (m) => {
    counts.duplicates += 1;
    record({ e: 'dupsup', id: m.messageId, t: t() });
  });
  server.on('visibility_extended', () => void (counts.extended += 1));
  server.on('delete_error', (_q, err) => record({ e: 'delerr', t: t(), err: err.message.slice(0, 200) }));
}

const originalListen = SqsServer.prototype.listen;
SqsServer.prototype.listen = function patchedListen(this: SqsServer, callback) {
  attachRecorder(this);
  return originalListen.call(this, callback);
};

function processListeners(): number {
  return process.eventNames().reduce((sum, name) => sum + process.listenerCount(name), 0);
}

function serverListeners(): number {
  return servers.reduce((sum, s) => {
    const emitter = (s as unknown as { events: NodeJS.EventEmitter }).events;
    return sum + emitter.eventNames().reduce((n, name) => n + emitter.listenerCount(name), 0);
  }, 0);
}

/** Listeners on the transport's shutdown AbortSignal (the SDK and the buffer add per-call ones). */
function abortListeners(): number {
  return servers.reduce((sum, s) => {
    const signal = (s as unknown as { runtime?: { abort: AbortController } }).runtime?.abort.signal;
    return sum + (signal ? getEventListeners(signal, 'abort').length : 0);
  }, 0);
}

function snapshot(): void {
  const resources = process.getActiveResourcesInfo();
  const byType: Record<string, number> = {};
  for (const r of resources) byType[r] = (byType[r] ?? 0) + 1;
  const mem = process.memoryUsage();
  const sqs = servers[0]?.getSnapshot();
  record({
    e: 'snap',
    t: Date.now(),
    rss: mem.rss,
    heap: mem.heapUsed,
    handles: resources.length,
    byType,
    listeners: processListeners(),
    serverListeners: serverListeners(),
    abortListeners: abortListeners(),
    status: sqs?.status,
    inFlight: sqs?.inFlight ?? 0,
    buffered: sqs?.buffered ?? 0,
    ...counts,
  });
}
const snapTimer = setInterval(snapshot, Number(env.FAULT_SNAP_MS ?? 1_000));
snapTimer.unref();
process.on('exit', (code) => {
  snapshot();
  record({ e: 'exit', t: Date.now(), code });
});

// --- the recording application -----------------------------------------------------------
export class ValidatedDto {
  @IsString() @Length(1, 40) name!: string;
  @IsInt() @Min(0) @Max(1_000) n!: number;
  @IsOptional() @IsString() cid?: string;
}

interface WorkData {
  /** Handler time in ms; falls back to FAULT_HANDLER_MS ("min-max" or a number). */
  ms?: number;
  /** Soak sequence number. */
  s?: number;
  /** Throw this many times (by receive count) before succeeding. */
  failUntil?: number;
}

const [defaultMin, defaultMax] = (env.FAULT_HANDLER_MS ?? '0').split('-').map(Number) as [number, number?];

function handlerMs(data: WorkData | undefined): number {
  if (typeof data?.ms === 'number') return data.ms;
  const max = defaultMax ?? defaultMin;
  return defaultMin + Math.floor(Math.random() * (max - defaultMin + 1));
}

@Controller()
class FaultController {
  @SqsEventPattern('fault.work')
  async work(@Payload() data: WorkData, @Ctx() ctx: SqsContext): Promise<void> {
    if (data?.failUntil && ctx.getReceiveCount() <= data.failUntil)
      throw new Error(`planned failure ${ctx.getReceiveCount()}/${data.failUntil}`);
    const ms = handlerMs(data);
    if (ms > 0) await sleep(ms);
  }

  @SqsEventPattern('fault.noop')
  noop(@Payload() data: WorkData): void {
    markSeq(data?.s);
  }

  @SqsEventPattern('fault.validated')
  validated(@Payload() _dto: ValidatedDto): void {}
}

async function startRecording(): Promise<void> {
  const endpoint = env.FAULT_SQS_ENDPOINT;
  const queueUrl = env.FAULT_QUEUE_URL;
  if (!endpoint || !queueUrl) throw new Error('FAULT_SQS_ENDPOINT and FAULT_QUEUE_URL are required');
  const extra = JSON.parse(env.FAULT_SERVER_OPTIONS ?? '{}') as Partial<SqsServerOptions>;
  const server = new SqsServer({
    ...extra,
    queues: [{ url: queueUrl }],
    client: { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
  });
  @Module({ controllers: [FaultController] })
  class FaultModule {}
  const app = await NestFactory.createMicroservice(FaultModule, {
    strategy: server,
    logger: env.TEST_LOGS ? undefined : ['error', 'fatal'],
    abortOnError: false,
  });
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  applyAppGlobals(app);
  await app.listen();
}

async function startService(): Promise<void> {
  const { bootstrap } = await import('../../../src/main.js');
  await bootstrap(process.env);
}

try {
  if (env.FAULT_MODE === 'service') await startService();
  else await startRecording();
  snapshot();
  record({ e: 'ready', t: Date.now(), pid: process.pid });
  process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);
} catch (err) {
  process.stderr.write(
    `consumer failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
}
