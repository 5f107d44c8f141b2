// Scripted scenarios that pin down the SQS rules the simulation's model relies on. Each one
// runs against a harness (the model on virtual time, or a real server) and returns what it
// observed; `expected` is what AWS documents. The model must match it exactly
// (model-conformance.spec.ts); a real server must match it or differ only as KNOWN_DIFFERENCES
// says (test/sqs/model-conformance.e2e-spec.ts).
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';

export interface ConformanceHarness {
  send(command: object): Promise<any>;
  createQueue(spec: { fifo?: boolean; maxReceiveCount?: number }): Promise<{ url: string; dlqUrl?: string }>;
  wait(ms: number): Promise<void>;
}

export interface Scenario {
  name: string;
  run(h: ConformanceHarness): Promise<Record<string, unknown>>;
  expected: Record<string, unknown>;
}

const receive = async (h: ConformanceHarness, url: string, max = 1, visibility = 30, wait = 1): Promise<Message[]> =>
  (
    (await h.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: max,
        VisibilityTimeout: visibility,
        WaitTimeSeconds: wait,
        MessageSystemAttributeNames: ['All'],
      }),
    )) as { Messages?: Message[] }
  ).Messages ?? [];

const send = (h: ConformanceHarness, url: string, body: string, groupId?: string) =>
  h.send(
    new SendMessageCommand({
      QueueUrl: url,
      MessageBody: body,
      ...(groupId ? { MessageGroupId: groupId, MessageDeduplicationId: body } : {}),
    }),
  );

const release = (h: ConformanceHarness, url: string, m: Message) =>
  h.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }));

const count = (m: Message | undefined) => Number(m?.Attributes?.ApproximateReceiveCount ?? 0);

/**
 * 'ok' or 'fails'. The error's code differs between servers (fauxqs says MessageNotInflight, the
 * model InvalidParameterValue) and the consumer never branches on it, so only failing counts.
 */
async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'ok';
  } catch {
    return 'fails';
  }
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'each receive raises ApproximateReceiveCount; visibility 0 makes it visible at once',
    expected: { counts: [1, 2, 3], sameMessage: true },
    async run(h) {
      const { url } = await h.createQueue({});
      await send(h, url, 'a');
      const seen: Message[] = [];
      for (let i = 0; i < 3; i++) {
        const [m] = await receive(h, url);
        seen.push(m!);
        await release(h, url, m!);
      }
      return { counts: seen.map(count), sameMessage: new Set(seen.map((m) => m.MessageId)).size === 1 };
    },
  },
  {
    name: 'the redrive policy moves a message on the receive after maxReceiveCount',
    expected: { counts: [1, 2], third: 0, inDeadLetterQueue: 1, body: 'b' },
    async run(h) {
      const { url, dlqUrl } = await h.createQueue({ maxReceiveCount: 2 });
      await send(h, url, 'b');
      const counts: number[] = [];
      for (let i = 0; i < 2; i++) {
        const [m] = await receive(h, url);
        counts.push(count(m));
        await release(h, url, m!);
      }
      const third = await receive(h, url);
      const dead = await receive(h, dlqUrl!, 10);
      return { counts, third: third.length, inDeadLetterQueue: dead.length, body: dead[0]?.Body };
    },
  },
  {
    name: 'a message comes back after its visibility timeout, with a new receipt',
    expected: { second: 2, newReceipt: true },
    async run(h) {
      const { url } = await h.createQueue({});
      await send(h, url, 'c');
      const [first] = await receive(h, url, 1, 1);
      await h.wait(1_500);
      const [second] = await receive(h, url, 1, 30, 2);
      return { second: count(second), newReceipt: second?.ReceiptHandle !== first?.ReceiptHandle };
    },
  },
  {
    name: 'FIFO: no message of a group while another of it is in flight, then in order',
    expected: { first: 'a1', whileLocked: ['b1'], afterDelete: ['a2'] },
    async run(h) {
      const { url } = await h.createQueue({ fifo: true });
      for (const [body, group] of [
        ['a1', 'A'],
        ['a2', 'A'],
        ['b1', 'B'],
      ])
        await send(h, url, body!, group);
      const [first] = await receive(h, url, 1);
      const whileLocked = await receive(h, url, 10);
      await h.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first!.ReceiptHandle }));
      const afterDelete = await receive(h, url, 10);
      return {
        first: first?.Body,
        whileLocked: whileLocked.map((m) => m.Body),
        afterDelete: afterDelete.map((m) => m.Body),
      };
    },
  },
  {
    name: 'ChangeMessageVisibility on a deleted message fails',
    expected: { onDeleted: 'fails' },
    async run(h) {
      const { url } = await h.createQueue({});
      await send(h, url, 'd');
      const [m] = await receive(h, url);
      await h.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m!.ReceiptHandle }));
      return { onDeleted: await outcome(release(h, url, m!)) };
    },
  },
  {
    name: 'ChangeMessageVisibility with the receipt of an earlier receive fails',
    expected: { withOldReceipt: 'fails', stillInFlight: 0 },
    async run(h) {
      const { url } = await h.createQueue({});
      await send(h, url, 'e');
      const [first] = await receive(h, url, 1, 1);
      await h.wait(1_500);
      await receive(h, url, 1, 30, 2);
      const withOldReceipt = await outcome(release(h, url, first!));
      return { withOldReceipt, stillInFlight: (await receive(h, url, 1, 30, 0)).length };
    },
  },
];
