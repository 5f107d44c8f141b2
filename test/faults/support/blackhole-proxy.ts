// A loopback TCP proxy that can turn into a black hole, as a dead NAT gateway or a silently
// dropped route does: connections are still accepted and stay open, but no byte gets through
// in either direction, so the client hears nothing until its own timeout. heal() brings a new
// path: new connections forward again, while the connections that were black-holed are reset
// (a replacement NAT has no state for them and answers their next packet with a reset).
import { createConnection, createServer, type Server, type Socket } from 'node:net';

interface Link {
  client: Socket;
  upstream?: Socket;
  /** True once the black hole swallowed this connection: it never forwards again. */
  dead: boolean;
}

export class BlackholeProxy {
  private server?: Server;
  private readonly links = new Set<Link>();
  private blackholed = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  static forUrl(url: string): BlackholeProxy {
    const { hostname, port } = new URL(url);
    return new BlackholeProxy(hostname, Number(port));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  /** From now on nothing gets through, on open connections and on new ones. */
  blackhole(): void {
    this.blackholed = true;
    for (const link of this.links) link.dead = true;
  }

  /** A working path again: new connections forward; the swallowed ones are reset. */
  heal(): void {
    this.blackholed = false;
    for (const link of [...this.links]) {
      if (!link.dead) continue;
      link.client.resetAndDestroy();
      link.upstream?.destroy();
      this.links.delete(link);
    }
  }

  async stop(): Promise<void> {
    for (const link of this.links) {
      link.client.destroy();
      link.upstream?.destroy();
    }
    this.links.clear();
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const link: Link = { client, dead: this.blackholed };
    this.links.add(link);
    client.on('error', () => client.destroy());
    client.on('close', () => {
      link.upstream?.destroy();
      this.links.delete(link);
    });
    // Bytes are read and dropped, never buffered: a black hole, not a slow link.
    if (link.dead) return void client.on('data', () => undefined);
    const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
    link.upstream = upstream;
    upstream.on('error', () => upstream.destroy());
    upstream.on('close', () => {
      if (!link.dead) client.destroy();
    });
    client.on('data', (chunk) => void (link.dead || upstream.write(chunk)));
    upstream.on('data', (chunk) => void (link.dead || client.write(chunk)));
  }
}
