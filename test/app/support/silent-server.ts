// A loopback TCP server that accepts connections and never answers: a downstream that hangs.
// A handler calling it stays busy until its own timeout, which is what a drain has to wait for.
// Only Keycloak's realm endpoint (`GET /realms/{realm}`, the breaker's start-up ping) answers, so
// the service starts receiving and its handlers are the ones left hanging.
import { createServer, type Server, type Socket } from 'node:net';

const REALM_ANSWER = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}';

export class SilentServer {
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('data', (chunk) => {
        if (/^GET \/realms\/[^/\s?]+ HTTP/.test(chunk.toString('latin1'))) socket.write(REALM_ANSWER);
      });
      socket.on('error', () => socket.destroy());
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  /** How many connections it holds open right now. */
  get connections(): number {
    return this.sockets.size;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
