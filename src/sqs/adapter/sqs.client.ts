import {
  SendMessageBatchCommand,
  SQSClient,
  type MessageAttributeValue,
  type SendMessageBatchRequestEntry,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import type { SqsClientLargePayloadOptions } from '../large-payload/large-payload.options.js';
import { PayloadOffloader } from '../large-payload/payload-offloader.js';
import { messageBytes } from '../core/message-size.js';
import { SqsRecord } from './sqs.record.js';
import { ProducerTelemetry, type SendTrace } from '../telemetry/producer-telemetry.js';

/** Options of an {@link SqsClient}: the queue it sends to and the SQS client to use. */
export interface SqsClientOptions {
  /** Queue the client sends to. */
  queueUrl: string;
  /** An `SQSClient` (kept open on close) or the config to build one (destroyed on close). */
  client?: SQSClient | SQSClientConfig;
  /** Message attribute that carries the pattern; must match the server's. Default `pattern`. */
  patternAttribute?: string;
  /** Longest an emit waits for others to share its `SendMessageBatch` (ms). Default 0 (same tick). */
  batchLingerMs?: number;
  /**
   * A PRODUCER `send` span per message whose context travels in the `traceparent` and
   * `tracestate` attributes, so `SqsServer` continues the trace (docs/tracing.md). Costs nothing
   * while no OpenTelemetry SDK is registered (checked once on connect). Default true.
   */
  traceContext?: boolean;
  /**
   * Store payloads above a threshold (default 1 MiB, SQS's limit) in S3 and send a pointer in
   * the format of AWS's SQS Extended Client libraries; `SqsServer` with `largePayloads` resolves it.
   * @defaultValue undefined (off: a message over SQS's limit is refused by SQS)
   */
  largePayloads?: SqsClientLargePayloadOptions;
}

/** Lifecycle of an `SqsClient`. */
export enum SqsClientStatus {
  Connected = 'connected',
  Closed = 'closed',
}

interface PendingSend {
  entry: Omit<SendMessageBatchRequestEntry, 'Id'>;
  resolve: (messageId: string) => void;
  reject: (error: Error) => void;
}

const MAX_BATCH_ENTRIES = 10;
/**
 * Bodies and attributes batched together at most. AWS allows 1 MiB per SendMessageBatch; some
 * emulators 256 KiB. A larger message (up to 1 MiB) is sent in a batch of its own.
 */
const MAX_BATCH_BYTES = 256 * 1024;

/**
 * A `ClientProxy` that sends events to an SQS queue, for producers, tests and tools:
 * `client.emit('user.registered', payload)`. The pattern travels as a message attribute and
 * the body is the JSON payload, which is what `SqsServer` reads. Emits made in the same tick
 * share `SendMessageBatch` calls. Per-message options (group, deduplication id, delay,
 * attributes) go in an `SqsRecord`.
 *
 * SQS has no replies, so `send()` (request/response) is not supported and errors clearly.
 */
export class SqsClient extends ClientProxy<Record<never, (...args: unknown[]) => unknown>, SqsClientStatus> {
  private client?: SQSClient;
  private ownsClient = false;
  private pending: PendingSend[] = [];
  private flushTimer?: NodeJS.Timeout | NodeJS.Immediate;
  private telemetry?: ProducerTelemetry;
  private offloader?: PayloadOffloader;
  private readonly patternAttribute: string;
  private readonly fifo: boolean;

  constructor(private readonly options: SqsClientOptions) {
    super();
    this.patternAttribute = options.patternAttribute ?? 'pattern';
    this.fifo = options.queueUrl.endsWith('.fifo');
    this.initializeSerializer({});
    this.initializeDeserializer({});
  }

  async connect(): Promise<SQSClient> {
    if (!this.client) {
      const given = this.options.client;
      this.ownsClient = !(given instanceof SQSClient);
      this.client = given instanceof SQSClient ? given : new SQSClient(given ?? {});
      if (this.options.traceContext !== false) this.telemetry = ProducerTelemetry.detect();
      if (this.options.largePayloads) this.offloader = new PayloadOffloader(this.options.largePayloads);
      this._status$.next(SqsClientStatus.Connected);
    }
    return this.client;
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.client && this.ownsClient) this.client.destroy();
    this.offloader?.close();
    this.offloader = undefined;
    this.client = undefined;
    this._status$.next(SqsClientStatus.Closed);
  }

  unwrap<T = SQSClient>(): T {
    if (!this.client) throw new Error('SqsClient is not initialized: call connect() first');
    return this.client as T;
  }

  /** Sends many events of one pattern at once; resolves with their message ids in order. */
  async emitBatch<T>(pattern: string, items: Array<T | SqsRecord<T>>): Promise<string[]> {
    await this.connect();
    return Promise.all(items.map((data) => this.sendOne(pattern, data)));
  }

  /** Sends everything queued now. */
  async flush(): Promise<void> {
    while (this.pending.length > 0) await this.sendPending();
  }

  protected publish(_packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    callback({
      err: new Error(
        'SqsClient does not support send() (request/response): SQS queues carry no replies. Use emit() and, if you need an answer, have the handler emit to a queue of yours.',
      ),
      isDisposed: true,
    });
    return () => undefined;
  }

  protected async dispatchEvent<T = string>(packet: ReadPacket): Promise<T> {
    await this.connect();
    const pattern = this.normalizePattern(packet.pattern);
    return (await this.sendOne(pattern, packet.data)) as T;
  }

  /** One message, in its `send` span when tracing: from the emit until its batch is answered. */
  private async sendOne(pattern: string, data: unknown): Promise<string> {
    const trace = this.telemetry?.startSend(this.options.queueUrl);
    try {
      const messageId = await this.enqueue(await this.toEntry(pattern, data, trace));
      trace?.end({ messageId });
      return messageId;
    } catch (error) {
      trace?.end({ error });
      throw error;
    }
  }

  private async toEntry(pattern: string, data: unknown, trace?: SendTrace): Promise<PendingSend['entry']> {
    const record = data instanceof SqsRecord ? data : new SqsRecord(data);
    const { options } = record;
    const attributes: Record<string, MessageAttributeValue> = {
      ...options.attributes,
      [this.patternAttribute]: { DataType: 'String', StringValue: pattern },
    };
    trace?.inject(attributes);
    const entry = {
      MessageBody: JSON.stringify(record.data ?? null),
      MessageAttributes: attributes,
      DelaySeconds: options.delaySeconds,
      MessageGroupId: options.groupId ?? (this.fifo ? pattern : undefined),
      MessageDeduplicationId: options.deduplicationId,
    };
    return this.offloader ? this.offloader.offload(entry) : entry;
  }

  private enqueue(entry: PendingSend['entry']): Promise<string> {
    return new Promise((resolve, reject) => {
      this.pending.push({ entry, resolve, reject });
      if (this.pending.length >= MAX_BATCH_ENTRIES) void this.sendPending();
      else this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    const run = (): void => {
      this.flushTimer = undefined;
      void this.flush();
    };
    const linger = this.options.batchLingerMs ?? 0;
    this.flushTimer = linger > 0 ? setTimeout(run, linger) : setImmediate(run);
  }

  /** Sends the next batch: up to ten entries, within the batch size limit. */
  private async sendPending(): Promise<void> {
    const batch: PendingSend[] = [];
    let bytes = 0;
    while (this.pending.length > 0 && batch.length < MAX_BATCH_ENTRIES) {
      const { MessageBody, MessageAttributes } = this.pending[0]!.entry;
      const size = messageBytes({ Body: MessageBody, MessageAttributes });
      if (batch.length > 0 && bytes + size > MAX_BATCH_BYTES) break;
      batch.push(this.pending.shift()!);
      bytes += size;
    }
    if (batch.length === 0) return;
    try {
      const client = await this.connect();
      const result = await client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: batch.map((p, i) => ({ ...p.entry, Id: String(i) })),
        }),
      );
      for (const ok of result.Successful ?? []) batch[Number(ok.Id)]!.resolve(ok.MessageId ?? '');
      for (const failed of result.Failed ?? []) {
        batch[Number(failed.Id)]!.reject(
          new Error(`SQS send failed: ${failed.Code ?? 'unknown'} ${failed.Message ?? ''}`.trim()),
        );
      }
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      for (const p of batch) p.reject(new Error(`SQS send failed: ${error.message}`, { cause: error }));
    }
  }
}
