import { SqsStatus } from '../core/sqs.events.js';

/**
 * The server's lifecycle status and the timestamps health checks read. Every change goes
 * through `set`, which tells the listener (the Nest adapter's status stream) once per change.
 */
export class ConsumerStatus {
  private current = SqsStatus.Closed;
  private receiveTickAt?: number;
  private successAt?: number;
  private error?: string;

  constructor(private readonly onChange: (status: SqsStatus) => void) {}

  get value(): SqsStatus {
    return this.current;
  }

  /** Epoch ms of the last receive loop turn (success or failure). */
  get lastReceiveTickAt(): number | undefined {
    return this.receiveTickAt;
  }

  /** Epoch ms of the last successful SQS call. */
  get lastSuccessAt(): number | undefined {
    return this.successAt;
  }

  get lastError(): string | undefined {
    return this.error;
  }

  set(status: SqsStatus): void {
    if (status === this.current) return;
    this.current = status;
    this.onChange(status);
  }

  /** An SQS call succeeded: a starting or failing server is connected again. */
  succeeded(now = Date.now()): void {
    this.receiveTickAt = now;
    this.successAt = now;
    if (this.current === SqsStatus.Connecting || this.current === SqsStatus.Error) {
      this.error = undefined;
      this.set(SqsStatus.Connected);
    }
  }

  /** An SQS call failed; a server that is shutting down keeps its status. */
  failed(description: string, now = Date.now()): void {
    this.receiveTickAt = now;
    this.error = description;
    if (this.current !== SqsStatus.Draining && this.current !== SqsStatus.Closed) this.set(SqsStatus.Error);
  }
}
