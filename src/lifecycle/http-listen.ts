import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { HttpConfig } from '../config/http.config.js';

/** The HTTP port could not be bound; `message` is one line naming the variable to change. */
export class HttpListenError extends Error {
  override readonly name = 'HttpListenError';

  constructor(
    readonly http: HttpConfig,
    readonly code: string | undefined,
  ) {
    super(describeListenError(http, code));
  }
}

function describeListenError({ host, port }: HttpConfig, code: string | undefined): string {
  switch (code) {
    case 'EADDRINUSE':
      return `Cannot start: HTTP_PORT ${port} is already in use on ${host}; stop what holds it or set HTTP_PORT to a free port`;
    case 'EACCES':
      return `Cannot start: HTTP_PORT ${port} needs privileges this process does not have; use a port above 1023`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return `Cannot start: HTTP_HOST ${host} is not an address of this machine; use 127.0.0.1 or 0.0.0.0`;
    default:
      return `Cannot start: listening on HTTP_HOST ${host}, HTTP_PORT ${port} failed (${code ?? 'unknown error'})`;
  }
}

/**
 * Binds the app's HTTP server (after `app.init()`), rejecting with {@link HttpListenError}.
 * Not `app.listen()`: that also logs the raw error at error level, a second line for one fault.
 */
export async function listenHttp(app: INestApplication, http: HttpConfig): Promise<void> {
  const server = app.getHttpServer() as Server;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => reject(new HttpListenError(http, err.code));
    server.once('error', onError);
    server.listen(http.port, http.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  app.get(HttpAdapterHost).listening = true;
}
