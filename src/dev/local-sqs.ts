// The embedded local SQS of `npm run dev`: fauxqs in this process, with the work queue and its
// dead-letter queue (redrive policy) created on start. Development only: fauxqs is a
// devDependency and never part of the production image.
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';

export interface LocalSqs {
  endpoint: string;
  queueUrl: string;
  dlqUrl: string;
  stop(): Promise<void>;
}

/** Queue name from a URL's last path segment (`.../000000000000/name`). */
export function queueNameOf(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

/**
 * Starts fauxqs on 127.0.0.1 only. Its `startFauxqs()` listens on every interface whatever host
 * it is given, and this queue has no authentication and carries personal data, so the
 * server is built with fauxqs's `buildApp()` and bound here.
 */
export async function startLocalSqs(options: {
  port: number;
  queueUrl: string;
  dlqUrl: string;
  maxReceiveCount: number;
}): Promise<LocalSqs> {
  const app = buildApp({ logger: false });
  await app.listen({ port: options.port, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    const { queueUrl, dlqUrl } = await createQueues(endpoint, options);
    return { endpoint, queueUrl, dlqUrl, stop: () => app.close() };
  } catch (err) {
    await app.close();
    throw err;
  }
}

async function createQueues(
  endpoint: string,
  options: { queueUrl: string; dlqUrl: string; maxReceiveCount: number },
): Promise<{ queueUrl: string; dlqUrl: string }> {
  // fauxqs finds a queue by the name in its URL, whatever the host, and would answer
  // CreateQueue with a `sqs.<region>.localhost` URL that not every resolver knows.
  const urlOf = (url: string) => `${endpoint}/000000000000/${queueNameOf(url)}`;
  const [queueUrl, dlqUrl] = [urlOf(options.queueUrl), urlOf(options.dlqUrl)];
  const client = new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const fifo = queueNameOf(queueUrl).endsWith('.fifo');
    const fifoAttributes: Record<string, string> = fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'true' } : {};
    await client.send(new CreateQueueCommand({ QueueName: queueNameOf(dlqUrl), Attributes: fifoAttributes }));
    const dlq = await client.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
    const redrive = { deadLetterTargetArn: dlq.Attributes!.QueueArn, maxReceiveCount: options.maxReceiveCount };
    await client.send(
      new CreateQueueCommand({
        QueueName: queueNameOf(queueUrl),
        Attributes: { ...fifoAttributes, RedrivePolicy: JSON.stringify(redrive) },
      }),
    );
    return { queueUrl, dlqUrl };
  } finally {
    client.destroy();
  }
}
