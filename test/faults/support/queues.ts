// The test's own view of the SQS server: queues with a redrive policy, batch sends that
// return the message ids, depth checks and the dead-letter queue read back. Plus the
// accounting every fault case ends with: sent = deleted ∪ dead-lettered, nothing lost.
import {
  ReceiveMessageCommand,
  DeleteMessageBatchCommand,
  SendMessageBatchCommand,
  SQSClient,
  type Message,
  type MessageAttributeValue,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:http';
import { readJsonLines } from './processes.js';
import { createQueue, queueCounts, type QueueCounts } from '../../support/queues.js';

export interface FaultQueue {
  name: string;
  url: string;
  dlqUrl: string;
}

export interface OutgoingMessage {
  body: string;
  pattern?: string;
  attributes?: Record<string, MessageAttributeValue>;
}

export class FaultSqs {
  readonly client: SQSClient;

  constructor(readonly endpoint: string) {
    this.client = new SQSClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestHandler: new NodeHttpHandler({
        httpAgent: new Agent({ keepAlive: true, maxSockets: 32 }),
        requestTimeout: 30_000,
      }),
    });
  }

  /** A work queue with a dead-letter queue (redrive policy with `maxReceiveCount`). */
  async createQueue(
    prefix: string,
    options: {
      maxReceiveCount: number;
      visibilityTimeout?: number;
      maximumMessageSize?: number;
      dlqMaximumMessageSize?: number;
    },
  ): Promise<FaultQueue> {
    const { name, url, dlqUrl } = await createQueue(this.client, prefix, options);
    return { name, url, dlqUrl: dlqUrl! };
  }

  /**
   * SendMessageBatch, at most ten messages and 256 KiB per call (as SQS allows), `parallel`
   * calls at once; returns the ids in order.
   */
  async sendAll(queueUrl: string, messages: OutgoingMessage[], parallel = 8): Promise<string[]> {
    const ids: string[] = new Array(messages.length);
    const chunks: number[][] = [];
    let chunk: number[] = [];
    let bytes = 0;
    messages.forEach((m, index) => {
      const size = Buffer.byteLength(m.body) + 200;
      if (chunk.length === 10 || (chunk.length && bytes + size > 262_144)) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(index);
      bytes += size;
    });
    if (chunk.length) chunks.push(chunk);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < chunks.length) {
        let pending: Array<{ index: number; entry: SendMessageBatchRequestEntry }> = chunks[next++]!.map(
          (index, i) => ({
            index,
            entry: {
              Id: String(i),
              MessageBody: messages[index]!.body,
              MessageAttributes: toAttributes(messages[index]!),
            },
          }),
        );
        for (let attempt = 1; pending.length; attempt++) {
          const result = await this.client.send(
            new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending.map((p) => p.entry) }),
          );
          for (const ok of result.Successful ?? [])
            ids[pending.find((p) => p.entry.Id === ok.Id)!.index] = ok.MessageId!;
          const failed = new Set((result.Failed ?? []).map((f) => f.Id));
          if (failed.size && attempt >= 5)
            throw new Error(`SendMessageBatch kept failing: ${JSON.stringify(result.Failed)}`);
          pending = pending.filter((p) => failed.has(p.entry.Id));
        }
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    return ids;
  }

  counts(queueUrl: string): Promise<QueueCounts> {
    return queueCounts(this.client, queueUrl);
  }

  async depth(queueUrl: string): Promise<number> {
    const c = await this.counts(queueUrl);
    return c.visible + c.inFlight + c.delayed;
  }

  /**
   * Receives every message of a (dead-letter) queue and deletes it, so the queue can be read
   * again later for new arrivals. Stops after `expected` messages or an empty receive.
   */
  async takeAll(queueUrl: string, expected = Infinity): Promise<Message[]> {
    const out: Message[] = [];
    for (;;) {
      const { Messages = [] } = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: out.length >= expected ? 0 : 1,
          VisibilityTimeout: 300,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) return out;
      out.push(...Messages);
      await this.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
  }

  close(): void {
    this.client.destroy();
  }
}

