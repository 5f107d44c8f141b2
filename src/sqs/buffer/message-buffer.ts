import { FairRotation } from './fair-rotation.js';
import type { HeldMessage } from '../core/held-message.js';
import { messageBytes } from '../core/message-size.js';

type Waiter = (message: HeldMessage | null) => void;

interface RoomWaiter {
  wanted: number;
  grant: (granted: boolean) => void;
}

/**
 * What the workers met in the buffer over an interval: how many messages they took, the least
 * time one of those had waited, and whether a worker ever found nothing to take. A least wait
 * well above zero with no worker starved is a standing queue: messages the intake fetched
 * sooner than any worker needed them (held invisible, their memory live, for nothing).
 */
export interface Sojourn {
  taken: number;
  minWaitMs: number;
  starved: boolean;
}

/**
 * The bounded buffer between the receivers and the worker pool.
 *
 * Receivers `reserve()` room before each receive call, so the buffer can never overflow and
 * receiving simply pauses while workers are behind (back pressure with flat memory).
 * Besides the count, the buffer is bounded in bytes: no room is granted while the buffered
 * messages' bytes, plus the receives in flight counted at the recent average message size,
 * reach `maxBytes`. A receive cannot know sizes before it answers, so the bound may still be
 * overshot when sizes jump, by the receives already in flight, each at most one batch of
 * SQS-sized messages; with steady large messages, fewer receives run instead.
 *
 * Workers `take()` messages group by group in turn (see `FairRotation`), the oldest of a
 * group first; a message of a busy FIFO group waits until `complete()` frees its group, which
 * keeps each FIFO group strictly in order while other groups run in parallel.
 *
 * The capacity moves (the intake sizes it to the receives it keeps in flight) but never above
 * the bound it was built with. A worker that finds nothing to start reports it through
 * `onStarved`: that is the intake's signal that it should fetch further ahead.
 */
export class MessageBuffer {
  private readonly items: HeldMessage[] = [];
  private readonly busyGroups = new Set<string>();
  /** Queues whose messages stay buffered but are not handed out (their intake is paused). */
  private readonly heldQueues = new Set<string>();
  private readonly workerWaiters: Waiter[] = [];
  private roomWaiters: RoomWaiter[] = [];
  private readonly rotation = new FairRotation();
  /** Bytes of each buffered message; a Map, not a WeakMap: ephemerons cost every GC. */
  private readonly sizes = new Map<HeldMessage, number>();
  private reserved = 0;
  private bufferedBytes = 0;
  /** Recent average message size (exponentially weighted): what a reserved slot will cost. */
  private bytesPerMessage = 0;
  private closed = false;
  private currentCapacity: number;
  /** Since the last `takeSojourn()`: see {@link Sojourn}. */
  private sojourn: Sojourn = { taken: 0, minWaitMs: Infinity, starved: false };

  /**
   * @param maxCapacity the bound: messages buffered at most, whatever the intake asks for.
   * @param onStarved called when a worker waits for a message (none buffered, or only
   *   messages of FIFO groups already running).
   * @param maxBytes the byte bound: no room is granted while buffered messages reach it.
   */
  constructor(
    readonly maxCapacity: number,
    private readonly onStarved: () => void = () => undefined,
    readonly maxBytes = Infinity,
  ) {
    this.currentCapacity = maxCapacity;
  }

  get capacity(): number {
    return this.currentCapacity;
  }

  /** Resizes the buffer within its bound; a smaller size takes effect as workers drain it. */
  setCapacity(capacity: number): void {
    this.currentCapacity = Math.max(1, Math.min(this.maxCapacity, Math.floor(capacity)));
    this.notifyRoom();
  }

  get size(): number {
    return this.items.length;
  }

  /** Bytes of the buffered messages (bodies and attributes, as SQS counts them). */
  get bytes(): number {
    return this.bufferedBytes;
  }

