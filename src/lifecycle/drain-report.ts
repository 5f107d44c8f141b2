import { Logger } from '@nestjs/common';
import type { SqsEvents, SqsMessageInfo } from '../sqs/index.js';

type LoggerLike = Pick<Logger, 'log' | 'warn'>;
type EventSource = {
  on<E extends keyof SqsEvents>(event: E, callback: SqsEvents[E]): unknown;
  getSnapshot(): { inFlight: number; buffered: number };
};

/**
 * The two log lines of a shutdown: what the drain starts with (handlers running, buffered
 * messages given back) and how it ended (how long, what finished, what was given back
 * unfinished when the grace period ran out). Attach before the consumer starts: it follows
 * which messages are running, to tell a released buffered message from a cut-off handler.
 */
export class DrainReport {
  private readonly running = new Set<string>();
  private drain?: { startedAt: number; finished: number; released: number; releasedRunning: number };

  constructor(
    private readonly server: EventSource,
    private readonly logger: LoggerLike = new Logger('Shutdown'),
    private readonly now: () => number = Date.now,
  ) {
    server.on('processing_started', (m) => void this.running.add(m.messageId));
    const settled = (m: SqsMessageInfo): void => {
      if (this.running.delete(m.messageId) && this.drain) this.drain.finished += 1;
    };
    server.on('processed', settled);
    server.on('processing_failed', settled);
    server.on('dead_lettered', settled);
    server.on('released', (m) => this.onReleased(m));
  }

  /** Logs the start of the drain; call just before the consumer's `close()`. */
  begin(signal: string, graceSeconds: number): void {
    const { inFlight, buffered } = this.server.getSnapshot();
    this.drain = { startedAt: this.now(), finished: 0, released: 0, releasedRunning: 0 };
    this.logger.log({
      msg: `${signal}: draining. Readiness answers 503 from now; ${inFlight} handler(s) running get up to ${graceSeconds} s, ${buffered} buffered message(s) are released`,
      running: inFlight,
      buffered,
      graceSeconds,
    });
  }

  /** Logs the end of the drain; call once the consumer's `close()` resolved. */
  end(): void {
    const drain = this.drain;
    if (!drain) return;
    const durationMs = this.now() - drain.startedAt;
    const fields = {
      durationMs,
      finished: drain.finished,
      released: drain.released,
      releasedUnfinished: drain.releasedRunning,
    };
    const unfinished = drain.releasedRunning
      ? `; ${drain.releasedRunning} handler(s) still running at the end of the grace period were released unfinished`
      : '';
    const msg = `Drained in ${durationMs} ms: ${drain.finished} handler(s) finished, ${drain.released} message(s) released${unfinished}`;
    if (drain.releasedRunning) this.logger.warn({ msg, ...fields });
    else this.logger.log({ msg, ...fields });
  }

  private onReleased(m: SqsMessageInfo): void {
    const wasRunning = this.running.delete(m.messageId);
    if (!this.drain) return;
    this.drain.released += 1;
    if (wasRunning) this.drain.releasedRunning += 1;
  }
}
