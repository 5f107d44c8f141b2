import { RetryableError } from './sqs.errors.js';

type GateListener = (down: boolean) => void;

/**
 * The availability of one dependency the handlers need (an API, a database), as the transport
 * sees it. Its owner, typically a circuit breaker that probes the dependency on its own
 * schedule, calls {@link markDown} and {@link markUp}.
 *
 * A handler that fails because the dependency is down throws `gate.unavailable(message)`.
 * While the gate is down, the transport stops receiving from the queue that message came from
 * (no `ReceiveMessage`, so no receive is spent on a message that cannot succeed now), gives
 * back the buffered messages nobody started, and resumes intake the moment the gate is up:
 * no message is needed to find out that the dependency is back.
 *
 * ```ts
 * const keycloak = new DownstreamGate('keycloak');
 * breaker.onBreak(() => keycloak.markDown('circuit breaker open'));
 * breaker.onReset(() => keycloak.markUp());
 * // in the handler
 * if (breakerIsOpen) throw keycloak.unavailable('Keycloak circuit breaker is open');
 * ```
 */
export class DownstreamGate {
  private down = false;
  private downReason?: string;
  private downSince?: number;
  private readonly listeners = new Set<GateListener>();

  /** @param name the dependency, as logs and the `sqs_intake_paused` metric show it. */
  constructor(readonly name: string) {}

  /** True while the owner says the dependency cannot serve requests. */
  get isDown(): boolean {
    return this.down;
  }

  /** Why it is down (free of personal data: it is logged), while it is. */
  get reason(): string | undefined {
    return this.downReason;
  }

  /** Epoch ms it went down, while it is. */
  get since(): number | undefined {
    return this.downSince;
  }

  /** The dependency is unavailable. Idempotent; a newer reason replaces the old one. */
  markDown(reason: string): void {
    this.downReason = reason;
    if (this.down) return;
    this.down = true;
    this.downSince = Date.now();
    this.notify();
  }

  /** The dependency answers again: paused intake resumes. Idempotent. */
  markUp(): void {
    if (!this.down) return;
    this.down = false;
    this.downReason = undefined;
    this.downSince = undefined;
    this.notify();
  }

  /** Subscribes to changes (`true` when it goes down). Returns the unsubscribe function. */
  onChange(listener: GateListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** The error a handler throws when this dependency made it fail. */
  unavailable(
    message = `${this.name} is unavailable`,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ): DownstreamUnavailableError {
    return new DownstreamUnavailableError(this, message, options);
  }

  private notify(): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(this.down);
      } catch {
        // A listener's bug must not stop the others from hearing about the change.
      }
    }
  }
}

/**
 * Thrown by a handler that failed because a dependency is down. The message is retried like
 * any `RetryableError`; in addition, while `gate` is down, its queue is paused (see
 * {@link DownstreamGate}). If the gate is already up again, it is an ordinary retry.
 */
export class DownstreamUnavailableError extends RetryableError {
  override readonly name: string = 'DownstreamUnavailableError';

  constructor(
    readonly gate: DownstreamGate,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options);
  }
}
