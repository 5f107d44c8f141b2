// Fault 5: a flood of poison messages mixed with good ones. Every poison message lands in the
// dead-letter queue with its reason on its first receive (no retry round trips occupying
// workers), every good message is handled on its first receive, nothing is lost.
//
// The work queue has the classic 256 KiB limit and the 256 KiB bodies fill it. The copy the
// transport sends to the dead-letter queue carries two more attributes (dlq-reason,
// dlq-detail), so the dead-letter queue needs a larger MaximumMessageSize (1 MiB, the SQS
// default for new queues): the main case is configured so. The second case shows what
// happens when the dead-letter queue has the same 256 KiB limit (see its comment).
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeadLetterReason, DLQ_REASON_ATTRIBUTE } from '../../src/sqs/index.js';
import { eventually } from '../support/eventually.js';
import { FaultCase } from './support/fault-case.js';
import { account, percentile, type FaultQueue, type OutgoingMessage } from './support/queues.js';

/** The classic SQS limit (262,144 bytes: body + attribute names, types and values). */
const MAX_MESSAGE_SIZE = 262_144;
const MAX_RECEIVE_COUNT = 5;

interface Planned extends OutgoingMessage {
  cid: string;
  /** The dead-letter reason expected, or undefined for a good message. */
  reason?: DeadLetterReason;
  kind: string;
}

let counter = 0;
const nextCid = (): string => `c${String(counter++).padStart(5, '0')}`;

function plan(kind: string, count: number, make: (cid: string) => Omit<Planned, 'cid' | 'kind'>): Planned[] {
  return Array.from({ length: count }, () => {
    const cid = nextCid();
    return { cid, kind, ...make(cid) };
  });
}

/** Pads a body so that body + attributes are exactly MAX_MESSAGE_SIZE bytes. */
function fill(prefix: string, suffix: string, attributes: Record<string, MessageAttributeValue>): string {
  const attributeBytes = Object.entries(attributes).reduce(
    (n, [name, a]) => n + name.length + a.DataType!.length + (a.StringValue?.length ?? 0),
    0,
  );
  return prefix + 'x'.repeat(MAX_MESSAGE_SIZE - attributeBytes - prefix.length - suffix.length) + suffix;
}

const pattern = (p: string): Record<string, MessageAttributeValue> => ({
  pattern: { DataType: 'String', StringValue: p },
});

function messages(): Planned[] {
  const all = [
    ...plan('good work', 300, (cid) => ({ body: JSON.stringify({ cid, ms: 10 }), pattern: 'fault.work' })),
    ...plan('good validated', 100, (cid) => ({
      body: JSON.stringify({ cid, name: 'ok', n: 7 }),
      pattern: 'fault.validated',
    })),
    ...plan('good 256 KiB', 5, (cid) => ({
      body: fill(`{"cid":"${cid}","pad":"`, '"}', pattern('fault.work')),
      attributes: pattern('fault.work'),
    })),
    ...plan('malformed JSON', 40, (cid) => ({
      body: `{"cid":"${cid}", "name": oops`,
      pattern: 'fault.work',
      reason: DeadLetterReason.MalformedBody,
    })),
    ...plan('unknown pattern', 40, (cid) => ({
      body: JSON.stringify({ cid }),
      pattern: 'fault.nope',
      reason: DeadLetterReason.NoHandler,
    })),
    ...plan('no pattern', 10, (cid) => ({ body: JSON.stringify({ cid }), reason: DeadLetterReason.NoPattern })),
    ...plan('failing validation', 20, (cid) => ({
      body: JSON.stringify({ cid, name: '', n: -1 }),
      pattern: 'fault.validated',
      reason: DeadLetterReason.ValidationFailed,
    })),
    ...plan('wrong payload types', 20, (cid) => ({
      body: JSON.stringify({ cid, name: 42, n: 'seven', admin: true }),
      pattern: 'fault.validated',
      reason: DeadLetterReason.ValidationFailed,
    })),
    ...plan('Number pattern attribute', 20, (cid) => ({
      body: JSON.stringify({ cid }),
      attributes: { pattern: { DataType: 'Number', StringValue: '7' } },
      reason: DeadLetterReason.MalformedAttribute,
    })),
    ...plan('Binary pattern attribute', 20, (cid) => ({
      body: JSON.stringify({ cid }),
      attributes: { pattern: { DataType: 'Binary', BinaryValue: Buffer.from('fault.work') } },
      reason: DeadLetterReason.MalformedAttribute,
    })),
    ...plan('256 KiB malformed JSON', 5, (cid) => ({
      body: fill(`{"cid":"${cid}","pad":`, '', pattern('fault.work')),
      attributes: pattern('fault.work'),
      reason: DeadLetterReason.MalformedBody,
    })),
    ...plan('256 KiB failing validation', 5, (cid) => ({
      body: fill(`{"cid":"${cid}","n":1,"name":"`, '"}', pattern('fault.validated')),
      attributes: pattern('fault.validated'),
      reason: DeadLetterReason.ValidationFailed,
    })),
  ];
  // Shuffled (deterministically), so that poison and good messages arrive interleaved.
  let seed = 42;
  const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all;
}

