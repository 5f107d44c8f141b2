// `npm run dev`: the service against an embedded local SQS. No cloud account, no Docker.
// Send a message from another terminal with `npm run send -- <pattern> '<json>'`.
import { Logger } from '@nestjs/common';
import { bootstrap } from '../main.js';
import { applyLocalDefaults } from './local-env.js';
import { startLocalSqs } from './local-sqs.js';

async function main(): Promise<void> {
  applyLocalDefaults();
  if (process.env.APP_ENV !== 'local' && process.env.APP_ENV !== 'development') {
    throw new Error(`npm run dev is for local runs; APP_ENV is "${process.env.APP_ENV}"`);
  }
  const endpoint = new URL(process.env.SQS_ENDPOINT ?? 'http://127.0.0.1:4566');
  const sqs = await startLocalSqs({
    port: Number(endpoint.port || 4566),
    queueUrl: process.env.SQS_QUEUE_URL!,
    dlqUrl: process.env.SQS_DLQ_URL!,
    maxReceiveCount: Number(process.env.SQS_MAX_RECEIVE_COUNT ?? 5),
  });
  Object.assign(process.env, { SQS_ENDPOINT: sqs.endpoint, SQS_QUEUE_URL: sqs.queueUrl, SQS_DLQ_URL: sqs.dlqUrl });
  new Logger('LocalSqs').log(
    `Embedded SQS (fauxqs) on ${sqs.endpoint}: queue ${sqs.queueUrl}, dead-letter queue ${sqs.dlqUrl}`,
  );
  // The service's own shutdown hooks exit the process; the emulator goes with it.
  await bootstrap();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
