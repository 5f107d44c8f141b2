// A loopback TCP proxy in front of the real Keycloak. cut() closes the listener and every
// connection, so the client sees exactly what a stopped Keycloak gives (ECONNREFUSED) without
// the 15-30 s of restarting the JVM and losing the in-memory database; resume() listens again
// on the same port. slow(ms) lets requests through at once but holds every byte of the answers
// for `ms`: a Keycloak that does the work and answers too late for the client's timeout.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private responseDelayMs = 0;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  static forUrl(url: string): TcpProxy {
    const { hostname, port } = new URL(url);
    return new TcpProxy(hostname, Number(port));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((client) => {
      const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream);
      const toClient = this.delayedRelay();
      upstream.on('data', (chunk: Buffer) => toClient(() => void (client.destroyed || client.write(chunk))));
      upstream.on('end', () => toClient(() => client.end()));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => toClient(() => client.destroy()));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  /** From now on, answers reach the client `ms` later (0: at once again). Requests are not delayed. */
  slow(ms: number): void {
    this.responseDelayMs = ms;
  }

  /**
   * For one connection: runs each step after the delay in force when its bytes arrived, never
   * before an earlier step (so an answer stays in order when the delay changes mid-way).
   */
  private delayedRelay(): (step: () => void) => void {
    let notBefore = 0;
    return (step) => {
      const at = Math.max(Date.now() + this.responseDelayMs, notBefore);
      notBefore = at;
      if (at <= Date.now()) step();
      else setTimeout(step, at - Date.now()).unref();
    };
  }

  /** Keycloak "stops": connections refused, open ones reset. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Keycloak "is back" on the same address. */
  async resume(): Promise<void> {
    if (!this.server) await this.start();
  }

  async stop(): Promise<void> {
    await this.cut();
  }
}
