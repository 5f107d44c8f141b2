import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { Acknowledger } from '../settlement/acknowledger.js';
import { DeadLetterForwarder } from '../settlement/dead-letter-forwarder.js';
import type { DownstreamGate } from '../core/downstream-gate.js';
import type { HeldMessage } from '../core/held-message.js';
import { HeldRegistry } from '../pool/held-registry.js';
import { IntakePauses } from '../intake/intake-pauses.js';
import { IntakeSizer } from '../intake/intake-sizer.js';
import { MessageBuffer } from '../buffer/message-buffer.js';
import { runWithSqsMessage } from '../dispatch/message-context.js';
import { PayloadResolver } from '../large-payload/payload-resolver.js';
import { MessageRouting, type RoutedMessage } from '../dispatch/message-routing.js';
import type { MessageDispatcher } from '../dispatch/message-dispatcher.js';
import { messageLogFields } from '../core/message-log-fields.js';
import { QueueIntake } from '../intake/queue-intake.js';
import { PauseHold } from '../intake/pause-hold.js';
import { toResolvedQueue, type ResolvedQueue } from '../core/queue-registry.js';
import { RedrivePolicyReader } from '../intake/redrive-policy-reader.js';
import { ConsumerStatus } from './consumer-status.js';
import { Settlement, type DispatchOutcome, type EventSink } from '../settlement/settlement.js';
import { SlowStart } from '../intake/slow-start.js';
import type { SqsServerSnapshot } from '../core/sqs.events.js';
import { receiveRequestTimeoutMs, type ResolvedSqsServerOptions } from '../core/sqs.options.js';
import type { ProcessHook } from '../telemetry/consumer-telemetry.js';
import type { TransportLogger } from '../core/transport-logger.js';
import { GiveBackCause } from '../settlement/untried-give-back.js';
import { VisibilityHeartbeat } from '../pool/visibility-heartbeat.js';
import { WorkerPool } from '../pool/worker-pool.js';

export interface ConsumerEngineParts {
  client: SQSClient;
  options: ResolvedSqsServerOptions;
  dispatcher: MessageDispatcher;
  emit: EventSink;
  status: ConsumerStatus;
  logger: TransportLogger;
  /** OpenTelemetry's process span and metrics around each message; absent without an SDK. */
  telemetry?: ProcessHook;
}

/**
 * The consumer, with no Nest in it: intake (adaptive long polls, paused while a dependency is
 * down) → bounded buffer → fixed worker pool → dispatcher → settlement. A message flows one
 * way; the engine reports through events and the status, and calls nobody back.
 */
export class ConsumerEngine {
  private readonly options: ResolvedSqsServerOptions;
  private readonly queues: ResolvedQueue[];
  private readonly buffer: MessageBuffer;
  private readonly intakes: QueueIntake[];
  private readonly sizer: IntakeSizer;
  private readonly pauses: IntakePauses;
  private readonly slowStart: SlowStart;
  private readonly pool: WorkerPool;
  private readonly acknowledger: Acknowledger;
  private readonly heartbeat: VisibilityHeartbeat;
  private readonly registry = new HeldRegistry();
  private readonly settlement: Settlement;
  private readonly payloads: PayloadResolver;
  private readonly routing: MessageRouting;
  private readonly hold: PauseHold;
  private readonly redrive: RedrivePolicyReader;
  private readonly abort = new AbortController();
  /** Aborts the receives still in flight at close() once the grace period is over. */
  private readonly abortCalls = new AbortController();
  private receiving: Promise<void> = Promise.resolve();
  /** Give-backs not awaited by their caller; close() waits for them before the last flush. */
  private readonly givingBack = new Set<Promise<void>>();

