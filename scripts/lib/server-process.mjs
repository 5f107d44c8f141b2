// What the server scripts share about their child process: the end of its log, waiting for it
// to exit, stopping it, and whether an SQS server answers on an endpoint.
import { readFileSync } from 'node:fs';

/** The last `lines` lines of a log file ('' when there is none yet). */
export function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Resolves true once `child` has exited, false after `ms`. */
export function waitForExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGTERM, then SIGKILL if `child` is still there after `timeoutMs`. */
export async function stopChild(child, timeoutMs) {
  child.kill('SIGTERM');
  if (await waitForExit(child, timeoutMs)) return;
  child.kill('SIGKILL');
  await waitForExit(child, timeoutMs);
}

/** True when an SQS server at `endpoint` answers ListQueues within 2 s (one attempt). */
export async function answersSqs(endpoint, region = 'us-east-1') {
  const { SQSClient, ListQueuesCommand } = await import('@aws-sdk/client-sqs');
  const client = new SQSClient({
    endpoint,
    region,
    maxAttempts: 1,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await client.send(new ListQueuesCommand({}), { abortSignal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}
