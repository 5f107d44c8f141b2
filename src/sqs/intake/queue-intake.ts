import { ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { receiveErrorDelayMs } from '../settlement/backoff.js';
import type { MessageBuffer } from '../buffer/message-buffer.js';
import type { ResolvedQueue } from '../core/queue-registry.js';

export interface IntakeOptions {
  batchSize: number;
  waitTimeSeconds: number;
  visibilityTimeout: number;
  /** Concurrent receives kept while the queue is idle. */
  minReceivers: number;
  /** Concurrent receives at most. */
  maxReceivers: number;
  /** A receive with no answer after this long is abandoned and counts as an error. */
  receiveDeadlineMs: number;
}

export interface IntakeHooks {
  /** A receive answered; `reserved` slots were promised to it in the buffer. */
  onReceived(queue: ResolvedQueue, messages: Message[], reserved: number): void;
  onError(queue: ResolvedQueue, error: Error): void;
  /** The number of receivers changed (the buffer is sized from it). */
  onResized(): void;
}

/** Why a queue is not being received from. */
export interface IntakePause {
  reason: string;
  since: number;
}

/** How long a receive must wait, at least, before it counts as a long poll on an empty queue. */
const WAITING_POLL_FLOOR_MS = 100;

/** A receive that got no answer in time: a half-open connection, a blackholed network. */
export class ReceiveTimeoutError extends Error {
  override readonly name = 'ReceiveTimeoutError';
}

/**
 * Receives from one queue with a varying number of concurrent long polls.
 *
 * Each receive first reserves room for a full batch in the buffer (back pressure: a slow pool
 * stops receiving instead of piling messages up), then asks SQS for that many. The number of
 * receives in flight adapts: `grow()` adds some (the sizer calls it when workers starve while
 * the queue returns full batches; 1, 2, 4... while every receive comes back full), a receive
 * that comes back empty retires its loop down to `minReceivers` (an idle queue costs one long
 * poll), so does a loop about to receive while another receive already waits in a long poll
 * (the tail of a backlog), and `shrink()` retires one.
 *
 * `pause()` stops receiving until every pause is lifted: no new receive starts, and a receive
 * in flight is let finish (aborting one SQS may already have answered would spend its
 * messages' receives for nothing; its messages are held with the rest). Every receive has a
 * deadline: the transport, not the SDK's retries, decides when a silent connection is an error. An abort of `run`'s signal ends the loops; a receive in flight
 * is let finish (an answer SQS already gave would otherwise be lost, its receives spent) until
 * `calls` aborts.
 */
export class QueueIntake {
  private target: number;
  private active = 0;
  private readonly pauses = new Map<string, IntakePause>();
  private cycle = new AbortController();
  /** Aborted when the target drops: loops waiting for buffer room recheck whether they retire. */
  private retiring = new AbortController();
  private resumed?: PromiseWithResolvers<void>;
  private fullBatchRttMs = 0;
  private queueHasMore = false;
  /** When the last growth happened (performance.now()). */
  private grownAt = 0;
  /** A receive sent after the last growth came back saying the queue has more. */
  private answeredSinceGrowth = true;
  /** Receives the next growth adds: doubles while every receive comes back full, else 1. */
  private growStep = 1;
  /** Start times (performance.now()) of the receives in flight, oldest first. */
  private readonly inFlightSince: number[] = [];
  private runSignal?: AbortSignal;
  private callSignal?: AbortSignal;
  private readonly loops = new Set<Promise<void>>();

  constructor(
    private readonly client: SQSClient,
    readonly queue: ResolvedQueue,
    private readonly buffer: MessageBuffer,
    private readonly options: IntakeOptions,
    private readonly hooks: IntakeHooks,
  ) {
    this.target = options.minReceivers;
  }

  /** Receives wanted now (loops above it retire on their next turn). */
  get receivers(): number {
    return this.target;
  }

  /** Receive loops running now; one retiring counts until it notices (its next turn). */
  get running(): number {
    return this.active;
  }

  get isPaused(): boolean {
    return this.pauses.size > 0;
  }

  /** Pauses in force, by key. */
  get pausedBy(): ReadonlyMap<string, IntakePause> {
    return this.pauses;
  }

  /** Smoothed round trip of receives that came back full (ms), 0 before the first. */
  get roundTripMs(): number {
    return this.fullBatchRttMs;
  }

  /**
   * Runs the receive loops until `signal` aborts; resolves when all have stopped, their
   * receives in flight answered or aborted by `calls`.
   */
  async run(signal: AbortSignal, calls: AbortSignal = signal): Promise<void> {
    this.runSignal = signal;
    this.callSignal = calls;
    for (let i = 0; i < this.target; i++) this.spawn();
    while (this.loops.size > 0) await Promise.all([...this.loops]);
  }

  /**
   * Adds receives in flight if the queue looks busy (its last receive was full), it is not
   * paused, the bound allows it, and a receive sent since the last growth came back full. Like
   * TCP's slow start, the step doubles while every receive comes back full (1, 2, 4...), so a
   * burst at an idle consumer (one long poll) reaches full intake in a few round trips instead
   * of one receive per round trip; a partial batch resets it to 1. Growth waits for an answer
   * to a receive it caused, not only for a round trip to pass: when a backlog's tail runs dry
   * while workers starve, the receives just added wait in long polls and say nothing, and
   * doubling on regardless took the intake from 2 to 20 in 30 ms, 18 empty polls (W3).
   */
  grow(): boolean {
    if (!this.runSignal || this.runSignal.aborted || this.isPaused || !this.queueHasMore) return false;
    if (this.target >= this.options.maxReceivers || !this.answeredSinceGrowth) return false;
    this.grownAt = performance.now();
    this.answeredSinceGrowth = false;
    this.target = Math.min(this.options.maxReceivers, this.target + this.growStep);
    this.growStep *= 2;
    while (this.active < this.target) this.spawn();
    return true;
  }

  /** Retires one receive (down to the minimum); it stops on its loop's next turn. */
  shrink(): boolean {
    if (this.target <= this.options.minReceivers) return false;
    this.target -= 1;
    this.growStep = 1; // fetching further ahead than the workers need: grow gently from here
    // A loop waiting for room would otherwise notice only when room frees, one long poll per
    // extra loop later (the simulation's at-rest check found them lingering).
    this.retiring.abort();
    this.retiring = new AbortController();
    return true;
  }

  /** Stops receiving under `key` (a dependency's name). Returns false if it already was. */
  pause(key: string, reason: string, now = Date.now()): boolean {
    if (this.pauses.has(key)) return false;
    this.pauses.set(key, { reason, since: now });
    if (this.pauses.size === 1) {
      this.target = this.options.minReceivers;
      this.growStep = 1;
      this.resumed = Promise.withResolvers<void>();
      this.cycle.abort();
    }
    return true;
  }

  /** Lifts the pause under `key`; returns how long it lasted (ms), or undefined if none. */
  resume(key: string, now = Date.now()): number | undefined {
    const pause = this.pauses.get(key);
    if (!pause) return undefined;
    this.pauses.delete(key);
    if (this.pauses.size === 0) {
      this.cycle = new AbortController();
      this.queueHasMore = false;
      this.resumed?.resolve();
    }
    return now - pause.since;
  }

  private spawn(): void {
    const signal = this.runSignal;
    if (!signal) return;
    const loop = this.loop(signal).finally(() => this.loops.delete(loop));
    this.loops.add(loop);
  }

  private async loop(signal: AbortSignal): Promise<void> {
    this.active += 1;
    let retired = false;
    try {
      let consecutiveErrors = 0;
      while (!signal.aborted && this.active <= this.target) {
        if (this.isPaused) {
          await this.waitForResume(signal);
          continue;
        }
        const outcome = await this.receiveOnce(signal);
        if (outcome === 'retired') {
          retired = true;
          return;
        }
        if (outcome === 'closed') return;
        if (outcome === 'error') {
          consecutiveErrors += 1;
          await sleep(receiveErrorDelayMs(consecutiveErrors), undefined, { signal }).catch(() => undefined);
        } else if (outcome === 'ok') {
          consecutiveErrors = 0;
        }
      }
    } finally {
      if (!retired) this.active -= 1;
    }
  }

  /** One reserve-receive-hand over turn. */
  private async receiveOnce(signal: AbortSignal): Promise<'ok' | 'retired' | 'closed' | 'error' | 'interrupted'> {
    const cycle = this.cycle.signal;
    const retiring = this.retiring.signal;
    const wanted = Math.min(this.options.batchSize, this.buffer.maxCapacity);
    // Room is usually there: only a wait needs a signal, and a composite signal per receive is
    // an allocation the garbage collector pays for on every message batch.
    const interrupted = signal.aborted || cycle.aborted || retiring.aborted;
    const granted =
      (!interrupted && this.buffer.tryReserve(wanted)) ||
      (await this.buffer.reserve(wanted, AbortSignal.any([signal, cycle, retiring])));
    if (!granted) {
      // Refused without an abort: the buffer closed, nothing more will be taken in.
      return signal.aborted || cycle.aborted || retiring.aborted ? 'interrupted' : 'closed';
    }
    if (this.isPaused || this.active > this.target) {
      this.buffer.unreserve(wanted);
      return 'interrupted';
    }
    const startedAt = performance.now();
    if (this.target > this.options.minReceivers && this.anotherPollIsWaiting(startedAt)) {
      // The queue ran dry: one of its receives is already waiting in a long poll, and another
      // would only wait beside it (each an empty answer to pay for). As the tail of a backlog
      // drains, room frees one batch at a time and every extra loop would otherwise send one.
      this.buffer.unreserve(wanted);
      this.retireIfExtra();
      return 'retired';
    }
    let messages: Message[];
    try {
      messages = await this.receive(wanted, signal, this.callSignal ?? signal);
    } catch (err) {
      this.buffer.unreserve(wanted);
      if (signal.aborted) return 'interrupted';
      this.hooks.onError(this.queue, err instanceof Error ? err : new Error(String(err)));
      // While SQS fails, one receive (backing off) is enough to notice it is back.
      return this.retireIfExtra() ? 'retired' : 'error';
    }
    this.observe(messages.length, wanted, startedAt);
    this.hooks.onReceived(this.queue, messages, wanted);
    if (messages.length > 0) return 'ok';
    // An empty answer: the queue is idle, one long poll per queue is enough.
    if (this.retireIfExtra()) return 'retired';
    if (this.options.waitTimeSeconds === 0) {
      // Short polling an empty queue would otherwise be a hot loop.
      await sleep(1_000, undefined, { signal }).catch(() => undefined);
    }
    return 'ok';
  }

  /**
   * Retires the calling loop if there are more than the minimum. It leaves the count of
   * running loops at once, with the target: until its `finally` ran, another loop checking
   * `active > target` would also leave, and the intake would run one loop short of its
   * target; with the target then above the loops, the last one could retire (the simulation
   * found a queue with no receive left).
   */
  private retireIfExtra(): boolean {
    if (this.target <= this.options.minReceivers) return false;
    this.target -= 1;
    this.active -= 1;
    this.hooks.onResized();
    return true;
  }

  private observe(count: number, wanted: number, startedAt: number): void {
    const full = count >= wanted;
    // "The queue has more": a full batch; on a FIFO queue any message, since SQS hands out one
    // group's messages per receive and the next receive may bring another group.
    this.queueHasMore = full || (this.queue.fifo && count > 0);
    if (this.queueHasMore && startedAt >= this.grownAt) this.answeredSinceGrowth = true;
    if (!full) this.growStep = 1;
    // Only a full batch measures the network: a partial one may have waited in the long poll.
    if (full) {
      const elapsedMs = performance.now() - startedAt;
      this.fullBatchRttMs = this.fullBatchRttMs === 0 ? elapsedMs : 0.8 * this.fullBatchRttMs + 0.2 * elapsedMs;
    }
  }

  /**
   * Whether a receive of this queue has been in flight well past a round trip. SQS answers a
   * long poll as soon as it has a message, so such a receive is waiting on an empty queue
   * (or, on a FIFO queue, on groups all in flight). The floor keeps a slow answer on a jittery
   * network from counting; a wrong guess costs one retired loop, which growth restores.
   */
  private anotherPollIsWaiting(now: number): boolean {
    const oldest = this.inFlightSince[0];
    return oldest !== undefined && now - oldest > Math.max(WAITING_POLL_FLOOR_MS, 4 * this.fullBatchRttMs);
  }

  private async receive(count: number, signal: AbortSignal, calls: AbortSignal): Promise<Message[]> {
    // One controller per call, aborted by the deadline or by `calls`; linked by a listener
    // rather than `AbortSignal.any`, whose weak references every receive would leave to the GC.
    const call = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      call.abort();
    }, this.options.receiveDeadlineMs);
    const follow = (): void => call.abort(calls.reason);
    if (calls.aborted) follow();
    else calls.addEventListener('abort', follow, { once: true });
    const startedAt = performance.now();
    this.inFlightSince.push(startedAt);
    try {
      const { Messages } = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queue.url,
          MaxNumberOfMessages: count,
          WaitTimeSeconds: this.options.waitTimeSeconds,
          VisibilityTimeout: this.options.visibilityTimeout,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
        { abortSignal: call.signal },
      );
      return Messages ?? [];
    } catch (err) {
      if (timedOut && !signal.aborted) {
        throw new ReceiveTimeoutError(`ReceiveMessage got no answer within ${this.options.receiveDeadlineMs} ms`, {
          cause: err,
        });
      }
      throw err;
    } finally {
      clearTimeout(timer);
      calls.removeEventListener('abort', follow);
      // Equal start times are interchangeable: removing the first keeps the list oldest first.
      this.inFlightSince.splice(this.inFlightSince.indexOf(startedAt), 1);
    }
  }

  private async waitForResume(signal: AbortSignal): Promise<void> {
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([this.resumed?.promise ?? Promise.resolve(), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  }
}
