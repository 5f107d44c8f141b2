// Polls the service's three HTTP endpoints side by side, so a spec can say what each answered
// at every moment of a start-up, an outage or a drain. A refused connection is status 0.
import { setTimeout as sleep } from 'node:timers/promises';

export type ProbePath = '/health/ready' | '/health/live' | '/metrics';

export interface ProbeSample {
  path: ProbePath;
  /** When the request was sent and when it was answered (epoch ms). */
  sentAt: number;
  at: number;
  status: number;
  body: string;
}

export class ProbePoller {
  readonly samples: ProbeSample[] = [];
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(
    private readonly baseUrl: string,
    paths: ProbePath[] = ['/health/ready', '/health/live', '/metrics'],
    private readonly intervalMs = 200,
  ) {
    this.loops = paths.map((path) => this.loop(path));
  }

  of(path: ProbePath, from = 0, to = Infinity): ProbeSample[] {
    return this.samples.filter((s) => s.path === path && s.sentAt >= from && s.sentAt <= to);
  }

  last(path: ProbePath): ProbeSample | undefined {
    return this.of(path).at(-1);
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(path: ProbePath): Promise<void> {
    while (this.running) {
      const sentAt = Date.now();
      // A fresh connection per probe, as the kubelet makes them: no keep-alive socket outlives the server.
      const sample = await fetch(`${this.baseUrl}${path}`, {
        signal: AbortSignal.timeout(5_000),
        headers: { connection: 'close' },
      }).then(
        async (r) => ({ status: r.status, body: await r.text() }),
        () => ({ status: 0, body: '' }),
      );
      this.samples.push({ path, sentAt, at: Date.now(), ...sample });
      await sleep(this.intervalMs);
    }
  }
}
