// An HTTP proxy on loopback in front of the real Keycloak that counts the requests in flight
// (sent and not yet answered to the end): the load a fleet puts on Keycloak, measured where
// Keycloak would feel it. cut() stops listening and resets every connection, as a stopped
// Keycloak would (ECONNREFUSED); resume() listens again on the same port.
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export class CountingHttpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private inFlight = 0;
  private peakSince = 0;
  port = 0;

  constructor(private readonly target: URL) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Requests in flight now. */
  get current(): number {
    return this.inFlight;
  }

  /** The most requests in flight at once since the last {@link resetPeak}. */
  get peak(): number {
    return this.peakSince;
  }

  resetPeak(): void {
    this.peakSince = this.inFlight;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => this.forward(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async resume(): Promise<void> {
    if (!this.server) await this.start();
  }

  async stop(): Promise<void> {
    await this.cut();
    this.agent.destroy();
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    this.inFlight++;
    this.peakSince = Math.max(this.peakSince, this.inFlight);
    let counted = true;
    const finished = () => {
      if (counted) this.inFlight--;
      counted = false;
    };
    res.on('close', finished);
    const upstream = request(
      {
        host: this.target.hostname,
        port: this.target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: this.agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }
}
