// A real SQS-compatible server on loopback for end-to-end specs: fauxqs started in-process
// (default), or the server the suite runner started and named in SQS_TEST_ENDPOINT
// (SQS_TEST_BACKEND=elasticmq or moto).
import {
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { createQueue, queueCounts, type QueueCounts, type QueueSpec } from './queues.js';
import { startFauxqs, type FauxqsServer } from 'fauxqs';

export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
export const TEST_REGION = 'us-east-1';
/** Servers started by the suite runner (scripts/servers/<name>.mjs), reached at SQS_TEST_ENDPOINT. */
const EXTERNAL_BACKENDS = ['elasticmq', 'moto'];

export type { QueueSpec } from './queues.js';

export interface TestQueue {
  url: string;
  dlqUrl?: string;
}

export class SqsTestBackend {
  readonly client: SQSClient;

  private constructor(
    readonly name: string,
    readonly endpoint: string,
    private readonly fauxqs?: FauxqsServer,
  ) {
    this.client = new SQSClient({ endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  }

  static async start(): Promise<SqsTestBackend> {
    const backend = process.env.SQS_TEST_BACKEND ?? 'fauxqs';
    if (backend === 'fauxqs') {
      const server = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
      return new SqsTestBackend('fauxqs', server.address, server);
    }
    if (!EXTERNAL_BACKENDS.includes(backend)) {
      throw new Error(`unknown SQS_TEST_BACKEND=${backend}: fauxqs, ${EXTERNAL_BACKENDS.join(', ')}`);
    }
    const endpoint = process.env.SQS_TEST_ENDPOINT;
    if (!endpoint) throw new Error(`SQS_TEST_BACKEND=${backend} needs SQS_TEST_ENDPOINT (run it through npm test)`);
    return new SqsTestBackend(backend, endpoint);
  }

  /** Client config for the code under test, pointed at this server. */
  clientConfig() {
    return { endpoint: this.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS };
  }

  async createQueue(prefix: string, spec: QueueSpec = {}): Promise<TestQueue> {
    const { url, dlqUrl } = await createQueue(this.client, prefix, spec);
    return { url, dlqUrl };
  }

  async send(
    queueUrl: string,
    body: string,
    options: { attributes?: Record<string, MessageAttributeValue>; groupId?: string; pattern?: string } = {},
  ): Promise<string> {
    const attributes = { ...options.attributes };
    if (options.pattern) attributes.pattern = { DataType: 'String', StringValue: options.pattern };
    const result = await this.client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageAttributes: Object.keys(attributes).length ? attributes : undefined,
        MessageGroupId: options.groupId,
        MessageDeduplicationId: options.groupId ? randomUUID() : undefined,
      }),
    );
    return result.MessageId!;
  }

  /** Visible and in-flight counts (approximate, as SQS reports them). */
  counts(queueUrl: string): Promise<QueueCounts> {
    return queueCounts(this.client, queueUrl);
  }

  /** True once nothing is left on the queue, visible or in flight: every message was deleted. */
  async isEmpty(queueUrl: string): Promise<boolean> {
    const c = await this.counts(queueUrl);
    return c.visible + c.inFlight === 0;
  }

  /** Receives (and leaves in flight for `visibilityTimeout`) everything visible on a queue. */
  async drain(queueUrl: string, expected: number, timeoutMs = 10_000): Promise<Message[]> {
    const seen = new Map<string, Message>();
    const deadline = Date.now() + timeoutMs;
    while (seen.size < expected && Date.now() < deadline) {
      const { Messages = [] } = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 60,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
      );
      for (const m of Messages) seen.set(m.MessageId!, m);
    }
    return [...seen.values()];
  }

  async stop(): Promise<void> {
    this.client.destroy();
    await this.fauxqs?.stop();
  }
}