  constructor(private readonly parts: ConsumerEngineParts) {
    const o = (this.options = parts.options);
    this.queues = o.queues.map(toResolvedQueue);
    // A worker with nothing to start is the sizer's signal to fetch further ahead.
    this.buffer = new MessageBuffer(o.prefetch, () => this.sizer.onStarved(), o.maxBufferedBytes);
    this.acknowledger = this.createAcknowledger();
    this.heartbeat = this.createHeartbeat();
    this.intakes = this.queues.map((queue) => this.createIntake(queue));
    this.sizer = new IntakeSizer(this.intakes, this.buffer, {
      batchSize: o.batchSize,
      staleAfterMs: (o.heartbeatIntervalSeconds * 1_000) / 2,
    });
    this.pauses = new IntakePauses(this.intakes, {
      onPaused: (queueUrl, dependency, reason) => this.onIntakePaused(queueUrl, dependency, reason),
      onResumed: (queueUrl, dependency, pausedMs) => this.onIntakeResumed(queueUrl, dependency, pausedMs),
    });
    this.slowStart = new SlowStart(o.slowStartMessages, o.concurrency);
    this.hold = new PauseHold(this.buffer, o.pauseHoldSeconds * 1_000, (url, held) => this.onHoldExpired(url, held));
    this.redrive = new RedrivePolicyReader(parts.client, this.queues, parts.logger, {
      onRead: () => parts.status.succeeded(),
      onError: (q, error) => this.onReceiveError(q, error),
    });
    this.payloads = new PayloadResolver(o.largePayloads);
    this.routing = new MessageRouting(parts.dispatcher, this.payloads, o.patternAttribute);
    this.pool = this.createPool();
    this.settlement = new Settlement({
      client: parts.client,
      acknowledger: this.acknowledger,
      deadLetters: new DeadLetterForwarder(parts.client, o.deadLetterBody),
      buffer: this.buffer,
      heartbeat: this.heartbeat,
      registry: this.registry,
      pauses: this.pauses,
      emit: parts.emit,
      logger: parts.logger,
      backoff: o.backoff,
      patternAttribute: o.patternAttribute,
      closing: this.abort.signal,
    });
  }

  /** Checks the queues, then starts the heartbeat, the workers and the intake. */
  async start(): Promise<void> {
    // The answer also proves that the queues exist and the credentials work, so readiness
    // follows within a round trip instead of after the first long poll.
    await this.redrive.start();
    this.heartbeat.start();
    this.pool.start();
    this.sizer.start();
    this.receiving = Promise.all(
      this.intakes.map((intake) => intake.run(this.abort.signal, this.abortCalls.signal)),
    ).then(() => undefined);
  }

  /**
   * Stops receiving at once, gives back the buffered messages no worker started, lets running
   * handlers finish within `shutdownGraceSeconds` (counted from the call, however slow the
   * give-back is), gives back any still running after that, flushes the deletes. A long poll
   * in flight is let answer (within `waitTimeSeconds`) and its batch given back: aborted, an
   * answer SQS already gave would be lost and its receives spent. Past the grace it is aborted.
   */
  async close(): Promise<void> {
    this.abort.abort();
    const callsTimer = setTimeout(() => this.abortCalls.abort(), this.options.shutdownGraceSeconds * 1_000);
    this.sizer.stop();
    this.pauses.close();
    this.slowStart.close();
    this.hold.close();
    this.redrive.stop();
    this.track(this.settlement.release(this.buffer.close(), GiveBackCause.Shutdown));
    const drained = await this.pool.drain(this.options.shutdownGraceSeconds * 1_000);
    if (!drained) {
      const stragglers = [...this.pool.inFlight];
      this.parts.logger.warn(
        `Grace period of ${this.options.shutdownGraceSeconds}s over; releasing ${stragglers.length} message(s) still running`,
      );
      this.track(this.settlement.release(stragglers, GiveBackCause.GraceExpired));
    }
    await this.receiving;
    clearTimeout(callsTimer);
    while (this.givingBack.size > 0) await Promise.all([...this.givingBack]);
    await this.acknowledger.flush();
    this.heartbeat.stop();
    this.registry.clear();
    this.payloads.close();
  }

