import { Inject, Injectable, Optional } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { AwsCredentialIdentity } from '@smithy/types';
import { AWS_CREDENTIALS } from '../config/aws.module.js';
import type { CredentialProviderResult } from '../config/aws-credentials.js';
import {
  DEFAULT_CHECK_TIMEOUT_MS,
  DEFAULT_HEALTH_CACHE_MS,
  errorMessage,
  HEALTH_OPTIONS,
  type HealthOptions,
  withTimeout,
} from './health.options.js';
import { TtlCache } from './ttl-cache.js';

/**
 * Up while the service's AWS credentials resolve. The result is reused for a few seconds;
 * the provider itself caches credentials and renews them before they expire, so a probe
 * reaches STS or a metadata endpoint only when renewal is due.
 */
@Injectable()
export class CredentialsHealthIndicator {
  private readonly cache: TtlCache<AwsCredentialIdentity>;

  constructor(
    private readonly health: HealthIndicatorService,
    @Optional() @Inject(AWS_CREDENTIALS) private readonly credentials?: CredentialProviderResult,
    @Optional() @Inject(HEALTH_OPTIONS) private readonly options: HealthOptions = {},
  ) {
    this.cache = new TtlCache(options.cacheMs ?? DEFAULT_HEALTH_CACHE_MS, options.now ?? Date.now);
  }

  async isReady(key = 'credentials'): Promise<HealthIndicatorResult> {
    const session = this.health.check(key);
    const credentials = this.credentials;
    if (!credentials) return session.up({ source: 'not checked: no AWS_CREDENTIALS provider bound' });
    const timeoutMs = this.options.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
    try {
      const identity = await this.cache.get(() =>
        withTimeout(Promise.resolve(credentials.provider()), timeoutMs, 'credential resolution'),
      );
      return session.up({
        source: credentials.resolvedSource() ?? credentials.source,
        expiresAt: identity.expiration?.toISOString(),
      });
    } catch (err) {
      return session.down({ reason: errorMessage(err) });
    }
  }
}
