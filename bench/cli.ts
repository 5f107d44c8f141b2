// The bench's command line: options, usage, and a bad command line answered with exit 2.
import { CONSUMERS } from './consumer-defs.js';
import { WORKLOADS } from './workloads/definitions.js';

export interface Args {
  quick: boolean;
  runs: number;
  only?: Set<string>;
  consumers?: Set<string>;
  profile: boolean;
  verbose: boolean;
  soakSeconds?: number;
  /** Extra SqsServer options (JSON) for the sqs-server* consumers, for experiments. */
  serverOptions?: Record<string, unknown>;
  /** Extra Node flags for the consumer processes (experiments), e.g. --max-semi-space-size=4. */
  nodeArgs: string[];
  /** Simulated network: every SQS request answered this many ms later (each value a configuration). */
  latencies: number[];
  /** Length of the idle measurement (s); a multiple of the 20 s long poll. */
  idleSeconds?: number;
}

export function usage(): string {
  return [
    'Usage: npm run bench -- [options]',
    '  --quick              1 run each, smaller counts, no warm-up (smoke test, ~5 min)',
    '  --runs=N             measured runs per configuration (default 3, after a warm-up)',
    `  --only=LIST          workloads: ${WORKLOADS.map((w) => `${w.id}|${w.key}`).join(', ')}, fleet`,
    `  --consumers=LIST     ${CONSUMERS.map((c) => c.id).join(', ')}`,
    '  --soak-seconds=N     length of the back-pressure run (default 60)',
    '  --latency-ms=N[,M]   simulated network: every SQS request answered N ms later (default 0);',
    '                       a list runs every configuration at each (README: --latency-ms=0,20)',
    '  --idle-seconds=N     length of the idle request count (default 60; --quick 40)',
    '  --server-options=JSON extra SqsServer options for the sqs-server* consumers (experiments)',
    '  --node-args="FLAGS"  extra Node flags for the consumer processes (experiments)',
    '  --profile            run our consumers and the simple loop with --cpu-prof (bench/results/profiles/)',
    "  --verbose            pass the consumers' stderr through",
    '  -h, --help           this text',
    '',
  ].join('\n');
}

/** A bad command line: one line on stderr, the usage, exit 2 (before anything starts). */
export function usageError(message: string): never {
  process.stderr.write(`bench: ${message}\n\n${usage()}`);
  process.exit(2);
}

const VALUED_OPTIONS = new Set([
  '--runs',
  '--only',
  '--consumers',
  '--soak-seconds',
  '--idle-seconds',
  '--latency-ms',
  '--node-args',
  '--server-options',
]);

export function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, runs: 3, profile: false, verbose: false, nodeArgs: [], latencies: [0] };
  for (const a of argv) {
    const eq = a.indexOf('=');
    const key = eq < 0 ? a : a.slice(0, eq);
    const value = eq < 0 ? undefined : a.slice(eq + 1);
    if (VALUED_OPTIONS.has(key) && value === undefined) usageError(`${key} needs a value: ${key}=...`);
    if (key === '--quick') args.quick = true;
    else if (key === '--runs') args.runs = Number(value);
    else if (key === '--only') args.only = new Set(value!.split(',').map((s) => s.trim()));
    else if (key === '--consumers') args.consumers = new Set(value!.split(',').map((s) => s.trim()));
    else if (key === '--profile') args.profile = true;
    else if (key === '--verbose') args.verbose = true;
    else if (key === '--soak-seconds') args.soakSeconds = Number(value);
    else if (key === '--idle-seconds') args.idleSeconds = Number(value);
    else if (key === '--latency-ms') {
      args.latencies = [...new Set(value!.split(',').map((v) => Number(v.trim())))];
      if (args.latencies.some((v) => !Number.isFinite(v) || v < 0))
        usageError(`--latency-ms: not a list of ms: ${value}`);
    } else if (key === '--node-args') args.nodeArgs = value!.split(/\s+/).filter(Boolean);
    else if (key === '--server-options') args.serverOptions = JSON.parse(value!) as Record<string, unknown>;
    else if (key === '--help' || key === '-h') {
      process.stdout.write(usage());
      process.exit(0);
    } else usageError(`unknown option ${a}`);
  }
  if (args.quick && !argv.some((a) => a.startsWith('--runs'))) args.runs = 1;
  return args;
}
