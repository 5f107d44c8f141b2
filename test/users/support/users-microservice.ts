// The user handler on the real SQS transport, wired as the application wires it:
// KeycloakModule.forRoot + UsersModule, a global ValidationPipe and SqsExceptionFilter.
import { Module, type INestMicroservice, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SqsServer, type SqsServerOptions } from '../../../src/sqs/index.js';
import { applyAppGlobals } from '../../support/test-microservice.js';
import { KeycloakBreaker, KeycloakModule, UsersModule, type KeycloakOptions } from '../../../src/users/index.js';

export interface UsersMicroservice {
  app: INestMicroservice;
  server: SqsServer;
  breaker: KeycloakBreaker;
  close(): Promise<void>;
}

export async function startUsersMicroservice(options: {
  keycloak: KeycloakOptions;
  server: SqsServerOptions;
  logger: LoggerService;
}): Promise<UsersMicroservice> {
  const server = new SqsServer(options.server);
  @Module({ imports: [KeycloakModule.forRoot(options.keycloak), UsersModule] })
  class UsersSqsTestModule {}
  const app = await NestFactory.createMicroservice(UsersSqsTestModule, {
    strategy: server,
    logger: options.logger,
    abortOnError: false,
  });
  applyAppGlobals(app);
  await app.listen();
  return { app, server, breaker: app.get(KeycloakBreaker), close: () => app.close() };
}
