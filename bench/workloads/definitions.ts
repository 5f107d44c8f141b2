// The workloads W1-W10: message counts, concurrency, handler delays, and which consumers run them.
export type WorkloadKind = 'throughput' | 'latency' | 'soak' | 'shutdown' | 'idle' | 'burst';

export interface WorkloadDef {
  id: string;
  key: string;
  title: string;
  kind: WorkloadKind;
  messages: number;
  concurrency: number;
  /** Handler delay of message i (ms). */
  delay: (i: number) => number;
  /** Consumers run by default (all when undefined). */
  defaultConsumers?: string[];
  /** Consumers never run on it (even when named in --consumers). */
  excludeConsumers?: string[];
}

export function workloads(quick: boolean): WorkloadDef[] {
  const q = (full: number, small: number): number => (quick ? small : full);
  return [
    {
      id: 'w1',
      key: 'noop',
      title: 'no-op handler',
      kind: 'throughput',
      messages: q(10_000, 2_000),
      concurrency: 10,
      delay: () => 0,
    },
    {
      id: 'w2',
      key: 'wait50',
      title: 'handler awaits 50 ms',
      kind: 'throughput',
      messages: q(2_000, 500),
      concurrency: 10,
      delay: () => 50,
    },
    // 0..100 ms, fixed per message, spread so that every batch of 10 mixes short and long.
    {
      id: 'w3',
      key: 'wait-var',
      title: 'handler awaits 0-100 ms',
      kind: 'throughput',
      messages: q(2_000, 500),
      concurrency: 10,
      delay: (i) => (i * 37) % 101,
    },
    {
      id: 'w4',
      key: 'c100',
      title: 'C = 100, handler awaits 50 ms',
      kind: 'throughput',
      messages: q(20_000, 4_000),
      concurrency: 100,
      delay: () => 50,
    },
    {
      id: 'w5',
      key: 'latency',
      title: 'idle latency',
      kind: 'latency',
      messages: q(200, 50),
      concurrency: 10,
      delay: () => 0,
    },
    {
      id: 'w6',
      key: 'backpressure',
      title: 'back pressure (100k queue, 50 ms, 60 s)',
      kind: 'soak',
      messages: q(100_000, 20_000),
      concurrency: 10,
      delay: () => 50,
      defaultConsumers: ['sqs-server', 'simple-loop'],
    },
    // Not the simple loop: its first worker takes all 10 messages and runs them one by one,
    // so 10 handlers never run at once (the run would wait for them in vain).
    {
      id: 'w7',
      key: 'shutdown',
      title: 'shutdown (idle; 10 handlers of 2 s running)',
      kind: 'shutdown',
      messages: 10,
      concurrency: 10,
      delay: () => 2_000,
      excludeConsumers: ['simple-loop'],
    },
    // Every consumer at once, idle on its own empty queue; requests counted by access key.
    {
      id: 'w8',
      key: 'idle',
      title: 'idle requests per hour (empty queue)',
      kind: 'idle',
      messages: 0,
      concurrency: 10,
      delay: () => 0,
    },
    // A burst at a consumer idle for 5 s, sent at once; time to drain from the first send.
    {
      id: 'w9',
      key: 'burst300',
      title: 'burst of 300 at an idle consumer',
      kind: 'burst',
      messages: 300,
      concurrency: 10,
      delay: () => 0,
    },
    {
      id: 'w10',
      key: 'burst3000',
      title: 'burst of 3,000 at an idle consumer',
      kind: 'burst',
      messages: q(3_000, 1_000),
      concurrency: 10,
      delay: () => 0,
    },
  ];
}
export const WORKLOADS = workloads(false);