function toAttributes(m: OutgoingMessage): Record<string, MessageAttributeValue> | undefined {
  const attributes = { ...m.attributes };
  if (m.pattern) attributes.pattern = { DataType: 'String', StringValue: m.pattern };
  return Object.keys(attributes).length ? attributes : undefined;
}

// --- what the consumers recorded -----------------------------------------------------------

export interface RecordLine {
  e: string;
  run: string;
  t: number;
  id?: string;
  p?: string;
  rc?: number;
  delay?: number;
  reason?: string;
  [key: string]: unknown;
}

export interface SnapLine extends RecordLine {
  rss: number;
  heap: number;
  handles: number;
  byType: Record<string, number>;
  listeners: number;
  serverListeners: number;
  abortListeners: number;
  extended: number;
  failed: number;
  deadLettered: number;
  inFlight: number;
  buffered: number;
  processed: number;
  started: number;
  receives: number;
  receiveErrors: number;
  seqHandled: number;
  seqDuplicates: number;
}

export class Records {
  constructor(readonly lines: RecordLine[]) {}

  /**
   * Reads a record file. A message the transport replaced by a fresh copy (`req` line: a
   * shutdown give-back or an outage requeue) lives on under the copy's id: the copy's lines are
   * read as the original's (`viaCopy` keeps the copy's id), so a case checks the ids it sent.
   */
  static read(file: string): Records {
    const lines = readJsonLines<RecordLine>(file);
    const originalOf = new Map<string, string>();
    for (const l of lines) if (l.e === 'req' && typeof l.copy === 'string') originalOf.set(l.copy, l.id!);
    const root = (id: string): string => {
      for (let seen = 0; originalOf.has(id) && seen < 1_000; seen++) id = originalOf.get(id)!;
      return id;
    };
    if (originalOf.size === 0) return new Records(lines);
    return new Records(
      lines.map((l) => (l.id && l.e !== 'req' && originalOf.has(l.id) ? { ...l, id: root(l.id), viaCopy: l.id } : l)),
    );
  }

  of(e: string, run?: string): RecordLine[] {
    return this.lines.filter((l) => l.e === e && (run === undefined || l.run === run));
  }

  /** Per message id, how many times event `e` was recorded. */
  countBy(e: string, run?: string): Map<string, number> {
    const m = new Map<string, number>();
    for (const l of this.of(e, run)) m.set(l.id!, (m.get(l.id!) ?? 0) + 1);
    return m;
  }

  snaps(run?: string): SnapLine[] {
    return this.of('snap', run) as SnapLine[];
  }
}

export interface Accounting {
  sent: number;
  handled: number;
  deleted: number;
  deadLettered: number;
  lost: string[];
  /** Messages whose handler completed more than once. */
  duplicates: number;
  /** Messages whose handler started more than once (incl. runs cut short by a kill). */
  restarts: number;
}

/**
 * Sent − (deleted ∪ dead-lettered). A message counts as deleted when a handler completed it and
 * the work queue is empty (visible + in flight + delayed = 0, checked by the caller after the
 * visibility timeout had time to pass), and as dead-lettered when its correlation id (or, for
 * a redrive, its message id) is found in the dead-letter queue.
 */
export function account(options: {
  sentIds: string[];
  records: Records;
  queueEmpty: boolean;
  /** Ids of sent messages found in the dead-letter queue. */
  deadLetteredIds?: Set<string>;
}): Accounting {
  const done = options.records.countBy('done');
  const started = options.records.countBy('start');
  const dlq = options.deadLetteredIds ?? new Set<string>();
  const lost: string[] = [];
  let deleted = 0;
  for (const id of options.sentIds) {
    const isDeleted = options.queueEmpty && (done.get(id) ?? 0) > 0;
    if (isDeleted) deleted += 1;
    if (!isDeleted && !dlq.has(id)) lost.push(id);
  }
  const sentSet = new Set(options.sentIds);
  return {
    sent: options.sentIds.length,
    handled: [...done.keys()].filter((id) => sentSet.has(id)).length,
    deleted,
    deadLettered: [...dlq].filter((id) => sentSet.has(id)).length,
    lost,
    duplicates: [...done.values()].filter((n) => n > 1).length,
    restarts: [...started.values()].filter((n) => n > 1).length,
  };
}

export function median(values: number[]): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
