// FIFO groups with a backlog run side by side (issue 9). SQS answers a receive on a FIFO queue
// with as many messages of one group as it can, so with a backlog a whole batch is one group,
// which can only run one message at a time: the intake has to keep fetching while everything
// buffered belongs to busy groups, or the other groups wait for it.
//
// Needs a server that batches by group as AWS documents: moto (suite sqs-moto) and ElasticMQ
// do; fauxqs answers at most one message per group per receive, which hides the problem, so on
// fauxqs only that fact is checked (the test below would prove nothing there).
import { ReceiveMessageCommand, SQSClient, type ReceiveMessageCommandOutput } from '@aws-sdk/client-sqs';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLongPollHttpHandler } from '../../src/sqs/intake/long-poll-http-handler.js';
import {
  receiveRequestTimeoutMs,
  resolveSqsServerOptions,
  SqsContext,
  sqsSocketBudget,
  type SqsServerOptions,
  SqsEventPattern,
} from '../../src/sqs/index.js';
import { eventually } from '../support/eventually.js';
import { SqsTestBackend, type TestQueue } from '../support/sqs-backend.js';
import { startTestMicroservice, type TestMicroservice } from '../support/test-microservice.js';

const BACKEND = process.env.SQS_TEST_BACKEND ?? 'fauxqs';
/** Backends whose receives bring many messages of one group (checked again in `before`). */
const BATCHES_BY_GROUP = new Set(['moto', 'elasticmq']);
const GROUPS = ['a', 'b', 'c'];
const PER_GROUP = 10;
const HANDLER_MS = 50;
const CONCURRENCY = 5;

interface Run {
  group: string;
  seq: number;
  messageId: string;
  start: number;
  end?: number;
}

const runs: Run[] = [];
const runningPerGroup = new Map<string, number>();
let overlapWithinGroup = false;

@Controller()
class GroupsController {
  @SqsEventPattern('group-step')
  async step(@Payload() data: { group: string; seq: number }, @Ctx() ctx: SqsContext) {
    const run: Run = { group: data.group, seq: data.seq, messageId: ctx.getMessageId(), start: performance.now() };
    runs.push(run);
    const inGroup = (runningPerGroup.get(data.group) ?? 0) + 1;
    runningPerGroup.set(data.group, inGroup);
    if (inGroup > 1) overlapWithinGroup = true;
    try {
      assert.equal(ctx.getMessageGroupId(), data.group);
      await sleep(HANDLER_MS);
    } finally {
      runningPerGroup.set(data.group, runningPerGroup.get(data.group)! - 1);
      run.end = performance.now();
    }
  }
}

/** Sends GROUPS x PER_GROUP messages group by group: a0..a9, then b0..b9, then c0..c9. */
async function fill(sqs: SqsTestBackend, queue: TestQueue, pattern = 'group-step'): Promise<void> {
  for (const group of GROUPS) {
    for (let seq = 0; seq < PER_GROUP; seq++) {
      await sqs.send(queue.url, JSON.stringify({ group, seq }), { pattern, groupId: group });
    }
  }
}

/** One receive as a consumer would make it: up to 10, the group ids of what came back. */
async function receiveGroups(sqs: SqsTestBackend, queueUrl: string): Promise<string[]> {
  const { Messages = [] } = await sqs.client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      VisibilityTimeout: 60,
      MessageSystemAttributeNames: ['MessageGroupId'],
    }),
  );
  return Messages.map((m) => m.Attributes?.MessageGroupId ?? '?');
}

const fmt = (ms: number) => ms.toFixed(0).padStart(5);

