import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { type ObservabilityConfig, observabilityConfig } from '../config/observability.config.js';
import { SQS_SERVER_TOKEN, type SqsServerLike } from '../health/sqs-server-like.js';
import { type SqsMessageInfo, SqsStatus } from '../sqs/index.js';
import { messageLogFields } from './message-fields.js';

/** What the outcome log needs of a logger: Nest's `Logger` (object first, as pino takes it). */
export type OutcomeLogger = Pick<Logger, 'log' | 'warn'>;

/** The server as the log reads it: Nest's `Server.getHandlers()` gives the registered patterns. */
export type LoggedServer = Pick<SqsServerLike, 'on'> & { getHandlers?(): Map<string, unknown> };

/** The `outcome` field of each line, one line per message outcome. */
export enum MessageOutcome {
  Handled = 'handled',
  Retried = 'retried',
  DeadLettered = 'dead-lettered',
  Released = 'released',
  /** The message was replaced by a fresh copy (a second line after `released` or `retried`). */
  Requeued = 'requeued',
}

/** What the outcome log writes. */
export interface OutcomeLogOptions {
  /**
   * A line per successfully handled message. Default false: at 1,000 msg/s those lines are 86
   * million a day, and the traces and metrics already carry every success.
   */
  handled?: boolean;
}

/**
 * Writes one line per message outcome that needs a look, from the server's events, each with the
 * message's `messageId`, `pattern`, `queueUrl`, `receiveCount`: retried and released at info,
 * dead-lettered at warn, handled at info only with `options.handled` (someone has to look at it; still below error, since a
 * validation failure is an expected outcome). A retry line carries the error's name and message,
 * never its stack: a stack per attempt buries the log in repeats of one failure.
 * Also logs the registered patterns once the server is connected.
 */
export function bindSqsOutcomeLog(server: LoggedServer, logger: OutcomeLogger, options: OutcomeLogOptions = {}): void {
  const line = (info: SqsMessageInfo, outcome: MessageOutcome, msg: string, extra: object = {}) => ({
    msg,
    outcome,
    ...messageLogFields(info),
    ...extra,
  });
  if (options.handled) {
    server.on('processed', (info, durationMs) =>
      logger.log(line(info, MessageOutcome.Handled, 'message handled', { durationMs: Math.round(durationMs) })),
    );
  }
  server.on('processing_failed', (info, error, retryInSeconds, durationMs) =>
    logger.log(
      line(info, MessageOutcome.Retried, `message failed, retry in ${retryInSeconds}s: ${error.message}`, {
        errorType: error.name,
        retryInSeconds,
        durationMs: Math.round(durationMs),
      }),
    ),
  );
  server.on('dead_lettered', (info, reason, detail) =>
    logger.warn(line(info, MessageOutcome.DeadLettered, `message dead-lettered (${reason}): ${detail}`, { reason })),
  );
  server.on('released', (info) => logger.log(line(info, MessageOutcome.Released, 'message released unprocessed')));
  server.on('requeued', (info, copyId, cause) =>
    logger.log(
      line(info, MessageOutcome.Requeued, `message replaced by a fresh copy ${copyId ?? ''} (${cause})`, {
        copyId,
        cause,
      }),
    ),
  );
  announcePatterns(server, logger);
}

/** Logs the registered patterns once, when the server first connects. */
function announcePatterns(server: LoggedServer, logger: OutcomeLogger): void {
  let announced = false;
  server.on('status', (status) => {
    if (status !== SqsStatus.Connected || announced) return;
    announced = true;
    const patterns = [...(server.getHandlers?.().keys() ?? [])];
    logger.log({ msg: `Registered patterns: ${patterns.join(', ') || '(none)'}`, patterns });
  });
}

/**
 * Binds {@link bindSqsOutcomeLog} to the application's `SqsServer`, when there is one. In the
 * constructor, not `onModuleInit`: a hybrid app runs its init hooks in `app.listen()`, after
 * `startAllMicroservices()` has started the server and it is already connected.
 */
@Injectable()
export class SqsOutcomeLog {
  constructor(
    @Optional() @Inject(SQS_SERVER_TOKEN) server?: LoggedServer,
    @Optional() @Inject(observabilityConfig.KEY) observability?: Pick<ObservabilityConfig, 'logHandledMessages'>,
  ) {
    if (server) {
      bindSqsOutcomeLog(server, new Logger('SqsMessages'), { handled: observability?.logHandledMessages ?? false });
    }
  }
}
