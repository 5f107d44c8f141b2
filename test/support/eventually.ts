import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` until it returns a truthy value (which is returned) or `timeoutMs` passes.
 * End-to-end specs wait on outcomes this way, never on fixed sleeps, so that a slow machine
 * makes them slower, not red.
 */
export async function eventually<T>(
  probe: () => T | Promise<T>,
  what: string,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<Exclude<T, false | 0 | '' | null | undefined>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as Exclude<T, false | 0 | '' | null | undefined>;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`);
    await sleep(intervalMs);
  }
}
