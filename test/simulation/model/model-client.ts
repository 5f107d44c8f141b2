// The `SQSClient.send(command, { abortSignal })` surface the consumer uses, over the model, with
// the network in between: latency each way, server errors before the server acted, answers lost
// after it acted, per-entry failures of batch calls, and a process that dies (its calls never
// return). Every fault is drawn from the run's seeded random source, so a seed replays exactly.
import type { Message } from '@aws-sdk/client-sqs';
import type { SqsModel } from './sqs-model.js';
import { ModelError } from './sqs-model.js';

/** How the network and the server misbehave; all probabilities per call (or per batch entry). */
export interface FaultRates {
  /** A 5xx or throttling error before the server acted. */
  serverError: number;
  /** The server acted, the answer never arrived (a timeout, a reset). */
  lostAnswer: number;
  /** One entry of a batch call fails (`InternalError`, not the sender's fault). */
  entryFailure: number;
  /** Milliseconds each way: `base` plus, with probability `tailChance`, up to `tail`. */
  latency: { base: number; tail: number; tailChance: number };
}

export const NO_FAULTS: FaultRates = {
  serverError: 0,
  lostAnswer: 0,
  entryFailure: 0,
  latency: { base: 1, tail: 0, tailChance: 0 },
};

/** The longest one call's network time can be (ms): the shutdown bound is stated from it. */
export const MAX_CALL_LATENCY_MS = 3_000;

export interface ClientHooks {
  /** A receipt's receive was wasted by the environment (not the consumer). */
  excuse(receipt: string, why: string): void;
  /**
   * A send of a message's body failed (a copy, a dead-letter forward): the receive the consumer
   * then gives back was wasted by the environment. The world finds the receipt by body.
   */
  excuseBody(body: string, why: string): void;
  /** Something worth telling about a receipt in a counterexample. */
  note(receipt: string, what: string): void;
  /** Fails the first GetQueueAttributes calls (a start-up blip). */
  failQueueAttributes(): boolean;
  /** The consumer asked to make a receipt visible at once (a give-back), whatever came of it. */
  givenBack(receipt: string): void;
}

type Input = Record<string, any>;

export class ModelSqsClient {
  private dead = false;
  private sent = 0;
  readonly calls = new Map<string, number>();

  constructor(
    private readonly model: SqsModel,
    readonly holder: string,
    private readonly random: () => number,
    private readonly faults: () => FaultRates,
    private readonly hooks: ClientHooks,
  ) {}

  private recordGiveBacks(action: string, input: Input): void {
    if (action === 'ChangeMessageVisibility' && input.VisibilityTimeout === 0)
      this.hooks.givenBack(input.ReceiptHandle);
    if (action !== 'ChangeMessageVisibilityBatch') return;
    for (const e of input.Entries as Input[]) if (e.VisibilityTimeout === 0) this.hooks.givenBack(e.ReceiptHandle);
  }

  /** The process died: nothing it asks is answered any more. */
  kill(): void {
    this.dead = true;
  }

  async send(command: { input: Input; constructor: { name: string } }, options?: { abortSignal?: AbortSignal }) {
    const action = command.constructor.name.replace(/Command$/, '');
    this.calls.set(action, (this.calls.get(action) ?? 0) + 1);
    const signal = options?.abortSignal;
    const rates = this.faults();
    const order = ++this.sent;
    this.recordGiveBacks(action, command.input);
    await this.travel(rates, signal);
    if (action === 'GetQueueAttributes' && this.hooks.failQueueAttributes()) throw serverError(this.random);
    if (this.random() < rates.serverError) {
      this.excuseReceipts(command.input, 'a call on it failed (5xx or throttling)');
      throw serverError(this.random);
    }
    const result = await this.act(action, command.input, rates, order, signal);
    const lost = this.random() < rates.lostAnswer;
    try {
      await this.travel(rates, signal);
    } catch (err) {
      this.onAnswerLost(action, result, 'aborted by the consumer after the server answered');
      throw err;
    }
    if (lost) {
      this.excuseReceipts(command.input, 'the answer to a call on it was lost');
      this.onAnswerLost(action, result, 'answer lost in the network');
      throw networkError();
    }
    return result;
  }

