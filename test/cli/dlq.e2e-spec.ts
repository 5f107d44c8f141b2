// `npm run dlq` end to end against a real SQS server (fauxqs, or ElasticMQ in the cli-elasticmq
// suite): the command runs as its own process with the service's configuration, reads the
// dead-letter copies the transport makes, and a redrive killed half-way loses and doubles nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/eventually.js';
import { SqsTestBackend } from '../support/sqs-backend.js';
import { DlqHarness, json } from './dlq-harness.js';

// Servers with StartMessageMoveTask (and ListDeadLetterSourceQueues): there an auto redrive must
// use it. Elsewhere it must copy and say why: fauxqs has neither call, moto only the listing.
const MOVE_TASK_BACKENDS = ['elasticmq'];
const NO_MOVE_TASK_REASON: Record<string, RegExp> = {
  fauxqs: /^ListDeadLetterSourceQueues failed/,
  moto: /^StartMessageMoveTask failed/,
};

describe(`npm run dlq against ${process.env.SQS_TEST_BACKEND ?? 'fauxqs'}`, () => {
  let backend: SqsTestBackend;
  let h: DlqHarness;

  before(async () => {
    backend = await SqsTestBackend.start();
    h = new DlqHarness(backend);
  });
  after(async () => backend?.stop());

  const dlq = (...a: Parameters<DlqHarness['dlq']>) => h.dlq(...a);
  const fill = (...a: Parameters<DlqHarness['fill']>) => h.fill(...a);
  const visible = (url: string, n: number) => h.visible(url, n);

  it('stats counts by reason and pattern, peek shows the oldest with bodies redacted, and both leave every message in place', async () => {
    const queue = await backend.createQueue('cli-stats', { maxReceiveCount: 5 });
    await fill(queue, 3, 'validation-failed');
    await fill(queue, 2, 'no-handler', 'order.placed');
    const stats = json<{ scanned: number; byReason: Record<string, number>; byPattern: Record<string, number> }>(
      await dlq(queue, ['stats']),
    );
    assert.equal(stats.scanned, 5);
    assert.deepEqual(stats.byReason, { 'validation-failed': 3, 'no-handler': 2 });
    assert.deepEqual(stats.byPattern, { 'user.registered': 3, 'order.placed': 2 });
    await visible(queue.dlqUrl!, 5);

    type Peeked = {
      body: string;
      reason: string;
      sourceQueueUrl: string;
      originalMessageId: string;
      receiveCount: number;
      sentAt: number;
    };
    // Oldest by SentTimestamp; two sends may share a millisecond, so compare times, not ids.
    const all = json<Peeked[]>(await dlq(queue, ['peek', '-n', '5']));
    const times = all.map((p) => p.sentAt);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
      'oldest first',
    );
    const first = `orig-${JSON.stringify({ n: 0, reason: 'validation-failed', pattern: 'user.registered' })}`;
    assert.equal(all.find((p) => p.originalMessageId === first)!.sentAt, times[0], 'the first sent is the oldest');
    await visible(queue.dlqUrl!, 5);
    const peeked = json<Peeked[]>(await dlq(queue, ['peek', '-n', '2']));
    assert.deepEqual(
      peeked.map((p) => p.sentAt),
      times.slice(0, 2),
      'the two oldest',
    );
    assert.ok(
      peeked.every(
        (p) =>
          p.body === '[redacted]' &&
          p.sourceQueueUrl === queue.url &&
          p.receiveCount === 3 &&
          p.originalMessageId.startsWith('orig-'),
      ),
    );
    await visible(queue.dlqUrl!, 5);
    const shown = json<Array<{ body: string }>>(
      await dlq(queue, ['peek', '-n', '1', '--show-bodies', '--reason', 'no-handler']),
    );
    assert.match(shown[0]!.body, /"reason":"no-handler"/);
  });

  it('redrive --reason moves only those, back to the source with their own attributes and no dlq-* ones', async () => {
    const queue = await backend.createQueue('cli-filter', { maxReceiveCount: 5 });
    const wanted = await fill(queue, 3, 'validation-failed');
    await fill(queue, 2, 'no-handler');
    const result = json<{ mode: string; moved: number; skipped: number }>(
      await dlq(queue, ['redrive', '--reason', 'validation-failed', '--rate', '50']),
    );
    assert.deepEqual([result.mode, result.moved, result.skipped], ['copy', 3, 2]);
    const back = await backend.drain(queue.url, 3);
    assert.deepEqual(back.map((m) => m.Body).sort(), [...wanted].sort());
    for (const m of back) assert.deepEqual(Object.keys(m.MessageAttributes ?? {}).sort(), ['pattern', 'tenant']);
    await visible(queue.dlqUrl!, 2);
  });

  it('a redrive killed between a send and its delete loses nothing and sends nothing twice when run again', async () => {
    const queue = await backend.createQueue('cli-crash', { maxReceiveCount: 5 });
    const bodies = await fill(queue, 12);
    const crashed = await dlq(queue, ['redrive', '--mode', 'copy', '--rate', '50', '--hold', '2'], {
      env: { DLQ_REDRIVE_CRASH_AFTER_SENDS: '5' },
    });
    assert.equal(crashed.signal, 'SIGKILL', `the fault fired: ${crashed.stderr}`);
    // The killed run's messages come back after --hold (the fifth was sent, and is still in the
    // DLQ): run again until all 8 left are done, as an operator would.
    const rerun = { moved: 0, recovered: 0 };
    await eventually(
      async () => {
        const run = json<{ moved: number; recovered: number }>(
          await dlq(queue, ['redrive', '--mode', 'copy', '--rate', '50', '--hold', '2']),
        );
        rerun.moved += run.moved;
        rerun.recovered += run.recovered;
        return rerun.moved + rerun.recovered >= 8;
      },
      'the re-runs to finish the redrive',
      60_000,
    );
    assert.deepEqual(rerun, { moved: 7, recovered: 1 });
    const back = await backend.drain(queue.url, 12, 5_000);
    assert.deepEqual(back.map((m) => m.Body).sort(), [...bodies].sort(), 'each message exactly once');
    assert.ok(await backend.isEmpty(queue.dlqUrl!));
  });

  it("redrive in auto mode moves everything back, with the server's move task where it has one", async () => {
    const queue = await backend.createQueue('cli-auto', { maxReceiveCount: 5 });
    const bodies = await fill(queue, 4);
    const run = await dlq(queue, ['redrive', '--rate', '50']);
    const result = json<{ mode: string; moved: number; copyReason?: string }>(run);
    if (MOVE_TASK_BACKENDS.includes(backend.name)) {
      assert.equal(result.mode, 'move-task', `fell back: ${result.copyReason}`);
      assert.doesNotMatch(run.stderr, /copying/);
    } else {
      assert.equal(result.mode, 'copy');
      assert.match(result.copyReason ?? '', NO_MOVE_TASK_REASON[backend.name]!);
      assert.match(run.stderr, /redrive: copying message by message, not with StartMessageMoveTask: .+/);
    }
    const back = await backend.drain(queue.url, 4);
    assert.deepEqual(back.map((m) => m.Body).sort(), [...bodies].sort(), `mode ${result.mode}`);
    await eventually(async () => backend.isEmpty(queue.dlqUrl!), 'the DLQ to be empty');
  });

  it('purge does nothing without --confirm <dlq name>, and empties the queue with it', async () => {
    const queue = await backend.createQueue('cli-purge', { maxReceiveCount: 5 });
    await fill(queue, 3);
    const refused = await dlq(queue, ['purge', '--confirm', 'yes']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--confirm cli-purge-\w+-dlq/);
    await visible(queue.dlqUrl!, 3);
    json(await dlq(queue, ['purge', '--confirm', queue.dlqUrl!.split('/').pop()!]));
    await eventually(async () => backend.isEmpty(queue.dlqUrl!), 'the DLQ to be empty');
  });
});
