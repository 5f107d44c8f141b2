// Boots a real Nest microservice on SqsServer with the given controllers, the way an
// application does: global ValidationPipe and SqsExceptionFilter, Nest's full dispatch.
import {
  Module,
  ValidationPipe,
  type INestMicroservice,
  type LoggerService,
  type Provider,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SqsExceptionFilter, SqsServer, type SqsServerOptions } from '../../src/sqs/index.js';

export interface TestMicroservice {
  app: INestMicroservice;
  server: SqsServer;
  close(): Promise<void>;
}

export async function startTestMicroservice(options: {
  controllers: Type[];
  providers?: Provider[];
  server: SqsServerOptions;
  logger?: LoggerService | false;
  exceptionFilter?: boolean;
  /** Runs on the server before `listen()` (e.g. `pauseWhileDown`, which then applies before the first receive). */
  beforeListen?: (server: SqsServer) => void;
}): Promise<TestMicroservice> {
  const server = new SqsServer(options.server);
  @Module({ controllers: options.controllers, providers: options.providers ?? [] })
  class TestModule {}
  const app = await NestFactory.createMicroservice(TestModule, {
    strategy: server,
    logger: options.logger ?? (process.env.TEST_LOGS ? undefined : false),
  });
  applyAppGlobals(app, { exceptionFilter: options.exceptionFilter !== false });
  options.beforeListen?.(server);
  await app.listen();
  let closed = false;
  return {
    app,
    server,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}

/**
 * The globals an application registers, as the specs' microservices all do: the transport's
 * exception filter (so error classes reach it intact) and a strict ValidationPipe that echoes
 * no submitted value.
 */
export function applyAppGlobals(app: INestMicroservice, options: { exceptionFilter?: boolean } = {}): void {
  if (options.exceptionFilter !== false) app.useGlobalFilters(new SqsExceptionFilter());
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      validationError: { target: false, value: false },
    }),
  );
}