  private async act(
    action: string,
    input: Input,
    rates: FaultRates,
    order: number,
    signal?: AbortSignal,
  ): Promise<any> {
    const m = this.model;
    switch (action) {
      case 'ReceiveMessage':
        return { Messages: await this.receive(input, signal) };
      case 'DeleteMessageBatch':
        return this.batch(input.Entries, rates, (e) => m.delete(input.QueueUrl, e.ReceiptHandle));
      case 'ChangeMessageVisibilityBatch':
        return this.batch(input.Entries, rates, (e) =>
          m.changeVisibility(input.QueueUrl, e.ReceiptHandle, e.VisibilityTimeout, order),
        );
      case 'DeleteMessage':
        return (m.delete(input.QueueUrl, input.ReceiptHandle), {});
      case 'ChangeMessageVisibility':
        return (m.changeVisibility(input.QueueUrl, input.ReceiptHandle, input.VisibilityTimeout, order), {});
      case 'SendMessage':
        return { MessageId: m.send(input.QueueUrl, sendInput(input)) };
      case 'SendMessageBatch':
        return this.batch(input.Entries, rates, (e) => ({ MessageId: m.send(input.QueueUrl, sendInput(e)) }));
      case 'GetQueueAttributes': {
        const policy = m.redrivePolicy(input.QueueUrl);
        return { Attributes: policy ? { RedrivePolicy: policy } : {} };
      }
      case 'GetQueueUrl':
        return { QueueUrl: m.queueByName(input.QueueName).url };
      default:
        throw new Error(`the SQS model does not implement ${action}`);
    }
  }

  /** A long poll: answers as soon as something is there, or empty after `WaitTimeSeconds`. */
  private async receive(input: Input, signal?: AbortSignal): Promise<Message[]> {
    const deadline = Date.now() + (input.WaitTimeSeconds ?? 0) * 1_000;
    for (;;) {
      if (signal?.aborted) throw abortError();
      if (this.dead) await new Promise(() => undefined);
      const got = this.model.receive(
        input.QueueUrl,
        input.MaxNumberOfMessages ?? 1,
        input.VisibilityTimeout,
        this.holder,
      );
      if (got.length > 0 || Date.now() >= deadline) return got;
      await abortable(this.model.waitForChange(input.QueueUrl, deadline), signal);
    }
  }

  private batch(entries: Input[], rates: FaultRates, act: (entry: Input) => unknown) {
    const Successful: Input[] = [];
    const Failed: Input[] = [];
    for (const entry of entries) {
      if (this.random() < rates.entryFailure) {
        this.excuseEntry(entry, 'a batch entry failed (InternalError)');
        Failed.push({ Id: entry.Id, Code: 'InternalError', Message: 'injected', SenderFault: false });
        continue;
      }
      try {
        Successful.push(Object.assign({ Id: entry.Id }, act(entry)));
      } catch (err) {
        const e = err as ModelError;
        Failed.push({ Id: entry.Id, Code: e.name, Message: e.message, SenderFault: e.senderFault });
      }
    }
    return { Successful, Failed };
  }

  private excuseReceipts(input: Input, why: string): void {
    const entries: Input[] = input.Entries ?? [input];
    for (const entry of entries) this.excuseEntry(entry, why);
  }

  private excuseEntry(entry: Input, why: string): void {
    if (entry.ReceiptHandle) this.hooks.excuse(entry.ReceiptHandle, why);
    else if (entry.MessageBody !== undefined) this.hooks.excuseBody(entry.MessageBody, why);
  }

  private onAnswerLost(action: string, result: any, why: string): void {
    if (action !== 'ReceiveMessage') return;
    for (const message of (result?.Messages ?? []) as Message[]) {
      // A consumer that aborts its own answered receive is to blame; the network is not.
      if (why.startsWith('answer lost')) this.hooks.excuse(message.ReceiptHandle!, why);
      else this.hooks.note(message.ReceiptHandle!, why);
    }
  }

  /** One way of the network; a dead process never gets an answer. */
  private async travel(rates: FaultRates, signal?: AbortSignal): Promise<void> {
    const { base, tail, tailChance } = rates.latency;
    const ms = Math.min(MAX_CALL_LATENCY_MS / 2, base + (this.random() < tailChance ? this.random() * tail : 0));
    await abortable(new Promise((resolve) => setTimeout(resolve, ms)), signal);
    if (this.dead) await new Promise(() => undefined);
  }
}

function sendInput(input: Input) {
  return {
    body: input.MessageBody,
    attributes: input.MessageAttributes,
    groupId: input.MessageGroupId,
    dedupId: input.MessageDeduplicationId,
    delaySeconds: input.DelaySeconds,
  };
}

function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError());
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

function abortError(): Error {
  const err = new Error('Request aborted');
  err.name = 'AbortError';
  return err;
}

function networkError(): Error {
  const err = new Error('socket hang up');
  err.name = 'TimeoutError';
  return err;
}

function serverError(random: () => number): Error {
  const throttled = random() < 0.5;
  return throttled
    ? new ModelError('ThrottlingException', 'Rate exceeded', false)
    : new ModelError('InternalError', 'We encountered an internal error. Please try again.', false);
}
