// `npm run send -- <pattern> '<json>' [count]`: puts messages on the service's queue through
// SqsClient, the same producer other services use. Reads the same variables as the service.
import { fromEnv } from '@aws-sdk/credential-providers';
import { SqsClient } from '../sqs/index.js';
import { applyLocalDefaults } from './local-env.js';

async function main(): Promise<void> {
  const [pattern, json = '{}', countArg = '1'] = process.argv.slice(2);
  if (!pattern) throw new Error("usage: npm run send -- <pattern> '<json>' [count]");
  applyLocalDefaults();
  const data: unknown = JSON.parse(json);
  const client = new SqsClient({
    queueUrl: process.env.SQS_QUEUE_URL!,
    patternAttribute: process.env.SQS_PATTERN_ATTRIBUTE || 'pattern',
    client: {
      region: process.env.AWS_REGION,
      endpoint: process.env.SQS_ENDPOINT || undefined,
      // Environment keys only, like the service in local mode: never ~/.aws.
      credentials: fromEnv(),
    },
  });
  const ids = await client.emitBatch(
    pattern,
    Array.from({ length: Number(countArg) }, () => data),
  );
  await client.close();
  process.stdout.write(
    `sent ${ids.length} message(s) with pattern "${pattern}" to ${process.env.SQS_QUEUE_URL}: ${ids.join(', ')}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`send failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
