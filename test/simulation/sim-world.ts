// The simulated world of one run: the SQS model, the network's faults, a downstream gate, the
// handlers (each message's plan), and the consumer processes that come and go. It records what
// the invariants need: every attempt, success, receipt and dead-letter copy, by logical id.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Message } from '@aws-sdk/client-sqs';
import type { DownstreamGate } from '../../src/sqs/core/downstream-gate.js';
import { DLQ_MESSAGE_ID_ATTRIBUTE, DLQ_REASON_ATTRIBUTE } from '../../src/sqs/settlement/dead-letter-forwarder.js';
import { NonRetryableError } from '../../src/sqs/core/sqs.errors.js';
import { ModelSqsClient, NO_FAULTS, type FaultRates } from './model/model-client.js';
import { SqsModel, type Delivery, type ModelMessage, type ModelQueue } from './model/sqs-model.js';
import type { Plan, Schedule } from './schedule.js';
import { encode, modelS3, type Shape } from './message-shapes.js';
import { SimProcess } from './sim-process.js';

const MESSAGE_STEP_EVENTS = new Set(['processing_started', 'processed', 'processing_failed']);

/** Everything the run did to one message sent by the producer (copies included). */
export interface LogicalMessage {
  lid: string;
  plan: Plan;
  group?: string;
  sentSeq: number;
  attempts: number;
  successes: number[];
  receipts: string[];
  /**
   * Successes of handlers still running when their process's grace period ended: the engine had
   * given the message back as cut off (on FIFO's last receive: to the DLQ, by the contract).
   */
  cutOffSuccesses: number;
  /** Receipts whose receive an attempt spent. */
  tried: Set<string>;
  /**
   * Receipts the consumer replaced with a fresh copy (a standard queue's give-back): the copy
   * starts at receive count 0, so the original's receive spent nothing of the budget.
   */
  copied: Set<string>;
  /** Receipts received by a process that could not read the redrive policy yet (start-up blips). */
  blind: Set<string>;
  /** Receipts the consumer gave back untried with visibility 0 (FIFO's give-back, said and counted). */
  givenBack: Set<string>;
  /** Receipts whose receive the environment wasted, with why. */
  excused: Map<string, string>;
  shape: Shape;
  /** How long its first attempt runs (0: a fraction of a second, like every later one). */
  slowMs: number;
  /** What happened to its receipts that a counterexample should tell. */
  notes: string[];
  /** Copies that reached the dead-letter queue: when, and with which reason attribute. */
  deadLettered: Array<{
    seq: number;
    reason?: string;
    by: 'consumer' | 'redrive-policy';
    /**
     * The environment spent the receive before the move (a crash, a lost answer): nobody could try
     * it; or it was received while the redrive policy could not be read (start-up blips), so its
     * holder could not tell it was the last and the policy moved it (docs/delivery-guarantees.md).
     */
    lastReceiveExcused: boolean;
    /**
     * The moved message is an original the consumer had already replaced by a fresh copy, back
     * because its delete was lost (a crash, a failed call): a duplicate the contract allows,
     * which spends its own retry budget (docs/delivery-guarantees.md, Duplicates).
     */
    twinOfCopy: boolean;
  }>;
}

export class SimWorld {
  readonly model: SqsModel;
  readonly messages = new Map<string, LogicalMessage>();
  readonly processes: SimProcess[] = [];
  readonly violations: string[] = [];
  readonly workQueue: ModelQueue;
  readonly deadLetterQueue: ModelQueue;
  faults: FaultRates;
  listenerThrows: number;
  outageUntil = 0;
  readonly s3 = modelS3();
  /** Logical id by body: every copy of a message (requeued, dead-lettered) has its body. */
  private readonly lidByBody = new Map<string, string>();
  /** SQS message ids whose processing an injected listener throw turned into an internal error. */
  private readonly internalErrors = new Set<string>();
  private seqCounter = 0;
  private blipsLeft: number;
  private nextLid = 0;

  constructor(
    readonly schedule: Schedule,
    readonly random: () => number,
    readonly gate: DownstreamGate,
  ) {
    this.faults = schedule.faults;
    this.listenerThrows = schedule.listenerThrows;
    this.blipsLeft = schedule.startupBlips;
    this.model = new SqsModel({
      onDelivered: (_q, d) => this.onDelivered(d),
      onMovedByRedrive: (_q, m) => this.onDeadLettered(m, 'redrive-policy'),
      onSent: (q, m) => {
        if (q === this.deadLetterQueue) this.onDeadLettered(m, 'consumer');
        else this.onCopied(m);
      },
      onReordered: (receipt, applied, overridden) =>
        this.note(receipt, `visibility ${applied}s sent before ${overridden}s was applied after it`),
    });
    const suffix = schedule.fifo ? '.fifo' : '';
    this.deadLetterQueue = this.model.createQueue({ name: `sim-dlq${suffix}` });
    this.workQueue = this.model.createQueue({
      name: `sim-work${suffix}`,
      redrive: { deadLetterQueueName: `sim-dlq${suffix}`, maxReceiveCount: schedule.maxReceiveCount },
    });
  }

