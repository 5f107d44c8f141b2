import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { tryMoveTask } from './move-task.js';

const DLQ = 'http://127.0.0.1:9324/000000000000/work-dlq';
const WORK = 'http://127.0.0.1:9324/000000000000/work';
const arn = (url: string) => `arn:aws:sqs:us-east-1:000000000000:${url.split('/').pop()}`;
const WAIT = { timeoutMs: 60_000, pollMs: 1 };

type Answers = Record<string, (input: Record<string, unknown>) => unknown>;

/** A client that answers each command by its class name, and records the calls. */
function fakeClient(answers: Answers) {
  const calls: Array<{ command: string; input: Record<string, unknown> }> = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = command.constructor.name;
      calls.push({ command: name, input: command.input });
      const answer = answers[name];
      if (!answer) throw Object.assign(new Error(`${name} is not supported`), { name: 'UnsupportedOperation' });
      return answer(command.input);
    },
  };
  return { client: client as unknown as SQSClient, calls };
}

const SERVER_WITH_MOVE_TASKS: Answers = {
  ListDeadLetterSourceQueuesCommand: () => ({ queueUrls: [WORK.replace('127.0.0.1', 'localhost')] }),
  GetQueueAttributesCommand: (input) => ({ Attributes: { QueueArn: arn(input.QueueUrl as string) } }),
  StartMessageMoveTaskCommand: () => ({ TaskHandle: 'h' }),
};

describe('tryMoveTask', () => {
  it("moves with the server's task to the named destination at the rate asked, and waits for it to end", async () => {
    let polls = 0;
    const { client, calls } = fakeClient({
      ...SERVER_WITH_MOVE_TASKS,
      ListMessageMoveTasksCommand: () => {
        polls += 1;
        const Status = polls < 3 ? 'RUNNING' : 'COMPLETED';
        return { Results: [{ Status, ApproximateNumberOfMessagesMoved: polls < 3 ? 1 : 4 }] };
      },
    });
    const result = await tryMoveTask(client, DLQ, WORK, 7.9, WAIT);
    assert.deepEqual(result, { kind: 'moved', status: 'COMPLETED', moved: 4, failureReason: undefined });
    const start = calls.find((c) => c.command === 'StartMessageMoveTaskCommand')!;
    assert.deepEqual(start.input, { SourceArn: arn(DLQ), DestinationArn: arn(WORK), MaxNumberOfMessagesPerSecond: 7 });
    assert.equal(polls, 3);
  });

  it('reports a task the server failed, with its reason', async () => {
    const { client } = fakeClient({
      ...SERVER_WITH_MOVE_TASKS,
      ListMessageMoveTasksCommand: () => ({ Results: [{ Status: 'FAILED', FailureReason: 'AccessDenied' }] }),
    });
    assert.deepEqual(await tryMoveTask(client, DLQ, WORK, 10, WAIT), {
      kind: 'moved',
      status: 'FAILED',
      moved: 0,
      failureReason: 'AccessDenied',
    });
  });

  it('stops waiting at the timeout and says the task is still running', async () => {
    const { client } = fakeClient({
      ...SERVER_WITH_MOVE_TASKS,
      ListMessageMoveTasksCommand: () => ({ Results: [{ Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 2 }] }),
    });
    const result = await tryMoveTask(client, DLQ, WORK, 10, { timeoutMs: 0, pollMs: 1 });
    assert.deepEqual(result, {
      kind: 'moved',
      status: 'RUNNING',
      moved: 2,
      failureReason: 'still running when the command stopped waiting',
    });
  });

  it('falls back with a reason, and starts no task, whenever it cannot prove the target is the only source', async () => {
    const cases: Array<[string, Answers, RegExp]> = [
      [
        'a server without ListDeadLetterSourceQueues',
        {},
        /^ListDeadLetterSourceQueues failed \(UnsupportedOperation: /,
      ],
      [
        'a DLQ shared by two queues',
        { ...SERVER_WITH_MOVE_TASKS, ListDeadLetterSourceQueuesCommand: () => ({ queueUrls: [WORK, `${WORK}-2`] }) },
        /lists 2 source queues, not one/,
      ],
      [
        'a DLQ of another queue',
        { ...SERVER_WITH_MOVE_TASKS, ListDeadLetterSourceQueuesCommand: () => ({ queueUrls: [`${WORK}-2`] }) },
        /source is .*work-2, not the target/,
      ],
      [
        'a server without StartMessageMoveTask',
        { ...SERVER_WITH_MOVE_TASKS, StartMessageMoveTaskCommand: undefined! },
        /^StartMessageMoveTask failed \(UnsupportedOperation: /,
      ],
      [
        'a server that gives no ARN',
        { ...SERVER_WITH_MOVE_TASKS, GetQueueAttributesCommand: () => ({ Attributes: {} }) },
        /no QueueArn/,
      ],
    ];
    for (const [name, answers, reason] of cases) {
      const { client, calls } = fakeClient(answers);
      const result = await tryMoveTask(client, DLQ, WORK, 10, WAIT);
      assert.equal(result.kind, 'fallback', name);
      assert.match((result as { reason: string }).reason, reason, name);
      assert.ok(!calls.some((c) => c.command === 'ListMessageMoveTasksCommand'), `${name}: no task awaited`);
    }
  });
});
