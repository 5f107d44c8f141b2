// The report: medians per workload and configuration, the README's compact table, all figures,
// requests by action, batching, and the transport's targets checked.
import type { Args } from './cli.js';
import { REFERENCE, type ConsumerDef } from './consumer-defs.js';
import { fmt, median, pct } from './lib/stats.js';
import type { WorkloadDef } from './workloads/definitions.js';
import type { RunResult } from './workloads/run-context.js';

/**
 * One row of the tables: a consumer at one simulated latency. The summary is keyed by
 * `configKey`: the consumer id on loopback, `id+20ms` with the simulated network.
 */
interface RowConfig {
  consumer: ConsumerDef;
  latencyMs: number;
  key: string;
  label: string;
}

function configKey(id: string, latencyMs: number): string {
  return latencyMs > 0 ? `${id}+${latencyMs}ms` : id;
}

function latencyLabel(ms: number): string {
  return ms > 0 ? `+${ms} ms` : 'loopback';
}

function rowConfigs(cs: ConsumerDef[], latencies: number[]): RowConfig[] {
  return cs.flatMap((c) =>
    latencies.map((latencyMs) => ({
      consumer: c,
      latencyMs,
      key: configKey(c.id, latencyMs),
      label: latencies.length > 1 || latencyMs > 0 ? `${c.label}, ${latencyLabel(latencyMs)}` : c.label,
    })),
  );
}

export type Summary = Record<
  string,
  Record<string, { runs: number; failed: number; latencyMs: number; medians: Record<string, number> }>
>;

export function summarizeAll(ws: WorkloadDef[], cs: ConsumerDef[], latencies: number[], results: RunResult[]): Summary {
  const out: Summary = {};
  for (const w of ws) {
    out[w.key] = {};
    for (const { consumer: c, latencyMs, key } of rowConfigs(cs, latencies)) {
      const runs = results.filter(
        (r) => r.workload === w.key && r.consumer === c.id && r.latencyMs === latencyMs && !r.warmup,
      );
      if (runs.length === 0) continue;
      const ok = runs.filter((r) => r.ok);
      const keys = new Set(ok.flatMap((r) => Object.keys(r.metrics)));
      const medians: Record<string, number> = {};
      for (const k of keys) medians[k] = median(ok.map((r) => r.metrics[k] ?? Number.NaN));
      // Requests per message by action (medians over runs).
      const actions = new Set(ok.flatMap((r) => Object.keys(r.requests ?? {})));
      for (const a of actions)
        medians[`req:${a}`] = median(
          ok.map((r) => (r.requests?.[a] ?? 0) / (r.metrics.messages ?? r.metrics.handled ?? 1)),
        );
      out[w.key]![key] = { runs: runs.length, failed: runs.length - ok.length, latencyMs, medians };
    }
  }
  return out;
}

export interface TableMeta {
  date: Date;
  minutes: number;
  machine: { cpus: number; cpuModel?: string; memoryGiB: number; node: string; loadavgAtStart: number[] };
  loadEnd: number[];
  args: Args;
  idleSeconds: number;
}

/** The throughput workloads whose requests per message must stay at the floor. */
const REQUEST_WORKLOADS = [
  ['noop', 'W1'],
  ['wait50', 'W2'],
  ['wait-var', 'W3'],
  ['c100', 'W4'],
] as const;

/**
 * The README's table (issue 9): per consumer, loopback and each simulated latency side by side
 * in every cell ("loopback / +20 ms").
 */
