import { SQSClient, type SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SqsClient } from './sqs.client.js';
import { SqsRecord } from './sqs.record.js';

/** An SQSClient that records SendMessageBatch entries and reports them sent. */
function recordingSqs(): SQSClient & { entries: Array<Record<string, unknown>> } {
  const client = new SQSClient({ region: 'us-east-1' }) as SQSClient & { entries: Array<Record<string, unknown>> };
  client.entries = [];
  client.send = (async (command: SendMessageBatchCommand) => {
    const entries = command.input.Entries ?? [];
    client.entries.push(...(entries as unknown as Array<Record<string, unknown>>));
    return { Successful: entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}` })) };
  }) as SQSClient['send'];
  return client;
}

describe('SqsClient', () => {
  it('sets MessageGroupId on a standard queue (fair queues) only when a record asks for it', async () => {
    const sqs = recordingSqs();
    const client = new SqsClient({ queueUrl: 'http://127.0.0.1:1/000000000000/q', client: sqs });
    await client.emitBatch('p', [new SqsRecord({ a: 1 }, { groupId: 'tenant-a' }), { a: 2 }]);
    assert.equal(sqs.entries[0]?.MessageGroupId, 'tenant-a');
    assert.equal(sqs.entries[1]?.MessageGroupId, undefined, 'no group, no fairness key: a plain standard message');
    await client.close();
  });
});
