// The dead-letter command trusts its configuration, never a message (issue 18, point 4): a
// message's `dlq-source-queue` does not choose where a redrive sends; what a message carries
// reaches the terminal escaped and its secrets scrubbed; purge refuses a queue that is no
// queue's dead-letter queue; a redrive in a pod needs a journal that outlives the pod.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SqsTestBackend } from '../support/sqs-backend.js';
import { CLI, DlqHarness, json, run, text } from './dlq-harness.js';

// SQS refuses ESC and the other C0 controls but \t \r \n, not the C1 ones: 8-bit CSI clears the
// screen, OSC sets the title, then a carriage return and newline forge a line of the command's
// own, and a right-to-left override reverses what follows.
const HOSTILE = '\u009b2J\u009d0;owned\u009cx\r\nredrive: 0 moved\u202e';

describe(`npm run dlq trusts configuration, not messages (${process.env.SQS_TEST_BACKEND ?? 'fauxqs'})`, () => {
  let backend: SqsTestBackend;
  let h: DlqHarness;

  before(async () => {
    backend = await SqsTestBackend.start();
    h = new DlqHarness(backend);
  });
  after(async () => backend?.stop());

  it('redrive sends to the configured queue, not to the queue a message names, and reports the mismatch', async () => {
    const queue = await backend.createQueue('cli-forged', { maxReceiveCount: 5 });
    const elsewhere = await backend.createQueue('cli-elsewhere');
    await h.fill(queue, 2);
    await h.deadLetter(queue, '{"forged":true}', 'non-retryable', 'user.registered', {
      'dlq-source-queue': text(elsewhere.url),
    });
    const result = json<{ moved: number; targetQueueUrl: string; sourceMismatches: unknown[] }>(
      await h.dlq(queue, ['redrive', '--mode', 'copy', '--rate', '50']),
    );
    assert.equal(result.moved, 3);
    assert.equal(result.targetQueueUrl, queue.url);
    assert.deepEqual(result.sourceMismatches, [{ named: elsewhere.url, count: 1 }]);
    assert.equal((await backend.drain(queue.url, 3)).length, 3);
    assert.ok(await backend.isEmpty(elsewhere.url), 'nothing went to the queue the message named');
  });

  it('stats, peek and redrive escape control characters from a message in every human-readable line', async () => {
    const queue = await backend.createQueue('cli-escape', { maxReceiveCount: 5 });
    await h.deadLetter(queue, HOSTILE, HOSTILE, HOSTILE, {
      'dlq-source-queue': text(HOSTILE),
      'dlq-message-id': text(HOSTILE),
      'dlq-detail': text(HOSTILE),
      // Out of Date's range: peek prints '?' rather than dying of a RangeError.
      'dlq-first-received-at': { DataType: 'Number', StringValue: '9e99' },
    });
    const runs = {
      stats: await h.dlq(queue, ['stats'], { human: true }),
      peek: await h.dlq(queue, ['peek', '--show-bodies'], { human: true }),
      redrive: await h.dlq(queue, ['redrive', '--mode', 'copy', '--rate', '50'], { human: true }),
    };
    for (const [name, done] of Object.entries(runs)) {
      assert.equal(done.code, 0, `${name}: ${done.stderr}`);
      assert.ok(
        // eslint-disable-next-line no-control-regex
        !/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/.test(done.stdout),
        `${name} printed a control character`,
      );
      assert.match(done.stdout, /\\x9b2J\\x9d0;owned\\x9cx\\r\\nredrive: 0 moved\\u202e/, name);
      assert.ok(!done.stdout.split('\n').includes('redrive: 0 moved'), `${name}: a forged line`);
    }
    assert.match(runs.peek.stdout, /, first \?$/m, 'an out-of-range time prints as ?');
  });

  it('peek --show-bodies scrubs secrets from bodies and details; --raw shows them as sent', async () => {
    const queue = await backend.createQueue('cli-scrub', { maxReceiveCount: 5 });
    const body = JSON.stringify({
      username: 'ann',
      credentials: [{ type: 'password', value: 'Hunter2!' }],
      password: 'Hunter2!',
    });
    await h.deadLetter(queue, body, 'non-retryable', 'user.registered', {
      'dlq-detail': text('login failed: password=Hunter2!'),
    });
    const [scrubbed] = json<Array<{ body: string; detail: string }>>(await h.dlq(queue, ['peek', '--show-bodies']));
    assert.doesNotMatch(`${scrubbed!.body} ${scrubbed!.detail}`, /Hunter2/);
    assert.match(scrubbed!.body, /"username":"ann"/);
    const [raw] = json<Array<{ body: string }>>(await h.dlq(queue, ['peek', '--show-bodies', '--raw']));
    assert.equal(raw!.body, body);
  });

  it("purge refuses the work queue and any queue that is no queue's dead-letter queue, even with its name confirmed", async () => {
    const queue = await backend.createQueue('cli-nopurge', { maxReceiveCount: 5 });
    const plain = await backend.createQueue('cli-plain');
    await backend.send(queue.url, 'work');
    await backend.send(plain.url, 'other');
    for (const target of [queue.url, plain.url]) {
      const refused = await h.dlq(queue, ['purge', '--dlq', target, '--confirm', target.split('/').pop()!]);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /^dlq: refusing to purge .+: it is not the dead-letter queue of any queue/);
    }
    await h.visible(queue.url, 1);
    await h.visible(plain.url, 1);
  });

  it('redrive in a pod without --journal stops before touching a queue', async () => {
    const queue = await backend.createQueue('cli-pod', { maxReceiveCount: 5 });
    await h.fill(queue, 1);
    const env = h.env(queue, { APP_ENV: 'production' });
    const done = await run(process.execPath, [CLI, 'redrive', '--mode', 'copy'], env);
    assert.equal(done.code, 2);
    assert.equal(
      done.stderr.split('\n')[0],
      'dlq: redrive in a pod (APP_ENV=production) needs --journal <dir> on a volume that outlives the pod',
    );
    await h.visible(queue.dlqUrl!, 1);
  });
});
