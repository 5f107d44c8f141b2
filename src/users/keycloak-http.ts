import type { KeycloakBreaker } from './keycloak.breaker.js';
import { KeycloakHttpError, KeycloakUnavailableError, parseRetryAfter } from './keycloak.errors.js';
import type { KeycloakOptions } from './keycloak.options.js';
import type { KeycloakTokenProvider } from './keycloak-token.provider.js';

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT';
  body?: unknown;
  /** Statuses returned to the caller instead of thrown (e.g. 404 on a lookup, 409 on create). */
  accept?: number[];
}

/**
 * One Admin API call of the realm: through the circuit breaker, with the cached service-account
 * token (renewed once on a 401), bounded by `timeoutMs`. `path` is relative to
 * `/admin/realms/{realm}` and its variable parts must already be `encodeURIComponent`'ed.
 */
export class KeycloakHttp {
  private readonly adminBase: string;

  constructor(
    private readonly options: KeycloakOptions,
    private readonly tokens: KeycloakTokenProvider,
    private readonly breaker: KeycloakBreaker,
  ) {
    this.adminBase = `${options.url}/admin/realms/${encodeURIComponent(options.realm)}`;
  }

  async json<T>(operation: string, path: string): Promise<T> {
    return (await (await this.request(operation, path)).json()) as T;
  }

  request(operation: string, path: string, options: RequestOptions = {}): Promise<Response> {
    return this.breaker.execute(async () => {
      let token = await this.tokens.getToken();
      let response = await this.send(operation, path, options, token);
      if (response.status === 401) {
        // The token may have been revoked or the realm keys rotated: one retry with a fresh one.
        await response.body?.cancel();
        this.tokens.invalidate(token);
        token = await this.tokens.getToken();
        response = await this.send(operation, path, options, token);
      }
      if (response.ok || options.accept?.includes(response.status)) return response;
      throw await this.httpError(operation, response);
    });
  }

  private async send(operation: string, path: string, options: RequestOptions, token: string): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(`${this.adminBase}${path}`, {
        method: options.method ?? 'GET',
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      throw new KeycloakUnavailableError(operation, err);
    }
  }

  private async httpError(operation: string, response: Response): Promise<KeycloakHttpError> {
    let code: string | undefined;
    try {
      // `errorMessage` is a message key or fixed text; `params` would echo submitted values.
      const body = (await response.json()) as { errorMessage?: unknown; error?: unknown; field?: unknown };
      const message =
        typeof body.errorMessage === 'string'
          ? body.errorMessage
          : typeof body.error === 'string'
            ? body.error
            : undefined;
      code = message && typeof body.field === 'string' ? `${body.field}: ${message}` : message;
    } catch {
      code = undefined;
    }
    return new KeycloakHttpError(
      operation,
      response.status,
      code?.slice(0, 200),
      parseRetryAfter(response.headers.get('retry-after')),
    );
  }
}
