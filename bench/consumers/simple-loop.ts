// The reference (`simple-loop`): the design every team writes first, and the one in the field
// notes. C workers, each "long-poll its own batch of 10, handle them one after another, delete
// the handled ones with one DeleteMessageBatch, poll again". At most C in flight; no framework,
// no buffer, no heartbeat; the floor of SQS requests (0.2 per message on a busy queue). Its cost
// is the two round trips (receive, delete) every worker waits for between batches, which a
// network makes visible. Its idle cost is C long polls at once on an empty queue.
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:http';
import { config, countRequests, CREDENTIALS, fail, handle, parseBody, ready } from '../lib/harness.js';

const abort = new AbortController();
let stopping = false;

async function worker(sqs: SQSClient): Promise<void> {
  while (!stopping) {
    let messages: Message[];
    try {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: config.queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: config.waitTimeSeconds,
          VisibilityTimeout: config.visibilityTimeout,
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: abort.signal },
      );
      messages = out.Messages ?? [];
    } catch (err) {
      if (stopping) return;
      process.stderr.write(`[simple-loop] receive failed: ${(err as Error).message}\n`);
      await new Promise((r) => setTimeout(r, 1_000));
      continue;
    }
    if (messages.length === 0) continue;
    const done: Message[] = [];
    for (const m of messages) {
      try {
        await handle(parseBody(m.Body));
        done.push(m);
      } catch {
        // Left on the queue: it comes back after its visibility timeout.
      }
    }
    const entries = done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle }));
    if (entries.length) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: config.queueUrl, Entries: entries }));
  }
}

async function main(): Promise<void> {
  // One socket per worker: a worker has one request in flight at a time. The SDK's default
  // agent stops at 50 sockets, and with C = 100 the last deletes then wait behind 50 empty
  // 20 s long polls (seen: W4 not drained in time). A team meets its warning and raises it.
  const requestHandler = new NodeHttpHandler({
    httpAgent: new Agent({ keepAlive: true, maxSockets: Math.max(50, config.concurrency) }),
  });
  const sqs = new SQSClient({
    endpoint: config.endpoint,
    region: config.region,
    credentials: CREDENTIALS,
    requestHandler,
  });
  countRequests(sqs);
  const workers = Array.from({ length: config.concurrency }, () => worker(sqs));
  process.once('SIGTERM', () => {
    // Stop polling at once (abort the long polls); a worker finishes its batch and deletes it.
    stopping = true;
    abort.abort();
    void Promise.all(workers).then(() => {
      sqs.destroy();
      process.exit(0);
    });
  });
  ready();
}

main().catch(fail);
