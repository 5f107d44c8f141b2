import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { existsSync } from 'node:fs';
import { type AppConfiguration, isPodEnvironment, loadConfig } from '../config/index.js';
import { createSqsClientConfig } from '../config/sqs-client.factory.js';
import { discoverDeadLetterQueueUrl } from '../sqs/index.js';
import type { DlqArgs } from './args.js';

/** What every subcommand works with: the service's client, the queues, the pattern attribute. */
export interface DlqContext {
  client: SQSClient;
  sourceQueueUrl: string;
  dlqUrl: string;
  patternAttribute: string;
  /** Where a subcommand writes its result (stdout). */
  out: (line: string) => void;
  /** Where a subcommand says what it chose not to do, and why (stderr). */
  warn: (line: string) => void;
}

/**
 * Builds the context from the same validated configuration and credential chain as the
 * service (`APP_ENV` decides, `.env` read locally only), so the command acts on exactly the
 * queues the service consumes unless told otherwise.
 */
export async function createDlqContext(
  args: DlqArgs,
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
  warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<DlqContext> {
  if (!isPodEnvironment(env.APP_ENV ?? '') && existsSync('.env')) process.loadEnvFile('.env');
  const config: AppConfiguration = loadConfig(env);
  const client = new SQSClient(createSqsClientConfig({ aws: config.aws, sqs: config.sqs }));
  const sourceQueueUrl = args.queue ?? config.sqs.queueUrl;
  const dlqUrl =
    args.dlq ?? config.sqs.deadLetterQueueUrl ?? (await discoverDeadLetterQueueUrl(client, sourceQueueUrl));
  if (!dlqUrl) throw new Error(`${sourceQueueUrl} has no RedrivePolicy and no --dlq / SQS_DLQ_URL was given`);
  return { client, sourceQueueUrl, dlqUrl, patternAttribute: config.sqs.patternAttribute, out, warn };
}

/** ApproximateNumberOfMessages (+ NotVisible) of a queue. */
export async function queueDepth(client: SQSClient, queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

/** The queue's ARN, as the server reports it. */
export async function queueArnOf(client: SQSClient, queueUrl: string): Promise<string | undefined> {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  return Attributes.QueueArn;
}

/** The queue's name, the last segment of its URL. */
export function queueNameOf(queueUrl: string): string {
  return queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
}
