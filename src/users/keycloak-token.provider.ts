import { Inject, Injectable, Logger } from '@nestjs/common';
import { KeycloakTokenError, KeycloakUnavailableError } from './keycloak.errors.js';
import { KEYCLOAK_OPTIONS, type KeycloakOptions } from './keycloak.options.js';

interface CachedToken {
  value: string;
  /** Epoch ms after which the token is refreshed (some time before it really expires). */
  refreshAt: number;
}

/** Refresh this long before expiry, at most; short-lived tokens refresh at 80 % of their life. */
const MAX_REFRESH_MARGIN_MS = 30_000;

/**
 * Access tokens of the service-account client (client credentials grant). One token is
 * cached and refreshed shortly before it expires; concurrent callers share one request.
 */
@Injectable()
export class KeycloakTokenProvider {
  private readonly logger = new Logger(KeycloakTokenProvider.name);
  private cached?: CachedToken;
  private inflight?: Promise<CachedToken>;
  private requests = 0;

  constructor(@Inject(KEYCLOAK_OPTIONS) private readonly options: KeycloakOptions) {}

  /** A valid access token, from the cache when it is fresh enough. */
  async getToken(): Promise<string> {
    if (this.cached && Date.now() < this.cached.refreshAt) return this.cached.value;
    this.inflight ??= this.requestToken().finally(() => {
      this.inflight = undefined;
    });
    return (await this.inflight).value;
  }

  /** Forgets `token` after Keycloak rejected it (401), unless a newer one replaced it already. */
  invalidate(token: string): void {
    if (this.cached?.value === token) this.cached = undefined;
  }

  /** Number of token requests made so far (tests and diagnostics). */
  get requestCount(): number {
    return this.requests;
  }

  private async requestToken(): Promise<CachedToken> {
    const { url, realm, clientId, clientSecret, timeoutMs } = this.options;
    const endpoint = `${url}/realms/${encodeURIComponent(realm)}/protocol/openid-connect/token`;
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    });
    this.requests += 1;
    const startedAt = Date.now();
    let response: Response;
    try {
      response = await fetch(endpoint, { method: 'POST', body, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw new KeycloakUnavailableError('token request', err);
    }
    if (!response.ok) {
      // `error` is an OAuth code such as invalid_client; the description may name the client only.
      const error = await readOAuthError(response);
      throw new KeycloakTokenError(`Keycloak token request answered ${response.status}${error ? ` (${error})` : ''}`);
    }
    const json = (await response.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof json.access_token !== 'string')
      throw new KeycloakTokenError('Keycloak token response has no access_token');
    const lifetimeMs = (typeof json.expires_in === 'number' ? json.expires_in : 60) * 1000;
    const margin = Math.min(MAX_REFRESH_MARGIN_MS, lifetimeMs / 5);
    this.cached = { value: json.access_token, refreshAt: startedAt + lifetimeMs - margin };
    this.logger.debug(`service-account token refreshed, valid ${Math.round(lifetimeMs / 1000)} s`);
    return this.cached;
  }
}

async function readOAuthError(response: Response): Promise<string | undefined> {
  try {
    const json = (await response.json()) as { error?: unknown };
    return typeof json.error === 'string' ? json.error.slice(0, 64) : undefined;
  } catch {
    return undefined;
  }
}
