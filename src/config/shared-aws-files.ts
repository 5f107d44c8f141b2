import { devNull } from 'node:os';

/** The SDK's variables naming its shared config and credentials files. */
export const SHARED_FILE_VARIABLES = ['AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE'] as const;

/**
 * Points the AWS SDK's shared config and credentials files at the null device, for the whole
 * process, whatever `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE` said before.
 *
 * Why: every SDK client, and every STS client inside a credential provider, resolves settings
 * it was not given (retry mode, max attempts, endpoint URLs, auth scheme preference, the
 * instance metadata endpoint, ...) by reading `~/.aws/config` and `~/.aws/credentials` at its
 * first call. Whoever can write those files could then change the service's retries or send
 * its web identity token to an endpoint of their choosing. Giving every setting explicitly
 * would leave any loader missed (or added by an SDK upgrade) reading them; this closes them all.
 * The SDK's documented `AWS_*` environment variables still apply.
 */
export function sealSharedAwsFiles(env: NodeJS.ProcessEnv = process.env): void {
  for (const variable of SHARED_FILE_VARIABLES) env[variable] = devNull;
}
