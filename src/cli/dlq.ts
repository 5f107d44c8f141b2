// `npm run dlq -- <command>` (in the image, whose entrypoint is node: `dist/cli/dlq.js <command>`):
// inspect, redrive and purge the service's dead-letter queue with the service's own configuration.
import { pathToFileURL } from 'node:url';
import { CredentialsUnavailableError, EnvValidationError, isPodEnvironment } from '../config/index.js';
import { type DlqArgs, HelpRequested, parseDlqArgs, USAGE, UsageError } from './args.js';
import { createDlqContext } from './dlq-context.js';
import { runPeek } from './peek.js';
import { runPurge } from './purge.js';
import { runRedrive } from './redrive.js';
import { runStats } from './stats.js';

/**
 * A redrive journal in a pod would die with the pod, and with it the memory of a send whose
 * delete did not happen: in a pod the operator names a directory on a volume that outlives it.
 */
function requireDurableJournal(args: DlqArgs, env: NodeJS.ProcessEnv): void {
  if (args.command === 'redrive' && args.journal === undefined && isPodEnvironment(env.APP_ENV ?? ''))
    throw new UsageError(
      `redrive in a pod (APP_ENV=${env.APP_ENV}) needs --journal <dir> on a volume that outlives the pod`,
    );
}

/** Runs one command; returns the exit code (0 done or --help, 1 failed, 2 bad command line). */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out = (line: string) => console.log(line),
): Promise<number> {
  try {
    const args = parseDlqArgs(argv);
    requireDurableJournal(args, env);
    const ctx = await createDlqContext(args, env, out);
    try {
      if (args.command === 'stats') await runStats(ctx, args);
      else if (args.command === 'peek') await runPeek(ctx, args);
      else if (args.command === 'redrive') await runRedrive(ctx, args, env);
      else await runPurge(ctx, args);
    } finally {
      ctx.client.destroy();
    }
    return 0;
  } catch (err) {
    if (err instanceof HelpRequested) {
      out(USAGE);
      return 0;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`dlq: ${err.message.split('\n')[0]}\n\n${USAGE}\n`);
      return 2;
    }
    const known = err instanceof EnvValidationError || err instanceof CredentialsUnavailableError;
    process.stderr.write(
      `dlq: ${known || !(err instanceof Error) ? String((err as Error).message ?? err) : `${err.name}: ${err.message}`}\n`,
    );
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
