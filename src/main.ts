import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { existsSync } from 'node:fs';
import { CredentialsUnavailableError, EnvValidationError, isPodEnvironment, loadConfig } from './config/index.js';
import { SqsExceptionFilter, SqsServer } from './sqs/index.js';

/**
 * Starts the service: the HTTP app (health, metrics) with the SQS consumer connected to it as
 * a Nest microservice. SIGTERM runs Nest's shutdown hooks: readiness goes down, the consumer
 * drains (see SqsServer.close), then the process exits.
 */
export async function bootstrap(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  loadLocalEnvFile(env);
  // Validate before Nest starts, so a bad variable is one clear line, not a stack trace.
  const config = loadConfig(env);
  // abortOnError: false, so that an init error reaches the handler below instead of abort().
  const app = await NestFactory.create(AppModule.forRoot(), { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  app.useGlobalFilters(new SqsExceptionFilter(app.getHttpAdapter()));
  app.connectMicroservice({ strategy: app.get(SqsServer) }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(config.http.port, '0.0.0.0');
}

/** Local runs may keep their variables in `.env`; pods never read one (the chart sets them). */
function loadLocalEnvFile(env: NodeJS.ProcessEnv): void {
  if (isPodEnvironment(env.APP_ENV ?? '') || !existsSync('.env')) return;
  process.loadEnvFile('.env'); // never overrides a variable already set
}

const isEntryPoint = import.meta.url === `file://${process.argv[1]}`;
if (isEntryPoint) {
  bootstrap().catch((err: unknown) => {
    if (err instanceof EnvValidationError || err instanceof CredentialsUnavailableError) {
      process.stderr.write(`${err.message}\n`);
    } else {
      process.stderr.write(`Start-up failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.exit(1);
  });
}
