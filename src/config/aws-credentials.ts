import {
  fromEnv,
  fromHttp,
  fromInstanceMetadata,
  fromTemporaryCredentials,
  fromTokenFile,
} from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { AwsConfig } from './aws.config.js';
import { sealSharedAwsFiles } from './shared-aws-files.js';

/** Credentials are renewed this long before they expire (the SDK clients use the same window). */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

/** No credentials could be had, by the rules of `APP_ENV`. The message says why and what to set. */
export class CredentialsUnavailableError extends Error {
  override readonly name = 'CredentialsUnavailableError';
}

export interface CredentialProviderResult {
  /** Caches what it resolves and renews temporary credentials before they expire. */
  provider: AwsCredentialIdentityProvider;
  /** Human description of the chosen source, for the start-up log (never a key). */
  source: string;
  /** Which link produced the credentials last resolved, once they have been. */
  resolvedSource(): string | undefined;
}

export interface CredentialProviderOptions {
  /** The clock deciding when credentials are due for renewal (tests pass a fake one). */
  now?: () => number;
  /** Read for the SDK's own switches (container URIs, `AWS_EC2_METADATA_DISABLED`). */
  processEnv?: NodeJS.ProcessEnv;
}

type Link = { name: string; provider: AwsCredentialIdentityProvider };

/**
 * Builds the credential provider `APP_ENV` calls for:
 * - production, staging, integration: environment keys, then the web identity token file
 *   (IRSA), then the container credentials endpoint (EKS Pod Identity, ECS), then instance
 *   metadata. Never `~/.aws/credentials`, `~/.aws/config`, SSO or `credential_process`.
 * - anything else (local): environment keys only; fails here when there are none.
 * With `AWS_ASSUME_ROLE_ARN`, a role is assumed on top through STS, with credentials that
 * renew themselves before they expire.
 * In every mode it first seals the SDK's shared files for the process (see
 * {@link sealSharedAwsFiles}), so that no SDK client reads `~/.aws` or the files
 * `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE` name.
 * @throws {CredentialsUnavailableError} local without environment keys.
 */
export function createCredentialProvider(
  aws: AwsConfig,
  options: CredentialProviderOptions = {},
): CredentialProviderResult {
  sealSharedAwsFiles();
  const now = options.now ?? Date.now;
  const processEnv = options.processEnv ?? process.env;
  let lastLink: string | undefined;
  const links = aws.podCredentials ? podLinks(aws, processEnv) : localLinks(aws);
  const chained = chain(links, aws, (name) => (lastLink = name));
  const base = refreshing(chained, now);
  const baseSource = aws.podCredentials
    ? describePodChain(aws, processEnv)
    : `environment keys only (APP_ENV=${aws.appEnv} is local; ~/.aws is never read)`;
  if (!aws.assumeRole) {
    return { provider: base, source: baseSource, resolvedSource: () => lastLink };
  }
  const { roleArn, sessionName, durationSeconds, externalId } = aws.assumeRole;
  const assumed = fromTemporaryCredentials({
    masterCredentials: base,
    params: {
      RoleArn: roleArn,
      RoleSessionName: sessionName,
      DurationSeconds: durationSeconds,
      ExternalId: externalId,
    },
    clientConfig: stsClientConfig(aws),
  });
  return {
    provider: refreshing(assumed, now),
    source: `role ${roleArn} assumed through STS${aws.stsEndpoint ? ` at ${aws.stsEndpoint}` : ''} (session ${sessionName}, ${durationSeconds} s, renewed before expiry) with base credentials from ${baseSource}`,
    resolvedSource: () => (lastLink ? `role ${roleArn} assumed with ${lastLink}` : undefined),
  };
}

/**
 * The STS client of a credential provider: the service's region, and its endpoint resolved from
 * that region (or the local `AWS_STS_ENDPOINT`), never from an `AWS_ENDPOINT_URL*` variable or
 * an `endpoint_url` setting: the web identity token and the base credentials go to STS only.
 */
function stsClientConfig(aws: AwsConfig) {
  return {
    region: aws.region,
    ignoreConfiguredEndpointUrls: true,
    ...(aws.stsEndpoint ? { endpoint: aws.stsEndpoint } : {}),
  };
}

