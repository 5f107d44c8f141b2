import { registerAs } from '@nestjs/config';
import { type Env, isPodEnvironment, parseEnv } from './env.schema.js';
import { awsSqsEndpoint } from './sqs-endpoint.js';

/** An optional cross-account role assumed on top of the base credentials. */
export interface AssumeRoleConfig {
  roleArn: string;
  sessionName: string;
  durationSeconds: number;
  externalId?: string;
}

/** What the credential chain and the AWS clients need. */
export interface AwsConfig {
  appEnv: string;
  /** Pod chain (web identity, container, instance) rather than environment keys only. */
  podCredentials: boolean;
  region: string;
  /**
   * Endpoint of a local SQS server (`SQS_ENDPOINT`, local only) or, in pods, the loopback
   * server of the test hook `TEST_ONLY_POD_SQS_ENDPOINT`. Unset: the queue URL's AWS endpoint.
   */
  sqsEndpoint?: string;
  /** True when `sqsEndpoint` comes from the pod-mode test hook (the start-up log warns). */
  sqsEndpointIsTestHook?: boolean;
  /** Local only: STS endpoint for the assumed role; defaults to `sqsEndpoint` locally. */
  stsEndpoint?: string;
  /** Whether environment keys are present (never the keys themselves). */
  hasEnvironmentKeys: boolean;
  webIdentity?: { tokenFile: string; roleArn: string; sessionName?: string };
  assumeRole?: AssumeRoleConfig;
}

const LOCAL_DEFAULT_REGION = 'us-east-1';

export function toAwsConfig(env: Env): AwsConfig {
  const podCredentials = isPodEnvironment(env.APP_ENV);
  return {
    appEnv: env.APP_ENV,
    podCredentials,
    // The schema requires a region in pods; locally the queue's own, or us-east-1 for emulators.
    region:
      env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? awsSqsEndpoint(env.SQS_QUEUE_URL)?.region ?? LOCAL_DEFAULT_REGION,
    sqsEndpoint: env.SQS_ENDPOINT ?? env.TEST_ONLY_POD_SQS_ENDPOINT,
    sqsEndpointIsTestHook: !env.SQS_ENDPOINT && Boolean(env.TEST_ONLY_POD_SQS_ENDPOINT),
    stsEndpoint: env.AWS_STS_ENDPOINT ?? (podCredentials ? undefined : env.SQS_ENDPOINT),
    hasEnvironmentKeys: Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY),
    webIdentity:
      env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN
        ? {
            tokenFile: env.AWS_WEB_IDENTITY_TOKEN_FILE,
            roleArn: env.AWS_ROLE_ARN,
            sessionName: env.AWS_ROLE_SESSION_NAME,
          }
        : undefined,
    assumeRole: env.AWS_ASSUME_ROLE_ARN
      ? {
          roleArn: env.AWS_ASSUME_ROLE_ARN,
          sessionName: env.AWS_ASSUME_ROLE_SESSION_NAME,
          durationSeconds: env.AWS_ASSUME_ROLE_DURATION_SECONDS,
          externalId: env.AWS_ASSUME_ROLE_EXTERNAL_ID,
        }
      : undefined,
  };
}

export const awsConfig = registerAs('aws', (): AwsConfig => toAwsConfig(parseEnv(process.env)));
