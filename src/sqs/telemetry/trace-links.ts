import type { Message } from '@aws-sdk/client-sqs';
import type { SpanContext } from '@opentelemetry/api';

/** Receipt handles remembered for settle spans at most; the oldest go first past it. */
const MAX_REMEMBERED = 4_096;

/**
 * What the client spans and the process spans tell each other: the receive span that brought a
 * message (its process span links to it), and the process span of a receipt handle (the batched
 * delete or visibility change that settles it later links to it). Bounded, so a message that is
 * never settled through this client cannot grow it.
 */
export class TraceLinks {
  private readonly receivedBy = new WeakMap<Message, SpanContext>();
  private readonly processedAs = new Map<string, SpanContext>();

  received(message: Message, receive: SpanContext): void {
    this.receivedBy.set(message, receive);
  }

  receiveOf(message: Message): SpanContext | undefined {
    return this.receivedBy.get(message);
  }

  processing(receiptHandle: string, process: SpanContext): void {
    if (!receiptHandle) return;
    this.processedAs.delete(receiptHandle);
    this.processedAs.set(receiptHandle, process);
    if (this.processedAs.size > MAX_REMEMBERED) this.processedAs.delete(this.processedAs.keys().next().value!);
  }

  /** The process span of a receipt handle; `forget` once the message is gone (deleted). */
  processOf(receiptHandle: string | undefined, forget: boolean): SpanContext | undefined {
    if (!receiptHandle) return undefined;
    const found = this.processedAs.get(receiptHandle);
    if (forget) this.processedAs.delete(receiptHandle);
    return found;
  }
}
