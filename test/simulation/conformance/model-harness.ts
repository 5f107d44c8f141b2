// The conformance scenarios' harness over the model: virtual time, no faults.
import FakeTimers from '@sinonjs/fake-timers';
import { ModelSqsClient, NO_FAULTS } from '../model/model-client.js';
import { SqsModel } from '../model/sqs-model.js';
import type { ConformanceHarness } from './scenarios.js';

export function modelHarness(clock: FakeTimers.Clock): ConformanceHarness {
  const model = new SqsModel();
  const client = new ModelSqsClient(model, 'conformance', Math.random, () => NO_FAULTS, {
    excuse: () => undefined,
    excuseBody: () => undefined,
    note: () => undefined,
    failQueueAttributes: () => false,
    givenBack: () => undefined,
  });
  let queues = 0;
  const drive = async <T>(promise: Promise<T>): Promise<T> => {
    let done = false;
    void promise.then(
      () => (done = true),
      () => (done = true),
    );
    while (!done) await clock.tickAsync(10);
    return promise;
  };
  return {
    send: (command) => drive(client.send(command as never)),
    async createQueue({ fifo, maxReceiveCount }) {
      const suffix = fifo ? '.fifo' : '';
      const name = `q${++queues}`;
      const dlq = maxReceiveCount ? model.createQueue({ name: `${name}-dlq${suffix}` }) : undefined;
      const redrive = dlq && maxReceiveCount ? { deadLetterQueueName: dlq.spec.name, maxReceiveCount } : undefined;
      return { url: model.createQueue({ name: `${name}${suffix}`, redrive }).url, dlqUrl: dlq?.url };
    },
    wait: async (ms) => void (await clock.tickAsync(ms)),
  };
}
