// A small in-process SQS for the engine's unit specs: visibility timeouts, receive counts and
// the redrive policy's move on the receive after maxReceiveCount (the part of SQS the delivery
// rules are about), batch calls, and hooks to fail or stall a call. Not a simulation of SQS:
// no FIFO group locks, no partial batch failures unless a hook returns them.
import type { Message, MessageAttributeValue, SQSClient } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface MiniMessage {
  id: string;
  body: string;
  attributes?: Record<string, MessageAttributeValue>;
  receiveCount: number;
  visibleAt: number;
  handle?: string;
}

type Input = Record<string, unknown> & { QueueUrl?: string };
type Command = { constructor: { name: string }; input: Input };
/** Runs before a call of that command: throw to fail it, await to stall it. */
export type CallHook = (input: Input) => Promise<void> | void;

export class MiniSqs {
  readonly queueUrl = 'http://127.0.0.1:1/000000000000/work';
  readonly dlqUrl = 'http://127.0.0.1:1/000000000000/work-dlq';
  readonly messages: MiniMessage[] = [];
  /** What the redrive policy or the transport put in the DLQ. */
  readonly deadLetters: MiniMessage[] = [];
  readonly calls: string[] = [];
  readonly hooks = new Map<string, CallHook>();
  private sequence = 0;

  constructor(readonly maxReceiveCount: number | null = 5) {}

  send(body: string, attributes: Record<string, MessageAttributeValue> = {}): string {
    const id = `m${++this.sequence}`;
    this.messages.push({ id, body, attributes, receiveCount: 0, visibleAt: 0 });
    return id;
  }

  /** Messages still in the queue (visible or not). */
  get left(): MiniMessage[] {
    return this.messages;
  }

  get client(): SQSClient {
    return {
      send: (command: Command, options?: { abortSignal?: AbortSignal }) => this.call(command, options),
    } as unknown as SQSClient;
  }

  private async call(command: Command, options?: { abortSignal?: AbortSignal }): Promise<unknown> {
    const name = command.constructor.name.replace(/Command$/, '');
    this.calls.push(name);
    await this.hooks.get(name)?.(command.input);
    const input = command.input;
    switch (name) {
      case 'GetQueueAttributes':
        return this.maxReceiveCount === null
          ? { Attributes: {} }
          : {
              Attributes: {
                RedrivePolicy: JSON.stringify({
                  deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:work-dlq',
                  maxReceiveCount: this.maxReceiveCount,
                }),
              },
            };
      case 'GetQueueUrl':
        return { QueueUrl: this.dlqUrl };
      case 'ReceiveMessage':
        return this.receive(input, options?.abortSignal);
      case 'ChangeMessageVisibilityBatch':
        for (const e of input.Entries as Array<{ ReceiptHandle: string; VisibilityTimeout: number }>) {
          const m = this.byHandle(e.ReceiptHandle);
          if (m) m.visibleAt = Date.now() + e.VisibilityTimeout * 1_000;
        }
        return { Failed: [] };
      case 'DeleteMessageBatch':
        for (const e of input.Entries as Array<{ ReceiptHandle: string }>) this.remove(this.byHandle(e.ReceiptHandle));
        return { Failed: [] };
      case 'SendMessage':
        return { MessageId: this.store(input) };
      case 'SendMessageBatch': {
        const entries = input.Entries as Array<Input & { Id: string }>;
        return {
          Successful: entries.map((e) => ({ Id: e.Id, MessageId: this.store({ ...e, QueueUrl: input.QueueUrl }) })),
        };
      }
      default:
        throw new Error(`MiniSqs: ${name} not modelled`);
    }
  }

  private async receive(input: Input, signal?: AbortSignal): Promise<{ Messages: Message[] }> {
    const deadline = Date.now() + Number(input.WaitTimeSeconds ?? 0) * 1_000;
    for (;;) {
      const now = Date.now();
      this.redrive(now);
      const visible = this.messages.filter((m) => m.visibleAt <= now).slice(0, Number(input.MaxNumberOfMessages ?? 1));
      if (visible.length > 0 || now >= deadline) {
        return {
          Messages: visible.map((m) => {
            m.receiveCount += 1;
            m.visibleAt = now + Number(input.VisibilityTimeout ?? 30) * 1_000;
            m.handle = `${m.id}#${m.receiveCount}`;
            return {
              MessageId: m.id,
              ReceiptHandle: m.handle,
              Body: m.body,
              MessageAttributes: m.attributes,
              Attributes: { ApproximateReceiveCount: String(m.receiveCount), SentTimestamp: '0' },
            };
          }),
        };
      }
      await sleep(5, undefined, { signal });
    }
  }

  /** SQS's redrive policy: a visible message received maxReceiveCount times moves on its next receive. */
  private redrive(now: number): void {
    if (this.maxReceiveCount === null) return;
    for (const m of [...this.messages]) {
      if (m.visibleAt <= now && m.receiveCount >= this.maxReceiveCount) {
        this.remove(m);
        this.deadLetters.push(m);
      }
    }
  }

  private store(input: Input): string {
    const id = `m${++this.sequence}`;
    const message: MiniMessage = {
      id,
      body: String(input.MessageBody ?? ''),
      attributes: input.MessageAttributes as Record<string, MessageAttributeValue> | undefined,
      receiveCount: 0,
      visibleAt: Date.now() + Number(input.DelaySeconds ?? 0) * 1_000,
    };
    (input.QueueUrl === this.dlqUrl ? this.deadLetters : this.messages).push(message);
    return id;
  }

  private byHandle(handle: string): MiniMessage | undefined {
    return this.messages.find((m) => m.handle === handle);
  }

  private remove(m: MiniMessage | undefined): void {
    const i = m ? this.messages.indexOf(m) : -1;
    if (i >= 0) this.messages.splice(i, 1);
  }
}
