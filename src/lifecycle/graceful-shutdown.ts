import { type INestApplication, Logger } from '@nestjs/common';
import type { HealthService } from '../health/health.service.js';
import type { SqsServer } from '../sqs/index.js';
import type { DrainReport } from './drain-report.js';

export interface ShutdownParts {
  app: INestApplication;
  server: SqsServer;
  health: HealthService;
  report: DrainReport;
  /** Flushes the OpenTelemetry SDK last (the drain's own spans included), when one runs. */
  otelShutdown?: () => Promise<void>;
}

/**
 * Handles SIGTERM and SIGINT in the order a pod needs, which Nest's shutdown hooks do not
 * give: Nest closes the HTTP server before the connected microservices, so the probes and
 * /metrics vanished while the consumer was still draining. Here:
 *
 * 1. readiness answers 503 `draining` (the pod leaves the Service; liveness stays 200);
 * 2. the consumer drains (`SqsServer.close()`: intake stops, buffered messages are released,
 *    running handlers get the grace period), with a log line at its start and at its end;
 * 3. then the application closes: lifecycle hooks, the HTTP server last of all;
 * 4. exit 0 with `process.exit`, whose `exit` event flushes pino's asynchronous stream: a
 *    re-raised signal (what Nest does) would drop the last log lines, the drain's among them.
 *    A handler released unfinished may still be waiting on a socket; it must not keep the
 *    process alive.
 *
 * A repeated signal is ignored: `npm run dev` under a terminal delivers Ctrl-C twice (npm
 * forwards it, the terminal sends it to the whole process group).
 */
export function handleShutdownSignals(parts: ShutdownParts, signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): void {
  let started = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (started) return;
    started = true;
    shutDown(parts, signal).then(
      () => process.exit(0),
      (err: unknown) => {
        new Logger('Shutdown').error(`Shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, onSignal);
}

async function shutDown(
  { app, server, health, report, otelShutdown }: ShutdownParts,
  signal: NodeJS.Signals,
): Promise<void> {
  health.beginDrain();
  report.begin(signal, server.getOptions().shutdownGraceSeconds);
  await server.close();
  report.end();
  // Closing the app closes the consumer again (a no-op now) and the HTTP server.
  await app.close();
  await otelShutdown?.().catch(() => undefined);
}