  /** See `SqsServer.pauseWhileDown`. */
  pauseWhileDown(gate: DownstreamGate, queueUrls?: string[]): void {
    for (const queue of this.queues) if (!queueUrls || queueUrls.includes(queue.url)) this.pauses.tie(queue.url, gate);
  }

  snapshot(): Pick<SqsServerSnapshot, 'inFlight' | 'buffered' | 'paused' | 'redrivePolicyUnknown'> {
    return {
      inFlight: this.pool.inFlight.size,
      buffered: this.buffer.size,
      paused: this.pauses.snapshot(),
      redrivePolicyUnknown: this.redrive.unknown,
    };
  }

  private createPool(): WorkerPool {
    const telemetry = this.parts.telemetry;
    return new WorkerPool(this.options.concurrency, this.buffer, (m) =>
      telemetry ? telemetry.process(m, () => this.process(m)) : this.process(m),
    );
  }

  private createAcknowledger(): Acknowledger {
    return new Acknowledger(this.parts.client, this.options.deleteBatchLingerMs, {
      onDeleteError: (m, error) => {
        this.log('error', m, `delete failed; the message will be delivered again: ${error.message}`);
        this.parts.emit('delete_error', m.queue.url, error);
      },
      onVisibilityError: (m, error) => this.log('warn', m, `visibility change failed: ${error.message}`),
    });
  }

  private createHeartbeat(): VisibilityHeartbeat {
    const o = this.options;
    return new VisibilityHeartbeat(
      this.acknowledger,
      {
        visibilityTimeout: o.visibilityTimeout,
        intervalSeconds: o.heartbeatIntervalSeconds,
        maxVisibilitySeconds: o.maxVisibilitySeconds,
      },
      {
        onExtended: (m, seconds) => this.parts.emit('visibility_extended', m.info, seconds),
        onGivenUp: (m) =>
          this.log('warn', m, `held for maxVisibilitySeconds (${o.maxVisibilitySeconds}s): no longer extended`),
      },
    );
  }

  private createIntake(queue: ResolvedQueue): QueueIntake {
    const o = this.options;
    return new QueueIntake(
      this.parts.client,
      queue,
      this.buffer,
      {
        batchSize: o.batchSize,
        waitTimeSeconds: o.waitTimeSeconds,
        visibilityTimeout: o.visibilityTimeout,
        minReceivers: o.minReceiversPerQueue,
        maxReceivers: o.maxReceiversPerQueue,
        receiveDeadlineMs: receiveRequestTimeoutMs(o.waitTimeSeconds),
      },
      {
        onReceived: (q, messages, reserved) => this.onReceived(q, messages, reserved),
        onError: (q, error) => this.onReceiveError(q, error),
        onResized: () => this.sizer.resize(),
      },
    );
  }

  private onReceived(queue: ResolvedQueue, messages: Message[], reserved: number): void {
    const now = Date.now();
    this.parts.status.succeeded(now);
    this.parts.emit('receive', queue.url, messages.length);
    const admitted = this.registry.admit(messages, queue, now, (known) => {
      this.log('warn', known, 'received again while still held; not run twice');
      this.parts.emit('duplicate_suppressed', known.info);
    });
    if (this.abort.signal.aborted) {
      // A receive that answered as close() began: give the batch back now rather than hold it
      // invisible in a buffer nobody reads any more. (One answered during a pause is kept:
      // the buffer holds the paused queue's messages.)
      this.buffer.unreserve(reserved);
      this.track(this.settlement.release(admitted, GiveBackCause.Shutdown));
      return;
    }
    for (const held of admitted) this.heartbeat.track(held);
    this.buffer.push(admitted, reserved);
  }

  private onReceiveError(queue: ResolvedQueue, error: Error): void {
    this.parts.status.failed(`${queue.url}: ${error.name}: ${error.message}`);
    this.parts.logger.error(`SQS receive failed on ${queue.url}: ${error.name}: ${error.message}`);
    this.parts.emit('receive_error', queue.url, error);
  }

