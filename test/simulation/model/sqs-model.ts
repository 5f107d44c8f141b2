// A model of Amazon SQS as the consumer sees it, on whatever clock `Date.now()` and `setTimeout`
// are (the simulation fakes them). It follows AWS's documented behaviour, not any emulator's:
// - a receive hands out visible messages and makes them invisible for the visibility timeout,
//   raising `ApproximateReceiveCount` and issuing a new receipt handle each time;
// - with a redrive policy, a receive that finds a message already received `maxReceiveCount`
//   times moves it to the dead-letter queue instead of delivering it (same id, body, attributes);
// - FIFO: a group whose any message is in flight delivers nothing; otherwise its messages come
//   in send order; sends are deduplicated on `MessageDeduplicationId` for 5 minutes;
// - ChangeMessageVisibility needs the newest receipt of a message still in flight, else it fails
//   (`InvalidParameterValue`: "Message does not exist or is not available for visibility timeout
//   change"); a delete with an outdated receipt succeeds without deleting (AWS documents that).
// conformance-scenarios.ts checks these rules against real servers.
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';

export const MODEL_ACCOUNT = '000000000000';
export const MODEL_ENDPOINT = 'http://sqs.model.local';
const FIFO_DEDUP_WINDOW_MS = 5 * 60_000;

export interface ModelQueueSpec {
  name: string;
  redrive?: { deadLetterQueueName: string; maxReceiveCount: number };
}

export interface ModelMessage {
  readonly id: string;
  readonly body: string;
  readonly attributes?: Record<string, MessageAttributeValue>;
  readonly groupId?: string;
  readonly dedupId?: string;
  readonly sentAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  visibleAt: number;
  receipt?: string;
  /** Who holds the newest receipt (the simulation's process id). */
  holder?: string;
}

/** A receipt handed out: who got it, for which message, and how the delivery went. */
export interface Delivery {
  readonly receipt: string;
  readonly messageId: string;
  readonly body: string;
  readonly holder: string;
  /** The environment, not the consumer, wasted this receive (lost answer, crash, injected failure). */
  excused?: string;
}

export interface ModelListener {
  onDelivered?(queue: ModelQueue, delivery: Delivery): void;
  onMovedByRedrive?(queue: ModelQueue, message: ModelMessage): void;
  onSent?(queue: ModelQueue, message: ModelMessage): void;
  /** A visibility change sent earlier was applied after one sent later by the same client. */
  onReordered?(receipt: string, applied: number, overridden: number): void;
}

export class ModelError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly senderFault = true,
  ) {
    super(message);
  }
}

export class ModelQueue {
  readonly fifo: boolean;
  readonly url: string;
  readonly arn: string;
  messages: ModelMessage[] = [];
  readonly dedup = new Map<string, number>();

  constructor(readonly spec: ModelQueueSpec) {
    this.fifo = spec.name.endsWith('.fifo');
    this.url = `${MODEL_ENDPOINT}/${MODEL_ACCOUNT}/${spec.name}`;
    this.arn = `arn:aws:sqs:us-east-1:${MODEL_ACCOUNT}:${spec.name}`;
  }

  inFlight(m: ModelMessage, now: number): boolean {
    return m.receipt !== undefined && m.visibleAt > now;
  }
}

/** The server: queues, and the actions the API calls carry out (instantly; latency is the client's). */
export class SqsModel {
  readonly queues = new Map<string, ModelQueue>();
  readonly deliveries = new Map<string, Delivery>();
  private nextId = 0;
  private readonly lastChange = new Map<string, { order: number; seconds: number }>();
  private waiters = new Set<() => void>();

  constructor(private readonly listener: ModelListener = {}) {}

  createQueue(spec: ModelQueueSpec): ModelQueue {
    const queue = new ModelQueue(spec);
    this.queues.set(queue.url, queue);
    return queue;
  }

  queue(url: string): ModelQueue {
    const queue = this.queues.get(url);
    if (!queue) throw new ModelError('QueueDoesNotExist', `The specified queue does not exist: ${url}`);
    return queue;
  }

  queueByName(name: string): ModelQueue {
    for (const q of this.queues.values()) if (q.spec.name === name) return q;
    throw new ModelError('QueueDoesNotExist', `The specified queue does not exist: ${name}`);
  }

