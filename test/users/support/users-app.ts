// The users module wired as the application wires it (KeycloakModule.forRoot + UsersModule),
// as a Nest application context: the service, breaker, token cache and health indicator.
import { Module, type INestApplicationContext, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  KeycloakAdminClient,
  KeycloakBreaker,
  KeycloakHealthIndicator,
  KeycloakModule,
  KeycloakTokenProvider,
  UsersModule,
  UsersService,
  type KeycloakOptions,
} from '../../../src/users/index.js';

export interface UsersApp {
  app: INestApplicationContext;
  service: UsersService;
  client: KeycloakAdminClient;
  breaker: KeycloakBreaker;
  tokens: KeycloakTokenProvider;
  health: KeycloakHealthIndicator;
  close(): Promise<void>;
}

export async function startUsersApp(options: KeycloakOptions, logger: LoggerService): Promise<UsersApp> {
  @Module({ imports: [KeycloakModule.forRoot(options), UsersModule] })
  class UsersTestModule {}
  const app = await NestFactory.createApplicationContext(UsersTestModule, { logger, abortOnError: false });
  return {
    app,
    service: app.get(UsersService),
    client: app.get(KeycloakAdminClient),
    breaker: app.get(KeycloakBreaker),
    tokens: app.get(KeycloakTokenProvider),
    health: app.get(KeycloakHealthIndicator),
    close: () => app.close(),
  };
}
