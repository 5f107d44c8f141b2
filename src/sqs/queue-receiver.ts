import { ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { receiveErrorDelayMs } from './backoff.js';
import type { MessageBuffer } from './message-buffer.js';
import type { ResolvedQueue } from './queue-registry.js';

export interface ReceiverOptions {
  batchSize: number;
  waitTimeSeconds: number;
  visibilityTimeout: number;
  /** Concurrent long polls on this queue. */
  receivers: number;
}

export interface ReceiverHooks {
  /** A receive answered; `reserved` slots were promised to it in the buffer. */
  onReceived(queue: ResolvedQueue, messages: Message[], reserved: number): void;
  onError(queue: ResolvedQueue, error: Error): void;
}

/**
 * Long-polls one queue. Each loop first reserves room in the buffer for a full batch, so a
 * slow pool pauses receiving instead of piling messages up, then asks SQS for that many.
 * Several loops run at once so that the next batch is already on its way while workers drain
 * the current one. Errors back off exponentially with jitter; an abort ends the loop at once,
 * even in the middle of a 20-second long poll.
 */
export class QueueReceiver {
  constructor(
    private readonly client: SQSClient,
    private readonly queue: ResolvedQueue,
    private readonly buffer: MessageBuffer,
    private readonly options: ReceiverOptions,
    private readonly hooks: ReceiverHooks,
  ) {}

  /** Runs the receive loops until `signal` aborts; resolves when all have stopped. */
  run(signal: AbortSignal): Promise<void> {
    const loops = Array.from({ length: this.options.receivers }, () => this.loop(signal));
    return Promise.all(loops).then(() => undefined);
  }

  private async loop(signal: AbortSignal): Promise<void> {
    const wanted = Math.min(this.options.batchSize, this.buffer.capacity);
    let consecutiveErrors = 0;
    while (!signal.aborted) {
      if (!(await this.buffer.reserve(wanted, signal))) return;
      try {
        const messages = await this.receive(wanted, signal);
        consecutiveErrors = 0;
        this.hooks.onReceived(this.queue, messages, wanted);
        if (messages.length === 0 && this.options.waitTimeSeconds === 0) {
          // Short polling an empty queue would otherwise be a hot loop.
          await sleep(1_000, undefined, { signal }).catch(() => undefined);
        }
      } catch (err) {
        this.buffer.unreserve(wanted);
        if (signal.aborted) return;
        consecutiveErrors += 1;
        this.hooks.onError(this.queue, err instanceof Error ? err : new Error(String(err)));
        await sleep(receiveErrorDelayMs(consecutiveErrors), undefined, { signal }).catch(() => undefined);
      }
    }
  }

  private async receive(count: number, signal: AbortSignal): Promise<Message[]> {
    const { Messages } = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queue.url,
        MaxNumberOfMessages: count,
        WaitTimeSeconds: this.options.waitTimeSeconds,
        VisibilityTimeout: this.options.visibilityTimeout,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
      { abortSignal: signal },
    );
    return Messages ?? [];
  }
}
