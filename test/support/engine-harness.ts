// A ConsumerEngine wired as SqsServer wires it, over a MiniSqs, with every event and log line
// recorded: the engine's unit specs drive it through drains, pauses and faults.
import { ConsumerEngine } from '../../src/sqs/engine/consumer-engine.js';
import { ConsumerStatus } from '../../src/sqs/engine/consumer-status.js';
import type { HeldMessage } from '../../src/sqs/core/held-message.js';
import type { EventSink } from '../../src/sqs/settlement/settlement.js';
import { resolveSqsServerOptions, type SqsServerOptions } from '../../src/sqs/core/sqs.options.js';
import type { MiniSqs } from './mini-sqs.js';

export type Handler = (data: unknown, held: HeldMessage) => Promise<void>;

export interface EngineHarness {
  engine: ConsumerEngine;
  events: Array<{ event: string; args: unknown[] }>;
  logs: Array<{ level: string; msg: string }>;
  /** Names of the events emitted so far for `event`, with their first argument's message id. */
  eventsOf(event: string): unknown[][];
  close(): Promise<void>;
}

export async function startEngine(
  sqs: MiniSqs,
  handler: Handler,
  options: Partial<SqsServerOptions> = {},
  emitHook?: (event: string) => void,
): Promise<EngineHarness> {
  const events: EngineHarness['events'] = [];
  const logs: EngineHarness['logs'] = [];
  const log = (level: string) => (message: unknown) =>
    void logs.push({ level, msg: typeof message === 'string' ? message : (message as { msg: string }).msg });
  const emit: EventSink = (event, ...args) => {
    events.push({ event, args });
    emitHook?.(event);
  };
  const engine = new ConsumerEngine({
    client: sqs.client,
    options: resolveSqsServerOptions({
      queues: [{ url: sqs.queueUrl }],
      // A short long poll, so a close() never waits on one; every other option its default.
      waitTimeSeconds: 1,
      ...options,
    }),
    dispatcher: { route: () => (decoded, held) => handler(decoded.data, held) },
    emit,
    status: new ConsumerStatus(() => undefined),
    logger: { log: log('info'), warn: log('warn'), error: log('error') },
  });
  await engine.start();
  return {
    engine,
    events,
    logs,
    eventsOf: (event) => events.filter((e) => e.event === event).map((e) => e.args),
    close: () => engine.close(),
  };
}

/** Resolves when `probe` holds; polls every 5 ms, fails after `timeoutMs`. */
export async function until(probe: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