  seq(): number {
    return ++this.seqCounter;
  }

  /** The producer sends `count` messages (not through the consumer's client). */
  send(count: number, plan: Plan, group: number, slowMs: number, shape: Shape = 'plain'): void {
    for (let i = 0; i < count; i++) {
      const lid = `L${++this.nextLid}`;
      const groupId = this.schedule.fifo ? `g${group}` : undefined;
      this.messages.set(lid, {
        lid,
        plan,
        group: groupId,
        slowMs,
        shape,
        sentSeq: this.seq(),
        attempts: 0,
        successes: [],
        receipts: [],
        excused: new Map(),
        blind: new Set(),
        tried: new Set(),
        givenBack: new Set(),
        cutOffSuccesses: 0,
        copied: new Set(),
        notes: [],
        deadLettered: [],
      });
      const { body, attributes } = encode(JSON.stringify({ lid }), shape, this.s3.objects, lid);
      this.lidByBody.set(body, lid);
      this.model.send(this.workQueue.url, { body, attributes, groupId, dedupId: groupId ? lid : undefined });
    }
  }

  /** A new consumer process (a pod starting), which starts receiving at once. */
  spawn(): SimProcess {
    const id = `p${this.processes.length + 1}`;
    const client = new ModelSqsClient(this.model, id, this.random, () => this.currentFaults(), {
      excuse: (receipt, why) => this.excuse(receipt, why),
      excuseBody: (body, why) => {
        const last = this.byBody(body)?.receipts.at(-1);
        if (last) this.excuse(last, why);
      },
      note: (receipt, what) => this.note(receipt, what),
      failQueueAttributes: () => this.blipsLeft > 0 && this.blipsLeft-- > 0,
      givenBack: (receipt) => {
        const delivery = this.model.deliveries.get(receipt);
        if (delivery) this.byBody(delivery.body)?.givenBack.add(receipt);
      },
    });
    const proc = new SimProcess({
      id,
      queueUrl: this.workQueue.url,
      concurrency: this.schedule.concurrency,
      client,
      s3: this.s3.client,
      handle: (p, data, held) => this.handle(p, data, held.message.Body ?? '', held.message),
      emit: (event: string, info?: { messageId?: string }) => {
        // An application's listener with a bug, on the events of a message's own processing.
        if (!MESSAGE_STEP_EVENTS.has(event) || this.listenerThrows === 0) return;
        if (this.random() >= this.listenerThrows) return;
        // Thrown into the engine (the adapter would catch it): an internal error, settled as a
        // retry with backoff. Before the handler ran, it spends the receive with no attempt.
        if (event === 'processing_started' && info?.messageId) this.excuseById(info.messageId, 'an internal error');
        if (info?.messageId) this.internalErrors.add(info.messageId);
        throw new Error(`listener of ${event} failed`);
      },
    });
    this.processes.push(proc);
    void proc.start();
    return proc;
  }

  /** kill -9 of `proc`: the receives it held are spent by the crash. */
  kill(proc: SimProcess): void {
    proc.kill();
    const now = Date.now();
    for (const m of this.workQueue.messages) {
      if (m.holder === proc.id && m.visibleAt > now && m.receipt)
        this.excuse(m.receipt, `held by ${proc.id} when it was killed`);
    }
  }

  /** From now on the environment behaves (the run's end: everything must settle). */
  calm(): void {
    this.faults = NO_FAULTS;
    this.listenerThrows = 0;
    this.outageUntil = 0;
    this.gate.markUp();
  }

  private currentFaults(): FaultRates {
    return Date.now() < this.outageUntil ? { ...this.faults, serverError: 1 } : this.faults;
  }