if (!BATCHES_BY_GROUP.has(BACKEND)) {
  describe(`FIFO groups with a backlog (${BACKEND})`, () => {
    it(`${BACKEND} answers at most one message per group per receive, so the group test runs on moto and ElasticMQ`, async (t) => {
      const sqs = await SqsTestBackend.start();
      try {
        const queue = await sqs.createQueue('groups-premise', { fifo: true });
        await fill(sqs, queue, 'unused');
        const groups = await receiveGroups(sqs, queue.url);
        t.diagnostic(`one receive of 10 on a FIFO queue holding a0..a9 b0..b9 c0..c9 returned: [${groups.join(' ')}]`);
        assert.ok(groups.length > 0, 'the receive brought messages');
        assert.ok(
          groups.filter((g) => g === groups[0]).length < groups.length || groups.length === 1,
          `${BACKEND} now batches by group ([${groups.join(' ')}]): add it to BATCHES_BY_GROUP`,
        );
      } finally {
        await sqs.stop();
      }
    });
  });
} else {
  describe(`FIFO groups with a backlog (${BACKEND})`, () => {
    let sqs: SqsTestBackend;
    let queue: TestQueue;
    let service: TestMicroservice | undefined;
    let client: SQSClient | undefined;
    let premiseGroups: string[] = [];

    before(async () => {
      sqs = await SqsTestBackend.start();
      // The premise, on a queue of its own: with a backlog, one receive is one group. A server
      // that stopped batching by group would make the test below pass without proving anything.
      const premise = await sqs.createQueue('groups-premise', { fifo: true });
      await fill(sqs, premise, 'unused');
      const groups = (premiseGroups = await receiveGroups(sqs, premise.url));
      assert.deepEqual(
        groups,
        Array(PER_GROUP).fill('a'),
        `${BACKEND} answers a receive of 10 with 10 messages of group a (got [${groups.join(' ')}])`,
      );
      queue = await sqs.createQueue('groups', { fifo: true });
    });

    after(async () => {
      await service?.close();
      client?.destroy();
      await sqs?.stop();
    });

    it('runs the groups side by side, each in order and one at a time, every message once', async (t) => {
      // The backlog is in the queue before the consumer starts.
      await fill(sqs, queue);

      // The transport's DEFAULT intake: no prefetch, receiversPerQueue or maxReceiversPerQueue,
      // default batch size and long poll; only the concurrency is set. The client is the one
      // the transport would build, plus a middleware that records every ReceiveMessage.
      const options: SqsServerOptions = { queues: [{ url: queue.url }], concurrency: CONCURRENCY };
      const resolved = resolveSqsServerOptions(options);
      client = new SQSClient({
        ...sqs.clientConfig(),
        requestHandler: createLongPollHttpHandler({
          requestTimeoutMs: receiveRequestTimeoutMs(resolved.waitTimeSeconds),
          connectionTimeoutMs: 5_000,
          maxSockets: sqsSocketBudget(resolved),
        }),
      });
      const receives: { sent: number; answered?: number; groups: string[] }[] = [];
      let receivesInFlight = 0;
      let maxReceivesInFlight = 0;
      client.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName !== 'ReceiveMessageCommand') return next(args);
          const record: (typeof receives)[number] = { sent: performance.now(), groups: [] };
          receives.push(record);
          receivesInFlight += 1;
          maxReceivesInFlight = Math.max(maxReceivesInFlight, receivesInFlight);
          try {
            const result = await next(args);
            const output = result.output as ReceiveMessageCommandOutput;
            record.groups = (output.Messages ?? []).map((m) => m.Attributes?.MessageGroupId ?? '?');
            return result;
          } finally {
            record.answered = performance.now();
            receivesInFlight -= 1;
          }
        },
        { step: 'initialize', name: 'recordReceives' },
      );

      const t0 = performance.now();
      service = await startTestMicroservice({ controllers: [GroupsController], server: { ...options, client } });
      const total = GROUPS.length * PER_GROUP;
      await eventually(
        () => runs.filter((r) => r.end !== undefined).length >= total,
        `${total} messages handled`,
        60_000,
      ).catch((err: Error) => {
        throw new Error(
          `${err.message}; handled: ${runs.map((r) => `${r.group}${r.seq}`).join(' ')}; server: ${JSON.stringify(service?.server.getSnapshot())}`,
        );
      });
      const done = performance.now();
      // Anything handled twice would show up by now too.
      await sleep(200);

      // What happened, for whoever reads the run.
      const rel = (ms: number) => ms - t0;
      t.diagnostic(
        `premise: one receive of 10 on a queue holding a0..a9 b0..b9 c0..c9 returned [${premiseGroups.join('')}]`,
      );
      for (const group of GROUPS) {
        const mine = runs.filter((r) => r.group === group);
        const first = Math.min(...mine.map((r) => r.start));
        const last = Math.max(...mine.map((r) => r.end ?? r.start));
        t.diagnostic(`group ${group}: start ${fmt(rel(first))} ms, end ${fmt(rel(last))} ms (${mine.length} handled)`);
      }
      const withMessages = receives.filter((r) => r.groups.length > 0);
      t.diagnostic(
        `ReceiveMessage calls: ${receives.length} (${withMessages.length} with messages, ${receives.length - withMessages.length} empty or still polling at the end), ` +
          `at most ${maxReceivesInFlight} in flight; all handled ${fmt(done - t0)} ms after start`,
      );
      t.diagnostic(`  receives sent at (ms): ${receives.map((r) => rel(r.sent).toFixed(0)).join(' ')}`);
      for (const r of withMessages) {
        t.diagnostic(
          `  receive sent ${fmt(rel(r.sent))} ms, answered ${fmt(rel(r.answered ?? r.sent))} ms: ${r.groups.length} [${r.groups.join('')}]`,
        );
      }

      // Every message once, each group in order and one message at a time.
      assert.equal(runs.length, total, `every message handled exactly once (${runs.length} handler runs)`);
      assert.equal(new Set(runs.map((r) => r.messageId)).size, total, 'no message ran twice');
      for (const group of GROUPS) {
        const order = runs
          .filter((r) => r.group === group)
          .sort((x, y) => x.start - y.start)
          .map((r) => r.seq);
        assert.deepEqual(order, [...Array(PER_GROUP).keys()], `group ${group} in order`);
      }
      assert.equal(overlapWithinGroup, false, 'never two messages of one group at once');

      // Side by side: at some moment handlers of two groups or more were running ...
      let maxGroupsAtOnce = 0;
      for (const r of runs) {
        const at = r.start;
        const groupsRunning = new Set(
          runs.filter((o) => o.start <= at && (o.end ?? Infinity) > at).map((o) => o.group),
        );
        maxGroupsAtOnce = Math.max(maxGroupsAtOnce, groupsRunning.size);
      }
      // ... and the run took well under what the same handlers take one after another: the sum
      // of their own durations over the span from first start to last end is how many ran at
      // once on average (1 or less when the groups run strictly one after another).
      const busy = runs.reduce((sum, r) => sum + (r.end! - r.start), 0);
      const span = Math.max(...runs.map((r) => r.end!)) - Math.min(...runs.map((r) => r.start));
      const parallelism = busy / span;
      t.diagnostic(
        `at most ${maxGroupsAtOnce} groups running at once; average handlers at once ${parallelism.toFixed(2)} (handler time ${fmt(busy)} ms over ${fmt(span)} ms)`,
      );
      assert.ok(maxGroupsAtOnce >= 2, `the groups ran side by side (at most ${maxGroupsAtOnce} group(s) at once)`);
      assert.ok(
        parallelism >= 1.5,
        `the groups overlapped for most of the run (on average ${parallelism.toFixed(2)} handlers at once, 1 when serial)`,
      );
    });
  });
}
