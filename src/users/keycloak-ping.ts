import { KeycloakHttpError, KeycloakUnavailableError } from './keycloak.errors.js';
import type { KeycloakOptions } from './keycloak.options.js';

/**
 * One cheap, unauthenticated request that shows whether Keycloak serves the realm:
 * `GET /realms/{realm}` (its public key and endpoints), bounded by `timeoutMs`. It resolves
 * when Keycloak answers 2xx and throws the error classes of the client otherwise, so that the
 * circuit breaker judges a probe exactly as it judges a real call.
 */
export async function pingRealm(options: Pick<KeycloakOptions, 'url' | 'realm' | 'timeoutMs'>): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`${options.url}/realms/${encodeURIComponent(options.realm)}`, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    // Read to the end: the body is small, and an unread one would hold the socket.
    await response.arrayBuffer();
  } catch (err) {
    throw new KeycloakUnavailableError('probe', err);
  }
  if (!response.ok) throw new KeycloakHttpError('probe', response.status);
}
