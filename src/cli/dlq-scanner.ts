import {
  ChangeMessageVisibilityBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** How long a scan waits for more messages; an empty long poll means the queue has none visible. */
const WAIT_SECONDS = 1;

/**
 * Reads a queue batch by batch, keeping what it read invisible for `holdSeconds` so that one
 * scan never sees a message twice. Whatever the caller does not delete must be handed back
 * with {@link release} (visible again at once); if the process dies instead, SQS makes it
 * visible again after `holdSeconds`. Nothing is ever lost by a scan.
 */
export class DlqScanner {
  private readonly held = new Map<string, string>();
  private seen = 0;

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly holdSeconds: number,
    private readonly limit: number,
  ) {}

  /** Yields batches until the queue has nothing visible or `limit` messages were read. */
  async *batches(): AsyncGenerator<Message[]> {
    while (this.seen < this.limit) {
      const { Messages = [] } = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: Math.min(10, this.limit - this.seen),
          WaitTimeSeconds: WAIT_SECONDS,
          VisibilityTimeout: this.holdSeconds,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) return;
      this.seen += Messages.length;
      for (const m of Messages) this.held.set(m.MessageId ?? '', m.ReceiptHandle ?? '');
      yield Messages;
    }
  }

  /** The message is gone (deleted by the caller): nothing to release. */
  forget(message: Message): void {
    this.held.delete(message.MessageId ?? '');
  }

  /** Makes every message still held visible again, ten per call. */
  async release(): Promise<void> {
    const entries = [...this.held.values()].map((ReceiptHandle, i) => ({
      Id: String(i),
      ReceiptHandle,
      VisibilityTimeout: 0,
    }));
    this.held.clear();
    for (let i = 0; i < entries.length; i += 10) {
      await this.client.send(
        new ChangeMessageVisibilityBatchCommand({ QueueUrl: this.queueUrl, Entries: entries.slice(i, i + 10) }),
      );
    }
  }
}
