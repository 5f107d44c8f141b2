// Peer: `sqs-consumer` (bbc/sqs-consumer), with `handleMessage` or `handleMessageBatch`
// (options.batch). One Consumer polls one batch at a time and waits for the whole batch before
// polling again; there is no concurrency option, so concurrency C is ceil(C / 10) Consumers of
// batchSize 10 on the same queue, which is how it is scaled in practice.
import { SQSClient } from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import { config, countRequests, CREDENTIALS, fail, handle, parseBody, ready } from '../lib/harness.js';

async function main(): Promise<void> {
  const batch = config.options?.batch === true;
  const sqs = new SQSClient({ endpoint: config.endpoint, region: config.region, credentials: CREDENTIALS });
  countRequests(sqs);
  const batchSize = Math.min(10, config.concurrency);
  const count = Math.ceil(config.concurrency / batchSize);
  const consumers = Array.from({ length: count }, () =>
    Consumer.create({
      queueUrl: config.queueUrl,
      sqs,
      batchSize,
      waitTimeSeconds: config.waitTimeSeconds,
      visibilityTimeout: config.visibilityTimeout,
      messageAttributeNames: ['All'],
      pollingCompleteWaitTimeMs: config.shutdownGraceSeconds * 1_000,
      ...(batch
        ? {
            handleMessageBatch: async (messages) => {
              await Promise.all(messages.map((m) => handle(parseBody(m.Body))));
              return messages;
            },
          }
        : {
            handleMessage: async (message) => {
              await handle(parseBody(message.Body));
              return message;
            },
          }),
    }),
  );
  for (const c of consumers) {
    c.on('error', (err) => process.stderr.write(`[sqs-consumer] ${err.message}\n`));
    c.on('processing_error', (err) => process.stderr.write(`[sqs-consumer] ${err.message}\n`));
  }
  // The documented way to stop: stop(), then wait for 'stopped' (in-flight work finishes within
  // pollingCompleteWaitTimeMs). Not { abort: true }: it would also abort the pending deletes.
  process.once('SIGTERM', () => {
    let stopped = 0;
    for (const c of consumers) {
      c.once('stopped', () => {
        stopped += 1;
        if (stopped === consumers.length) {
          sqs.destroy();
          process.exit(0);
        }
      });
      c.stop();
    }
  });
  for (const c of consumers) c.start();
  ready();
}

main().catch(fail);
