// The second reference (`simple-loop-batch`, the bench's simple loop until issue 9):
// N = ceil(C / 10) loops, each "long-poll 10, run them all with Promise.all, delete them with
// one DeleteMessageBatch, poll again". Up to C in flight, but a batch waits for its slowest
// message. No framework, no buffer, no heartbeat; the floor of SQS requests (0.2 per message).
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { config, countRequests, CREDENTIALS, fail, handle, parseBody, ready } from '../lib/harness.js';

const abort = new AbortController();
let stopping = false;

async function loop(sqs: SQSClient, batchSize: number): Promise<void> {
  while (!stopping) {
    let messages: Message[];
    try {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: config.queueUrl,
          MaxNumberOfMessages: batchSize,
          WaitTimeSeconds: config.waitTimeSeconds,
          VisibilityTimeout: config.visibilityTimeout,
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: abort.signal },
      );
      messages = out.Messages ?? [];
    } catch (err) {
      if (stopping) return;
      process.stderr.write(`[simple-loop-batch] receive failed: ${(err as Error).message}\n`);
      await new Promise((r) => setTimeout(r, 1_000));
      continue;
    }
    if (messages.length === 0) continue;
    const ok = await Promise.all(
      messages.map((m) =>
        handle(parseBody(m.Body)).then(
          () => true,
          () => false,
        ),
      ),
    );
    const entries = messages.filter((_, i) => ok[i]).map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle }));
    if (entries.length) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: config.queueUrl, Entries: entries }));
  }
}

async function main(): Promise<void> {
  const sqs = new SQSClient({ endpoint: config.endpoint, region: config.region, credentials: CREDENTIALS });
  countRequests(sqs);
  const batchSize = Math.min(10, config.concurrency);
  const loops = Array.from({ length: Math.ceil(config.concurrency / batchSize) }, () => loop(sqs, batchSize));
  process.once('SIGTERM', () => {
    // Stop polling at once (abort the long polls), let the running batches finish and delete.
    stopping = true;
    abort.abort();
    void Promise.all(loops).then(() => {
      sqs.destroy();
      process.exit(0);
    });
  });
  ready();
}

main().catch(fail);
