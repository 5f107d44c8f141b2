import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { describe, it } from 'node:test';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { listeningAddresses } from '../../test/support/listening-addresses.js';
import { startLocalSqs } from './local-sqs.js';

function connect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port, timeout: 3_000 });
    socket.once('connect', () => (socket.destroy(), resolve('connected')));
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    socket.once('timeout', () => (socket.destroy(), resolve('timeout')));
  });
}

describe('the embedded SQS of npm run dev', () => {
  it('listens on loopback only, with the work queue redriving to its dead-letter queue', async (t) => {
    const sqs = await startLocalSqs({
      port: 0,
      queueUrl: 'http://x/000000000000/dev-work',
      dlqUrl: 'http://x/000000000000/dev-work-dlq',
      maxReceiveCount: 3,
    });
    const client = new SQSClient({
      endpoint: sqs.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const port = Number(new URL(sqs.endpoint).port);
      assert.equal(sqs.queueUrl, `${sqs.endpoint}/000000000000/dev-work`);
      const { Attributes } = await client.send(
        new GetQueueAttributesCommand({ QueueUrl: sqs.queueUrl, AttributeNames: ['RedrivePolicy'] }),
      );
      assert.deepEqual(JSON.parse(Attributes!.RedrivePolicy!), {
        deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:dev-work-dlq',
        maxReceiveCount: 3,
      });
      assert.equal(await connect('127.0.0.1', port), 'connected');
      // The kernel's socket table, not a connection to another address of this machine.
      const bound = listeningAddresses(port);
      t.diagnostic(`port ${port} listens on: ${bound.join(', ')}`);
      assert.deepEqual(bound, ['127.0.0.1']);
    } finally {
      client.destroy();
      await sqs.stop();
    }
  });
});