  /**
   * One message, once the slow start gives it a place (see `SlowStart`). Never throws: an error
   * of the engine's own steps (not the handler's, which `dispatch` turns into an outcome) is
   * settled as such.
   */
  private async process(held: HeldMessage): Promise<void> {
    // Awaited only during a ramp: a resolved promise per message costs a turn of the queue.
    const ticket = this.slowStart.enterNow(held.queue.url) ?? (await this.slowStart.enter(held.queue.url));
    // Refused only when closing: given back untried, like the buffered messages.
    if (!ticket) return this.track(this.settlement.release([held], GiveBackCause.Shutdown));
    let succeeded = false;
    try {
      succeeded = await this.run(held);
    } catch (err) {
      await this.settlement.internalError(held, err);
    } finally {
      ticket.done(succeeded);
    }
  }

  /** One message, from its pattern to its settlement; false when its handler failed. */
  private async run(held: HeldMessage): Promise<boolean> {
    const routed = await this.routing.route(held);
    // A message that never reached a handler says nothing about the dependency: not a failure.
    if ('kind' in routed) return (await this.settlement.settle(held, routed), true);
    const outcome = await this.dispatch(held, routed);
    await this.settlement.settle(held, outcome);
    if (outcome.kind !== 'succeeded') return false;
    if (!routed.pointer) return true;
    const error = await this.payloads.discard(routed.pointer);
    if (error) this.log('warn', held, `${error.message}; the object stays in S3`);
    return true;
  }

  private async dispatch(held: HeldMessage, { decoded, run }: RoutedMessage): Promise<DispatchOutcome> {
    this.parts.emit('processing_started', held.info);
    const startedAt = performance.now();
    try {
      await runWithSqsMessage(held.info, () => run(decoded, held));
      return { kind: 'succeeded', durationMs: performance.now() - startedAt };
    } catch (error) {
      return { kind: 'failed', error, durationMs: performance.now() - startedAt };
    }
  }

  private onIntakePaused(queueUrl: string, dependency: string, reason: string): void {
    this.hold.hold(queueUrl);
    this.sizer.resize();
    this.parts.logger.warn({
      msg: `intake paused on ${queueUrl}: ${dependency} is down (${reason}); buffered messages held (up to ${this.options.pauseHoldSeconds}s) until it is back`,
      queueUrl,
      dependency,
    });
    this.parts.emit('intake_paused', queueUrl, dependency, reason);
    this.slowStart.pause(queueUrl);
  }

  private onHoldExpired(queueUrl: string, held: HeldMessage[]): void {
    this.parts.logger.warn({
      msg: `intake on ${queueUrl} paused for over ${this.options.pauseHoldSeconds}s: ${held.length} held message(s) given back`,
      queueUrl,
    });
    this.track(this.settlement.release(held, GiveBackCause.PauseHoldExpired));
  }

  private onIntakeResumed(queueUrl: string, dependency: string, pausedMs: number): void {
    // Paused under another dependency as well: its messages stay held.
    if (!this.pauses.isPaused(queueUrl)) {
      this.slowStart.begin(queueUrl);
      this.hold.resume(queueUrl);
    }
    this.sizer.resize();
    this.parts.logger.log({
      msg: `intake resumed on ${queueUrl}: ${dependency} is back after ${Math.round(pausedMs / 1_000)}s`,
      queueUrl,
      dependency,
      pausedMs,
    });
    this.parts.emit('intake_resumed', queueUrl, dependency, pausedMs);
  }

  private track(giveBack: Promise<void>): void {
    this.givingBack.add(giveBack);
    void giveBack.finally(() => this.givingBack.delete(giveBack));
  }

  private log(level: 'warn' | 'error', held: HeldMessage, text: string): void {
    this.parts.logger[level]({ msg: text, ...messageLogFields(held.info) });
  }
}