describe('fault: a flood of poison messages mixed with good ones', () => {
  let fc: FaultCase;
  let queue: FaultQueue;

  before(async () => {
    fc = await FaultCase.start('poison');
    queue = await fc.sqs.createQueue('poison', {
      maxReceiveCount: MAX_RECEIVE_COUNT,
      maximumMessageSize: MAX_MESSAGE_SIZE,
      dlqMaximumMessageSize: 1_048_576,
    });
  });

  after(async () => {
    await fc?.cleanup();
  });

  it('dead-letters each poison message with its reason at once; good messages go through on their first receive', async (t) => {
    const planned = messages();
    await fc.recordingConsumer('poison', queue, {
      concurrency: 10,
      waitTimeSeconds: 1,
      visibilityTimeout: 10,
      backoff: { baseSeconds: 1, maxSeconds: 4 },
    });
    const sentAt = Date.now();
    const ids = await fc.sqs.sendAll(queue.url, planned);
    const byId = new Map(ids.map((id, i) => [id, planned[i]!]));
    const byCid = new Map(planned.map((p, i) => [p.cid, ids[i]!]));
    const good = planned.filter((p) => !p.reason);
    const poison = planned.filter((p) => p.reason);

    const dead: Array<{ cid: string; reason?: string }> = [];
    await eventually(
      async () => {
        for (const m of await fc.sqs.takeAll(queue.dlqUrl)) {
          dead.push({
            cid: /"cid":"(c\d{5})"/.exec(m.Body ?? '')?.[1] ?? `unmatched:${(m.Body ?? '').slice(0, 40)}`,
            reason: m.MessageAttributes?.[DLQ_REASON_ATTRIBUTE]?.StringValue,
          });
        }
        const done = fc.records().countBy('done');
        return (
          dead.length >= poison.length &&
          good.every((g) => done.has(byCid.get(g.cid)!)) &&
          (await fc.queueEmpty(queue.url))
        );
      },
      'every good message handled, every poison message in the dead-letter queue, the queue empty',
      120_000,
      500,
    ).catch((err: Error) => {
      const missing = poison.filter((p) => !dead.some((d) => d.cid === p.cid)).map((p) => p.kind);
      throw new Error(`${err.message}\nnot in the DLQ yet: ${JSON.stringify(Object.groupBy(missing, (k) => k))}`);
    });

    const records = fc.records();
    // Poison: in the DLQ once each, with its reason, moved on the first receive.
    const deadByCid = Map.groupBy(dead, (d) => d.cid);
    const wrong: string[] = [];
    for (const p of poison) {
      const copies = deadByCid.get(p.cid) ?? [];
      if (copies.length !== 1 || copies[0]!.reason !== p.reason)
        wrong.push(`${p.kind} ${p.cid}: ${JSON.stringify(copies)} (expected ${p.reason})`);
    }
    assert.deepEqual(wrong, [], 'poison messages not in the DLQ exactly once with their reason');
    const dlqEvents = records.of('dlq');
    assert.equal(dlqEvents.length, poison.length);
    const retriedPoison = dlqEvents.filter((r) => r.rc !== 1).map((r) => `${byId.get(r.id!)?.kind} rc=${r.rc}`);
    assert.deepEqual(retriedPoison, [], 'poison messages dead-lettered only after retries');
    assert.equal(records.of('fail').length, 0, 'handler failures (none should be retried)');

    // Good: handled once, on their first receive, never in the DLQ.
    const goodIds = good.map((g) => byCid.get(g.cid)!);
    const starts = records.of('start');
    const goodStarts = starts.filter((r) => byId.get(r.id!) && !byId.get(r.id!)!.reason);
    assert.equal(goodStarts.length, good.length, 'good messages started exactly once each');
    assert.ok(
      goodStarts.every((r) => r.rc === 1),
      'a good message was received more than once',
    );
    const doneAt = new Map(records.of('done').map((r) => [r.id!, r.t]));
    const latencies = goodIds.map((id) => doneAt.get(id)! - sentAt);
    t.diagnostic(
      `${good.length} good + ${poison.length} poison; good latency from send: p50 ${percentile(latencies, 50)} ms, ` +
        `p95 ${percentile(latencies, 95)} ms, max ${Math.max(...latencies)} ms; all ${records.of('dlq').length} poison dead-lettered on receive 1`,
    );
    // Generous: the whole flood takes a few seconds; a good message stuck behind poison retries
    // (1 s, 2 s, 4 s ... backoffs, MAX_RECEIVE_COUNT receives) would take far longer.
    assert.ok(Math.max(...latencies) < 60_000, `a good message took ${Math.max(...latencies)} ms`);

    const deadIds = new Set(dead.map((d) => byCid.get(d.cid)).filter((id): id is string => !!id));
    const result = account({ sentIds: ids, records, queueEmpty: true, deadLetteredIds: deadIds });
    t.diagnostic(
      `sent ${result.sent}, deleted ${result.deleted}, dead-lettered ${result.deadLettered}, lost ${result.lost.length}, duplicates ${result.duplicates}`,
    );
    assert.deepEqual(result.lost, [], 'lost messages');
    assert.equal(result.deadLettered, poison.length);
    assert.equal(result.deleted, good.length);
  });

  // A poison message that fills the dead-letter queue's own size limit leaves no room for the
  // reason attributes: the transport sheds them and copies the body bare, on the first receive,
  // with the reason in its log line and its dead_lettered event (not via the redrive policy).
  it("a poison message that fills the dead-letter queue's own limit is moved on its first receive, reason in the event", async (t) => {
    const full = await fc.sqs.createQueue('poison-full', {
      maxReceiveCount: 3,
      maximumMessageSize: MAX_MESSAGE_SIZE,
      dlqMaximumMessageSize: MAX_MESSAGE_SIZE,
    });
    await fc.recordingConsumer('full', full, {
      concurrency: 4,
      waitTimeSeconds: 1,
      visibilityTimeout: 10,
      backoff: { baseSeconds: 1, maxSeconds: 2 },
    });
    const planned = [
      ...plan('256 KiB malformed JSON', 2, (cid) => ({
        body: fill(`{"cid":"${cid}","pad":`, '', pattern('fault.work')),
        attributes: pattern('fault.work'),
        reason: DeadLetterReason.MalformedBody,
      })),
      ...plan('256 KiB failing validation', 2, (cid) => ({
        body: fill(`{"cid":"${cid}","n":1,"name":"`, '"}', pattern('fault.validated')),
        attributes: pattern('fault.validated'),
        reason: DeadLetterReason.ValidationFailed,
      })),
    ];
    const ids = await fc.sqs.sendAll(full.url, planned);
    const dead: Array<{ cid?: string; reason?: string; id?: string }> = [];
    await eventually(
      async () => {
        for (const m of await fc.sqs.takeAll(full.dlqUrl)) {
          dead.push({
            cid: /"cid":"(c\d{5})"/.exec(m.Body ?? '')?.[1],
            reason: m.MessageAttributes?.[DLQ_REASON_ATTRIBUTE]?.StringValue,
            id: m.MessageId,
          });
        }
        return dead.length >= planned.length && (await fc.queueEmpty(full.url));
      },
      'every full-size poison message in the dead-letter queue',
      90_000,
      500,
    );
    const deadIds = new Set(
      dead.map((d) => ids[planned.findIndex((p) => p.cid === d.cid)]).filter((id): id is string => !!id),
    );
    const result = account({ sentIds: ids, records: fc.records(), queueEmpty: true, deadLetteredIds: deadIds });
    const events = fc.records().of('dlq', 'full');
    t.diagnostic(
      `full-size poison: ${result.deadLettered}/${planned.length} in the DLQ, ${events.length} dead_lettered events, lost ${result.lost.length}`,
    );
    assert.equal(events.length, planned.length, 'moved by the transport, not by the redrive policy');
    for (const event of events) assert.equal(event.rc, 1, 'moved on the first receive');
    assert.deepEqual(events.map((e) => e.reason).sort(), planned.map((p) => p.reason).sort(), 'each reason reported');
    assert.deepEqual(result.lost, [], 'lost messages');
    assert.equal(result.deadLettered, planned.length);
  });
});
