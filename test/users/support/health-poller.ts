// Polls a running service's /health/ready and /health/live in the background and keeps every
// answer, so a fault case can show the pod stayed ready and live through the whole fault.
import { setTimeout as sleep } from 'node:timers/promises';

export interface HealthSample {
  t: number;
  /** HTTP status of /health/ready (0: no answer within the timeout). */
  ready: number;
  /** Status of the `keycloak` contributor in the readiness details (`up`, `degraded`). */
  keycloak?: string;
  /** HTTP status of /health/live (0: no answer). */
  live: number;
}

export class HealthPoller {
  readonly samples: HealthSample[] = [];
  private running = false;
  private loop?: Promise<void>;

  constructor(
    private readonly port: number,
    private readonly intervalMs = 1_000,
  ) {}

  start(): this {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        this.samples.push(await this.sample());
        await sleep(this.intervalMs);
      }
    })();
    return this;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  between(from: number, to: number): HealthSample[] {
    return this.samples.filter((s) => s.t >= from && s.t <= to);
  }

  private async sample(): Promise<HealthSample> {
    const t = Date.now();
    const base = `http://127.0.0.1:${this.port}/health`;
    const ready = await fetch(`${base}/ready`, { signal: AbortSignal.timeout(5_000) }).then(
      async (r) => ({
        status: r.status,
        body: (await r.json().catch(() => ({}))) as { details?: Record<string, { status?: string }> },
      }),
      () => ({ status: 0, body: {} as { details?: Record<string, { status?: string }> } }),
    );
    const live = await fetch(`${base}/live`, { signal: AbortSignal.timeout(5_000) }).then(
      async (r) => (await r.arrayBuffer(), r.status),
      () => 0,
    );
    return { t, ready: ready.status, keycloak: ready.body.details?.keycloak?.status, live };
  }
}
