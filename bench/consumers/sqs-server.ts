// This service's transport under test: a real Nest microservice on `SqsServer` with a
// `@MessagePattern('bench')` controller, so every message goes through Nest's full dispatch
// (pattern lookup, params, interceptors/filters machinery, observable handling).
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { startOtelSdk } from '../../src/lifecycle/otel-sdk.js';
import { Acknowledger } from '../../src/sqs/settlement/acknowledger.js';
import { SqsExceptionFilter, SqsServer, type SqsServerOptions } from '../../src/sqs/index.js';
import { config, CREDENTIALS, fail, handle, ready, type BenchPayload } from '../lib/harness.js';

@Controller()
class BenchController {
  @MessagePattern('bench')
  handle(@Payload() data: BenchPayload): Promise<void> {
    return handle(data);
  }
}

@Module({ controllers: [BenchController] })
class BenchModule {}

/**
 * Bench-only experiment (consumer `sqs-server-patched`): the worker no longer waits for its
 * message's DeleteMessageBatch (linger + round trip) before taking the next message. Emulates
 * the proposed fix in SqsServer.handleMessage (`void acknowledger.delete(held).then(forget)`)
 * without touching src/: the delete still goes out and is still flushed on close (the
 * Acknowledger tracks it); only the worker's wait is gone.
 */
function patchAckOffWorker(): void {
  const original = Acknowledger.prototype.delete;
  Acknowledger.prototype.delete = function deleteWithoutWaiting(
    this: Acknowledger,
    ...args: Parameters<Acknowledger['delete']>
  ) {
    void original.apply(this, args);
    return Promise.resolve();
  };
}

async function main(): Promise<void> {
  const { patch, otlpEndpoint, ...options } = (config.options ?? {}) as Partial<SqsServerOptions> & {
    patch?: string;
    otlpEndpoint?: string;
  };
  if (patch === 'ack-off-worker') patchAckOffWorker();
  else if (patch) throw new Error(`unknown patch ${patch}`);
  // As main.ts does it, before the server starts (it looks for a registered SDK once).
  if (otlpEndpoint) {
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = otlpEndpoint;
    await startOtelSdk(process.env);
  }
  // Product defaults, as users get them: only the queue, the client config (the transport
  // builds its own keep-alive handler from it) and the workload's C. Everything else (prefetch,
  // adaptive receives, waitTimeSeconds 20, visibilityTimeout 30, the 1 s delete linger, the
  // shutdown grace) is the transport's default; `--server-options` and the opt-in variants
  // are the only way to change it.
  const server = new SqsServer({
    queues: [{ url: config.queueUrl }],
    client: { endpoint: config.endpoint, region: config.region, credentials: CREDENTIALS },
    concurrency: config.concurrency,
    ...options,
  });
  const app = await NestFactory.createMicroservice(BenchModule, { strategy: server, logger: false });
  app.useGlobalFilters(new SqsExceptionFilter());
  app.enableShutdownHooks(['SIGTERM']);
  await app.listen();
  ready();
}

main().catch(fail);
