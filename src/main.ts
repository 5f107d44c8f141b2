import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { existsSync } from 'node:fs';
import { CredentialsUnavailableError, EnvValidationError, isPodEnvironment, loadConfig } from './config/index.js';
import { HealthService } from './health/health.service.js';
import { DrainReport } from './lifecycle/drain-report.js';
import { handleShutdownSignals } from './lifecycle/graceful-shutdown.js';
import { HttpListenError, listenHttp } from './lifecycle/http-listen.js';
import { startOtelSdk } from './lifecycle/otel-sdk.js';
import { SqsExceptionFilter, SqsServer } from './sqs/index.js';
import { RealmPolicyError } from './users/index.js';

/**
 * Starts the service: the HTTP app (health, metrics) with the SQS consumer connected to it as
 * a Nest microservice. The HTTP port is bound first, so a taken port stops start-up before a
 * single message is received; the consumer starts after it. SIGTERM drains the consumer while
 * the probes keep answering, then closes HTTP (see handleShutdownSignals).
 */
export async function bootstrap(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  loadLocalEnvFile(env);
  // Validate before Nest starts, so a bad variable is one clear line, not a stack trace.
  const config = loadConfig(env);
  // Before anything else starts: the transport looks for a registered SDK once, in listen().
  const otelShutdown = await startOtelSdk(env);
  // abortOnError: false, so that an init error reaches the handler below instead of abort().
  const app = await NestFactory.create(AppModule.forRoot(), { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new SqsExceptionFilter(app.getHttpAdapter()));
  const server = app.get(SqsServer);
  app.connectMicroservice({ strategy: server }, { inheritAppConfig: true });
  const report = new DrainReport(server);
  await app.init();
  try {
    await listenHttp(app, config.http);
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  app.flushLogs();
  await app.startAllMicroservices();
  handleShutdownSignals({ app, server, health: app.get(HealthService), report, otelShutdown });
}

/** Local runs may keep their variables in `.env`; pods never read one (the chart sets them). */
function loadLocalEnvFile(env: NodeJS.ProcessEnv): void {
  if (isPodEnvironment(env.APP_ENV ?? '') || !existsSync('.env')) return;
  process.loadEnvFile('.env'); // never overrides a variable already set
}

/** Errors whose message is already the one line an operator needs. */
function isOneLineError(err: unknown): err is Error {
  return (
    err instanceof EnvValidationError ||
    err instanceof CredentialsUnavailableError ||
    err instanceof HttpListenError ||
    err instanceof RealmPolicyError
  );
}

const isEntryPoint = import.meta.url === `file://${process.argv[1]}`;
if (isEntryPoint) {
  bootstrap().catch((err: unknown) => {
    if (isOneLineError(err)) {
      process.stderr.write(`${err.message}\n`);
    } else {
      process.stderr.write(`Start-up failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.exit(1);
  });
}