function renderCompact(ws: WorkloadDef[], cs: ConsumerDef[], s: Summary, meta: TableMeta): string[] {
  const latencies = meta.args.latencies;
  const has = (w: string): boolean => ws.some((x) => x.key === w);
  const get = (w: string, key: string, k: string): number | undefined => s[w]?.[key]?.medians[k];
  const failed = (w: string, key: string): string => (s[w]?.[key]?.failed ? '!' : '');
  const cols: Array<[string, (c: ConsumerDef, l: number) => string]> = [];
  if (has('noop')) {
    cols.push([
      'W1 msg/s',
      (c, l) => `${fmt(get('noop', configKey(c.id, l), 'throughput'))}${failed('noop', configKey(c.id, l))}`,
    ]);
    cols.push([
      'W1 × simple loop',
      (c, l) => {
        const t = get('noop', configKey(c.id, l), 'throughput');
        const ref = get('noop', configKey(REFERENCE, l), 'throughput');
        return t !== undefined && ref !== undefined ? `${fmt(t / ref, 2)}×` : '–';
      },
    ]);
  }
  for (const [w, id] of [
    ['wait50', 'W2'],
    ['wait-var', 'W3'],
    ['c100', 'W4'],
  ] as const) {
    if (has(w))
      cols.push([
        `${id} % of ideal`,
        (c, l) => `${pct(get(w, configKey(c.id, l), 'fractionOfIdeal'))}${failed(w, configKey(c.id, l))}`,
      ]);
  }
  const reqWorkloads = REQUEST_WORKLOADS.filter(([w]) => has(w));
  if (reqWorkloads.length) {
    cols.push([
      `req/msg, max of ${reqWorkloads.map(([, id]) => id).join('-')}`,
      (c, l) => {
        let worst: [number, string] | undefined;
        for (const [w, id] of reqWorkloads) {
          const r = get(w, configKey(c.id, l), 'requestsPerMessage');
          if (r !== undefined && Number.isFinite(r) && (!worst || r > worst[0])) worst = [r, id];
        }
        return worst ? `${fmt(worst[0], 3)} (${worst[1]})` : '–';
      },
    ]);
  }
  if (has('backpressure')) {
    cols.push([
      'W6 RSS MB 10 s → end',
      (c, l) => {
        const k = configKey(c.id, l);
        const a = get('backpressure', k, 'rssStartMB');
        return a === undefined ? '–' : `${fmt(a)} → ${fmt(get('backpressure', k, 'rssEndMB'))}`;
      },
    ]);
  }
  if (has('idle')) cols.push(['idle req/h', (c, l) => fmt(get('idle', configKey(c.id, l), 'idleRequestsPerHour'))]);
  for (const [w, id] of [
    ['burst300', 'W9 burst 300'],
    ['burst3000', 'W10 burst 3,000'],
  ] as const) {
    if (has(w)) cols.push([`${id}: drain s`, (c, l) => fmt(get(w, configKey(c.id, l), 'drainS'), 2)]);
  }
  const lines: string[] = [];
  const sides = latencies.map(latencyLabel).join(' / ');
  lines.push(
    `Summary (each cell: ${sides}; W1 × simple loop: msg/s over the simple loop's in the same run and network):`,
    '',
  );
  lines.push(`| consumer | ${cols.map(([h]) => h).join(' | ')} |`);
  lines.push(`| --- | ${cols.map(() => '---:').join(' | ')} |`);
  for (const c of cs) {
    if (!ws.some((w) => latencies.some((l) => s[w.key]?.[configKey(c.id, l)]))) continue;
    const cells = cols.map(([, cell]) => {
      const values = latencies.map((l) => cell(c, l));
      return values.every((v) => v === '–') ? '–' : values.join(' / ');
    });
    lines.push(`| ${c.label} | ${cells.join(' | ')} |`);
  }
  return lines;
}

