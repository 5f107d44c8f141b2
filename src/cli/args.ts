import { parseArgs } from 'node:util';

/** The subcommands of `npm run dlq`. */
export const COMMANDS = ['stats', 'peek', 'redrive', 'purge'] as const;
export type DlqCommandName = (typeof COMMANDS)[number];

/** Parsed command line of `npm run dlq -- <command> [options]`. */
export interface DlqArgs {
  command: DlqCommandName;
  /** Source (work) queue URL; default SQS_QUEUE_URL. */
  queue?: string;
  /** Dead-letter queue URL; default SQS_DLQ_URL, else the source queue's RedrivePolicy. */
  dlq?: string;
  reason?: string;
  pattern?: string;
  /** peek: how many of the oldest to show. */
  count: number;
  showBodies: boolean;
  /** peek --show-bodies: print bodies as they are, without scrubbing secrets. */
  raw: boolean;
  /** redrive: messages per second at most. */
  rate: number;
  /** redrive: stop after this many. */
  max: number;
  /** Seconds a scanned message stays invisible while the command works on it. */
  holdSeconds: number;
  /** stats/peek/redrive: messages read at most. */
  scanLimit: number;
  /** redrive: `auto` uses StartMessageMoveTask when it can, `copy` never does. */
  mode: 'auto' | 'copy';
  /** redrive: the private directory of the redrive journal (required in a pod). */
  journal?: string;
  /** purge: must equal the dead-letter queue's name. */
  confirm?: string;
  json: boolean;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `--help` / `-h` was given: print {@link USAGE} on stdout and exit 0. */
export class HelpRequested extends Error {
  override readonly name = 'HelpRequested';
}

export const USAGE = `Usage: npm run dlq -- <command> [options]   (image: args dist/cli/dlq.js <command> ...)

  stats                        counts by reason and pattern
  peek [-n 10] [--show-bodies [--raw]]
                               the oldest messages; bodies redacted unless asked, and
                               scrubbed of secrets unless --raw
  redrive [--reason r] [--pattern p] [--rate 10] [--max n] [--mode auto|copy] [--journal dir]
                               back to the source queue (--queue, else SQS_QUEUE_URL; never
                               the queue a message names), at most --rate messages/s
  purge --confirm <dlq-name>   deletes every message of the dead-letter queue (refused for a
                               queue that is no queue's dead-letter queue)

  --queue <url>   source queue (default SQS_QUEUE_URL)
  --dlq <url>     dead-letter queue (default SQS_DLQ_URL, else the source's RedrivePolicy)
  --journal <dir> private directory of the redrive journal (default ~/.local/state/
                  nest-sqs-worker/redrive; required in a pod: a volume that outlives it)
  --hold <s>      seconds a scanned message stays invisible (default 60)
  --limit <n>     messages scanned at most (default 10000)
  --json          machine-readable output
  -h, --help      this text`;

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got "${value}"`);
  return n;
}

const OPTIONS = {
  queue: { type: 'string' },
  dlq: { type: 'string' },
  reason: { type: 'string' },
  pattern: { type: 'string' },
  count: { type: 'string', short: 'n' },
  'show-bodies': { type: 'boolean' },
  raw: { type: 'boolean' },
  rate: { type: 'string' },
  max: { type: 'string' },
  hold: { type: 'string' },
  limit: { type: 'string' },
  mode: { type: 'string' },
  journal: { type: 'string' },
  confirm: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Parses `argv` (without node and the script). Throws {@link HelpRequested} for `--help` and
 * {@link UsageError} on a bad line.
 */
export function parseDlqArgs(argv: string[]): DlqArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
  const { values: v, positionals } = parsed;
  if (v.help) throw new HelpRequested();
  const command = positionals[0] as DlqCommandName | undefined;
  if (!command || !COMMANDS.includes(command) || positionals.length > 1)
    throw new UsageError(`expected one command: ${COMMANDS.join(', ')}`);
  if (v.mode !== undefined && v.mode !== 'auto' && v.mode !== 'copy')
    throw new UsageError(`--mode must be auto or copy, got "${v.mode}"`);
  return {
    command,
    queue: v.queue,
    dlq: v.dlq,
    reason: v.reason,
    pattern: v.pattern,
    count: positive('count', v.count, 10),
    showBodies: v['show-bodies'] ?? false,
    raw: v.raw ?? false,
    rate: positive('rate', v.rate, 10),
    max: positive('max', v.max, Number.POSITIVE_INFINITY),
    holdSeconds: Math.min(43_200, positive('hold', v.hold, 60)),
    scanLimit: positive('limit', v.limit, 10_000),
    mode: (v.mode as 'auto' | 'copy' | undefined) ?? 'auto',
    journal: v.journal,
    confirm: v.confirm,
    json: v.json ?? false,
  };
}