  /** Ms the oldest buffered message has waited for a worker (0 when empty). */
  oldestWaitMs(now = Date.now()): number {
    const oldest = this.items[0];
    return oldest ? Math.max(0, now - oldest.receivedAt) : 0;
  }

  /** What the workers met since the last call (see {@link Sojourn}), and a fresh record. */
  takeSojourn(): Sojourn {
    const sojourn = this.sojourn;
    this.sojourn = { taken: 0, minWaitMs: Infinity, starved: false };
    return sojourn;
  }

  /**
   * Free slots not yet promised to a receive call; none while the byte bound is reached, the
   * slots already promised counted at the recent message size (nothing buffered or promised
   * always leaves room, so one batch larger than the bound still gets through).
   */
  get room(): number {
    if (this.bufferedBytes + this.reserved * this.bytesPerMessage >= this.maxBytes) return 0;
    return this.capacity - this.items.length - this.reserved;
  }

  /**
   * Promises `count` slots at once if they are free and nobody waits before the caller; false
   * otherwise (then `reserve` waits). The common case, without a promise or a signal.
   */
  tryReserve(count: number): boolean {
    const wanted = Math.min(count, this.maxCapacity);
    if (this.closed || this.roomWaiters.length > 0 || this.room < wanted) return false;
    this.reserved += wanted;
    return true;
  }

  /**
   * Waits until `count` slots are free and promises them to the caller. Callers are served in
   * arrival order, so one receiver looping fast cannot starve the others. Resolves false when
   * the buffer closes (or `signal` aborts) first.
   */
  reserve(count: number, signal?: AbortSignal): Promise<boolean> {
    const wanted = Math.min(count, this.maxCapacity);
    if (this.closed || signal?.aborted) return Promise.resolve(false);
    if (this.tryReserve(wanted)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.roomWaiters = this.roomWaiters.filter((w) => w !== waiter);
        resolve(false);
        this.notifyRoom();
      };
      const waiter: RoomWaiter = {
        wanted,
        grant: (granted) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(granted);
        },
      };
      this.roomWaiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Returns promised slots a receive call did not fill. */
  unreserve(count: number): void {
    this.reserved = Math.max(0, this.reserved - count);
    this.notifyRoom();
  }

  /** Adds received messages, filling slots reserved for them. */
  push(messages: HeldMessage[], reservedCount: number): void {
    this.reserved = Math.max(0, this.reserved - reservedCount);
    for (const m of messages) this.added(m);
    this.items.push(...messages);
    this.dispatch();
    this.notifyRoom();
  }

  /** The next message a worker may start, or null once the buffer is closed. */
  take(): Promise<HeldMessage | null> {
    const next = this.closed ? undefined : this.nextEligible();
    if (next) {
      this.notifyRoom();
      return Promise.resolve(next);
    }
    if (this.closed) return Promise.resolve(null);
    const waiting = new Promise<HeldMessage | null>((resolve) => this.workerWaiters.push(resolve));
    this.sojourn.starved = true;
    this.onStarved();
    return waiting;
  }

  /** A worker finished with `message`: its FIFO group may proceed. */
  complete(message: HeldMessage): void {
    if (message.orderingKey && this.busyGroups.delete(message.orderingKey)) this.dispatch();
  }

  /** Removes and returns the buffered messages of one FIFO group (to release them in order). */
  removeGroup(orderingKey: string): HeldMessage[] {
    const removed: HeldMessage[] = [];
    for (let i = this.items.length - 1; i >= 0; i--) {
      if (this.items[i]!.orderingKey === orderingKey) removed.unshift(this.removeAt(i));
    }
    if (removed.length) this.notifyRoom();
    return removed;
  }

  /**
   * Keeps the messages of one queue (those buffered now and those a receive in flight brings)
   * but hands none of them out until `unholdQueue`: its intake is paused.
   */
  holdQueue(queueUrl: string): void {
    this.heldQueues.add(queueUrl);
  }