  redrivePolicy(url: string): string | undefined {
    const { redrive } = this.queue(url).spec;
    if (!redrive) return undefined;
    const dlq = this.queueByName(redrive.deadLetterQueueName);
    return JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: redrive.maxReceiveCount });
  }

  send(
    url: string,
    input: {
      body: string;
      attributes?: Record<string, MessageAttributeValue>;
      groupId?: string;
      dedupId?: string;
      delaySeconds?: number;
    },
    id = `m-${++this.nextId}`,
  ): string {
    const queue = this.queue(url);
    const now = Date.now();
    if (queue.fifo) {
      if (!input.groupId || !input.dedupId) throw new ModelError('MissingParameter', 'FIFO needs group and dedup ids');
      const seen = queue.dedup.get(input.dedupId);
      if (seen !== undefined && now - seen < FIFO_DEDUP_WINDOW_MS) return id;
      queue.dedup.set(input.dedupId, now);
    }
    const message: ModelMessage = {
      id,
      body: input.body,
      attributes: input.attributes,
      groupId: input.groupId,
      dedupId: input.dedupId,
      sentAt: now,
      receiveCount: 0,
      visibleAt: now + (input.delaySeconds ?? 0) * 1_000,
    };
    queue.messages.push(message);
    this.listener.onSent?.(queue, message);
    this.notify();
    return id;
  }

  /** Hands out up to `max` messages to `holder`; moves those past `maxReceiveCount` to the DLQ. */
  receive(url: string, max: number, visibilitySeconds: number, holder: string): Message[] {
    const queue = this.queue(url);
    const now = Date.now();
    const out: Message[] = [];
    for (const m of this.candidates(queue, now)) {
      if (out.length >= max) break;
      const redrive = queue.spec.redrive;
      if (redrive && m.receiveCount >= redrive.maxReceiveCount) {
        this.moveToDeadLetterQueue(queue, m);
        continue;
      }
      out.push(this.deliver(queue, m, now, visibilitySeconds, holder));
    }
    return out;
  }

  /** Deletes by receipt. An outdated receipt of a live message succeeds and deletes nothing (AWS). */
  delete(url: string, receipt: string): void {
    const queue = this.queue(url);
    const delivery = this.deliveries.get(receipt);
    if (!delivery) throw new ModelError('ReceiptHandleIsInvalid', `The input receipt handle "${receipt}" is not valid`);
    queue.messages = queue.messages.filter((m) => m.receipt !== receipt);
    this.notify();
  }

  /** `order`: the client's sending order, to tell when the network reordered two changes. */
  changeVisibility(url: string, receipt: string, seconds: number, order = 0): void {
    const queue = this.queue(url);
    const last = this.lastChange.get(receipt);
    if (last && order < last.order) this.listener.onReordered?.(receipt, seconds, last.seconds);
    if (!last || order > last.order) this.lastChange.set(receipt, { order, seconds });
    const now = Date.now();
    const m = queue.messages.find((x) => x.receipt === receipt);
    if (!m || !queue.inFlight(m, now)) {
      throw new ModelError(
        'InvalidParameterValue',
        `Value ${receipt} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
      );
    }
    m.visibleAt = now + seconds * 1_000;
    if (seconds === 0) this.notify();
  }

  /** Resolves when a receive may find something new, or at `deadline` (epoch ms). */
  waitForChange(url: string, deadline: number): Promise<void> {
    const queue = this.queue(url);
    const now = Date.now();
    const nextVisible = Math.min(...queue.messages.filter((m) => m.visibleAt > now).map((m) => m.visibleAt));
    const until = Math.max(now, Math.min(deadline, nextVisible));
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, until - now);
      this.waiters.add(done);
    });
  }

  /** Messages left in a queue (visible or not). */
  size(url: string): number {
    return this.queue(url).messages.length;
  }

  private candidates(queue: ModelQueue, now: number): ModelMessage[] {
    if (!queue.fifo) return queue.messages.filter((m) => m.visibleAt <= now);
    const lockedGroups = new Set(queue.messages.filter((m) => m.visibleAt > now).map((m) => m.groupId));
    return queue.messages.filter((m) => !lockedGroups.has(m.groupId));
  }

  private deliver(queue: ModelQueue, m: ModelMessage, now: number, seconds: number, holder: string): Message {
    m.receiveCount += 1;
    m.firstReceiveAt ??= now;
    m.visibleAt = now + seconds * 1_000;
    m.receipt = `${m.id}#${m.receiveCount}#${++this.nextId}`;
    m.holder = holder;
    const delivery: Delivery = { receipt: m.receipt, messageId: m.id, body: m.body, holder };
    this.deliveries.set(m.receipt, delivery);
    this.listener.onDelivered?.(queue, delivery);
    return {
      MessageId: m.id,
      ReceiptHandle: m.receipt,
      Body: m.body,
      MessageAttributes: m.attributes,
      Attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt),
        SentTimestamp: String(m.sentAt),
        ...(m.groupId ? { MessageGroupId: m.groupId } : {}),
        ...(m.dedupId ? { MessageDeduplicationId: m.dedupId } : {}),
      },
    };
  }

  private moveToDeadLetterQueue(queue: ModelQueue, m: ModelMessage): void {
    const dlq = this.queueByName(queue.spec.redrive!.deadLetterQueueName);
    queue.messages = queue.messages.filter((x) => x !== m);
    dlq.messages.push({ ...m, receipt: undefined, holder: undefined, visibleAt: Date.now() });
    this.listener.onMovedByRedrive?.(queue, m);
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