  private async handle(proc: SimProcess, data: unknown, body: string, sqs: Message): Promise<void> {
    const receipt = sqs.ReceiptHandle ?? '';
    // By SQS message: a fresh copy (new MessageId) whose original's delete failed may run beside
    // it, a duplicate the contract allows (docs/delivery-guarantees.md, Duplicates).
    const runId = sqs.MessageId ?? body;
    const m = this.byBody(body);
    if (!m) throw new NonRetryableError('a message nobody sent');
    if ((data as { lid?: unknown } | undefined)?.lid !== m.lid) {
      // The handler takes what it is given, as most do: the payload was lost on the way.
      this.violations.push(
        `payload-intact: ${m.lid} (${m.shape}): the handler got ${JSON.stringify(data).slice(0, 160)}`,
      );
    }
    if (proc.running.has(runId))
      this.violations.push(`no-concurrent-runs: ${m.lid} started twice at once in ${proc.id}`);
    proc.running.add(runId);
    m.attempts += 1;
    m.tried.add(receipt);
    try {
      // Slower than the visibility timeout on its first attempt only: a whole backlog of slow
      // handlers would outlast any horizon on one worker without telling anything new.
      await sleep(m.attempts === 1 && m.slowMs ? m.slowMs : Math.floor(this.random() * 200));
      if (proc.killed) await new Promise(() => undefined);
      this.outcome(m);
      m.successes.push(this.seq());
      const { closing } = proc;
      if (closing && Date.now() - closing.startedAt >= proc.options.shutdownGraceSeconds * 1_000)
        m.cutOffSuccesses += 1;
    } finally {
      proc.running.delete(runId);
    }
  }

  /** Throws as the message's plan says for this attempt. */
  private outcome(m: LogicalMessage): void {
    if (m.plan === 'flaky' && m.attempts === 1) throw new Error('flaky: first attempt fails');
    if (m.plan === 'poison') throw new NonRetryableError('poison: can never succeed');
    if (m.plan === 'doomed') throw new Error('doomed: always fails');
    if (m.plan === 'gate' && this.gate.isDown) throw this.gate.unavailable('downstream is down');
  }

  private excuse(receipt: string, why: string): void {
    const delivery = this.model.deliveries.get(receipt);
    const m = delivery && this.byBody(delivery.body);
    if (m && !m.excused.has(receipt)) m.excused.set(receipt, why);
  }

  private hadInternalError(m: LogicalMessage): boolean {
    const last = m.receipts.at(-1);
    const id = last === undefined ? undefined : this.model.deliveries.get(last)?.messageId;
    return id !== undefined && this.internalErrors.has(id);
  }

  /** Excuses the newest receive of the SQS message `messageId`. */
  private excuseById(messageId: string, why: string): void {
    const receipt = [...this.model.deliveries.values()].findLast((d) => d.messageId === messageId)?.receipt;
    if (receipt) this.excuse(receipt, why);
  }

  private note(receipt: string, what: string): void {
    const delivery = this.model.deliveries.get(receipt);
    const m = delivery && this.byBody(delivery.body);
    m?.notes.push(`${receipt}: ${what}`);
  }

  private onDelivered(d: Delivery): void {
    const m = this.byBody(d.body);
    if (!m) return;
    m.receipts.push(d.receipt);
    const holder = this.processes.find((p) => p.id === d.holder);
    if (holder && !holder.maxReceiveCountKnown) m.blind.add(d.receipt);
  }

  /** A send to the work queue of a body already received: the consumer's copy of its last receive. */
  private onCopied(copy: ModelMessage): void {
    const last = this.byBody(copy.body)?.receipts.at(-1);
    if (last) this.byBody(copy.body)!.copied.add(last);
  }

  private onDeadLettered(copy: ModelMessage, by: 'consumer' | 'redrive-policy'): void {
    const reason = copy.attributes?.[DLQ_REASON_ATTRIBUTE]?.StringValue;
    const m = this.byBody(copy.body);
    if (!m) return;
    // The moved copy's last receipt: the redrive policy moves on the receive after it.
    const last = m.receipts.findLast((r) => this.model.deliveries.get(r)?.messageId === copy.id);
    // The consumer's own move with last-receive-untried is the fallback of a standard queue's
    // copy that could not be sent (docs/delivery-guarantees.md): excused when the environment
    // failed that send (or spent the receive otherwise).
    const untried = by === 'consumer' && reason === 'last-receive-untried' && !this.schedule.fifo;
    const held = untried ? m.receipts.at(-1) : undefined;
    const lastReceiveExcused =
      (by === 'redrive-policy' && last !== undefined && (m.excused.has(last) || m.blind.has(last))) ||
      (held !== undefined && m.excused.has(held)) ||
      // An injected listener throw is an internal error; on the last receive the contract moves
      // it with internal-error (docs/delivery-guarantees.md).
      (by === 'consumer' && reason === 'internal-error' && this.hadInternalError(m));
    // The SQS message moved: the redrive policy moves it as is; the consumer's copy names it.
    const sourceId = by === 'redrive-policy' ? copy.id : copy.attributes?.[DLQ_MESSAGE_ID_ATTRIBUTE]?.StringValue;
    const twinOfCopy = [...m.copied].some((r) => this.model.deliveries.get(r)?.messageId === sourceId);
    m.deadLettered.push({ seq: this.seq(), reason, by, lastReceiveExcused, twinOfCopy });
  }

  private byBody(body: string): LogicalMessage | undefined {
    const lid = this.lidByBody.get(body);
    return lid === undefined ? undefined : this.messages.get(lid);
  }
}
