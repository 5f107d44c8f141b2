// The embedded local SQS of `npm run dev`: fauxqs in this process on 127.0.0.1, with the work
// queue and its dead-letter queue (redrive policy) created on start. Development only: fauxqs
// is a devDependency and never part of the production image.
import { startFauxqs, type FauxqsServer } from 'fauxqs';

export interface LocalSqs {
  server: FauxqsServer;
  endpoint: string;
  queueUrl: string;
  dlqUrl: string;
}

/** Queue name from a URL's last path segment (`.../000000000000/name`). */
export function queueNameOf(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

export async function startLocalSqs(options: { port: number; queueUrl: string; dlqUrl: string; maxReceiveCount: number }): Promise<LocalSqs> {
  const server = await startFauxqs({ port: options.port, host: '127.0.0.1', logger: false });
  const fifo = queueNameOf(options.queueUrl).endsWith('.fifo');
  const fifoAttributes: Record<string, string> = fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'true' } : {};
  const dlq = server.createQueue(queueNameOf(options.dlqUrl), { attributes: fifoAttributes });
  server.createQueue(queueNameOf(options.queueUrl), {
    attributes: {
      ...fifoAttributes,
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: options.maxReceiveCount }),
    },
  });
  const endpoint = `http://127.0.0.1:${server.port}`;
  return {
    server,
    endpoint,
    queueUrl: `${endpoint}/000000000000/${queueNameOf(options.queueUrl)}`,
    dlqUrl: `${endpoint}/000000000000/${queueNameOf(options.dlqUrl)}`,
  };
}