function localLinks(aws: AwsConfig): Link[] {
  if (!aws.hasEnvironmentKeys) {
    throw new CredentialsUnavailableError(
      `No AWS credentials: APP_ENV "${aws.appEnv}" is local, and local runs take AWS_ACCESS_KEY_ID and ` +
        'AWS_SECRET_ACCESS_KEY from the environment only; ~/.aws/credentials and ~/.aws/config are never read. ' +
        'Set both (any value works with a local SQS server), or run with APP_ENV=production|staging|integration in a pod.',
    );
  }
  return [{ name: 'environment keys', provider: fromEnv() }];
}

function podLinks(aws: AwsConfig, processEnv: NodeJS.ProcessEnv): Link[] {
  const links: Link[] = [{ name: 'environment keys', provider: fromEnv() }];
  if (aws.webIdentity) {
    const { tokenFile, roleArn, sessionName } = aws.webIdentity;
    links.push({
      name: `web identity token file (IRSA, role ${roleArn})`,
      provider: fromTokenFile({
        webIdentityTokenFile: tokenFile,
        roleArn,
        roleSessionName: sessionName,
        clientConfig: stsClientConfig(aws),
      }),
    });
  }
  if (hasContainerEndpoint(processEnv)) {
    // fromHttp, not fromContainerMetadata: only fromHttp accepts the EKS Pod Identity host
    // (169.254.170.23) and its AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE.
    links.push({
      name: 'container credentials endpoint (EKS Pod Identity / ECS)',
      provider: fromHttp({ timeout: 2_000, maxRetries: 3 }),
    });
  }
  if (!imdsDisabled(processEnv)) {
    links.push({
      name: 'instance metadata (EC2 instance role)',
      provider: fromInstanceMetadata({ timeout: 1_000, maxRetries: 1 }),
    });
  }
  return links;
}

function hasContainerEndpoint(processEnv: NodeJS.ProcessEnv): boolean {
  return Boolean(processEnv.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || processEnv.AWS_CONTAINER_CREDENTIALS_FULL_URI);
}

function imdsDisabled(processEnv: NodeJS.ProcessEnv): boolean {
  const value = processEnv.AWS_EC2_METADATA_DISABLED;
  return value !== undefined && value !== '' && value.toLowerCase() !== 'false';
}

function describePodChain(aws: AwsConfig, processEnv: NodeJS.ProcessEnv): string {
  const links = podLinks(aws, processEnv).map((link) => link.name);
  // Every link before the first available one fails fast, so the first one present is used.
  return (
    `pod chain for APP_ENV=${aws.appEnv}, expecting ${aws.hasEnvironmentKeys ? 'environment keys' : (links[1] ?? 'nothing (no source configured)')} ` +
    `(order: ${links.join(' -> ')}; ~/.aws is never read)`
  );
}

/** Tries each link in turn, as the SDK's chain does, and explains a total failure. */
function chain(links: Link[], aws: AwsConfig, onResolved: (name: string) => void): AwsCredentialIdentityProvider {
  return async (properties) => {
    const failures: string[] = [];
    for (const link of links) {
      try {
        const credentials = await link.provider(properties);
        onResolved(link.name);
        return credentials;
      } catch (err) {
        failures.push(`${link.name}: ${err instanceof Error ? err.message : String(err)}`);
        if ((err as { tryNextLink?: boolean }).tryNextLink === false) break;
      }
    }
    const rules = aws.podCredentials
      ? `APP_ENV "${aws.appEnv}" uses the pod chain (~/.aws is never read)`
      : `APP_ENV "${aws.appEnv}" is local and uses environment keys only (~/.aws is never read)`;
    throw new CredentialsUnavailableError(`No AWS credentials: ${rules}. Tried ${failures.join('; ')}`);
  };
}

/**
 * Caches the credentials `provider` resolves and asks it again once they are within
 * {@link REFRESH_BEFORE_EXPIRY_MS} of expiring, one call at a time. If renewal fails while
 * the cached credentials are still valid, they keep being served until they expire.
 */
export function refreshing(
  provider: AwsCredentialIdentityProvider,
  now: () => number = Date.now,
): AwsCredentialIdentityProvider {
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const expiresAt = (credentials: AwsCredentialIdentity) =>
    credentials.expiration?.getTime() ?? Number.POSITIVE_INFINITY;
  return async (properties) => {
    if (current && expiresAt(current) - now() > REFRESH_BEFORE_EXPIRY_MS) return current;
    pending ??= Promise.resolve(provider(properties))
      .then((credentials) => (current = credentials))
      .finally(() => (pending = undefined));
    try {
      return await pending;
    } catch (err) {
      if (current && expiresAt(current) > now()) return current;
      throw err;
    }
  };
}