  /** Hands out the messages of a held queue again, in their order. */
  unholdQueue(queueUrl: string): void {
    if (this.heldQueues.delete(queueUrl)) this.dispatch();
  }

  /** Removes and returns the buffered messages of one queue (held too long while paused). */
  removeQueue(queueUrl: string): HeldMessage[] {
    const removed: HeldMessage[] = [];
    for (let i = this.items.length - 1; i >= 0; i--) {
      if (this.items[i]!.queue.url === queueUrl) removed.unshift(this.removeAt(i));
    }
    if (removed.length) this.notifyRoom();
    return removed;
  }

  /**
   * Sizes of the bookkeeping kept by group: groups present, groups with a recorded turn, FIFO
   * groups running. All bounded by what is buffered and running; all 0 at rest (specs check it).
   */
  get groupBookkeeping(): { groups: number; turns: number; busyGroups: number } {
    return { ...this.rotation.size, busyGroups: this.busyGroups.size };
  }

  /** Finds a buffered message by id (duplicate suppression). */
  find(messageId: string): HeldMessage | undefined {
    return this.items.find((m) => m.info.messageId === messageId);
  }

  /** Stops intake and hands back every message no worker has started; idle workers get null. */
  close(): HeldMessage[] {
    this.closed = true;
    for (const waiter of this.workerWaiters.splice(0)) waiter(null);
    this.notifyRoom();
    const left = this.items.splice(0);
    for (const m of left) this.rotation.removed(m);
    this.sizes.clear();
    this.bufferedBytes = 0;
    return left;
  }

  private nextEligible(): HeldMessage | undefined {
    const held = this.heldQueues;
    const index = this.rotation.pick(
      this.items,
      held.size === 0
        ? (m) => !m.orderingKey || !this.busyGroups.has(m.orderingKey)
        : (m) => !held.has(m.queue.url) && (!m.orderingKey || !this.busyGroups.has(m.orderingKey)),
    );
    if (index < 0) return undefined;
    const message = this.removeAt(index, true);
    if (message.orderingKey) this.busyGroups.add(message.orderingKey);
    const waitedMs = Date.now() - message.receivedAt;
    this.sojourn.taken += 1;
    if (waitedMs < this.sojourn.minWaitMs) this.sojourn.minWaitMs = waitedMs;
    return message;
  }

  private added(message: HeldMessage): void {
    const size = messageBytes(message.message);
    this.sizes.set(message, size);
    this.bufferedBytes += size;
    // Weight 1/8: a batch of 10 moves the estimate most of the way, one odd message does not.
    this.bytesPerMessage = this.bytesPerMessage === 0 ? size : this.bytesPerMessage + (size - this.bytesPerMessage) / 8;
    this.rotation.added(message);
  }

  /** `taken`: a worker starts it (its group's turn advances), rather than it being handed back. */
  private removeAt(index: number, taken = false): HeldMessage {
    const [message] = this.items.splice(index, 1);
    this.bufferedBytes -= this.sizes.get(message!) ?? 0;
    this.sizes.delete(message!);
    if (taken) this.rotation.taken(message!);
    else this.rotation.removed(message!);
    return message!;
  }

  /** Hands eligible messages to idle workers; the room this frees goes to waiting receivers. */
  private dispatch(): void {
    let handed = false;
    while (this.workerWaiters.length > 0) {
      const next = this.nextEligible();
      if (!next) break;
      this.workerWaiters.shift()!(next);
      handed = true;
    }
    if (handed) this.notifyRoom();
  }

  private notifyRoom(): void {
    if (this.closed) {
      for (const waiter of this.roomWaiters.splice(0)) waiter.grant(false);
      return;
    }
    while (this.roomWaiters.length > 0 && this.room >= this.roomWaiters[0]!.wanted) {
      const waiter = this.roomWaiters.shift()!;
      this.reserved += waiter.wanted;
      waiter.grant(true);
    }
  }
}
