// `npm run send -- <pattern> '<json>' [count]`: puts messages on the service's queue through
// SqsClient, the same producer other services use. Reads the same variables as the service.
import { fromEnv } from '@aws-sdk/credential-providers';
import { parseArgs } from 'node:util';
import { SqsClient } from '../sqs/index.js';
import { applyLocalDefaults } from './local-env.js';

const USAGE = `Usage: npm run send -- <pattern> ['<json>'] [count]

  Sends <count> (default 1) messages with the pattern attribute <pattern> and the JSON body
  <json> (default {}) to SQS_QUEUE_URL, through SqsClient, with environment keys only.

  -h, --help   this text`;

/** Exits 2 with one line on stderr, then the usage. */
function usageError(message: string): never {
  process.stderr.write(`send: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

/** The command line: `--help` exits 0 with the usage, a bad line exits 2. */
function commandLine(argv: string[]): { pattern: string; json: string; count: number } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    usageError((err as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const [pattern, json = '{}', countArg = '1', ...extra] = parsed.positionals;
  if (!pattern || extra.length) usageError('expected <pattern> [json] [count]');
  const count = Number(countArg);
  if (!Number.isInteger(count) || count <= 0) usageError(`count must be a positive integer, got "${countArg}"`);
  return { pattern, json, count };
}

async function main(): Promise<void> {
  const { pattern, json, count } = commandLine(process.argv.slice(2));
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
    Array.from({ length: count }, () => data),
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