export function renderTables(ws: WorkloadDef[], cs: ConsumerDef[], s: Summary, meta: TableMeta): string {
  const lines: string[] = [];
  const rows = rowConfigs(cs, meta.args.latencies);
  const get = (w: string, c: string, k: string): number | undefined => s[w]?.[c]?.medians[k];
  const has = (w: string): boolean => ws.some((x) => x.key === w);
  const failed = (w: string, c: string): string => (s[w]?.[c]?.failed ? ` (${s[w]![c]!.failed} failed)` : '');
  lines.push(
    `Run ${meta.date.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${meta.machine.cpus} cores (${meta.machine.cpuModel ?? '?'}), ${meta.machine.memoryGiB} GiB, Node ${meta.machine.node}; ` +
      `load average ${meta.machine.loadavgAtStart[0]!.toFixed(2)} at start, ${meta.loadEnd[0]!.toFixed(2)} at end; ${meta.minutes.toFixed(1)} min; ` +
      `medians of ${meta.args.runs} run(s)${meta.args.quick ? ' (--quick: smaller counts, no warm-up)' : ' after a warm-up'}; ` +
      `simulated network: ${meta.args.latencies.map((l) => (l > 0 ? `+${l} ms per request` : 'none (loopback)')).join(', ')}.`,
  );
  lines.push('');
  lines.push(...renderCompact(ws, cs, s, meta), '');
  lines.push('All figures:', '');
  const header: string[] = ['consumer'];
  if (has('noop')) header.push('W1 msg/s', 'W1 CPU s', 'W1 req/msg (recv + del + other)', 'W1 peak RSS MB');
  if (has('wait50')) header.push('W2 % of ideal');
  if (has('wait-var')) header.push('W3 % of ideal');
  if (has('c100')) header.push('W4 % of ideal');
  if (REQUEST_WORKLOADS.some(([w]) => w !== 'noop' && has(w)))
    header.push(
      `req/msg ${REQUEST_WORKLOADS.filter(([w]) => w !== 'noop' && has(w))
        .map(([, id]) => id)
        .join(' / ')}`,
    );
  if (has('latency')) header.push('W5 p50 / p99 ms');
  if (has('backpressure')) header.push('W6 RSS MB at 10 s → mid → end (max); 2nd-half MB/min');
  if (has('shutdown')) header.push('W7 idle s', 'W7 busy s (left)');
  if (has('idle')) header.push('W8 idle req/h');
  if (has('burst300')) header.push('W9 drain s (first handler ms)');
  if (has('burst3000')) header.push('W10 drain s (first handler ms)');
  lines.push(`| ${header.join(' | ')} |`);
  lines.push(`| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`);
  for (const { key: c, label } of rows) {
    if (!ws.some((w) => s[w.key]?.[c])) continue;
    const row: string[] = [label];
    if (has('noop')) {
      const w = 'noop';
      row.push(
        `${fmt(get(w, c, 'throughput'))}${failed(w, c)}`,
        fmt(get(w, c, 'cpuS'), 2),
        get(w, c, 'requestsPerMessage') === undefined
          ? '–'
          : `${fmt(get(w, c, 'requestsPerMessage'), 3)} (${fmt(get(w, c, 'receivePerMessage'), 3)} + ${fmt(get(w, c, 'deletePerMessage'), 3)} + ${fmt(get(w, c, 'otherPerMessage'), 3)})`,
        fmt(get(w, c, 'peakRssMB')),
      );
    }
    for (const w of ['wait50', 'wait-var', 'c100'])
      if (has(w)) row.push(`${pct(get(w, c, 'fractionOfIdeal'))}${failed(w, c)}`);
    const others = REQUEST_WORKLOADS.filter(([w]) => w !== 'noop' && has(w));
    if (others.length) row.push(others.map(([w]) => fmt(get(w, c, 'requestsPerMessage'), 3)).join(' / '));
    if (has('latency')) {
      const p50 = get('latency', c, 'p50');
      row.push(p50 === undefined ? '–' : `${fmt(p50, 1)} / ${fmt(get('latency', c, 'p99'), 1)}${failed('latency', c)}`);
    }
    if (has('backpressure')) {
      const start = get('backpressure', c, 'rssStartMB');
      row.push(
        start === undefined
          ? '–'
          : `${fmt(start)} → ${fmt(get('backpressure', c, 'rssMidMB'))} → ${fmt(get('backpressure', c, 'rssEndMB'))} (${fmt(get('backpressure', c, 'rssMaxMB'))}); ${fmt(get('backpressure', c, 'rssSlopeMBPerMin'), 1)}`,
      );
    }
    if (has('shutdown')) {
      const busy = get('shutdown', c, 'busySeconds');
      const left = (get('shutdown', c, 'leftVisible') ?? 0) + (get('shutdown', c, 'leftInFlight') ?? 0);
      row.push(
        fmt(get('shutdown', c, 'idleSeconds'), 2),
        busy === undefined ? '–' : `${fmt(busy, 2)} (${fmt(left)})${failed('shutdown', c)}`,
      );
    }
    if (has('idle')) row.push(`${fmt(get('idle', c, 'idleRequestsPerHour'))}${failed('idle', c)}`);
    for (const w of ['burst300', 'burst3000'])
      if (has(w)) row.push(`${fmt(get(w, c, 'drainS'), 2)} (${fmt(get(w, c, 'firstStartMs'))})${failed(w, c)}`);
    lines.push(`| ${row.join(' | ')} |`);
  }
  lines.push('');
  lines.push(
    'W1: 10,000 messages, no-op handler, C = 10 (msg/s from first handler start to last handler end; CPU of the consumer process over that window; requests counted at the server). ' +
      'W2: 2,000 × 50 ms, ideal 200 msg/s. W3: 2,000 × 0-100 ms fixed per message (mean 50 ms), ideal C / mean. W4: C = 100, 20,000 × 50 ms, ideal 2,000 msg/s. ' +
      `W5: 200 messages sent one at a time to an idle consumer, SendMessage to handler start. W6: 100,000 queued, 50 ms, C = 10, ${meta.args.soakSeconds ?? (meta.args.quick ? 15 : 60)} s, RSS sampled every second. ` +
      'W7: SIGTERM to exit, idle and with 10 handlers of 2 s running (grace: each library\'s default or 30 s); "left" = messages not deleted after exit. ' +
      `W8: every consumer idle at once on its own empty queue, C = 10, requests over ${meta.idleSeconds} s after start-up scaled to an hour. ` +
      'W9, W10: 300 and 3,000 no-op messages sent at once (parallel SendMessageBatch) to a consumer idle for 5 s, C = 10; from the first send to the last handler end. ' +
      "Simulated network: every SQS request (the consumer's and the orchestrator's) handed to the SQS server that many ms after it arrived.",
  );

  // Requests by action on W1.
  if (has('noop')) {
    const actions = new Set<string>();
    for (const { key } of rows)
      for (const k of Object.keys(s.noop?.[key]?.medians ?? {})) if (k.startsWith('req:')) actions.add(k.slice(4));
    const list = [...actions].sort();
    lines.push('', 'W1 SQS requests per message by action (counted at the server):', '');
    lines.push(`| consumer | ${list.join(' | ')} |`);
    lines.push(`| --- | ${list.map(() => '---:').join(' | ')} |`);
    for (const { key, label } of rows) {
      if (!s.noop?.[key]) continue;
      lines.push(`| ${label} | ${list.map((a) => fmt(get('noop', key, `req:${a}`), 4)).join(' | ')} |`);
    }
  }

  // Where the requests go, W1-W4: a consumer at the floor (0.2) receives and deletes in full
  // batches of 10; the surplus shows which side is short.
  const reqWs = REQUEST_WORKLOADS.filter(([w]) => has(w));
  if (reqWs.length) {
    lines.push(
      '',
      'Batching (medians): messages per receive that brought any / receives empty or still waiting at the count / messages per DeleteMessageBatch:',
      '',
    );
    lines.push(`| consumer | ${reqWs.map(([, id]) => id).join(' | ')} |`);
    lines.push(`| --- | ${reqWs.map(() => '---:').join(' | ')} |`);
    for (const { key, label } of rows) {
      if (!reqWs.some(([w]) => s[w]?.[key])) continue;
      const cells = reqWs.map(([w]) =>
        s[w]?.[key]
          ? `${fmt(get(w, key, 'messagesPerReceive'), 2)} / ${fmt(get(w, key, 'receivesEmptyOrWaiting'))} / ${fmt(get(w, key, 'messagesPerDeleteBatch'), 2)}`
          : '–',
      );
      lines.push(`| ${label} | ${cells.join(' | ')} |`);
    }
  }

  // Targets for this service's transport (issue 9), at each simulated latency, against the
  // simple loop of the same run and network.
  for (const latencyMs of meta.args.latencies) {
    for (const [id, title] of [['sqs-server', 'SqsServer (defaults, with the Node flags the image runs)']] as const) {
      const ours = configKey(id, latencyMs);
      if (!ws.some((w) => s[w.key]?.[ours])) continue;
      const checks: Array<[string, boolean | undefined, string]> = [];
      const ref = get('noop', configKey(REFERENCE, latencyMs), 'throughput');
      if (s.noop?.[ours]) {
        const t = get('noop', ours, 'throughput');
        checks.push([
          'W1 msg/s ≥ simple loop',
          t !== undefined && ref !== undefined ? t >= ref : undefined,
          `${fmt(t)} vs ${fmt(ref)}`,
        ]);
      }
      for (const [w, wid] of REQUEST_WORKLOADS) {
        if (!s[w]?.[ours]) continue;
        const r = get(w, ours, 'requestsPerMessage');
        checks.push([`${wid} requests/message ≤ 0.21`, r !== undefined ? r <= 0.21 : undefined, fmt(r, 3)]);
      }
      const frac = (w: string, min: number, label: string): void => {
        if (!s[w]?.[ours]) return;
        const f = get(w, ours, 'fractionOfIdeal');
        checks.push([label, f !== undefined ? f >= min : undefined, pct(f, 2)]);
      };
      frac('wait50', 0.97, 'W2 ≥ 97% of ideal');
      frac('wait-var', 0.97, 'W3 ≥ 97% of ideal');
      frac('c100', 0.9, 'W4 ≥ 90% of ideal');
      if (s.latency?.[ours]) {
        const p = get('latency', ours, 'p50');
        const limit = 20 + latencyMs;
        checks.push([`W5 idle latency p50 < ${limit} ms`, p !== undefined ? p < limit : undefined, `${fmt(p, 1)} ms`]);
      }
      if (s.backpressure?.[ours]) {
        const max = get('backpressure', ours, 'rssMaxMB');
        const sl = get('backpressure', ours, 'rssSlopeMBPerMin');
        checks.push([
          'W6 RSS < 150 MB and not growing (2nd-half slope < 1 MB/min)',
          max !== undefined && sl !== undefined ? max < 150 && sl < 1 : undefined,
          `max ${fmt(max, 1)} MB, 2nd-half slope ${fmt(sl, 2)} MB/min`,
        ]);
      }
      if (s.shutdown?.[ours]) {
        const idle = get('shutdown', ours, 'idleSeconds');
        checks.push(['W7 idle shutdown < 1 s', idle !== undefined ? idle < 1 : undefined, `${fmt(idle, 3)} s`]);
      }
      if (s.idle?.[ours]) {
        // Before adaptive intake the defaults ran prefetch / 10 = 1 long poll at a time (C = 10).
        const perHour = get('idle', ours, 'idleRequestsPerHour');
        checks.push([
          'W8 idle requests/hour ≤ 180 (one 20 s long poll at a time)',
          perHour !== undefined ? perHour <= 180 : undefined,
          fmt(perHour),
        ]);
      }
      if (checks.length) {
        lines.push('', `Targets, ${title}, ${latencyLabel(latencyMs)}:`, '');
        for (const [label, ok, value] of checks)
          lines.push(`- ${ok === undefined ? '[ ? ]' : ok ? '[met]' : '[NOT MET]'} ${label}: ${value}`);
      }
    }
  }
  return lines.join('\n');
}
